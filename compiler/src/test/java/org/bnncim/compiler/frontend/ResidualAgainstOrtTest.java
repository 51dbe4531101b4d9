package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bnncim.compiler.passes.FoldThresholds;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.oracle.OnnxBuilder;
import org.bnncim.oracle.OrtReference;
import org.bnncim.oracle.ReferenceForm;
import org.junit.jupiter.api.Test;

/**
 * Residual BNNs (issue #16): a full-precision stem Conv with a bias and BN, blocks {@code y = BN(SD(BinaryConv(
 * Sign(x)))) + shortcut} with stride 1 and 2 (shortcut AvgPool 2x2/2 + a binary or float 1x1 Conv + BN), optional
 * ReLU/PReLU/Hardtanh/LeakyReLU, odd spatial sizes, global average pooling (GlobalAveragePool or ReduceMean), Flatten
 * and a Gemm classifier with a bias. The imported and folded graph in the reference interpreter against ONNX Runtime
 * on the reference form, for random inputs and random Scale-Dropout bits: logits within 1e-4 relative, the same
 * argmax. A sign decision whose real-valued input ONNX Runtime computes within float32 rounding of 0 (the two sides
 * sum in different orders) may differ; such decisions are counted, and the example's logits are then not compared.
 */
class ResidualAgainstOrtTest {
    private static final String SD = "ai.bnncim", QONNX = "qonnx.custom_op.general";

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

    /** Builds the model and remembers every Sign's input and output names. */
    static final class Net {
        final OnnxBuilder b;
        final Random r;
        final List<String[]> signs = new ArrayList<>();
        int bits;
        int ids;

        Net(String name, Random r) {
            this.r = r;
            this.b = new OnnxBuilder(name).opset(13).opset(SD, 1).opset(QONNX, 1);
        }

        String id(String base) {
            return base + (ids++);
        }

        String bn(String x, int c) {
            String p = id("bn");
            b.initializer(p + "_g", new int[] {c}, gauss(r, c, 1, 0.3))
                    .initializer(p + "_b", new int[] {c}, gauss(r, c, 0, 0.5))
                    .initializer(p + "_m", new int[] {c}, gauss(r, c, 0, 0.5))
                    .initializer(p + "_v", new int[] {c}, gauss(r, c, 1, 0.1))
                    .node("BatchNormalization", p)
                    .inputs(x, p + "_g", p + "_b", p + "_m", p + "_v")
                    .outputs(p + "_y")
                    .end();
            return p + "_y";
        }

        /** A binary or float Conv k x k with the given stride and pad, with or without a bias. */
        String conv(String x, int cin, int cout, int k, int stride, int pad, boolean binary, boolean bias, double ws) {
            String p = id(binary ? "bconv" : "fconv");
            float[] w = binary ? signs(r, cout * cin * k * k) : gauss(r, cout * cin * k * k, 0, ws);
            b.initializer(p + "_w", new int[] {cout, cin, k, k}, w);
            if (bias) b.initializer(p + "_bias", new int[] {cout}, gauss(r, cout, 0, 1));
            b.node("Conv", p)
                    .inputs(bias ? new String[] {x, p + "_w", p + "_bias"} : new String[] {x, p + "_w"})
                    .outputs(p + "_y")
                    .attrInts("kernel_shape", k, k)
                    .attrInts("strides", stride, stride)
                    .attrInts("pads", pad, pad, pad, pad)
                    .end();
            return p + "_y";
        }

        /** ONNX's Sign, or (one in three) QONNX's BipolarQuant with scale 1. */
        String sign(String x) {
            String p = id("sign");
            if (r.nextInt(3) == 0) {
                b.initializer(p + "_one", new int[0], 1f)
                        .node("BipolarQuant", p)
                        .domain(QONNX)
                        .inputs(x, p + "_one")
                        .outputs(p + "_y")
                        .end();
            } else {
                b.node("Sign", p).inputs(x).outputs(p + "_y").end();
            }
            signs.add(new String[] {x, p + "_y"});
            return p + "_y";
        }

        String scaleDropout(String x, int c) {
            String p = id("sd");
            b.initializer(p + "_s", new int[] {c}, gauss(r, c, 0.05, 0.02))
                    .initializer(p + "_d", new int[] {c}, gauss(r, c, 0.03, 0.02))
                    .node("ScaleDropout", p)
                    .domain(SD)
                    .inputs(x, p + "_s", p + "_d")
                    .outputs(p + "_y")
                    .attr("p", 0.3f)
                    .end();
            bits++;
            return p + "_y";
        }

        /** act: 0 none, 1 ReLU, 2 PReLU per channel, 3 Hardtanh as Clip(-1, 1), 4 LeakyReLU. */
        String act(String x, int c, int act) {
            String p = id("act");
            switch (act) {
                case 1 -> b.node("Relu", p).inputs(x).outputs(p + "_y").end();
                case 2 ->
                    b.initializer(p + "_a", new int[] {c, 1, 1}, gauss(r, c, 0.2, 0.3))
                            .node("PRelu", p)
                            .inputs(x, p + "_a")
                            .outputs(p + "_y")
                            .end();
                case 3 ->
                    b.initializer(p + "_lo", new int[0], -1f)
                            .initializer(p + "_hi", new int[0], 1f)
                            .node("Clip", p)
                            .inputs(x, p + "_lo", p + "_hi")
                            .outputs(p + "_y")
                            .end();
                case 4 ->
                    b.node("LeakyRelu", p)
                            .inputs(x)
                            .outputs(p + "_y")
                            .attr("alpha", 0.1f)
                            .end();
                default -> {
                    return x;
                }
            }
            return p + "_y";
        }

        String add(String a, String c) {
            String p = id("add");
            b.node("Add", p).inputs(a, c).outputs(p + "_y").end();
            return p + "_y";
        }
    }

    record Config(int size, int blocks, int act, boolean binaryShortcut, int pooling, long seed) {}

    /** The residual network; returns the model and (through net) the sign names and bit count. */
    static OnnxMl.ModelProto resnet(Config cfg, Net net) {
        Random r = net.r;
        int c = 4;
        net.b.input("x", DataType.FLOAT, "N", 3, cfg.size(), cfg.size());
        String h = net.conv("x", 3, c, 3, 1, 1, false, true, 0.4);
        // no ReLU right before a Sign: its exact zeros are where ONNX's sign(0) = 0 and the chip's +1 differ
        h = net.act(net.bn(h, c), c, cfg.act() == 1 ? 4 : cfg.act());
        int size = cfg.size();
        for (int i = 0; i < cfg.blocks(); i++) {
            int stride = i % 2 == 1 ? 2 : 1;
            int cout = stride == 2 ? 2 * c : c;
            String m = net.conv(net.sign(h), c, cout, 3, stride, 1, true, r.nextBoolean(), 0);
            m = net.bn(net.scaleDropout(m, cout), cout);
            // not the stem's: Hardtanh on both sides of the first Add sums saturated +1 and -1 to an exact 0
            m = net.act(m, cout, (cfg.act() + i + 1) % 5);
            String sc = h;
            if (stride == 2) {
                String p = net.id("pool");
                net.b
                        .node("AveragePool", p)
                        .inputs(h)
                        .outputs(p + "_y")
                        .attrInts("kernel_shape", 2, 2)
                        .attrInts("strides", 2, 2)
                        .attr("ceil_mode", 1L)
                        .end();
                String in = cfg.binaryShortcut() ? net.sign(p + "_y") : p + "_y";
                sc = net.bn(net.conv(in, c, cout, 1, 1, 0, cfg.binaryShortcut(), false, 0.5), cout);
                size = (size + 1) / 2;
            }
            h = net.add(m, sc);
            c = cout;
        }
        String g;
        if (cfg.pooling() == 0) {
            net.b.node("GlobalAveragePool", "gap").inputs(h).outputs("gap_y").end();
            g = "gap_y";
        } else {
            net.b
                    .node("ReduceMean", "gap")
                    .inputs(h)
                    .outputs("gap_y")
                    .attrInts("axes", 2, 3)
                    .attr("keepdims", cfg.pooling() == 1 ? 1L : 0L)
                    .end();
            g = "gap_y";
        }
        if (cfg.pooling() != 2) {
            net.b.node("Flatten", "flat").inputs(g).outputs("flat_y").end();
            g = "flat_y";
        }
        return net.b
                .initializer("fc_w", new int[] {10, c}, gauss(r, 10 * c, 0, 0.5))
                .initializer("fc_b", new int[] {10}, gauss(r, 10, 0, 0.2))
                .node("Gemm", "fc")
                .inputs(g, "fc_w", "fc_b")
                .outputs("logits")
                .attr("transB", 1L)
                .end()
                .output("logits", DataType.FLOAT, "N", 10)
                .build();
    }

    /** {examples compared, sign decisions compared, near-zero sign decisions that differ}. */
    static int[] compare(OnnxMl.ModelProto m, Graph g, Net net, int[] shape, int n) {
        int per = 1;
        for (int d : shape) per *= d;
        Random r = net.r;
        float[] x = gauss(r, n * per, 0, 1);
        boolean[][] z = new boolean[n][net.bits];
        for (boolean[] zi : z) for (int k = 0; k < net.bits; k++) zi[k] = r.nextBoolean();
        List<String> exposed = new ArrayList<>();
        for (String[] s : net.signs) exposed.addAll(List.of(s));
        ReferenceInterpreter interp = new ReferenceInterpreter(g);
        ReferenceForm form = new ReferenceForm(ReferenceForm.Mode.BITS).exposeValues(exposed);
        int[] counts = new int[3];
        try (OrtReference ort = new OrtReference(form.convert(m).toByteArray(), 1)) {
            assertEquals(net.bits, ort.bitCount());
            Map<String, float[][]> out = ort.run(ort.dataInputNames().get(0), x, shape, n, z, null);
            for (int i = 0; i < n; i++) {
                float[] xi = Arrays.copyOfRange(x, i * per, (i + 1) * per);
                Bits bi = Bits.ofScale(z[i]);
                ReferenceInterpreter.Trace trace = interp.run(xi, bi);
                int nearZero = 0;
                for (String[] s : net.signs) {
                    if (nearZero > 0) break; // the later layers legitimately differ
                    float[] pre = out.get(s[0])[i], post = out.get(s[1])[i];
                    double[] mine = trace.get(s[1]);
                    float mag = 0;
                    for (float v : pre) mag = Math.max(mag, Math.abs(v));
                    for (int j = 0; j < post.length; j++) {
                        counts[1]++;
                        if (mine[j] == post[j]) continue;
                        // a few ulps of the magnitudes summed: the two sides sum in different orders
                        boolean tie = Math.abs(pre[j]) <= 64 * Math.ulp(Math.max(mag, 1f));
                        if (!tie) {
                            double[] t = trace.values().get(s[0]);
                            throw new AssertionError("example " + i + " " + s[1] + "[" + j + "]: " + mine[j] + " vs "
                                    + post[j] + " at " + pre[j] + " (interpreter " + (t == null ? "folded" : t[j])
                                    + ")");
                        }
                        nearZero++;
                    }
                }
                counts[2] += nearZero;
                // verify's near-tie count (the interpreter's per-element error bound) must have seen it coming
                if (nearZero > 0)
                    assertTrue(
                            trace.nearTies() > 0,
                            "example " + i
                                    + ": ONNX Runtime took the other sign where the interpreter saw no near tie");
                if (nearZero > 0) continue;
                counts[0]++;
                float[] mine = interp.output(xi, bi);
                float[] want = out.get("logits")[i];
                for (int c = 0; c < mine.length; c++) {
                    assertEquals(want[c], mine[c], 1e-4 * Math.max(1, Math.abs(want[c])), "example " + i + " out " + c);
                }
                assertEquals(argmax(want), argmax(mine), "example " + i);
            }
        }
        return counts;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    @Test
    void randomResidualNetworksMatchOnnxRuntime() {
        int examples = 0, decisions = 0, ties = 0;
        long seed = 0;
        for (int size : new int[] {7, 9, 8}) {
            for (int blocks = 2; blocks <= 4; blocks++) {
                for (int act = 0; act < 5; act++) {
                    Config cfg = new Config(size, blocks, act, act % 2 == 0, (int) (seed % 3), seed++);
                    Net net = new Net("resnet", new Random(cfg.seed() * 977 + 5));
                    OnnxMl.ModelProto m = resnet(cfg, net);
                    Graph g = new FoldThresholds()
                            .run(OnnxImporter.importModel(m, "resnet", OnnxImporter.Options.DEFAULT));
                    assertEquals(
                            (cfg.binaryShortcut() ? 0 : blocks / 2) + 2,
                            g.nodesOf(DigitalNode.FloatConv.class).size()
                                    + g.nodesOf(DigitalNode.FloatDense.class).size(),
                            cfg.toString());
                    assertEquals(blocks, g.nodesOf(DigitalNode.Add.class).size(), cfg.toString());
                    assertEquals(blocks, g.nodesOf(Node.ScaleDropout.class).size(), "Scale-Dropout stays: " + cfg);
                    assertEquals(net.signs.size(), g.nodesOf(Node.Sign.class).size(), "signs of floats stay");
                    assertTrue(
                            g.notes().get("digital_layers").startsWith("fconv0, "),
                            g.notes().toString());
                    int[] c = compare(m, g, net, new int[] {3, size, size}, 12);
                    examples += c[0];
                    decisions += c[1];
                    ties += c[2];
                }
            }
        }
        System.out.println("residual vs ONNX Runtime: " + examples + " examples' logits compared; " + ties + " of "
                + decisions + " sign decisions within float32 rounding of 0 differ");
        assertTrue(ties * 1000 <= decisions, ties + " of " + decisions);
        assertTrue(examples >= 500, examples + " examples compared");
    }
    /** x -> Sign -> Gemm(bias, transB) -> ScaleDropout -> BN -> Hardtanh -> Sign -> Gemm(bias): the bias folds. */
    @Test
    void mlpWithTheBiasBeforeScaleDropoutFoldsIntoThresholds() {
        int examples = 0, decisions = 0, ties = 0;
        for (long seed = 0; seed < 8; seed++) {
            Net net = new Net("mlp", new Random(seed * 31 + 7));
            Random r = net.r;
            boolean transB = seed % 2 == 0;
            net.b
                    .input("x", DataType.FLOAT, "N", 16)
                    .initializer("w1", transB ? new int[] {12, 16} : new int[] {16, 12}, signs(r, 192))
                    .initializer("b1", new int[] {12}, gauss(r, 12, 0, 2))
                    .initializer("w2", new int[] {12, 4}, signs(r, 48))
                    .initializer("b2", new int[] {4}, gauss(r, 4, 0, 1));
            String xb = net.sign("x");
            net.b
                    .node("Gemm", "fc1")
                    .inputs(xb, "w1", "b1")
                    .outputs("h1")
                    .attr("transB", transB ? 1L : 0L)
                    .end();
            String h = net.act(net.bn(net.scaleDropout("h1", 12), 12), 12, seed % 4 == 1 ? 3 : 0);
            OnnxMl.ModelProto m = net.b
                    .node("Gemm", "fc2")
                    .inputs(net.sign(h), "w2", "b2")
                    .outputs("logits")
                    .end()
                    .output("logits", DataType.FLOAT, "N", 4)
                    .build();
            Graph g = new FoldThresholds().run(OnnxImporter.importModel(m, "mlp", OnnxImporter.Options.DEFAULT));
            List<Node.Threshold> t = g.nodesOf(Node.Threshold.class);
            assertEquals(1, t.size());
            assertTrue(t.get(0).stochastic() != null, "three comparator sets");
            assertTrue(g.nodesOf(Node.ScaleDropout.class).isEmpty(), "the Scale-Dropout folds with the bias");
            assertTrue(g.nodesOf(DigitalNode.FloatDense.class).isEmpty(), "bipolar weights stay on crossbars");
            int[] c = compare(m, g, net, new int[] {16}, 64);
            examples += c[0];
            decisions += c[1];
            ties += c[2];
        }
        System.out.println("MLP vs ONNX Runtime: " + examples + " examples; " + ties + " of " + decisions
                + " sign decisions within float32 rounding of 0 differ");
        assertTrue(ties * 100 <= decisions, ties + " of " + decisions);
    }

    /** x -> Sign -> Conv(bias) -> ScaleDropout -> BN -> Sign -> Flatten -> Gemm(float, bias): the conv bias folds. */
    @Test
    void convWithTheBiasBeforeScaleDropoutFoldsIntoThresholds() {
        int examples = 0;
        for (long seed = 0; seed < 6; seed++) {
            Net net = new Net("cnn", new Random(seed * 17 + 3));
            Random r = net.r;
            net.b.input("x", DataType.FLOAT, "N", 2, 5, 5);
            String h = net.conv(net.sign("x"), 2, 6, 3, 1 + (int) (seed % 2), 1, true, true, 0);
            int side = seed % 2 == 0 ? 5 : 3;
            h = net.sign(net.bn(net.scaleDropout(h, 6), 6));
            OnnxMl.ModelProto m = net.b
                    .node("Flatten", "flat")
                    .inputs(h)
                    .outputs("f")
                    .end()
                    .initializer("fc_w", new int[] {6 * side * side, 3}, gauss(r, 18 * side * side, 0, 0.3))
                    .initializer("fc_b", new int[] {3}, gauss(r, 3, 0, 0.3))
                    .node("Gemm", "fc")
                    .inputs("f", "fc_w", "fc_b")
                    .outputs("logits")
                    .end()
                    .output("logits", DataType.FLOAT, "N", 3)
                    .build();
            Graph g = new FoldThresholds().run(OnnxImporter.importModel(m, "cnn", OnnxImporter.Options.DEFAULT));
            assertEquals(1, g.nodesOf(Node.Threshold.class).size());
            assertTrue(g.nodesOf(Node.ScaleDropout.class).isEmpty(), "the Scale-Dropout folds with the conv bias");
            assertTrue(g.nodesOf(Node.Affine.class).isEmpty(), "no float op is left before the classifier");
            assertEquals(1, g.nodesOf(DigitalNode.FloatDense.class).size());
            examples += compare(m, g, net, new int[] {2, 5, 5}, 32)[0];
        }
        assertTrue(examples >= 6 * 30, examples + " examples compared");
    }

    /** A grouped (depthwise) full-precision Conv with a bias and a MatMul classifier without one. */
    @Test
    void groupedFloatConvAndMatMul() {
        Net net = new Net("grouped", new Random(3));
        Random r = net.r;
        OnnxMl.ModelProto m = net.b
                .input("x", DataType.FLOAT, "N", 4, 5, 5)
                .initializer("w", new int[] {8, 2, 3, 3}, gauss(r, 144, 0, 0.5))
                .initializer("b", new int[] {8}, gauss(r, 8, 0, 0.5))
                .initializer("w2", new int[] {8, 3}, gauss(r, 24, 0, 0.5))
                .node("Conv", "gconv")
                .inputs("x", "w", "b")
                .outputs("c")
                .attr("group", 2L)
                .attrInts("strides", 2, 2)
                .attrInts("pads", 1, 0, 1, 0)
                .end()
                .node("ReduceMean", "mean")
                .inputs("c")
                .outputs("p")
                .attrInts("axes", -1, -2)
                .attr("keepdims", 0L)
                .end()
                .node("MatMul", "fc")
                .inputs("p", "w2")
                .outputs("logits")
                .end()
                .output("logits", DataType.FLOAT, "N", 3)
                .build();
        Graph g = OnnxImporter.importModel(m, "grouped", OnnxImporter.Options.DEFAULT);
        assertEquals(2, g.nodesOf(DigitalNode.FloatConv.class).get(0).group());
        assertEquals(
                "gconv, fc (weights not bipolar) run in float32 on the digital unit",
                g.notes().get("digital_layers"));
        int[] c = compare(m, g, net, new int[] {4, 5, 5}, 16);
        assertEquals(16, c[0]);
    }

    private static String refusal(OnnxBuilder b) {
        String msg = assertThrows(
                        BnncimException.class,
                        () -> OnnxImporter.importModel(b.build(), "bad", OnnxImporter.Options.DEFAULT))
                .getMessage();
        assertFalse(msg.contains("\n"), msg);
        return msg;
    }

    /** x [N,4,3,3] -> Conv 1x1 float -> y; then op(y, x or a reshaped x). */
    private static OnnxBuilder twoBranches(String op, boolean broadcast) {
        OnnxBuilder b = new OnnxBuilder("two")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4, 3, 3)
                .initializer("w", new int[] {4, 4, 1, 1}, gauss(new Random(1), 16, 0, 1))
                .initializer("w1", new int[] {1, 4, 1, 1}, gauss(new Random(2), 4, 0, 1))
                .node("Conv", "c")
                .inputs("x", broadcast ? "w1" : "w")
                .outputs("y")
                .end();
        if (op.equals("Concat")) {
            return b.node("Concat", "join")
                    .inputs("y", "x")
                    .outputs("z")
                    .attr("axis", 1L)
                    .end()
                    .output("z", DataType.FLOAT, "N", 8, 3, 3);
        }
        return b.node(op, "join").inputs("y", "x").outputs("z").end().output("z", DataType.FLOAT, "N", 4, 3, 3);
    }

    @Test
    void unsupportedResidualFormsAreRefusedByName() {
        String add = refusal(twoBranches("Add", true));
        assertTrue(add.contains("'join' (Add)") && add.contains("broadcasts") && add.contains("1x1 Conv"), add);
        String mul = refusal(twoBranches("Mul", false));
        assertTrue(mul.contains("'join' (Mul)") && mul.contains("Mul of two computed tensors"), mul);
        String sub = refusal(twoBranches("Sub", false));
        assertTrue(sub.contains("'join' (Sub)") && sub.contains("Mul by -1 and Add"), sub);
        // since issue #17 a Concat of two float maps along channels is a skip connection, no longer refused
        Graph cat = OnnxImporter.importModel(twoBranches("Concat", false).build(), "t", OnnxImporter.Options.DEFAULT);
        assertEquals(1, cat.nodesOf(org.bnncim.ir.DecoderNode.Concat.class).size());
        OnnxBuilder rm = new OnnxBuilder("rm")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4, 3, 3)
                .node("ReduceMean", "rm")
                .inputs("x")
                .outputs("y")
                .attrInts("axes", 1)
                .end()
                .output("y", DataType.FLOAT, "N", 1, 3, 3);
        String r = refusal(rm);
        assertTrue(r.contains("'rm' (ReduceMean)") && r.contains("[2, 3]"), r);
        OnnxBuilder alpha = new OnnxBuilder("alpha")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer("w", new int[] {4, 2}, 0.5f, 1, 2, 3, 4, 5, 6, 7)
                .node("Gemm", "g")
                .inputs("x", "w")
                .outputs("y")
                .attr("alpha", 2f)
                .end()
                .output("y", DataType.FLOAT, "N", 2);
        String a = refusal(alpha);
        assertTrue(a.contains("'g' (Gemm)") && a.contains("alpha or beta"), a);
    }
}
