package org.bnncim.cli;

import static org.bnncim.cli.BadInputTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.compiler.testing.SegModels;
import org.bnncim.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run and eval on a per-pixel model (binary convolutions keeping H and W), as a user types them. */
class SegmentationCliTest {
    @TempDir
    Path tmp;

    @Test
    void runWritesTheProbabilityAndUncertaintyMapsBesideTheOutputFile() throws Exception {
        Path model = SegModels.write(tmp.resolve("seg.onnx"), 2, 1);
        Path d = SegModels.dataset(Files.createDirectories(tmp.resolve("d")), 5, 2, false);
        Path x = d.resolve("test-images.npy");
        Cli.Result r = Cli.run(
                "run",
                model.toString(),
                "--input",
                x.toString(),
                "--samples",
                "3",
                "-o",
                tmp.resolve("y.npy").toString(),
                "--save-samples",
                tmp.resolve("s.npy").toString());
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(5, lines.size(), r.out());
        assertTrue(
                lines.get(0)
                        .matches("0: foreground [0-9.]+  confidence [0-9.]+  entropy [0-9.]+  "
                                + "expected_entropy [0-9.]+  mutual_info [0-9.]+"),
                lines.get(0));
        assertEquals(List.of(5, 2, 8, 8), dims(tmp.resolve("y.npy")));
        for (String f : List.of("y-entropy.npy", "y-expected-entropy.npy", "y-mutual-info.npy", "y-class.npy"))
            assertEquals(List.of(5, 8, 8), dims(tmp.resolve(f)), f);
        assertEquals(Npy.DType.U1, Npy.read(tmp.resolve("y-class.npy")).type());
        assertEquals(List.of(5, 3, 2, 8, 8), dims(tmp.resolve("s.npy")));
        // probabilities over the 2 channels sum to 1 per pixel
        float[] p = Npy.read(tmp.resolve("y.npy")).toFloat();
        for (int q = 0; q < 64; q++) assertEquals(1, p[q] + p[64 + q], 1e-6);

        Cli.Result again = Cli.run(
                "run",
                model.toString(),
                "--input",
                x.toString(),
                "--samples",
                "3",
                "--threads",
                "1",
                "--quiet",
                "-o",
                tmp.resolve("z.npy").toString());
        assertEquals(0, again.code(), again.toString());
        assertEquals("", again.out());
        assertArrayEquals(
                Files.readAllBytes(tmp.resolve("y-mutual-info.npy")),
                Files.readAllBytes(tmp.resolve("z-mutual-info.npy")));
        assertOneLineError(
                Cli.run(
                        "run",
                        model.toString(),
                        "--input",
                        x.toString(),
                        "-o",
                        tmp.resolve("y.txt").toString()),
                "-o",
                "y.txt",
                ".npy");
    }

    @Test
    void evalReportsPixelMetricsAndWritesJsonHtmlAndArrays() throws Exception {
        Path model = SegModels.write(tmp.resolve("seg.onnx"), 1, 3);
        Path test = SegModels.dataset(Files.createDirectories(tmp.resolve("test")), 8, 2, true);
        Path shifted = SegModels.dataset(Files.createDirectories(tmp.resolve("shift")), 7, 3, false);
        String[] args = {
            "eval",
            model.toString(),
            "--dataset",
            test.toString(),
            "--ood",
            shifted.toString(),
            "--samples",
            "4",
            "--save-arrays",
            "-o"
        };
        Cli.Result r = Cli.run(concat(args, tmp.resolve("out").toString()));
        assertEquals(0, r.code(), r.toString());
        for (String s : List.of(
                "[test]",
                "[shifted]",
                "pixel_accuracy",
                "dice",
                "iou",
                "ece",
                "nll",
                "mutual_inf",
                "wrong_auroc",
                "by mutual information",
                "shift_auroc",
                "sigmoid of the logit")) {
            assertTrue(r.out().contains(s), s + " missing:\n" + r.out());
        }
        Path out = tmp.resolve("out");
        JsonNode j = new ObjectMapper().readTree(Files.readString(out.resolve("eval.json")));
        assertEquals("segmentation", j.path("kind").asText());
        assertEquals(8, j.path("test").path("examples").asInt());
        assertEquals(7, j.path("shifted").path("examples").asInt());
        assertEquals(2, j.path("test").path("classes").size());
        for (String f : List.of(
                "pixel_accuracy",
                "mean_dice",
                "mean_iou",
                "ece",
                "nll",
                "wrong_pixel_auroc_entropy",
                "wrong_pixel_auroc_mutual_information",
                "mean_mutual_information")) {
            assertTrue(
                    j.path("test").path(f).isNumber() || j.path("test").path(f).isNull(), f);
        }
        assertEquals(6, j.path("test").path("panel_examples").size());
        String html = Files.readString(out.resolve("eval.html"));
        assertTrue(html.contains("data:image/png;base64,") && html.contains("Shifted split"), "panel");
        assertFalse(html.contains("http:") || html.contains("https:") || html.contains("<script"), "self-contained");
        assertEquals(List.of(8, 1, 8, 8), dims(out.resolve("test.npy")));
        assertEquals(List.of(7, 8, 8), dims(out.resolve("shifted-mutual-info.npy")));

        // the same inputs and seed give the same bytes
        Cli.Result r2 = Cli.run(concat(args, tmp.resolve("out2").toString()));
        assertEquals(0, r2.code(), r2.toString());
        for (String f : List.of("eval.json", "eval.html", "test-entropy.npy", "shifted-class.npy"))
            assertArrayEquals(
                    Files.readAllBytes(out.resolve(f)),
                    Files.readAllBytes(tmp.resolve("out2").resolve(f)));
    }

    @Test
    void badSegmentationInputIsOneLineAndExitTwo() throws Exception {
        Path model = SegModels.write(tmp.resolve("seg.onnx"), 2, 1);
        Path d = SegModels.dataset(Files.createDirectories(tmp.resolve("d")), 4, 2, false);
        assertOneLineError(
                Cli.run("eval", model.toString(), "--dataset", d.toString(), "--save-arrays"),
                "--save-arrays needs -o");
        Path masks = d.resolve("test-masks.npy");
        byte[] m = Npy.read(masks).u8();
        Npy.write(masks, Npy.NpyArray.ofUint8(new int[] {3, 8, 8}, Arrays.copyOf(m, 192)));
        assertOneLineError(
                Cli.run("eval", model.toString(), "--dataset", d.toString()), "test-masks.npy", "3 masks for 4 images");
        m[5] = 2;
        Npy.write(masks, Npy.NpyArray.ofUint8(new int[] {4, 8, 8}, m));
        assertOneLineError(Cli.run("eval", model.toString(), "--dataset", d.toString()), "test-masks.npy", "class 2");
        assertOneLineError(
                Cli.run(
                        "eval",
                        Paths.tfc().toString(),
                        "--dataset",
                        Paths.testdata("mnist").toString(),
                        "--limit",
                        "2",
                        "--save-arrays",
                        "-o",
                        tmp.resolve("o").toString()),
                "--save-arrays",
                "classifier");
    }

    @Test
    void classifierEvalWritesItsNumbersToEvalJson() throws Exception {
        Cli.Result r = Cli.run(
                "eval",
                Paths.tfc().toString(),
                "--dataset",
                Paths.testdata("mnist").toString(),
                "--limit",
                "20",
                "-o",
                tmp.resolve("c").toString());
        assertEquals(0, r.code(), r.toString());
        JsonNode j = new ObjectMapper().readTree(Files.readString(tmp.resolve("c/eval.json")));
        assertEquals("classifier", j.path("kind").asText());
        assertEquals(20, j.path("examples").asInt());
        assertTrue(
                r.out()
                        .contains(String.format(
                                java.util.Locale.ROOT,
                                "accuracy   %.4f",
                                j.path("accuracy").asDouble())),
                r.out());
    }

    static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static List<Integer> dims(Path f) {
        return Arrays.stream(Npy.read(f).shape()).boxed().toList();
    }
}
