package org.bnncim.compiler.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.ProgramCodec;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.frontend.ScaleDropoutAgainstOrtTest;
import org.bnncim.compiler.testing.Models;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.ir.mapping.MappedModel;
import org.junit.jupiter.api.Test;

/** The simulator, computing from crossbar cells, equals the reference interpreter at every value of every pass. */
class SimulatorVsInterpreterTest {
    static MappedModel mapped(Graph imported, Architecture a) {
        return Compiler.compile(imported, new Compiler.Options(OnnxImporter.Options.DEFAULT, a, 4, Set.of()), s -> {})
                .mapped();
    }

    static void assertSameEverywhere(MappedModel g, float[][] inputs, int samples, String what) {
        // through the program file, as `bnncim run` would load it
        Program p = ProgramCodec.decode(ProgramCodec.encode(Program.of(g)), what);
        Simulator sim = new Simulator(p, Faults.NONE, 1);
        ReferenceInterpreter ref = new ReferenceInterpreter(g.graph());
        BitSource bits = BitSource.counterBased(g, 7, 0);
        // examples are independent and both engines read-only: the cores share them
        java.util.stream.IntStream.range(0, inputs.length).parallel().forEach(i -> {
            for (int t = -1; t < samples; t++) {
                boolean[] z = t < 0 ? null : bits.bits(i, t);
                var a = ref.run(inputs[i], z == null ? null : Bits.ofScale(z));
                var b = sim.pass(inputs[i], z, i, Math.max(0, t));
                for (Node n : g.graph().nodes()) {
                    assertArrayEquals(
                            a.get(n.output().name()),
                            b.get(n.output().name()),
                            what + ": " + n.name() + " example " + i + " pass " + t);
                }
            }
        });
    }

    @Test
    void everyModelAtThreeCrossbarSizes() {
        Random r = new Random(11);
        for (Path model : Models.all()) {
            Graph imported = OnnxImporter.importFile(model, new OnnxImporter.Options(false, false, 255));
            int per = imported.inputs().get(0).shape().size();
            float[][] x = new float[6][per];
            for (float[] row : x) for (int j = 0; j < per; j++) row[j] = r.nextInt(256) / 255f;
            for (int size : new int[] {64, 128, 256}) {
                for (var enc : Architecture.WeightEncoding.values()) {
                    Architecture a = ArchitectureLoader.defaults()
                            .withCrossbar(size, size)
                            .withEncoding(enc);
                    assertSameEverywhere(mapped(imported, a), x, 3, model.getFileName() + "@" + size + enc);
                }
            }
        }
    }

    @Test
    void scaleDropoutDenseAndPaddedConvModels() {
        Random r = new Random(13);
        var dense = OnnxImporter.importModel(
                ScaleDropoutAgainstOrtTest.denseModel(new Random(3)), "dense", OnnxImporter.Options.DEFAULT);
        var conv = OnnxImporter.importModel(
                ScaleDropoutAgainstOrtTest.convModel(new Random(5)), "conv", OnnxImporter.Options.DEFAULT);
        float[][] xd = new float[20][16], xc = new float[20][36];
        for (float[] row : xd) for (int j = 0; j < 16; j++) row[j] = (float) r.nextGaussian();
        for (float[] row : xc) for (int j = 0; j < 36; j++) row[j] = r.nextInt(256) / 255f;
        for (int size : new int[] {8, 16, 64}) {
            Architecture a = ArchitectureLoader.defaults().withCrossbar(size, size);
            assertSameEverywhere(mapped(dense, a), xd, 4, "dense@" + size);
            assertSameEverywhere(mapped(conv, a), xc, 4, "conv@" + size);
        }
    }

    @Test
    void sameSeedSameOutputsWhateverTheThreadCount() {
        var conv = OnnxImporter.importModel(
                ScaleDropoutAgainstOrtTest.convModel(new Random(5)), "conv", OnnxImporter.Options.DEFAULT);
        MappedModel g = mapped(conv, ArchitectureLoader.defaults().withCrossbar(16, 16));
        Random r = new Random(1);
        float[][] x = new float[50][36];
        for (float[] row : x) for (int j = 0; j < 36; j++) row[j] = r.nextInt(256) / 255f;
        Simulator sim = new Simulator(Program.of(g), new Faults(0.01, 0.001, 0.05), 3);
        BitSource bits = BitSource.counterBased(g, 3, 0.05);
        float[][][] one = sim.run(x, 8, bits, 1, null);
        float[][][] four = sim.run(x, 8, bits, 4, null);
        assertEquals(one.length, four.length);
        for (int i = 0; i < one.length; i++) for (int t = 0; t < 8; t++) assertArrayEquals(one[i][t], four[i][t]);
    }

    @Test
    void sharingWorkBetweenPassesGivesTheNaiveResults() {
        var dense = OnnxImporter.importModel(
                ScaleDropoutAgainstOrtTest.denseModel(new Random(3)), "dense", OnnxImporter.Options.DEFAULT);
        MappedModel g = mapped(dense, ArchitectureLoader.defaults().withCrossbar(8, 8));
        Random r = new Random(2);
        float[][] x = new float[30][16];
        for (float[] row : x) for (int j = 0; j < 16; j++) row[j] = (float) r.nextGaussian();
        Simulator sim = new Simulator(Program.of(g), Faults.NONE, 5);
        BitSource bits = BitSource.counterBased(g, 5, 0);
        float[][][] shared = sim.run(x, 16, bits, 2, null);
        for (int i = 0; i < x.length; i++) {
            for (int t = 0; t < 16; t++)
                assertArrayEquals(sim.output(x[i], bits.bits(i, t), i, t), shared[i][t], "example " + i + " pass " + t);
        }
    }

    private static float[] pm(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = r.nextBoolean() ? 1f : -1f;
        return f;
    }

    private static float[] normal(Random r, int n, double sd) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (r.nextGaussian() * sd) + 0.5f; // off the integers: no sign(0) ties
        return f;
    }

    /** A binary convolution (the second layer) with the given window, after an 8-bit 3x3 one; for the patch packers. */
    static ai.onnx.proto.OnnxMl.ModelProto twoConvModel(
            Random r, int h, int w, int cin, int kh, int kw, int sy, int sx, int[] pads) {
        int c2 = 5;
        int oh = (h + pads[0] + pads[2] - kh) / sy + 1, ow = (w + pads[1] + pads[3] - kw) / sx + 1;
        return new org.bnncim.oracle.OnnxBuilder("two_conv")
                .opset(13)
                .input("x", ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT, "N", 1, h, w)
                .initializer("w1", new int[] {cin, 1, 3, 3}, pm(r, cin * 9))
                .initializer("t1", new int[] {cin, 1, 1}, normal(r, cin, 2))
                .initializer("w2", new int[] {c2, cin, kh, kw}, pm(r, c2 * cin * kh * kw))
                .initializer("w3", new int[] {c2 * oh * ow, 3}, pm(r, c2 * oh * ow * 3))
                .node("Conv", "conv1")
                .inputs("x", "w1")
                .outputs("c1")
                .attrInts("kernel_shape", 3, 3)
                .attrInts("pads", 1, 1, 1, 1)
                .end()
                .node("Add", "shift")
                .inputs("c1", "t1")
                .outputs("a1")
                .end()
                .node("Sign", "sign1")
                .inputs("a1")
                .outputs("y1")
                .end()
                .node("Conv", "conv2")
                .inputs("y1", "w2")
                .outputs("c2")
                .attrInts("kernel_shape", kh, kw)
                .attrInts("strides", sy, sx)
                .attrInts("pads", java.util.Arrays.stream(pads).asLongStream().toArray())
                .end()
                .node("Sign", "sign2")
                .inputs("c2")
                .outputs("y2")
                .end()
                .node("Flatten", "flat")
                .inputs("y2")
                .outputs("f")
                .end()
                .node("MatMul", "mm")
                .inputs("f", "w3")
                .outputs("logits")
                .end()
                .output("logits", ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT, "N", 3)
                .build();
    }

    @Test
    void blockedConvolutionsEqualThePerPositionPath() {
        Random r = new Random(17);
        int[][] cases = { // h, w, cin, kh, kw, sy, sx, pads t l b r
            {12, 10, 3, 3, 3, 1, 1, 1, 1, 1, 1}, {11, 13, 4, 3, 3, 2, 2, 1, 1, 1, 1}, {9, 9, 2, 5, 3, 1, 2, 2, 0, 1, 2},
            {8, 30, 7, 1, 1, 1, 1, 0, 0, 0, 0}, {7, 62, 2, 3, 3, 1, 1, 1, 2, 1, 0}, {6, 64, 3, 3, 3, 1, 1, 1, 1, 1, 1}
        };
        for (int[] c : cases) {
            var m = twoConvModel(r, c[0], c[1], c[2], c[3], c[4], c[5], c[6], new int[] {c[7], c[8], c[9], c[10]});
            MappedModel g = mapped(
                    OnnxImporter.importModel(m, "two_conv", OnnxImporter.Options.DEFAULT),
                    ArchitectureLoader.defaults().withCrossbar(64, 64));
            float[][] x = new float[9][c[0] * c[1]];
            for (float[] row : x) for (int j = 0; j < row.length; j++) row[j] = r.nextInt(256) / 255f;
            Simulator sim = new Simulator(Program.of(g), Faults.NONE, 0);
            float[][][] blocked = sim.run(x, 0, BitSource.counterBased(g, 0, 0), 2, null);
            for (int i = 0; i < x.length; i++) {
                assertArrayEquals(
                        sim.output(x[i], null, i, 0), blocked[i][0], java.util.Arrays.toString(c) + " example " + i);
            }
        }
    }
}
