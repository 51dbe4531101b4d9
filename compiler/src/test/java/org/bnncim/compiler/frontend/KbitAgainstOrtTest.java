package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
 * k-bit activations (QONNX Quant with every rounding mode, signed and unsigned, narrow or not; FINN MultiThreshold
 * with 2^k - 1 thresholds and the scale left as a Mul) between binary layers, with Scale-Dropout: the folded graph
 * in the reference interpreter against ONNX Runtime on the reference form, for random inputs and random bits. The
 * logits agree within 1e-4 relative; the k-bit activations agree exactly, except where ONNX Runtime's float lands
 * within float32 rounding of a level boundary (counted, and required to be rare).
 */
class KbitAgainstOrtTest {
    private static final String Q = "qonnx.custom_op.general";
    private static final String[] MODES = {
        "ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "ROUND_TO_ZERO", "HALF_UP", "HALF_DOWN"
    };

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

    /** One k-bit activation: a Quant, or a MultiThreshold followed by the Mul that carries its scale. */
    record Act(int bits, boolean signed, boolean narrow, String mode, boolean multiThreshold) {
        String describe() {
            return (multiThreshold ? "MultiThreshold" : "Quant " + mode) + " " + bits + "-bit "
                    + (signed ? "signed" : "unsigned") + (narrow ? " narrow" : "");
        }
    }

    /** Adds the activation act(in) -> out with scale s to the builder. */
    private static OnnxBuilder activation(OnnxBuilder b, Act a, String in, String out, float s, int ch, Random r) {
        String p = out + "_";
        if (!a.multiThreshold()) {
            return b.initializer(p + "s", new int[0], s)
                    .initializer(p + "z", new int[0], 0f)
                    .initializer(p + "b", new int[0], (float) a.bits())
                    .node("Quant", out)
                    .domain(Q)
                    .inputs(in, p + "s", p + "z", p + "b")
                    .outputs(out)
                    .attr("signed", a.signed() ? 1L : 0L)
                    .attr("narrow", a.narrow() ? 1L : 0L)
                    .attr("rounding_mode", a.mode())
                    .end();
        }
        int steps = (1 << a.bits()) - 1;
        float[] t = new float[ch * steps];
        for (int c = 0; c < ch; c++) {
            float[] row = gauss(r, steps, 0, 2.5);
            Arrays.sort(row);
            System.arraycopy(row, 0, t, c * steps, steps);
        }
        float bias = a.signed() ? -(1 << (a.bits() - 1)) : 0f;
        return b.initializer(p + "t", new int[] {ch, steps}, t)
                .initializer(p + "s", new int[0], s)
                .node("MultiThreshold", out + "_mt")
                .domain("finn.custom_op.general")
                .inputs(in, p + "t")
                .outputs(p + "int")
                .attr("out_scale", 1f)
                .attr("out_bias", bias)
                .end()
                .node("Mul", out + "_scale")
                .inputs(p + "int", p + "s")
                .outputs(out)
                .end();
    }

    /**
     * x [N,16] -> Sign -> MatMul 16x8 -> ScaleDropout -> BN -> act -> MatMul 8x6 -> ScaleDropout -> Mul 0.25 -> act
     * -> MatMul 6x4 -> Add: the second chain lands on multiples of 0.25, so rounding ties are hit.
     */
    static OnnxMl.ModelProto dense(Act a, Random r) {
        OnnxBuilder b = new OnnxBuilder("kbit_dense")
                .opset(13)
                .opset("ai.bnncim", 1)
                .opset(Q, 1)
                .opset("finn.custom_op.general", 1)
                .input("x", DataType.FLOAT, "N", 16)
                .initializer("w1", new int[] {16, 8}, signs(r, 128))
                .initializer("s1", new int[] {8}, gauss(r, 8, 1, 0.5))
                .initializer("g", new int[] {8}, gauss(r, 8, 1.5, 0.5))
                .initializer("be", new int[] {8}, gauss(r, 8, 0, 1))
                .initializer("m", new int[] {8}, gauss(r, 8, 0, 2))
                .initializer("v", new int[] {8}, gauss(r, 8, 6, 1))
                .initializer("w2", new int[] {8, 6}, signs(r, 48))
                .initializer("s2", new int[] {6}, new float[] {1f, 1f, 0.5f, 1f, 2f, 1f})
                .initializer("d2", new int[] {6}, new float[] {0.5f, 1f, 1f, 0.25f, 1f, 2f})
                .initializer("k2", new int[0], 0.25f)
                .initializer("w3", new int[] {6, 4}, signs(r, 24))
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
                .inputs("h1s", "g", "be", "m", "v")
                .outputs("a1")
                .end();
        b = activation(b, a, "a1", "q1", 0.5f, 8, r)
                .node("MatMul", "mm2")
                .inputs("q1", "w2")
                .outputs("h2")
                .end()
                .node("ScaleDropout", "sd2")
                .domain("ai.bnncim")
                .inputs("h2", "s2", "d2")
                .outputs("h2s")
                .attr("p", 0.2f)
                .end()
                .node("Mul", "k2")
                .inputs("h2s", "k2")
                .outputs("a2")
                .end();
        return activation(b, a, "a2", "q2", 1f, 6, r)
                .node("MatMul", "mm3")
                .inputs("q2", "w3")
                .outputs("h3")
                .end()
                .node("Add", "add")
                .inputs("h3", "bias")
                .outputs("logits")
                .end()
                .output("logits", DataType.FLOAT, "N", 4)
                .build();
    }

    /** x [N,1,6,6] -> Sign -> Conv 3x3 pad 1 -> ScaleDropout -> BN -> act -> MaxPool 2 -> Flatten -> MatMul. */
    static OnnxMl.ModelProto conv(Act a, Random r) {
        OnnxBuilder b = new OnnxBuilder("kbit_conv")
                .opset(13)
                .opset("ai.bnncim", 1)
                .opset(Q, 1)
                .opset("finn.custom_op.general", 1)
                .input("x", DataType.FLOAT, "N", 1, 6, 6)
                .initializer("w1", new int[] {4, 1, 3, 3}, signs(r, 36))
                .initializer("s1", new int[] {4}, gauss(r, 4, 1, 0.3))
                .initializer("g", new int[] {4}, gauss(r, 4, 1.5, 0.5))
                .initializer("be", new int[] {4}, gauss(r, 4, 0, 0.5))
                .initializer("m", new int[] {4}, gauss(r, 4, 0, 1))
                .initializer("v", new int[] {4}, gauss(r, 4, 4, 0.5))
                .initializer("w2", new int[] {36, 3}, signs(r, 108))
                .node("Sign", "sign_in")
                .inputs("x")
                .outputs("xb")
                .end()
                .node("Conv", "conv")
                .inputs("xb", "w1")
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
                .inputs("cs", "g", "be", "m", "v")
                .outputs("a1")
                .end();
        return activation(b, a, "a1", "q1", 0.5f, 4, r)
                .node("MaxPool", "pool")
                .inputs("q1")
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
                .outputs("logits")
                .end()
                .output("logits", DataType.FLOAT, "N", 3)
                .build();
    }

    /** Runs both sides; returns {activations compared, activations off by a boundary rounding}. */
    static int[] compare(OnnxMl.ModelProto m, Graph g, float[] x, int[] shape, int n, int bits, List<String> acts) {
        int per = x.length / n;
        Random r = new Random(n * 31L + bits);
        boolean[][] z = new boolean[n][bits];
        for (boolean[] zi : z) for (int k = 0; k < bits; k++) zi[k] = r.nextBoolean();
        ReferenceInterpreter interp = new ReferenceInterpreter(g);
        ReferenceForm form = new ReferenceForm(ReferenceForm.Mode.BITS).exposeValues(acts);
        int[] counts = new int[2];
        try (OrtReference ort = new OrtReference(form.convert(m).toByteArray(), 1)) {
            assertEquals(bits, ort.bitCount());
            Map<String, float[][]> out = ort.run(ort.dataInputNames().get(0), x, shape, n, z, null);
            for (int i = 0; i < n; i++) {
                float[] xi = Arrays.copyOfRange(x, i * per, (i + 1) * per);
                Bits bi = Bits.ofScale(z[i]);
                ReferenceInterpreter.Trace trace = interp.run(xi, bi);
                float[] mine = interp.output(xi, bi);
                float[] want = out.get("logits")[i];
                for (int c = 0; c < mine.length; c++) {
                    assertEquals(want[c], mine[c], 1e-4 * Math.max(1, Math.abs(want[c])), "example " + i + " out " + c);
                }
                for (String a : acts) {
                    double scale = g.value(a).type().scale();
                    double[] stored = trace.get(a);
                    float[] ref = out.get(a)[i];
                    for (int j = 0; j < stored.length; j++) {
                        counts[0]++;
                        double diff = Math.abs(stored[j] * scale - ref[j]);
                        if (diff == 0) continue;
                        // one level apart: ORT's float pre-activation sat on a boundary within float32 rounding
                        assertEquals(scale, diff, 1e-9, "example " + i + " " + a + "[" + j + "]");
                        counts[1]++;
                    }
                }
            }
        }
        return counts;
    }

    /** How many elements of ONNX value {@code name} ONNX Runtime computes as exact half-integers (rounding ties). */
    static int halfIntegers(OnnxMl.ModelProto m, float[] x, int[] shape, int n, int bits, String name) {
        boolean[][] z = new boolean[n][bits];
        ReferenceForm form = new ReferenceForm(ReferenceForm.Mode.BITS).exposeValues(List.of(name));
        int ties = 0;
        try (OrtReference ort = new OrtReference(form.convert(m).toByteArray(), 1)) {
            float[][] v = ort.run(ort.dataInputNames().get(0), x, shape, n, z, List.of(name))
                    .get(name);
            for (float[] row : v) for (float f : row) if (f - Math.floor(f) == 0.5) ties++;
        }
        return ties;
    }

    private static float[] inputs(Random r, int n) {
        float[] x = gauss(r, n, 0, 1);
        for (int i = 0; i < x.length; i++) if (x[i] == 0f) x[i] = 0.5f; // ORT's Sign(0) is 0, the chip's +1
        return x;
    }

    @Test
    void quantWithEveryRoundingModeBetweenBinaryDenseLayers() {
        int compared = 0, off = 0;
        for (String mode : MODES) {
            for (int k = 2; k <= 4; k++) {
                for (int variant = 0; variant < 3; variant++) {
                    Act a = new Act(k, variant != 1, variant == 2, mode, false);
                    Random r = new Random(mode.hashCode() * 7L + k * 3L + variant);
                    OnnxMl.ModelProto m = dense(a, r);
                    Graph g = new FoldThresholds()
                            .run(OnnxImporter.importModel(m, "kbit_dense", OnnxImporter.Options.DEFAULT));
                    assertEquals(2, g.nodesOf(Node.MultiThreshold.class).size(), a.describe());
                    assertTrue(g.nodesOf(Node.Quantize.class).isEmpty(), a.describe());
                    int n = 24;
                    float[] x = inputs(r, n * 16);
                    int[] c = compare(m, g, x, new int[] {16}, n, 2, List.of("q1", "q2"));
                    if (mode.equals("ROUND") && k == 2 && variant == 0) {
                        int ties = halfIntegers(m, x, new int[] {16}, n, 2, "a2");
                        assertTrue(ties > 0, "the second quantizer sees rounding ties (" + ties + ")");
                    }
                    compared += c[0];
                    off += c[1];
                }
            }
        }
        System.out.println("k-bit Quant (dense): " + off + " of " + compared + " activations on a boundary");
        assertTrue(off * 1000 <= compared, off + " of " + compared + " activations differ");
    }

    @Test
    void multiThresholdWithTheScaleAsAMulBetweenBinaryDenseLayers() {
        int compared = 0, off = 0;
        for (int k = 2; k <= 4; k++) {
            for (boolean signed : new boolean[] {false, true}) {
                Act a = new Act(k, signed, false, null, true);
                Random r = new Random(k * 11L + (signed ? 1 : 0));
                OnnxMl.ModelProto m = dense(a, r);
                Graph g =
                        new FoldThresholds().run(OnnxImporter.importModel(m, "kbit_mt", OnnxImporter.Options.DEFAULT));
                assertEquals(2, g.nodesOf(Node.MultiThreshold.class).size(), a.describe());
                int n = 32;
                int[] c = compare(m, g, inputs(r, n * 16), new int[] {16}, n, 2, List.of("q1", "q2"));
                compared += c[0];
                off += c[1];
            }
        }
        assertTrue(off * 1000 <= compared, off + " of " + compared + " activations differ");
    }

    @Test
    void oneBitUnsignedActivationsAreZeroOneLevels() {
        // an unsigned 1-bit Quant ({0, 1}·scale) and FINN's 0/1 step (one threshold, out_scale 1, out_bias 0)
        int compared = 0, off = 0;
        for (String mode : new String[] {"ROUND", "CEIL", "FLOOR", "HALF_UP"}) {
            for (boolean mt : new boolean[] {false, true}) {
                Act a = new Act(1, false, false, mt ? null : mode, mt);
                Random r = new Random(mode.hashCode() * 3L + (mt ? 1 : 0));
                OnnxMl.ModelProto m = dense(a, r);
                Graph g =
                        new FoldThresholds().run(OnnxImporter.importModel(m, "kbit_one", OnnxImporter.Options.DEFAULT));
                List<Node.MultiThreshold> banks = g.nodesOf(Node.MultiThreshold.class);
                assertEquals(2, banks.size(), a.describe());
                assertEquals(1, banks.get(0).expected().steps(), a.describe());
                int n = 32;
                int[] c = compare(m, g, inputs(r, n * 16), new int[] {16}, n, 2, List.of("q1", "q2"));
                compared += c[0];
                off += c[1];
            }
        }
        assertTrue(off * 1000 <= compared, off + " of " + compared + " activations differ");
    }

    @Test
    void kbitConvActivationsThroughMaxPool() {
        for (int k = 2; k <= 4; k++) {
            for (Act a : new Act[] {new Act(k, true, false, "ROUND", false), new Act(k, false, false, null, true)}) {
                Random r = new Random(k * 5L + (a.multiThreshold() ? 1 : 0));
                OnnxMl.ModelProto m = conv(a, r);
                Graph g = new FoldThresholds()
                        .run(OnnxImporter.importModel(m, "kbit_conv", OnnxImporter.Options.DEFAULT));
                assertEquals(1, g.nodesOf(Node.MultiThreshold.class).size(), a.describe());
                int n = 24;
                int[] c = compare(m, g, inputs(r, n * 36), new int[] {1, 6, 6}, n, 1, List.of("q1"));
                assertTrue(c[1] * 1000 <= c[0], c[1] + " of " + c[0] + " activations differ");
            }
        }
    }

    /** QONNX Quant directly on the float model input: a Quantize that stays (no popcount to fold onto). */
    @Test
    void quantOnTheModelInputFeedingTheFirstBinaryLayer() {
        for (String mode : MODES) {
            Act a = new Act(4, false, false, mode, false);
            Random r = new Random(mode.hashCode());
            OnnxBuilder b = new OnnxBuilder("kbit_input")
                    .opset(13)
                    .opset(Q, 1)
                    .input("x", DataType.FLOAT, "N", 16)
                    .initializer("w1", new int[] {16, 8}, signs(r, 128))
                    .initializer("t1", new int[] {8}, gauss(r, 8, 0, 3))
                    .initializer("w2", new int[] {8, 3}, signs(r, 24));
            OnnxMl.ModelProto m = activation(b, a, "x", "q1", 0.0625f, 16, r)
                    .node("MatMul", "mm1")
                    .inputs("q1", "w1")
                    .outputs("h1")
                    .end()
                    .node("Sub", "sub")
                    .inputs("h1", "t1")
                    .outputs("a1")
                    .end()
                    .node("Sign", "sign1")
                    .inputs("a1")
                    .outputs("y1")
                    .end()
                    .node("MatMul", "mm2")
                    .inputs("y1", "w2")
                    .outputs("logits")
                    .end()
                    .output("logits", DataType.FLOAT, "N", 3)
                    .build();
            Graph g = new FoldThresholds().run(OnnxImporter.importModel(m, "kbit_in", OnnxImporter.Options.DEFAULT));
            assertEquals(1, g.nodesOf(Node.Quantize.class).size(), mode);
            int n = 48;
            float[] x = new float[n * 16];
            for (int i = 0; i < x.length; i++) x[i] = r.nextInt(40) / 32f - 0.1f; // ties at multiples of 1/32
            int[] c = compare(m, g, x, new int[] {16}, n, 0, List.of("q1"));
            assertEquals(0, c[1], mode + ": " + c[1] + " of " + c[0] + " input levels differ");
        }
    }

    /** The whole compile pipeline (fold, lowering, tiling, placement, stochastic unit, cost) takes a k-bit model. */
    @Test
    void kbitModelsCompileWithOneBitSerialPassPerActivationBit() {
        for (Act a : new Act[] {new Act(3, false, false, "ROUND", false), new Act(4, true, false, null, true)}) {
            OnnxMl.ModelProto m = dense(a, new Random(9));
            Graph imported = OnnxImporter.importModel(m, "kbit_dense", OnnxImporter.Options.DEFAULT);
            var options = new org.bnncim.compiler.driver.Compiler.Options(
                    OnnxImporter.Options.DEFAULT,
                    org.bnncim.compiler.arch.ArchitectureLoader.defaults(),
                    4,
                    java.util.Set.of());
            var mapped = org.bnncim.compiler.driver.Compiler.compile(imported, options, line -> {})
                    .mapped();
            assertEquals(2, mapped.graph().nodesOf(Node.MultiThreshold.class).size(), a.describe());
            var layers = mapped.mapping().layers();
            assertEquals(3, layers.size(), a.describe());
            assertEquals(1, layers.get(0).inputBits(), "the first layer reads bipolar signs");
            assertEquals(a.bits(), layers.get(1).inputBits(), a.describe() + ": k bit-serial passes");
            assertEquals(a.bits(), layers.get(2).inputBits(), a.describe());
        }
    }
}
