package org.bnncim.compiler.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.SegModels;
import org.bnncim.io.Npy;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segmentation evaluation through the driver on a per-pixel model built from binary convolutions only (no decoder
 * kinds), on the simulator and on the reference interpreter.
 */
class SegmentationEvaluationTest {
    @TempDir
    Path tmp;

    private static EvaluationService.Request request(
            Path model, Path data, Path shifted, EvaluationService.Engine engine, int samples) {
        return new EvaluationService.Request(
                model,
                OnnxImporter.Options.DEFAULT,
                ArchitectureLoader.defaults(),
                data,
                shifted,
                null,
                engine,
                new SimSettings(samples, 7, BitModel.counter, Faults.NONE, 2));
    }

    private SegmentationEvaluation.Result evaluate(EvaluationService.Request r) {
        Program p = EvaluationService.load(r);
        return SegmentationEvaluation.evaluate(r, p, EvaluationService.Progress.NONE);
    }

    @Test
    void twoChannelModelOnSimulatorAndInterpreterWithAShiftedSplit() throws Exception {
        Path model = SegModels.write(tmp.resolve("seg2.onnx"), 2, 1);
        Path test = SegModels.dataset(Files.createDirectories(tmp.resolve("test")), 10, 2, false);
        Path shifted = SegModels.dataset(Files.createDirectories(tmp.resolve("shift")), 6, 3, true);
        var sim = evaluate(request(model, test, shifted, EvaluationService.Engine.sim, 4));
        var interp = evaluate(request(model, test, shifted, EvaluationService.Engine.interp, 4));
        assertEquals(new ModelOutput(false, true, 2, 8, 8), sim.output());
        assertEquals(10, sim.test().examples());
        assertEquals(6, sim.shifted().orElseThrow().examples());
        assertEquals(640, sim.test().scores().pixels());
        assertEquals(
                SegmentationReport.json(sim), SegmentationReport.json(interp).replace("interp", "sim"));
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(
                    sim.test().maps().get(i).mean(), interp.test().maps().get(i).mean());
        }
        PixelMetrics.Scores s = sim.test().scores();
        assertTrue(s.pixelAccuracy() >= 0 && s.pixelAccuracy() <= 1 && s.ece() >= 0 && s.nll() > 0, s.toString());
        assertTrue(s.meanMutualInformation() > 0, "Scale-Dropout passes disagree somewhere: " + s);
        assertEquals(2, s.perClass().size());
        // the panel: the 4 most uncertain examples first, then 2 of the rest; the same seed, the same page
        int[] panel = sim.test().panel();
        assertEquals(6, panel.length);
        assertEquals(6, Arrays.stream(panel).distinct().count());
        for (int k = 1; k < 4; k++) {
            assertTrue(sim.test().maps().get(panel[k - 1]).meanEntropy()
                    >= sim.test().maps().get(panel[k]).meanEntropy());
        }
        var again = evaluate(request(model, test, shifted, EvaluationService.Engine.sim, 4));
        assertEquals(SegmentationHtml.render(sim), SegmentationHtml.render(again));
        assertEquals(SegmentationReport.json(sim), SegmentationReport.json(again));
    }

    @Test
    void mapsAreTheSimulatorsPassesSummarisedPerPixel() throws Exception {
        Path model = SegModels.write(tmp.resolve("seg1.onnx"), 1, 5);
        Path test = SegModels.dataset(Files.createDirectories(tmp.resolve("d")), 3, 4, true);
        var r = request(model, test, null, EvaluationService.Engine.sim, 3);
        Program p = EvaluationService.load(r);
        var res = SegmentationEvaluation.evaluate(r, p, EvaluationService.Progress.NONE);
        assertEquals(new ModelOutput(false, true, 1, 8, 8), res.output());
        assertTrue(res.shifted().isEmpty() && Double.isNaN(res.exampleAuroc()));
        float[][] x = res.test().data().inputs();
        float[][][] y = r.sim().simulator(p).run(x, 3, r.sim().bitSource(p, x.length), 1, null);
        for (int i = 0; i < 3; i++) {
            PixelMaps direct = PixelMaps.of(y[i], res.output());
            PixelMaps got = res.test().maps().get(i);
            assertArrayEquals(direct.mean(), got.mean());
            assertArrayEquals(direct.mutual(), got.mutual());
            // C = 1: the stored mean is the foreground probability, sigmoid of the logits averaged over passes
            double fg = 0;
            for (float[] pass : y[i]) fg += 1 / (1 + Math.exp(-pass[0]));
            assertEquals(fg / 3, got.mean()[0], 1e-6);
        }
        var files = PixelArrays.arrays(tmp.resolve("y.npy"), res.test().maps());
        assertEquals(
                List.of("y.npy", "y-entropy.npy", "y-expected-entropy.npy", "y-mutual-info.npy", "y-class.npy"),
                files.keySet().stream().map(f -> f.getFileName().toString()).toList());
        var shapes =
                files.values().stream().map(a -> Arrays.toString(a.shape())).toList();
        assertEquals(List.of("[3, 1, 8, 8]", "[3, 8, 8]", "[3, 8, 8]", "[3, 8, 8]", "[3, 8, 8]"), shapes);
        assertEquals(Npy.DType.U1, files.get(tmp.resolve("y-class.npy")).type());
    }

    @Test
    void badMasksAreRefusedNamingTheFile() throws Exception {
        Path model = SegModels.write(tmp.resolve("seg2.onnx"), 2, 1);
        Path d = SegModels.dataset(Files.createDirectories(tmp.resolve("bad")), 4, 2, false);
        Path masks = d.resolve("test-masks.npy");
        byte[] ok = Npy.read(masks).u8();
        var r = request(model, d, null, EvaluationService.Engine.sim, 0);
        Program p = EvaluationService.load(r);

        Npy.write(masks, Npy.NpyArray.ofUint8(new int[] {4, 4, 16}, ok));
        assertMessage(r, p, masks + ": masks of shape [4, 4, 16]");
        Npy.write(masks, Npy.NpyArray.ofUint8(new int[] {2, 8, 8}, Arrays.copyOf(ok, 128)));
        assertMessage(r, p, masks + ": 2 masks for 4 images");
        byte[] three = ok.clone();
        three[70] = 3;
        Npy.write(masks, Npy.NpyArray.ofUint8(new int[] {4, 8, 8}, three));
        assertMessage(r, p, masks + ": mask 1 has class 3 at pixel (0,6), the model has 2 classes");
        Npy.write(masks, Npy.NpyArray.ofInt32(new int[] {4, 8, 8}, new int[256]));
        assertMessage(r, p, masks + ": masks must be uint8");
        Files.delete(masks);
        assertMessage(r, p, masks + ": masks file not found");
    }

    private static void assertMessage(EvaluationService.Request r, Program p, String start) {
        var e = assertThrows(
                BnncimException.class, () -> SegmentationEvaluation.evaluate(r, p, EvaluationService.Progress.NONE));
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void classifierEndingInSoftmaxIsReadAsProbabilitiesAndPixelModelsAreNotClassifiers() throws Exception {
        Random r = new Random(9);
        float[] w1 = new float[36], w2 = new float[256 * 3];
        for (int i = 0; i < w1.length; i++) w1[i] = r.nextBoolean() ? 1 : -1;
        for (int i = 0; i < w2.length; i++) w2[i] = r.nextBoolean() ? 1 : -1;
        Path model = tmp.resolve("soft.onnx");
        new OnnxBuilder("soft")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 1, 8, 8)
                .initializer("w1", new int[] {4, 1, 3, 3}, w1)
                .initializer("w2", new int[] {256, 3}, w2)
                .initializer("k", new int[] {3}, 0.05f, 0.04f, 0.06f)
                .node("Conv", "conv")
                .inputs("x", "w1")
                .outputs("c")
                .attrInts("kernel_shape", 3, 3)
                .attrInts("pads", 1, 1, 1, 1)
                .end()
                .node("Sign", "sign")
                .inputs("c")
                .outputs("s")
                .end()
                .node("Flatten", "flat")
                .inputs("s")
                .outputs("f")
                .end()
                .node("MatMul", "mm")
                .inputs("f", "w2")
                .outputs("h")
                .end()
                .node("Mul", "scale")
                .inputs("h", "k")
                .outputs("z")
                .end()
                .node("Softmax", "softmax")
                .inputs("z")
                .outputs("prob")
                .end()
                .output("prob", DataType.FLOAT, "N", 3)
                .save(model);
        Path d = SegModels.dataset(Files.createDirectories(tmp.resolve("cls")), 20, 6, false);
        int[] labels = new int[20];
        for (int i = 0; i < 20; i++) labels[i] = i % 3;
        Npy.write(d.resolve("test-labels.npy"), Npy.NpyArray.ofInt32(new int[] {20}, labels));
        var req = request(model, d, null, EvaluationService.Engine.sim, 0);
        Program p = EvaluationService.load(req);
        assertEquals(new ModelOutput(true, false, 3, 1, 1), ModelOutput.of(p.graph()));
        var res = EvaluationService.evaluate(req, p, EvaluationService.Progress.NONE);
        // NLL straight from the model's own probabilities (the interpreter's), no second softmax
        ReferenceInterpreter interp = new ReferenceInterpreter(p.graph());
        float[][] x = SegmentationData.read(d, 64, new ModelOutput(false, true, 2, 8, 8), null)
                .inputs();
        double nll = 0;
        for (int i = 0; i < 20; i++) nll -= Math.log(interp.output(x[i], null)[labels[i]]);
        assertEquals(nll / 20, res.nll(), 1e-6);

        var seg = request(SegModels.write(tmp.resolve("seg.onnx"), 2, 1), d, null, EvaluationService.Engine.sim, 0);
        var e = assertThrows(
                BnncimException.class, () -> EvaluationService.evaluate(seg, EvaluationService.Progress.NONE));
        assertTrue(e.getMessage().contains("segmentation model"), e.getMessage());
    }
}
