package org.bnncim.oracle;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.Random;

/**
 * One two-layer Scale-Dropout model written with each way exporters share or spell constants: the scale vectors of
 * the two ScaleDropout layers are equal and stored once, and the input BipolarQuant's unit scale comes the same way.
 *
 * <pre>
 * x [N,8] -> BipolarQuant(x, one) -> MatMul 8x4 -> ScaleDropout(s, d, p 0.3) -> BN -> Sign
 *         -> MatMul 4x4 -> ScaleDropout(s, d, p 0.2) -> Add(bias) -> logits [N,4]
 * </pre>
 *
 * {@link #baseline} writes the same numbers as plain initializers, each read directly: the form every earlier test
 * covers, against which the other spellings are compared.
 */
public final class SharedConstantModels {
    private SharedConstantModels() {}

    public static final int IN = 8, C = 4;

    /** How the scale, dropped_scale and BipolarQuant scale reach their consumers. */
    public enum Form {
        /** One initializer per constant, read by both ScaleDropout nodes. */
        SHARED_INITIALIZERS,
        /**
         * PyTorch 1.13: equal buffers deduplicated into one initializer named after the first layer; the second layer
         * reads it through {@code Identity} nodes at the head of the graph.
         */
        PYTORCH_IDENTITY,
        /** Every consumer reads through {@code Identity(Identity(initializer))}. */
        IDENTITY_CHAIN,
        /** {@code Constant} nodes with a tensor {@code value}. */
        CONSTANT_VALUE,
        /** {@code Constant} value_floats (scale) and value_ints (dropped_scale); the second layer through Identity. */
        CONSTANT_LISTS,
        /** Scalar scales: {@code Constant} value_float (scale), value_int (dropped_scale and the unit scale). */
        CONSTANT_SCALARS,
        /** Opset 9, IR version 4, every initializer also listed as a graph input; the second layer via Identity. */
        INITIALIZER_INPUTS,
        /** Opset 9, IR version 3 (initializers must be inputs), shared initializers read directly. */
        INITIALIZER_INPUTS_IR3;

        boolean scalars() {
            return this == CONSTANT_SCALARS;
        }

        long opset() {
            return this == INITIALIZER_INPUTS || this == INITIALIZER_INPUTS_IR3 ? 9 : 13;
        }
    }

    static final float[] SCALE = {1.5f, 0.75f, -2f, 2.5f};
    /** Integer-valued so that value_ints can spell it. */
    static final long[] DROPPED = {1, 2, 1, -1};

    static final float SCALAR_SCALE = 1.75f;
    static final long SCALAR_DROPPED = 2;

    public static ModelProto model(Form form) {
        return build(form, form);
    }

    /** The same numbers as {@code form}, as plain initializers read directly. */
    public static ModelProto baseline(Form form) {
        return build(form, Form.SHARED_INITIALIZERS);
    }

    private static ModelProto build(Form values, Form spelling) {
        Random r = new Random(11);
        boolean scalars = values.scalars();
        int[] dims = scalars ? new int[0] : new int[] {C};
        float[] scale = scalars ? new float[] {SCALAR_SCALE} : SCALE;
        float[] dropped = scalars ? new float[] {SCALAR_DROPPED} : floats(DROPPED);
        OnnxBuilder b = new OnnxBuilder("shared_" + spelling.name().toLowerCase(java.util.Locale.ROOT))
                .opset(values.opset())
                .opset("onnx.brevitas", 1)
                .opset("ai.bnncim", 1)
                .input("x", DataType.FLOAT, "N", IN)
                .initializer("w1", new int[] {IN, C}, signs(r, IN * C))
                .initializer("g", new int[] {C}, gauss(r, C, 1, 0.5))
                .initializer("b", new int[] {C}, gauss(r, C, 0, 1))
                .initializer("m", new int[] {C}, gauss(r, C, 0, 2))
                .initializer("v", new int[] {C}, 0.5f, 1.5f, 2f, 3f)
                .initializer("w2", new int[] {C, C}, signs(r, C * C))
                .initializer("bias", new int[] {C}, gauss(r, C, 0, 1));
        // names read by: the BipolarQuant, layer 1 (scale, dropped), layer 2 (scale, dropped)
        String one, s1, d1, s2, d2;
        switch (spelling) {
            case SHARED_INITIALIZERS, INITIALIZER_INPUTS_IR3 -> {
                b.initializer("one", new int[0], 1f)
                        .initializer("s", dims, scale)
                        .initializer("d", dims, dropped);
                one = "one";
                s1 = s2 = "s";
                d1 = d2 = "d";
            }
            case PYTORCH_IDENTITY, INITIALIZER_INPUTS -> {
                b.initializer("bq.scale", new int[0], 1f)
                        .initializer("sd1.scale", dims, scale)
                        .initializer("sd1.dropped_scale", dims, dropped)
                        .node("Identity", "Identity_0", java.util.List.of("sd1.scale"), java.util.List.of("sd2.scale"))
                        .node(
                                "Identity",
                                "Identity_1",
                                java.util.List.of("sd1.dropped_scale"),
                                java.util.List.of("sd2.dropped_scale"));
                one = "bq.scale";
                s1 = "sd1.scale";
                d1 = "sd1.dropped_scale";
                s2 = "sd2.scale";
                d2 = "sd2.dropped_scale";
            }
            case IDENTITY_CHAIN -> {
                b.initializer("one", new int[0], 1f)
                        .initializer("s", dims, scale)
                        .initializer("d", dims, dropped);
                one = chain(b, "one");
                s1 = s2 = chain(b, "s");
                d1 = d2 = chain(b, "d");
            }
            case CONSTANT_VALUE -> {
                b.node("Constant", "c_one")
                        .outputs("one")
                        .attr("value", OnnxBuilder.floatTensor("", new int[0], 1f))
                        .end()
                        .node("Constant", "c_s")
                        .outputs("s")
                        .attr("value", OnnxBuilder.floatTensor("", dims, scale))
                        .end()
                        .node("Constant", "c_d")
                        .outputs("d")
                        .attr("value", OnnxBuilder.floatTensor("", dims, dropped))
                        .end();
                one = "one";
                s1 = s2 = "s";
                d1 = d2 = "d";
            }
            case CONSTANT_LISTS -> {
                b.node("Constant", "c_one")
                        .outputs("one")
                        .attr("value_float", 1f)
                        .end()
                        .node("Constant", "c_s")
                        .outputs("s")
                        .attrFloats("value_floats", scale)
                        .end()
                        .node("Constant", "c_d")
                        .outputs("d")
                        .attrInts("value_ints", DROPPED)
                        .end();
                one = "one";
                s1 = "s";
                d1 = "d";
                s2 = chain(b, "s");
                d2 = chain(b, "d");
            }
            case CONSTANT_SCALARS -> {
                b.node("Constant", "c_one")
                        .outputs("one")
                        .attr("value_int", 1L)
                        .end()
                        .node("Constant", "c_s")
                        .outputs("s")
                        .attr("value_float", SCALAR_SCALE)
                        .end()
                        .node("Constant", "c_d")
                        .outputs("d")
                        .attr("value_int", SCALAR_DROPPED)
                        .end();
                one = "one";
                s1 = s2 = "s";
                d1 = d2 = "d";
            }
            default -> throw new IllegalArgumentException(spelling.name());
        }
        if (spelling == Form.INITIALIZER_INPUTS || spelling == Form.INITIALIZER_INPUTS_IR3) {
            for (String name : new String[] {one, s1, d1, "w1", "g", "b", "m", "v", "w2", "bias"}) {
                b.initializerAsInput(name);
            }
        }
        if (spelling == Form.INITIALIZER_INPUTS_IR3) {
            b.irVersion(3);
        }
        return b.node("BipolarQuant", "bq_x")
                .domain("onnx.brevitas")
                .inputs("x", one)
                .outputs("xb")
                .end()
                .node("MatMul", "mm1")
                .inputs("xb", "w1")
                .outputs("h1")
                .end()
                .node("ScaleDropout", "sd1")
                .domain("ai.bnncim")
                .inputs("h1", s1, d1)
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
                .inputs("h2", s2, d2)
                .outputs("h2s")
                .attr("p", 0.2f)
                .end()
                .node("Add", "add")
                .inputs("h2s", "bias")
                .outputs("logits")
                .end()
                .output("logits", DataType.FLOAT, "N", C)
                .build();
    }

    /** {@code Identity(Identity(name))}; returns the outer output. */
    private static String chain(OnnxBuilder b, String name) {
        String mid = name + "/id0", out = name + "/id1";
        b.node("Identity", "id0_" + name, java.util.List.of(name), java.util.List.of(mid))
                .node("Identity", "id1_" + name, java.util.List.of(mid), java.util.List.of(out));
        return out;
    }

    private static float[] floats(long[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = v[i];
        return f;
    }

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
}
