package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegressTest {
    @TempDir
    Path tmp;

    @Test
    void testdataMatchesItsCommittedBaseline() throws Exception {
        Path junit = tmp.resolve("regress.xml");
        Cli.Result r = Cli.run("regress", Paths.testdata("").toString(), "--junit", junit.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains(" 0 regression(s)"), r.out());
        String xml = Files.readString(junit);
        assertTrue(xml.contains("<testsuite name=\"bnncim-regress\"") && xml.contains("failures=\"0\""), xml);
    }

    /** A one-model suite in a scratch folder, so the test can change the model at will. */
    private Path suite() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("suite"));
        Files.createDirectories(dir.resolve("models"));
        Files.createDirectories(dir.resolve("mnist"));
        Files.createDirectories(dir.resolve("ood"));
        Files.copy(Paths.testdata("models/mlp-sd.onnx"), dir.resolve("models/mlp-sd.onnx"));
        Files.copy(Paths.testdata("mnist/test-1000-images.npy"), dir.resolve("mnist/test-1000-images.npy"));
        Files.copy(Paths.testdata("mnist/test-1000-labels.npy"), dir.resolve("mnist/test-1000-labels.npy"));
        Files.copy(Paths.testdata("ood/noise-200-images.npy"), dir.resolve("ood/noise-200-images.npy"));
        Files.writeString(dir.resolve("manifest.json"), """
                {"models": [{"name": "mlp-sd", "file": "models/mlp-sd.onnx", "kind": "scale-dropout"}],
                 "regress": {"crossbars": ["128x128"], "targets": ["sim"], "count": 60, "samples": 4,
                             "ood": ["ood/noise-200-images.npy"]}}
                """);
        return dir;
    }

    /** Negates one weight of the first 784x256 layer: a small, real change a person could make by mistake. */
    private static void flipOneWeight(Path model) throws Exception {
        OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model));
        OnnxMl.ModelProto.Builder b = m.toBuilder();
        for (int i = 0; i < b.getGraph().getInitializerCount(); i++) {
            var t = b.getGraphBuilder().getInitializerBuilder(i);
            if (t.getDimsCount() == 2 && t.getDims(0) == 784) {
                byte[] raw = t.getRawData().toByteArray();
                ByteBuffer f = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
                f.putFloat(0, -f.getFloat(0));
                t.setRawData(ByteString.copyFrom(raw));
                Files.write(model, b.build().toByteArray());
                return;
            }
        }
        throw new IllegalStateException("no 784-row weight in " + model);
    }

    @Test
    void aDeliberateChangeFailsNamesModelMetricAndDeltaThenRevertAndUpdatePass() throws Exception {
        Path dir = suite();
        Path model = dir.resolve("models/mlp-sd.onnx");
        byte[] original = Files.readAllBytes(model);
        assertEquals(2, Cli.run("regress", dir.toString()).code(), "no baseline yet: a usage error");
        assertEquals(0, Cli.run("regress", dir.toString(), "--update").code());
        assertEquals(0, Cli.run("regress", dir.toString()).code(), "a clean run passes");

        flipOneWeight(model);
        Path junit = dir.resolve("junit.xml");
        Cli.Result bad = Cli.run("regress", dir.toString(), "--junit", junit.toString());
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.out().contains("mlp-sd@128x128"), bad.out());
        assertTrue(
                bad.out().lines().anyMatch(l -> l.contains("program_sha256") && l.contains("REGRESSION")), bad.out());
        assertTrue(
                bad.out()
                        .lines()
                        .anyMatch(l ->
                                l.contains("energy_pj") || l.contains("predictions") || l.contains("program_sha256")),
                bad.out());
        String xml = Files.readString(junit);
        assertTrue(xml.contains("<failure message=\"program_sha256"), xml);

        Files.write(model, original);
        assertEquals(0, Cli.run("regress", dir.toString()).code(), "reverting makes it pass");

        flipOneWeight(model);
        assertEquals(0, Cli.run("regress", dir.toString(), "--update").code());
        assertEquals(0, Cli.run("regress", dir.toString()).code(), "after --update the changed model is the baseline");
    }

    @Test
    void aTamperedBaselineNumberIsReportedWithItsDelta() throws Exception {
        Path dir = suite();
        assertEquals(0, Cli.run("regress", dir.toString(), "--update").code());
        Path base = dir.resolve("baseline.json");
        String text = Files.readString(base);
        // one crossbar fewer in the baseline than the model needs: using more is worse (fewer would be "improved")
        var used =
                java.util.regex.Pattern.compile("\"crossbars_used\" : (\\d+)").matcher(text);
        assertTrue(used.find(), text);
        String tampered = text.replaceFirst(
                "\"crossbars_used\" : \\d+", "\"crossbars_used\" : " + (Integer.parseInt(used.group(1)) - 1));
        Files.writeString(base, tampered);
        Cli.Result r = Cli.run("regress", dir.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(
                r.out()
                        .lines()
                        .anyMatch(l -> l.startsWith("mlp-sd@128x128")
                                && l.contains("crossbars_used")
                                && l.contains("REGRESSION")
                                && l.contains("+1")),
                r.out());
    }
}
