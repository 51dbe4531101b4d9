package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.Random;
import org.bnncim.compiler.passes.FoldThresholds;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.oracle.OnnxBuilder;
import org.bnncim.oracle.OrtReference;
import org.bnncim.oracle.ReferenceForm;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 3 of the foundation issue: models with ai.bnncim::ScaleDropout, built here, import; for fixed z bits
 * the interpreter (on the folded IR) equals ONNX Runtime on the reference form, for every combination of bits.
 */
public class ScaleDropoutAgainstOrtTest {
    private static float[] signs(Random r, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = r.nextBoolean() ? 1f : -1f;
        return w;
    }

    private static float[] gauss(Random r, int n, double mean, double sd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (mean + sd * r.nextGaussian());
        return v;
    }

    private static float[] positive(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = 0.5f + r.nextFloat() * 3;
        return v;
    }

    /**
     * input [N,16] -> Sign -> MatMul 16x8 -> ScaleDropout -> BN -> Sign -> MatMul 8x4 -> ScaleDropout(dropped) -> Add.
     */
    public static OnnxMl.ModelProto denseModel(Random r) {
        float[] s1 = gauss(r, 8, 0.8, 0.6); // some negative scales: the direction bit must flip
        return new OnnxBuilder("sd_dense")
                .opset(13)
                .opset("ai.bnncim", 1)
                .input("x", DataType.FLOAT, "N", 16)
                .initializer("w1", new int[] {16, 8}, signs(r, 128))
                .initializer("s1", new int[] {8}, s1)
                .initializer("g", new int[] {8}, gauss(r, 8, 1, 0.5))
                .initializer("b", new int[] {8}, gauss(r, 8, 0, 1))
                .initializer("m", new int[] {8}, gauss(r, 8, 0, 2))
                .initializer("v", new int[] {8}, positive(r, 8))
                .initializer("w2", new int[] {8, 4}, signs(r, 32))
                .initializer("s2", new int[] {4}, positive(r, 4))
                .initializer("d2", new int[] {4}, gauss(r, 4, 0.5, 0.2))
                .initializer("bias", new int[] {4}, gauss(r, 4, 0, 1))
                .node("Sign", "sign_in")
                .inputs("x")
                .outputs("xb")
                .end()
                .node("MatMul", "mm1")
                .inputs("xb", "w1")
                .outputs("h1")
                .end()
                .node("ScaleDropout", "sd1")
                .domain("ai.bnncim")
                .inputs("h1", "s1")
                .outputs("h1s")
                .attr("p", 0.3f)
                .end()
                .node("BatchNormalization", "bn1")
                .inputs("h1s", "g", "b", "m", "v")
                .outputs("a1")
                .end()
                .node("Sign", "sign1")
                .inputs("a1")
                .outputs("y1")
                .end()
                .node("MatMul", "mm2")
                .inputs("y1", "w2")
                .outputs("h2")
                .end()
                .node("ScaleDropout", "sd2")
                .domain("ai.bnncim")
                .inputs("h2", "s2", "d2")
                .outputs("h2s")
                .attr("p", 0.2f)
                .attr("axis", 1L)
                .end()
                .node("Add", "add")
                .inputs("h2s", "bias")
                .outputs("logits")
                .end()
                .output("logits", DataType.FLOAT, "N", 4)
                .build();
    }

    /**
     * input [N,1,6,6] 8-bit -> Conv 3x3 pad 1 -> ScaleDropout -> BN -> Sign -> MaxPool 2 -> Flatten -> MatMul -> Mul.
     */
    public static OnnxMl.ModelProto convModel(Random r) {
        return new OnnxBuilder("sd_conv")
                .opset(13)
                .opset("ai.bnncim", 1)
                .input("x", DataType.FLOAT, "N", 1, 6, 6)
                .initializer("w1", new int[] {4, 1, 3, 3}, signs(r, 36))
                .initializer("s1", new int[] {4}, positive(r, 4))
                .initializer("g", new int[] {4}, gauss(r, 4, 1, 0.5))
                .initializer("b", new int[] {4}, gauss(r, 4, 0, 0.5))
                .initializer("m", new int[] {4}, gauss(r, 4, 1, 1))
                .initializer("v", new int[] {4}, positive(r, 4))
                .initializer("w2", new int[] {36, 3}, signs(r, 108))
                .initializer("k", new int[] {3}, gauss(r, 3, 0.1, 0.05))
                .node("Conv", "conv")
                .inputs("x", "w1")
                .outputs("c")
                .attrInts("kernel_shape", 3, 3)
                .attrInts("pads", 1, 1, 1, 1)
                .end()
                .node("ScaleDropout", "sd")
                .domain("ai.bnncim")
                .inputs("c", "s1")
                .outputs("cs")
                .attr("p", 0.5f)
                .end()
                .node("BatchNormalization", "bn")
                .inputs("cs", "g", "b", "m", "v")
                .outputs("a")
                .end()
                .node("Sign", "sign")
                .inputs("a")
                .outputs("y")
                .end()
                .node("MaxPool", "pool")
                .inputs("y")
                .outputs("p")
                .attrInts("kernel_shape", 2, 2)
                .attrInts("strides", 2, 2)
                .end()
                .node("Flatten", "flat")
                .inputs("p")
                .outputs("f")
                .end()
                .node("MatMul", "mm")
                .inputs("f", "w2")
                .outputs("h")
                .end()
                .node("Mul", "scale")
                .inputs("h", "k")
                .outputs("logits")
                .end()
                .output("logits", DataType.FLOAT, "N", 3)
                .build();
    }

    @Test
    void denseModelMatchesForEveryBitPattern() {
        Random r = new Random(3);
        OnnxMl.ModelProto m = denseModel(r);
        Graph g = new FoldThresholds().run(OnnxImporter.importModel(m, "sd_dense", OnnxImporter.Options.DEFAULT));
        assertEquals(2, g.stochasticBits());
        assertEquals(1, g.nodesOf(Node.Threshold.class).size(), "the hidden layer folds to one comparator");
        assertTrue(g.nodesOf(Node.Threshold.class).get(0).stochastic() != null);
        int n = 64;
        float[] x = gauss(r, n * 16, 0, 1);
        compare(m, g, x, new int[] {16}, n, 16, 2);
    }

    @Test
    void convModelWithEightBitInputMatchesForEveryBitPattern() {
        Random r = new Random(5);
        OnnxMl.ModelProto m = convModel(r);
        Graph g = new FoldThresholds().run(OnnxImporter.importModel(m, "sd_conv", OnnxImporter.Options.DEFAULT));
        assertEquals(1, g.nodesOf(Node.InputQuantize.class).size(), "the first conv reads 8-bit pixels");
        int n = 40;
        float[] x = new float[n * 36];
        for (int i = 0; i < x.length; i++) x[i] = r.nextInt(256) / 255f;
        compare(m, g, x, new int[] {1, 6, 6}, n, 36, 1);
    }

    private static void compare(OnnxMl.ModelProto m, Graph g, float[] x, int[] shape, int n, int per, int bits) {
        ReferenceInterpreter interp = new ReferenceInterpreter(g);
        byte[] ref = ReferenceForm.convert(m, ReferenceForm.Mode.BITS).toByteArray();
        try (OrtReference ort = new OrtReference(ref, 1)) {
            assertEquals(bits, ort.bitCount());
            for (int pattern = 0; pattern < (1 << bits); pattern++) {
                boolean[][] z = new boolean[n][bits];
                for (int i = 0; i < n; i++) for (int k = 0; k < bits; k++) z[i][k] = ((pattern >> k) & 1) != 0;
                float[][] expected = ort.run(x, shape, n, z);
                for (int i = 0; i < n; i++) {
                    float[] xi = java.util.Arrays.copyOfRange(x, i * per, (i + 1) * per);
                    float[] mine = interp.output(xi, Bits.ofScale(z[i]));
                    for (int c = 0; c < mine.length; c++) {
                        assertEquals(
                                expected[i][c],
                                mine[c],
                                1e-5 * Math.max(1, Math.abs(expected[i][c])),
                                "example " + i + " bits " + pattern + " output " + c);
                    }
                }
            }
        }
    }
}
