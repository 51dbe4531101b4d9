package org.bnncim.compiler.frontend;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.bnncim.oracle.OnnxBuilder;

/**
 * Small FINN-ONNX streamlined models for the tests: a chain of layers with random +-1 float weights (no quantizer)
 * and random thresholds, tracking the ONNX shape and layout of the current tensor. Each step appends one FINN form:
 * NHWC Transpose pairs, MultiThreshold with data_layout NHWC, MaxPoolNHWC, per-channel Mul/Add, Flatten/Reshape
 * of an NHWC tensor into a MatMul, and the final Mul/Add after the last MatMul.
 */
public final class FinnFormModels {
    public static final String FINN = "finn.custom_op.general";

    private final OnnxBuilder b;
    private final Random r;
    private String cur;
    /** ONNX shape of the current tensor without the batch dim. */
    private int[] shape;

    private boolean nhwc;
    /** Bound on |pre-activation| of the current tensor, for thresholds that split it. */
    private int range = 1;

    private int id;

    private FinnFormModels(String name, Random r, int... inShape) {
        this.r = r;
        this.b = new OnnxBuilder(name).opset(13).opset(FINN, 1);
        this.shape = inShape.clone();
        Object[] dims = new Object[inShape.length + 1];
        dims[0] = "N";
        for (int i = 0; i < inShape.length; i++) dims[i + 1] = inShape[i];
        b.input("x", DataType.FLOAT, dims);
        this.cur = "x";
    }

    /** A model whose input x is [N, inShape...]. */
    public static FinnFormModels start(String name, long seed, int... inShape) {
        return new FinnFormModels(name, new Random(seed), inShape);
    }

    public int[] shape() {
        return shape.clone();
    }

    private String next(String what) {
        return what + (id++);
    }

    private FinnFormModels node(String op, String name, String domain, String... inputs) {
        String out = name + "_out";
        var nb = b.node(op, name).inputs(inputs).outputs(out);
        if (domain != null) nb.domain(domain);
        nb.end();
        cur = out;
        return this;
    }

    public OnnxBuilder builder() {
        return b;
    }

    public String current() {
        return cur;
    }

    public FinnFormModels sign() {
        return node("Sign", next("sign"), null, cur);
    }

    private float[] pm1(int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = r.nextBoolean() ? 1f : -1f;
        return w;
    }

    /** Conv with +-1 float weights on NCHW data. */
    public FinnFormModels conv(int cout, int k, int pad) {
        int cin = shape[0];
        String n = next("conv"), w = n + "_W";
        b.initializer(w, new int[] {cout, cin, k, k}, pm1(cout * cin * k * k));
        b.node("Conv", n)
                .inputs(cur, w)
                .outputs(n + "_out")
                .attrInts("kernel_shape", k, k)
                .attrInts("pads", pad, pad, pad, pad)
                .end();
        cur = n + "_out";
        shape = new int[] {cout, shape[1] + 2 * pad - k + 1, shape[2] + 2 * pad - k + 1};
        range = cin * k * k;
        return this;
    }

    /** MatMul with +-1 float weights on [N, K] data. */
    public FinnFormModels matmul(int cols) {
        String n = next("matmul"), w = n + "_W";
        b.initializer(w, new int[] {shape[0], cols}, pm1(shape[0] * cols));
        range = shape[0];
        shape = new int[] {cols};
        return node("MatMul", n, null, cur, w);
    }

    /** Gemm with +-1 float weights [K, cols] (or [cols, K] with transB) and a bias. */
    public FinnFormModels gemm(int cols, boolean transB) {
        String n = next("gemm"), w = n + "_W", c = n + "_C";
        int k = shape[0];
        b.initializer(w, transB ? new int[] {cols, k} : new int[] {k, cols}, pm1(k * cols));
        float[] bias = new float[cols];
        for (int i = 0; i < cols; i++) bias[i] = r.nextInt(7) - 3 + 0.5f;
        b.initializer(c, new int[] {cols}, bias);
        b.node("Gemm", n)
                .inputs(cur, w, c)
                .outputs(n + "_out")
                .attr("transB", transB ? 1L : 0L)
                .end();
        cur = n + "_out";
        range = k + 4;
        shape = new int[] {cols};
        return this;
    }

    /** Any node reading the current tensor (and the named constants), with the ONNX shape it produces. */
    public FinnFormModels then(
            String op, String domain, UnaryOperator<OnnxBuilder.NodeBuilder> attrs, int[] newShape, String... more) {
        String n = next(op.toLowerCase(java.util.Locale.ROOT));
        String[] ins = new String[more.length + 1];
        ins[0] = cur;
        System.arraycopy(more, 0, ins, 1, more.length);
        var nb = b.node(op, n).inputs(ins).outputs(n + "_out");
        if (domain != null) nb.domain(domain);
        attrs.apply(nb).end();
        cur = n + "_out";
        shape = newShape.clone();
        return this;
    }

    public FinnFormModels transpose(long... perm) {
        String n = next("transpose");
        b.node("Transpose", n)
                .inputs(cur)
                .outputs(n + "_out")
                .attrInts("perm", perm)
                .end();
        cur = n + "_out";
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) s[i] = shape[(int) perm[i + 1] - 1];
        shape = s;
        return this;
    }

    public FinnFormModels toNhwc() {
        nhwc = true;
        return transpose(0, 2, 3, 1);
    }

    public FinnFormModels toNchw() {
        nhwc = false;
        return transpose(0, 3, 1, 2);
    }

    private int channels() {
        return nhwc ? shape[shape.length - 1] : shape[0];
    }

    /** A per-channel constant shaped for the current layout: [1,1,1,C] (NHWC), [1,C,1,1] (NCHW) or [1,C]. */
    private int[] channelDims() {
        int c = channels();
        if (shape.length == 1) return new int[] {1, c};
        return nhwc ? new int[] {1, 1, 1, c} : new int[] {1, c, 1, 1};
    }

    /** Mul by per-channel (or scalar) factors of either sign, then Add per-channel (or scalar) offsets. */
    public FinnFormModels mulAdd(boolean perChannel) {
        int c = perChannel ? channels() : 1;
        float[] m = new float[c], a = new float[c];
        for (int i = 0; i < c; i++) {
            m[i] = (r.nextBoolean() ? 1 : -1) * (0.25f + r.nextInt(8) / 4f);
            a[i] = r.nextInt(9) - 4 + 0.5f * r.nextInt(2);
        }
        int[] dims = perChannel ? channelDims() : new int[0];
        String n = next("mul");
        b.initializer(n + "_c", dims, m);
        node("Mul", n, null, cur, n + "_c");
        n = next("add");
        b.initializer(n + "_c", dims, a);
        range = range * 2 + 4;
        return node("Add", n, null, cur, n + "_c");
    }

    /** Scalar Mul then Add: FINN's last-layer scale and bias. */
    public FinnFormModels scaleBias(float scale, float bias) {
        String n = next("mul");
        b.initializer(n + "_c", new int[0], scale);
        node("Mul", n, null, cur, n + "_c");
        n = next("add");
        float[] bv = new float[shape[0]];
        for (int i = 0; i < bv.length; i++) bv[i] = bias + i / 8f;
        b.initializer(n + "_c", new int[] {1, shape[0]}, bv);
        return node("Add", n, null, cur, n + "_c");
    }

    /** Bipolar MultiThreshold: per channel ([C, 1]) or shared ([1, 1]), integers and half-integers. */
    public FinnFormModels threshold(boolean perChannel) {
        int c = perChannel ? channels() : 1;
        float[] t = new float[c];
        for (int i = 0; i < c; i++) t[i] = r.nextInt(range + 1) - range / 2f + (r.nextBoolean() ? 0.5f : 0f);
        String n = next("mt");
        b.initializer(n + "_T", new int[] {c, 1}, t);
        b.node("MultiThreshold", n)
                .domain(FINN)
                .inputs(cur, n + "_T")
                .outputs(n + "_out")
                .attr("out_dtype", "BIPOLAR")
                .attr("out_scale", 2f)
                .attr("out_bias", -1f)
                .attr("data_layout", nhwc ? "NHWC" : "NCHW")
                .end();
        cur = n + "_out";
        return this;
    }

    /** FINN's MaxPoolNHWC on the current NHWC tensor. */
    public FinnFormModels maxPoolNhwc(int k, int s, int pad) {
        String n = next("pool");
        b.node("MaxPoolNHWC", n)
                .domain(FINN)
                .inputs(cur)
                .outputs(n + "_out")
                .attrInts("kernel_shape", k, k)
                .attrInts("strides", s, s)
                .attrInts("pads", pad, pad, pad, pad)
                .end();
        cur = n + "_out";
        shape = new int[] {(shape[0] + 2 * pad - k) / s + 1, (shape[1] + 2 * pad - k) / s + 1, shape[2]};
        return this;
    }

    /** Flatten (axis 1) or Reshape to [-1, features]. */
    public FinnFormModels flatten(boolean reshape) {
        int f = Arrays.stream(shape).reduce(1, (u, v) -> u * v);
        String n = next(reshape ? "reshape" : "flatten");
        if (reshape) {
            b.initializerInt64(n + "_shape", new int[] {2}, -1, f);
            node("Reshape", n, null, cur, n + "_shape");
        } else {
            node("Flatten", n, null, cur);
        }
        shape = new int[] {f};
        nhwc = false;
        return this;
    }

    public OnnxMl.ModelProto build() {
        Object[] dims = new Object[shape.length + 1];
        dims[0] = "N";
        for (int i = 0; i < shape.length; i++) dims[i + 1] = shape[i];
        return b.output(cur, DataType.FLOAT, dims).build();
    }
}
