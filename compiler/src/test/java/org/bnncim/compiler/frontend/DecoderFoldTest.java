package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.Random;
import org.bnncim.compiler.passes.FoldThresholds;
import org.bnncim.compiler.passes.IntBounds;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;

/**
 * Sign(BN(SD(ConvTranspose(Sign(x)) + bias))) folds into one comparator per channel reading the transposed
 * convolution's popcount, as after a BinaryConv. Every popcount in [-K, K] is checked against the float32 chain
 * written out here (bias add, then the scale-dropout factor, then ONNX Runtime's BatchNormalization order).
 */
class DecoderFoldTest {
    private static final int CIN = 3, COUT = 4, K = CIN * 3 * 3;

    private static float[] gauss(Random r, int n, double mean, double sd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (mean + sd * r.nextGaussian());
        return v;
    }

    private static OnnxBuilder model(
            Random r,
            float[] bias,
            float[] gamma,
            float[] beta,
            float[] mean,
            float[] var,
            float[] sdScale,
            String head) {
        float[] w = new float[CIN * COUT * 9];
        for (int i = 0; i < w.length; i++) w[i] = r.nextBoolean() ? 1f : -1f;
        OnnxBuilder b = new OnnxBuilder("dec")
                .opset(13)
                .opset(OnnxBuilder.BNNCIM_DOMAIN, 1)
                .input("x", DataType.FLOAT, "N", CIN, 4, 4)
                .initializer("w", new int[] {CIN, COUT, 3, 3}, w)
                .initializer("b", new int[] {COUT}, bias)
                .initializer("g", new int[] {COUT}, gamma)
                .initializer("be", new int[] {COUT}, beta)
                .initializer("mu", new int[] {COUT}, mean)
                .initializer("va", new int[] {COUT}, var)
                .initializer("sds", new int[] {COUT}, sdScale)
                .node("Sign", "s0")
                .inputs("x")
                .outputs("xs")
                .end()
                .node("ConvTranspose", "up")
                .inputs("xs", "w", "b")
                .outputs("p")
                .attrInts("strides", 2, 2)
                .attrInts("pads", 1, 1, 1, 1)
                .attrInts("output_padding", 1, 1)
                .end()
                .node("ScaleDropout", "sd")
                .domain(OnnxBuilder.BNNCIM_DOMAIN)
                .inputs("p", "sds")
                .outputs("pd")
                .attr("p", 0.2f)
                .end()
                .node("BatchNormalization", "bn")
                .inputs("pd", "g", "be", "mu", "va")
                .outputs("h")
                .end();
        if (head.equals("Sign")) {
            b.node("Sign", "s1").inputs("h").outputs("y").end();
        } else {
            b.initializer("qs", new int[] {}, 0.5f)
                    .initializer("qz", new int[] {}, 0f)
                    .initializer("qb", new int[] {}, 2f)
                    .node("Quant", "q")
                    .domain("qonnx.custom_op.general")
                    .inputs("h", "qs", "qz", "qb")
                    .outputs("y")
                    .attr("signed", 1L)
                    .attr("narrow", 0L)
                    .end();
        }
        return b.outputUnshaped("y", DataType.FLOAT);
    }

    @Test
    void signAfterConvTransposeFoldsToOneComparatorPerChannel() {
        Random r = new Random(7);
        float[] bias = gauss(r, COUT, 0, 2), gamma = gauss(r, COUT, 0, 1), beta = gauss(r, COUT, 0, 1);
        float[] mean = gauss(r, COUT, 0, 3), var = gauss(r, COUT, 2, 0.5), sds = gauss(r, COUT, 1, 0.3);
        gamma[1] = -Math.abs(gamma[1]); // one falling channel
        var m = model(r, bias, gamma, beta, mean, var, sds, "Sign").build();
        Graph imported = OnnxImporter.importModel(m, "t", OnnxImporter.Options.DEFAULT);
        DecoderNode.BinaryConvTranspose t =
                imported.nodesOf(DecoderNode.BinaryConvTranspose.class).get(0);
        assertEquals(K, IntBounds.maxAbs(imported, t.output().name()));
        Graph g = new FoldThresholds().run(imported);
        assertEquals(0, g.nodesOf(Node.Affine.class).size());
        assertEquals(0, g.nodesOf(Node.ScaleDropout.class).size());
        Node.Threshold th = g.nodesOf(Node.Threshold.class).get(0);
        assertEquals(t.output().name(), th.input());
        assertNotNull(th.stochastic());
        for (int c = 0; c < COUT; c++) {
            float inv = 1.0f / (float) Math.sqrt(var[c] + 1e-5f);
            float a = inv * gamma[c], b = beta[c] - mean[c] * a;
            for (int p = -K; p <= K; p++) {
                float v = (float) p + bias[c];
                check(th.stochastic().kept(), c, p, (v * sds[c]) * a + b);
                check(th.stochastic().dropped(), c, p, (v * 1f) * a + b);
                // the deterministic pass multiplies by the expected factor (1 - p) * scale + p * dropped
                float e = (1.0f - 0.2f) * sds[c] + 0.2f * 1f;
                check(th.expected(), c, p, (v * e) * a + b);
            }
        }
    }

    private static void check(ThresholdSet s, int c, int p, float pre) {
        assertEquals(pre >= 0f, s.fires(p, c), "channel " + c + " popcount " + p + " pre-activation " + pre);
    }

    @Test
    void quantizeAfterConvTransposeFoldsToLevelComparators() {
        Random r = new Random(9);
        var m = model(
                        r,
                        gauss(r, COUT, 0, 1),
                        gauss(r, COUT, 0.3, 0.05),
                        gauss(r, COUT, 0, 0.5),
                        gauss(r, COUT, 0, 2),
                        gauss(r, COUT, 2, 0.2),
                        gauss(r, COUT, 1, 0.1),
                        "Quant")
                .build();
        Graph imported = OnnxImporter.importModel(m, "t", OnnxImporter.Options.DEFAULT);
        assertEquals(1, imported.nodesOf(Node.Quantize.class).size());
        Graph g = new FoldThresholds().run(imported);
        Node.MultiThreshold mt = g.nodesOf(Node.MultiThreshold.class).get(0);
        DecoderNode.BinaryConvTranspose t =
                g.nodesOf(DecoderNode.BinaryConvTranspose.class).get(0);
        assertEquals(t.output().name(), mt.input());
        assertNotNull(mt.stochastic());
        for (long v : mt.expected().t()) assertTrue(v >= -K - 1 && v <= K + 1, "threshold " + v + " outside +-(K+1)");
    }
}
