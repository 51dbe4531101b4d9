package org.bnncim.compiler.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.SegModels;
import org.bnncim.io.Npy;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A manifest model's own {@code test_data}: how the plan reads it, and what regress measures on a per-pixel model. */
class RegressionTestDataTest {
    private static final int S = SegModels.SIDE, HW = S * S;

    @TempDir
    Path dir;

    private void manifest(String entryExtra) throws Exception {
        Files.writeString(dir.resolve("manifest.json"), """
                {"models": [{"name": "m", "file": "m.onnx"%s}],
                 "regress": {"crossbars": ["64x64"], "count": 6, "samples": 4, "seed": 3, "ood": ["o.npy"]}}
                """.formatted(entryExtra));
    }

    private void touch(String... rel) throws Exception {
        for (String r : rel) {
            Files.createDirectories(dir.resolve(r).getParent());
            Files.writeString(dir.resolve(r), "");
        }
    }

    @Test
    void withoutTestDataTheManifestDefaultsApply() throws Exception {
        // a folder without a dataset of its own falls back to where testdata/ keeps its MNIST subset
        touch("mnist/test-1000-images.npy", "mnist/test-1000-labels.npy");
        manifest("");
        var plan = Regression.plan(dir, List.of());
        TestData d = plan.data(dir.resolve("m.onnx"));
        assertEquals(dir.resolve("mnist/test-1000-images.npy"), d.images());
        assertEquals(dir.resolve("mnist/test-1000-labels.npy"), d.labels());
        assertNull(d.masks());
        assertEquals(List.of(dir.resolve("o.npy")), d.ood());
    }

    @Test
    void testDataIsPerModelAndRelativeToTheManifest() throws Exception {
        touch(
                "f/x-images.npy",
                "f/x-labels.npy",
                "f/o-images.npy",
                "s/i.npy",
                "s/m.npy",
                "s/sh-images.npy",
                "s/sh-masks.npy");
        manifest(", \"test_data\": {\"images\": \"f/x-images.npy\", \"labels\": \"f/x-labels.npy\","
                + " \"ood\": [\"f/o-images.npy\"]}");
        TestData d = Regression.plan(dir, List.of()).data(dir.resolve("m.onnx"));
        assertEquals(dir.resolve("f/x-images.npy"), d.images());
        assertEquals(dir.resolve("f/x-labels.npy"), d.labels());
        assertFalse(d.segmentation());
        assertEquals(List.of(dir.resolve("f/o-images.npy")), d.ood());

        manifest(", \"test_data\": {\"images\": \"s/i.npy\", \"masks\": \"s/m.npy\", \"ood\": [\"s/sh-images.npy\"]}");
        d = Regression.plan(dir, List.of()).data(dir.resolve("m.onnx"));
        assertTrue(d.segmentation());
        assertEquals(dir.resolve("s/m.npy"), d.masks());
        assertNull(d.labels());
        assertEquals(List.of(dir.resolve("s/sh-images.npy")), d.ood());
    }

    @Test
    void badTestDataFailsInOneLineNamingTheManifestAndTheField() throws Exception {
        touch("i.npy", "l.npy", "m.npy", "o-images.npy");
        Files.writeString(dir.getParent().resolve("outside.npy"), "");
        Map<String, String> cases = Map.of(
                "{\"images\": \"nope.npy\", \"labels\": \"l.npy\"}",
                "test_data.images",
                "{\"images\": \"../outside.npy\", \"labels\": \"l.npy\"}",
                "test_data.images",
                "{\"images\": \"i.npy\", \"labels\": \"" + dir.resolve("l.npy") + "\"}",
                "test_data.labels",
                "{\"images\": \"i.npy\", \"masks\": 7}",
                "test_data.masks",
                "{\"images\": \"i.npy\", \"labels\": \"l.npy\", \"ood\": [\"i.npy\", \"gone.npy\"]}",
                "test_data.ood[1]",
                "{\"images\": \"i.npy\", \"masks\": \"m.npy\", \"ood\": [\"o-images.npy\"]}",
                "test_data.ood[0]",
                "{\"images\": \"i.npy\", \"labels\": \"l.npy\", \"masks\": \"m.npy\"}",
                "test_data needs exactly one",
                "{\"images\": \"i.npy\"}",
                "test_data needs exactly one",
                "[\"i.npy\"]",
                "test_data must be an object");
        for (var c : cases.entrySet()) {
            manifest(", \"test_data\": " + c.getKey());
            var e = assertThrows(BnncimException.class, () -> Regression.plan(dir, List.of()), c.getKey());
            String msg = e.getMessage();
            assertTrue(msg.startsWith(dir.resolve("manifest.json") + ": model 'm' "), msg);
            assertTrue(msg.contains(c.getValue()), c.getValue() + " in " + msg);
            assertFalse(msg.contains("\n"), msg);
        }
    }

    @Test
    void aMetricMissingFromTheBaselineIsReportedAsNew() throws Exception {
        JsonNode base = new ObjectMapper().readTree("{\"runs\": {\"m@64x64\": {\"accuracy_mc\": 0.5}}}");
        var rows = Regression.compare(
                base, Map.of("m@64x64", Map.of("mean_dice_mc", new ObjectMapper().valueToTree(0.25))));
        var dice = rows.stream()
                .filter(r -> r.metric().equals("mean_dice_mc"))
                .findFirst()
                .orElseThrow();
        assertEquals("new metric", dice.delta());
        assertEquals(
                "metric missing",
                rows.stream()
                        .filter(r -> r.metric().equals("accuracy_mc"))
                        .findFirst()
                        .orElseThrow()
                        .delta());
    }

    /** A model without test_data still measures exactly its committed baseline (one stochastic model, one size). */
    @Test
    void anExistingModelKeepsItsBaselineNumbers() throws Exception {
        Path td = org.bnncim.compiler.testing.Paths.testdata(".").normalize();
        var all = Regression.plan(td, List.of());
        Path model = td.resolve("models/mlp-sd.onnx");
        assertNull(all.testData().get(model.toString()));
        var plan = new Regression.Plan(
                List.of(model),
                List.of("128x128"),
                all.targets(),
                all.count(),
                all.samples(),
                all.seed(),
                all.inputs(),
                all.labels(),
                all.ood(),
                all.mcDropout(),
                all.testData());
        JsonNode base = new ObjectMapper().readTree(Files.readString(td.resolve("baseline.json")));
        var rows = Regression.compare(base, Regression.measure(plan, 2)).stream()
                .filter(r -> r.run().equals("mlp-sd@128x128"))
                .toList();
        assertEquals(base.path("runs").path("mlp-sd@128x128").size(), rows.size(), rows.toString());
        for (var r : rows) assertTrue(r.ok() && r.delta().equals("0"), r.toString());
    }

    /** Images with a brighter square and its mask, drawn so the tiny model gets some pixels right and some wrong. */
    private static byte[][] split(String prefix, Path d, int n, long seed) {
        Random r = new Random(seed);
        byte[] img = new byte[n * HW], mask = new byte[n * HW];
        for (int i = 0; i < n * HW; i++) {
            mask[i] = (byte) (r.nextInt(3) == 0 ? 1 : 0);
            img[i] = (byte) (mask[i] == 1 ? 150 + r.nextInt(100) : r.nextInt(120));
        }
        Npy.write(d.resolve(prefix + "images.npy"), Npy.NpyArray.ofUint8(new int[] {n, S, S}, img));
        Npy.write(d.resolve(prefix + "masks.npy"), Npy.NpyArray.ofUint8(new int[] {n, S, S}, mask));
        return new byte[][] {img, mask};
    }

    @Test
    void aSegmentationModelIsMeasuredPerPixel() throws Exception {
        SegModels.write(dir.resolve("m.onnx"), 2, 5);
        Files.createDirectories(dir.resolve("seg"));
        byte[][] test = split("seg/t-", dir, 9, 1);
        byte[][] shift = split("seg/shift-", dir, 5, 2);
        manifest(", \"test_data\": {\"images\": \"seg/t-images.npy\", \"masks\": \"seg/t-masks.npy\","
                + " \"ood\": [\"seg/shift-images.npy\"]}");
        var plan = Regression.plan(dir, List.of());
        Map<String, JsonNode> m = Regression.measure(plan, 1).get("m@64x64");

        // the same compile and simulator runs, scored here by hand from the raw logits
        var g = OnnxImporter.importFile(dir.resolve("m.onnx"), OnnxImporter.Options.DEFAULT);
        var c = Compiler.compile(
                g,
                new Compiler.Options(
                        OnnxImporter.Options.DEFAULT,
                        ArchitectureLoader.defaults().withCrossbar(64, 64),
                        4,
                        Set.of()),
                s -> {});
        Simulator sim = new Simulator(Program.of(c.mapped()), Faults.NONE, 3);
        int n = 6; // the manifest's count
        float[][] x = new float[n][HW];
        for (int i = 0; i < n; i++) for (int q = 0; q < HW; q++) x[i][q] = (test[0][i * HW + q] & 0xFF) / 255f;
        float[][][] det = sim.run(x, 0, null, 1, null);
        float[][][] mc = sim.run(x, 4, BitSource.counterBased(c.mapped(), 3, 0), 1, null);
        byte[] detCls = new byte[n * HW], mcCls = new byte[n * HW];
        int detRight = 0, mcRight = 0, tp = 0, fp = 0, fn = 0, tn = 0;
        double entSum = 0;
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < HW; q++) {
                int truth = test[1][i * HW + q];
                detCls[i * HW + q] = (byte) (det[i][0][HW + q] > det[i][0][q] ? 1 : 0);
                double p1 = 0;
                for (float[] y : mc[i]) p1 += 1 / (1 + Math.exp(y[q] - y[HW + q])); // softmax of two logits
                p1 /= mc[i].length;
                int pred = p1 > 0.5 ? 1 : 0;
                mcCls[i * HW + q] = (byte) pred;
                entSum += -(p1 > 0 ? p1 * Math.log(p1) : 0) - (p1 < 1 ? (1 - p1) * Math.log(1 - p1) : 0);
                if (detCls[i * HW + q] == truth) detRight++;
                if (pred == truth) mcRight++;
                if (pred == 1 && truth == 1) tp++;
                if (pred == 1 && truth == 0) fp++;
                if (pred == 0 && truth == 1) fn++;
                if (pred == 0 && truth == 0) tn++;
            }
        }
        assertTrue(mcRight > 0 && mcRight < n * HW, "the check needs right and wrong pixels: " + mcRight);
        double dice = (2.0 * tp / (2 * tp + fp + fn) + 2.0 * tn / (2 * tn + fn + fp)) / 2; // both classes present
        assertEquals(
                (double) detRight / (n * HW), m.get("accuracy_deterministic").asDouble(), 1e-9);
        assertEquals((double) mcRight / (n * HW), m.get("accuracy_mc").asDouble(), 1e-9);
        assertEquals(dice, m.get("mean_dice_mc").asDouble(), 1e-6);
        assertEquals(entSum / (n * HW), m.get("mean_entropy_mc").asDouble(), 1e-6);
        assertEquals(sha(detCls), m.get("predictions_deterministic").asText());
        assertEquals(sha(mcCls), m.get("predictions_mc").asText());
        // OOD: every shifted image (not just count), its own bit stream (seed + 1), scored by mean pixel entropy
        float[][] ox = new float[5][HW];
        for (int i = 0; i < 5; i++) for (int q = 0; q < HW; q++) ox[i][q] = (shift[0][i * HW + q] & 0xFF) / 255f;
        double[] inEnt = meanEntropies(mc),
                outEnt = meanEntropies(sim.run(ox, 4, BitSource.counterBased(c.mapped(), 4, 0), 1, null));
        double wins = 0;
        for (double o : outEnt) for (double t : inEnt) wins += o > t ? 1 : o == t ? 0.5 : 0;
        assertEquals(wins / (5.0 * n), m.get("ood_auroc").get("shift").asDouble(), 1e-6, m.toString());
        assertTrue(m.containsKey("program_sha256"));
    }

    private static double[] meanEntropies(float[][][] passes) {
        double[] out = new double[passes.length];
        for (int i = 0; i < passes.length; i++) {
            for (int q = 0; q < HW; q++) {
                double p1 = 0;
                for (float[] y : passes[i]) p1 += 1 / (1 + Math.exp(y[q] - y[HW + q]));
                p1 /= passes[i].length;
                out[i] += -(p1 > 0 ? p1 * Math.log(p1) : 0) - (p1 < 1 ? (1 - p1) * Math.log(1 - p1) : 0);
            }
            out[i] /= HW;
        }
        return out;
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
