package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.Random;
import org.bnncim.compiler.passes.FoldThresholds;
import org.bnncim.ir.Graph;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.oracle.OnnxBuilder;
import org.bnncim.oracle.OrtReference;
import org.bnncim.oracle.ReferenceForm;
import org.junit.jupiter.api.Test;

/**
 * A small encoder-decoder: Sign, MaxPool down, a binary Conv with Scale-Dropout and BN, nearest Resize up (odd
 * factor, half_pixel), Concat with the skip, ConvTranspose with output_padding and a bias, per-pixel Softmax. The
 * reference form runs in ONNX Runtime here; the imported and folded graph in the reference interpreter is compared
 * against it once the interpreter evaluates the decoder kinds (branch dec-core; with dec-core at eefad0a merged
 * into a scratch checkout the comparison passed, 8 examples with random Scale-Dropout bits).
 */
class DecoderAgainstOrtTest {
    private static final int C = 3, H = 6, W = 5;

    private static float[] signs(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = r.nextBoolean() ? 1f : -1f;
        return v;
    }

    private static float[] gauss(Random r, int n, double mean, double sd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (mean + sd * r.nextGaussian());
        return v;
    }

    static OnnxMl.ModelProto unet(Random r) {
        return new OnnxBuilder("unet")
                .opset(13)
                .opset(OnnxBuilder.BNNCIM_DOMAIN, 1)
                .input("x", DataType.FLOAT, "N", C, H, W)
                .initializer("w1", new int[] {4, C, 3, 3}, signs(r, 4 * C * 9))
                .initializer("sd", new int[] {4}, gauss(r, 4, 1, 0.2))
                .initializer("g", new int[] {4}, gauss(r, 4, 0.5, 0.1))
                .initializer("be", new int[] {4}, gauss(r, 4, 0, 1))
                .initializer("mu", new int[] {4}, gauss(r, 4, 0, 2))
                .initializer("va", new int[] {4}, gauss(r, 4, 3, 0.3))
                .initializer("scales", new int[] {4}, 1f, 1f, 2f, 5f / 2f)
                .initializer("wt", new int[] {4 + C, 2, 3, 3}, signs(r, (4 + C) * 2 * 9))
                .initializer("bt", new int[] {2}, gauss(r, 2, 0, 1))
                .node("Sign", "s0")
                .inputs("x")
                .outputs("xs")
                .end()
                .node("MaxPool", "down")
                .inputs("xs")
                .outputs("d")
                .attrInts("kernel_shape", 2, 2)
                .attrInts("strides", 2, 2)
                .end()
                .node("Conv", "enc")
                .inputs("d", "w1")
                .outputs("e")
                .attrInts("pads", 1, 1, 1, 1)
                .end()
                .node("ScaleDropout", "drop")
                .domain(OnnxBuilder.BNNCIM_DOMAIN)
                .inputs("e", "sd")
                .outputs("ed")
                .attr("p", 0.25f)
                .end()
                .node("BatchNormalization", "bn")
                .inputs("ed", "g", "be", "mu", "va")
                .outputs("eb")
                .end()
                .node("Sign", "s1")
                .inputs("eb")
                .outputs("es")
                .end()
                .node("Resize", "up")
                .inputs("es", "", "scales")
                .outputs("u")
                .attr("mode", "nearest")
                .end()
                .node("Concat", "skip")
                .inputs("u", "xs")
                .outputs("cat")
                .attr("axis", 1L)
                .end()
                .node("ConvTranspose", "dec")
                .inputs("cat", "wt", "bt")
                .outputs("logits")
                .attrInts("strides", 2, 2)
                .attrInts("pads", 1, 1, 1, 1)
                .attrInts("output_padding", 1, 0)
                .end()
                .node("Softmax", "prob")
                .inputs("logits")
                .outputs("y")
                .attr("axis", 1L)
                .end()
                .output("y", DataType.FLOAT, "N", 2, 2 * H, 2 * W - 1)
                .build();
    }

    /** ONNX Runtime's output for n examples with random Scale-Dropout bits, one row per example. */
    private static float[][] ort(OnnxMl.ModelProto m, float[] x, int n, boolean[][] z) {
        byte[] ref = new ReferenceForm(ReferenceForm.Mode.BITS).convert(m).toByteArray();
        try (OrtReference ort = new OrtReference(ref, 1)) {
            assertEquals(1, ort.bitCount());
            return ort.run(x, new int[] {C, H, W}, n, z);
        }
    }

    @Test
    void theReferenceFormOfAnEncoderDecoderRunsInOnnxRuntime() {
        Random r = new Random(11);
        OnnxMl.ModelProto m = unet(r);
        int n = 4;
        float[] x = gauss(r, n * C * H * W, 0, 1);
        boolean[][] z = {{true}, {false}, {true}, {false}};
        float[][] y = ort(m, x, n, z);
        for (float[] yi : y) {
            assertEquals(2 * 2 * H * (2 * W - 1), yi.length);
            for (int p = 0; p < yi.length / 2; p++) assertEquals(1f, yi[p] + yi[p + yi.length / 2], 1e-5f);
        }
        // and the importer takes the whole graph
        Graph g = new FoldThresholds().run(OnnxImporter.importModel(m, "unet", OnnxImporter.Options.DEFAULT));
        assertTrue(g.nodes().size() >= 6, g.nodes().toString());
    }

    @Test
    void theImportedGraphInTheInterpreterEqualsOnnxRuntime() {
        Random r = new Random(11);
        OnnxMl.ModelProto m = unet(r);
        int n = 8;
        float[] x = gauss(r, n * C * H * W, 0, 1);
        boolean[][] z = new boolean[n][1];
        for (int i = 0; i < n; i++) z[i][0] = r.nextBoolean();
        float[][] want = ort(m, x, n, z);
        Graph g = new FoldThresholds().run(OnnxImporter.importModel(m, "unet", OnnxImporter.Options.DEFAULT));
        ReferenceInterpreter interp = new ReferenceInterpreter(g);
        int per = C * H * W;
        for (int i = 0; i < n; i++) {
            float[] xi = java.util.Arrays.copyOfRange(x, i * per, (i + 1) * per);
            float[] got = interp.output(xi, Bits.ofScale(z[i]));
            assertEquals(want[i].length, got.length);
            for (int k = 0; k < got.length; k++) {
                assertEquals(want[i][k], got[k], 1e-4f * Math.max(1f, Math.abs(want[i][k])), "example " + i + " " + k);
            }
        }
    }
}
