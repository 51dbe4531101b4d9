package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import org.bnncim.compiler.passes.FoldThresholds;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.oracle.OnnxBuilder;
import org.bnncim.oracle.OrtReference;
import org.bnncim.oracle.ReferenceForm;
import org.junit.jupiter.api.Test;

/**
 * FINN-ONNX MultiThreshold: the bipolar form imports as a comparator, the k-bit form as a level set; other forms and
 * HLS nodes are refused.
 */
class FinnImportTest {
    private static final String FINN = "finn.custom_op.general";
    // x [4] -> sign -> MatMul W1 [4, 3] (popcount-like sums in {-4, -2, 0, 2, 4}) -> MultiThreshold -> MatMul W2 [3, 2]
    private static final float[] W1 = {1, -1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1};
    private static final float[] W2 = {1, -1, -1, 1, 1, 1};

    private static OnnxMl.ModelProto model(
            String domain, int[] thDims, float[] th, float scale, float bias, String layout) {
        OnnxBuilder.NodeBuilder mt = new OnnxBuilder("finn-mt")
                .opset(13)
                .opset(domain, 1)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer("W1", new int[] {4, 3}, W1)
                .initializer("W2", new int[] {3, 2}, W2)
                .initializer("T", thDims, th)
                .node("Sign", "in_sign")
                .inputs("x")
                .outputs("a")
                .end()
                .node("MatMul", "fc1")
                .inputs("a", "W1")
                .outputs("h")
                .end()
                .node("MultiThreshold", "mt")
                .domain(domain)
                .inputs("h", "T")
                .outputs("b")
                .attr("out_dtype", "BIPOLAR")
                .attr("out_scale", scale)
                .attr("out_bias", bias);
        if (layout != null) mt = mt.attr("data_layout", layout);
        return mt.end()
                .node("MatMul", "fc2")
                .inputs("b", "W2")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
    }

    /** By hand: y = (h >= t ? +1 : -1) @ W2 with h = sign(x) @ W1, sign(0) = +1. */
    private static float[] byHand(float[] x, float[] t) {
        float[] a = new float[4];
        for (int i = 0; i < 4; i++) a[i] = x[i] >= 0 ? 1 : -1;
        float[] y = new float[2];
        for (int c = 0; c < 3; c++) {
            float h = 0;
            for (int k = 0; k < 4; k++) h += a[k] * W1[k * 3 + c];
            float b = h >= t[t.length == 1 ? 0 : c] ? 1 : -1;
            for (int o = 0; o < 2; o++) y[o] += b * W2[c * 2 + o];
        }
        return y;
    }

    /** Every sign pattern of the input: every reachable sum, so every tie threshold (0, 2, -4, 4) is hit. */
    private static void check(OnnxMl.ModelProto m, float[] t) {
        Graph g = OnnxImporter.importModel(m, "finn", OnnxImporter.Options.DEFAULT);
        Graph folded = new FoldThresholds().run(g);
        assertEquals(1, folded.nodesOf(Node.Threshold.class).size(), "the MultiThreshold folds to one comparator");
        for (Graph gr : new Graph[] {g, folded}) {
            ReferenceInterpreter interp = new ReferenceInterpreter(gr);
            for (int p = 0; p < 16; p++) {
                float[] x = new float[4];
                for (int i = 0; i < 4; i++) x[i] = ((p >> i) & 1) != 0 ? 0.5f : (i == 0 ? 0f : -0.5f);
                float[] want = byHand(x, t);
                float[] got = interp.output(x, Bits.ofScale());
                for (int o = 0; o < 2; o++) assertEquals(want[o], got[o], 0f, "pattern " + p + " output " + o);
            }
        }
    }

    @Test
    void perChannelBipolarThresholdsWithExactTies() {
        float[] t = {0f, 2f, -4f};
        check(model(FINN, new int[] {3, 1}, t, 2f, -1f, null), t);
    }

    @Test
    void perChannelThresholdsBetweenIntegersInTheFinnDomain() {
        float[] t = {0.5f, -1.5f, 3.999f};
        check(model("finn", new int[] {3, 1}, t, 2f, -1f, "NCHW"), t);
    }

    @Test
    void sharedThresholdAndNhwcLayoutOnARank2Tensor() {
        float[] t = {2f};
        check(model(FINN, new int[] {1, 1}, t, 2f, -1f, null), t);
        float[] t2 = {0f, 4f, -2f};
        check(model(FINN, new int[] {3, 1}, t2, 2f, -1f, "NHWC"), t2);
    }

    /**
     * ONNX Runtime on the reference form (MultiThreshold as Where(Less(x, t), -1, +1)) against the imported and folded
     * graph, on every sign pattern (no exact 0 input: ORT's Sign(0) is 0), so every tie h == t is hit.
     */
    @Test
    void referenceFormRunsInOnnxRuntimeAndAgreesOnTies() {
        float[][] ts = {{0f, 2f, -4f}, {2f}, {0.5f, -1.5f, 4f}};
        for (float[] t : ts) {
            OnnxMl.ModelProto m = model(FINN, new int[] {t.length, 1}, t, 2f, -1f, null);
            Graph g = new FoldThresholds().run(OnnxImporter.importModel(m, "finn", OnnxImporter.Options.DEFAULT));
            ReferenceInterpreter interp = new ReferenceInterpreter(g);
            int n = 16;
            float[] x = new float[n * 4];
            for (int p = 0; p < n; p++) for (int i = 0; i < 4; i++) x[p * 4 + i] = ((p >> i) & 1) != 0 ? 0.5f : -0.5f;
            byte[] ref = ReferenceForm.convert(m, ReferenceForm.Mode.BITS).toByteArray();
            try (OrtReference ort = new OrtReference(ref, 1)) {
                assertEquals(0, ort.bitCount());
                float[][] expected = ort.run(x, new int[] {4}, n, new boolean[n][0]);
                for (int p = 0; p < n; p++) {
                    float[] xi = java.util.Arrays.copyOfRange(x, p * 4, p * 4 + 4);
                    float[] mine = interp.output(xi, Bits.ofScale());
                    float[] hand = byHand(xi, t);
                    for (int o = 0; o < 2; o++) {
                        assertEquals(hand[o], expected[p][o], 0f, "ORT, pattern " + p + " output " + o);
                        assertEquals(hand[o], mine[o], 0f, "bnncim, pattern " + p + " output " + o);
                    }
                }
            }
        }
    }

    /** A Conv (rank-4 NCHW) with per-channel thresholds, flattened into a MatMul: bnncim against ONNX Runtime. */
    @Test
    void convNchwPerChannelThresholdsAgreeWithOnnxRuntime() {
        float[] wc = {1, -1, 1, 1, -1, -1, 1, -1}; // [2, 1, 2, 2]: sums over 4 inputs in {-4, -2, 0, 2, 4}
        float[] w2 = new float[8 * 2];
        for (int i = 0; i < w2.length; i++) w2[i] = (i * 7 % 3 == 0) ? 1 : -1;
        OnnxMl.ModelProto m = new OnnxBuilder("finn-conv")
                .opset(13)
                .opset(FINN, 1)
                .input("x", DataType.FLOAT, "N", 1, 3, 3)
                .initializer("Wc", new int[] {2, 1, 2, 2}, wc)
                .initializer("T", new int[] {2, 1}, 2f, 0f)
                .initializer("W2", new int[] {8, 2}, w2)
                .node("Sign", "in_sign")
                .inputs("x")
                .outputs("a")
                .end()
                .node("Conv", "conv")
                .inputs("a", "Wc")
                .outputs("h")
                .end()
                .node("MultiThreshold", "mt")
                .domain(FINN)
                .inputs("h", "T")
                .outputs("b")
                .attr("out_dtype", "BIPOLAR")
                .attr("out_scale", 2f)
                .attr("out_bias", -1f)
                .attr("data_layout", "NCHW")
                .end()
                .node("Flatten", "flat")
                .inputs("b")
                .outputs("f")
                .end()
                .node("MatMul", "fc")
                .inputs("f", "W2")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
        Graph g = new FoldThresholds().run(OnnxImporter.importModel(m, "finn", OnnxImporter.Options.DEFAULT));
        assertEquals(1, g.nodesOf(Node.Threshold.class).size());
        ReferenceInterpreter interp = new ReferenceInterpreter(g);
        int n = 512; // every sign pattern of the 9 pixels
        float[] x = new float[n * 9];
        for (int p = 0; p < n; p++) for (int i = 0; i < 9; i++) x[p * 9 + i] = ((p >> i) & 1) != 0 ? 0.5f : -0.5f;
        byte[] ref = ReferenceForm.convert(m, ReferenceForm.Mode.BITS).toByteArray();
        try (OrtReference ort = new OrtReference(ref, 1)) {
            float[][] expected = ort.run(x, new int[] {1, 3, 3}, n, new boolean[n][0]);
            for (int p = 0; p < n; p++) {
                float[] mine = interp.output(java.util.Arrays.copyOfRange(x, p * 9, p * 9 + 9), Bits.ofScale());
                for (int o = 0; o < 2; o++) assertEquals(expected[p][o], mine[o], 0f, "pattern " + p + " output " + o);
            }
        }
    }

    /**
     * A k-bit MultiThreshold (per channel or one shared row of thresholds) folds into a MultiThreshold node; ONNX
     * Runtime on the reference form, the folded graph and a hand computation agree on every sign pattern, so every
     * tie h == t is hit.
     */
    @Test
    void kbitMultiThresholdAgreesWithOnnxRuntimeAndByHand() {
        // per channel: levels -0.5, 0, 0.5 (base -1, scale 0.5); shared [1, 3]: levels 0 .. 3 (unsigned 2-bit)
        kbit(new int[] {3, 2}, new float[] {-2f, 2f, 0f, 0f, -4f, 4f}, 0.5f, -0.5f, -1);
        kbit(new int[] {1, 3}, new float[] {-2f, 0f, 2f}, 1f, 0f, 0);
    }

    private static void kbit(int[] dims, float[] t, float scale, float bias, int base) {
        OnnxMl.ModelProto m = model(FINN, dims, t, scale, bias, null);
        Graph g = new FoldThresholds().run(OnnxImporter.importModel(m, "finn", OnnxImporter.Options.DEFAULT));
        Node.MultiThreshold mt = g.nodesOf(Node.MultiThreshold.class).get(0);
        assertEquals(base, mt.base());
        assertEquals(scale, g.value(mt.output().name()).type().scale());
        int steps = dims[1];
        ReferenceInterpreter interp = new ReferenceInterpreter(g);
        int n = 16;
        float[] x = new float[n * 4];
        for (int p = 0; p < n; p++) for (int i = 0; i < 4; i++) x[p * 4 + i] = ((p >> i) & 1) != 0 ? 0.5f : -0.5f;
        byte[] ref = ReferenceForm.convert(m, ReferenceForm.Mode.BITS).toByteArray();
        try (OrtReference ort = new OrtReference(ref, 1)) {
            float[][] expected = ort.run(x, new int[] {4}, n, new boolean[n][0]);
            for (int p = 0; p < n; p++) {
                float[] xi = java.util.Arrays.copyOfRange(x, p * 4, p * 4 + 4);
                float[] hand = new float[2];
                for (int c = 0; c < 3; c++) {
                    float h = 0;
                    for (int k = 0; k < 4; k++) h += (xi[k] >= 0 ? 1 : -1) * W1[k * 3 + c];
                    int row = dims[0] == 1 ? 0 : c, count = 0;
                    for (int i = 0; i < steps; i++) if (h >= t[row * steps + i]) count++;
                    float b = scale * count + bias;
                    for (int o = 0; o < 2; o++) hand[o] += b * W2[c * 2 + o];
                }
                float[] mine = interp.output(xi, Bits.ofScale());
                for (int o = 0; o < 2; o++) {
                    assertEquals(hand[o], expected[p][o], 0f, "ORT, pattern " + p + " output " + o);
                    assertEquals(hand[o], mine[o], 0f, "bnncim, pattern " + p + " output " + o);
                }
            }
        }
    }

    private static String refusal(OnnxMl.ModelProto m) {
        BnncimException e = assertThrows(
                BnncimException.class, () -> OnnxImporter.importModel(m, "finn", OnnxImporter.Options.DEFAULT));
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void otherMultiThresholdFormsAreRefusedSayingWhatTheyCompute() {
        String two = refusal(model(FINN, new int[] {3, 2}, new float[] {0, 1, 0, 1, 0, 1}, 1f, 0.5f, null));
        assertTrue(two.contains("mt") && two.contains("a 3-level quantizer (2 thresholds"), two);
        assertTrue(two.contains("out_scale 2, out_bias -1"), two);
        assertTrue(two.contains("out_bias an integer multiple of it"), two);
        String unsorted = refusal(model(FINN, new int[] {3, 2}, new float[] {0, 1, 1, 0, 0, 1}, 1f, 0f, null));
        assertTrue(unsorted.contains("thresholds of row 1 are not sorted ascending (1.0 then 0.0)"), unsorted);
        String negative = refusal(model(FINN, new int[] {3, 1}, new float[] {0, 1, 2}, -1f, 0f, null));
        assertTrue(negative.contains("a 2-level quantizer (1 threshold, out_scale -1, out_bias 0)"), negative);
        String rows = refusal(model(FINN, new int[] {2, 1}, new float[] {0, 1}, 2f, -1f, null));
        assertTrue(rows.contains("2 rows for 3 channels"), rows);
    }

    @Test
    void finnHlsLayersAreRefusedAskingForTheModelBeforeHlsConversion() {
        OnnxMl.ModelProto m = new OnnxBuilder("finn-hls")
                .opset(13)
                .opset("finn.custom_op.fpgadataflow.hls", 1)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer("W", new int[] {4, 2}, 1, 1, 1, 1, 1, 1, 1, 1)
                .node("MVAU_hls", "mvau")
                .domain("finn.custom_op.fpgadataflow.hls")
                .inputs("x", "W")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
        String msg = refusal(m);
        assertTrue(msg.contains("mvau") && msg.contains("before HLS conversion"), msg);
    }
}
