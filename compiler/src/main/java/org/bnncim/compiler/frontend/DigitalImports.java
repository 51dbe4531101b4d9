package org.bnncim.compiler.frontend;

import static org.bnncim.compiler.frontend.OnnxAttributes.attr;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrFloat;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrInt;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrInts;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Node;
import org.bnncim.ir.Window;

/**
 * Residual networks: the float32 digital datapath beside the crossbars. The {@code Add} of two computed tensors (a
 * shortcut), full-precision {@code MatMul}/{@code Gemm}/{@code Conv} layers (weights that are not bipolar, such as a
 * stem convolution or a classifier), the activations that become affine steps ({@code Relu}, {@code Clip},
 * {@code PRelu}, {@code LeakyRelu}) and global average pooling ({@code GlobalAveragePool}, {@code ReduceMean} over
 * H and W).
 */
abstract sealed class DigitalImports extends LayerImports permits FinnImports {
    private final List<String> digitalLayers = new ArrayList<>();

    DigitalImports(OnnxImporter.Options options, String source, Path modelDir) {
        super(options, source, modelDir);
    }

    /** A MatMul/Gemm/Conv whose constant weight (input 1) is not bipolar: it runs on the digital unit. */
    boolean hasFloatWeights(OnnxMl.NodeProto n) {
        return hasInput(n, 1) && in(n, 1) instanceof C c && !c.t().isBipolarWeight() && in(n, 0) instanceof D;
    }

    private void noteDigital(OnnxMl.NodeProto n) {
        digitalLayers.add(nodeName(n));
        notes.put(
                "digital_layers",
                String.join(", ", digitalLayers) + " (weights not bipolar) run in float32 on the digital unit");
    }

    private D floatIn(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "needs computed activations as its first input");
        if (x.layout().isView()) {
            throw err(
                    n,
                    "a full-precision layer reads '" + n.getInput(0) + "', an NHWC view; "
                            + "insert Transpose(perm 0,3,1,2) and flatten in NCHW order before it");
        }
        return x;
    }

    /** MatMul (weight [K, N]) or Gemm (weight [K, N], or [N, K] with transB) with float weights. */
    void floatDense(OnnxMl.NodeProto n, boolean gemm) {
        D x = floatIn(n);
        ConstTensor w = constIn(n, 1, "weight");
        if (w.rank() != 2) throw err(n, "weight must be 2-D, has shape " + w.dimsString());
        boolean transB = gemm && attrInt(n, "transB", 0) != 0;
        if (gemm) {
            if (attrInt(n, "transA", 0) != 0) throw err(n, "Gemm with transA=1 is not supported");
            if (attrFloat(n, "alpha", 1f) != 1f || (hasInput(n, 2) && attrFloat(n, "beta", 1f) != 1f)) {
                throw err(n, "a full-precision Gemm with alpha or beta != 1 is not supported; fold them into B and C");
            }
        }
        int k = (int) (transB ? w.dims()[1] : w.dims()[0]), cols = (int) (transB ? w.dims()[0] : w.dims()[1]);
        if (x.dims().length != 2 || x.dims()[1] != k)
            throw err(n, "activations " + Arrays.toString(x.dims()) + " do not match weight " + w.dimsString());
        float[] wf = w.toFloats();
        float[] rowMajor = wf;
        if (transB) {
            rowMajor = new float[k * cols];
            for (int i = 0; i < k; i++) for (int j = 0; j < cols; j++) rowMajor[i * cols + j] = wf[j * k + i];
        }
        float[] bias = gemm && hasInput(n, 2) ? vector(n, constIn(n, 2, "bias C"), cols, "bias") : new float[0];
        float[] wm = rowMajor;
        emit(
                n,
                out(n, 0),
                ElemType.FLOAT32,
                new long[] {1, cols},
                1.0,
                (nm, v) -> new DigitalNode.FloatDense(nm, x.ir(), v, wm, k, cols, bias));
        noteDigital(n);
    }

    /** Conv with float weights [Cout, Cin/group, kh, kw], groups and a bias. */
    void floatConv(OnnxMl.NodeProto n) {
        D x = floatIn(n);
        ConstTensor w = constIn(n, 1, "weight W");
        if (w.rank() != 4 || x.dims().length != 4) throw err(n, "only 2-D convolutions ([N,C,H,W]) are supported");
        int group = (int) attrInt(n, "group", 1);
        int cout = (int) w.dims()[0], cinG = (int) w.dims()[1], kh = (int) w.dims()[2], kw = (int) w.dims()[3];
        int cin = (int) x.dims()[1];
        if (group < 1 || cin % group != 0 || cout % group != 0 || cin / group != cinG) {
            throw err(
                    n,
                    "input has " + cin + " channels; weight " + w.dimsString() + " with group " + group
                            + " does not match");
        }
        long[] ks = attrInts(n, "kernel_shape");
        if (ks != null && (ks.length != 2 || ks[0] != kh || ks[1] != kw))
            throw err(n, "kernel_shape disagrees with the weight");
        int[] strides = ints2(n, "strides", 1);
        int[] dil = ints2(n, "dilations", 1);
        int h = (int) x.dims()[2], wd = (int) x.dims()[3];
        int[] pads = pads(n, new int[] {h, wd}, new int[] {kh, kw}, strides, dil);
        int oh = (h + pads[0] + pads[2] - (dil[0] * (kh - 1) + 1)) / strides[0] + 1;
        int ow = (wd + pads[1] + pads[3] - (dil[1] * (kw - 1) + 1)) / strides[1] + 1;
        if (oh <= 0 || ow <= 0) throw err(n, "kernel larger than the padded input");
        float[] bias = hasInput(n, 2) ? vector(n, constIn(n, 2, "bias B"), cout, "bias") : new float[0];
        float[] wf = w.toFloats();
        emit(
                n,
                out(n, 0),
                ElemType.FLOAT32,
                new long[] {1, cout, oh, ow},
                1.0,
                (nm, v) -> new DigitalNode.FloatConv(nm, x.ir(), v, wf, bias, cin, group, kh, kw, strides, pads, dil));
        noteDigital(n);
    }

    /** {@code Add} of two computed tensors of the same shape: a residual shortcut; other forms are refused. */
    void computedPair(OnnxMl.NodeProto n, String op, D a, D b) {
        if (!op.equals("Add")) {
            throw err(
                    n,
                    op + " of two computed tensors is not supported: the digital unit adds two tensors of the same "
                            + "shape (a residual shortcut) and applies constants per channel; "
                            + (op.equals("Sub") ? "negate one branch with a Mul by -1 and Add" : "rewrite the model")
                            + " so that one operand is a constant");
        }
        if (a.layout().isView() || b.layout().isView()) {
            throw err(n, "Add of an NHWC view; insert Transpose(perm 0,3,1,2) before it so both operands are NCHW");
        }
        if (!Arrays.equals(a.dims(), b.dims())) {
            throw err(
                    n,
                    "Add of two computed tensors of shapes " + Arrays.toString(a.dims()) + " and "
                            + Arrays.toString(b.dims()) + " broadcasts; bnncim adds equal shapes only (a residual "
                            + "shortcut): make the shortcut match, e.g. AvgPool 2x2/2 and a 1x1 Conv on it");
        }
        emit(n, out(n, 0), ElemType.FLOAT32, a.dims(), 1.0, (nm, v) -> new DigitalNode.Add(nm, a.ir(), b.ir(), v));
    }

    private void steps(OnnxMl.NodeProto n, D d, List<AffineStep> st) {
        if (st.isEmpty()) {
            alias(n, d);
            return;
        }
        emit(n, out(n, 0), ElemType.FLOAT32, d.dims(), 1.0, (nm, v) -> new Node.Affine(nm, d.ir(), v, st));
    }

    /** Relu, Clip (min/max as inputs or attributes), LeakyRelu and PRelu on a computed tensor. */
    void activation(OnnxMl.NodeProto n, String op) {
        Sym x = in(n, 0);
        if (x instanceof C c) {
            if (!op.equals("Relu")) throw err(n, op + " of a constant is not supported");
            putConst(n, ConstOps.unary(c.t(), v -> Math.max(0, v)));
            return;
        }
        D d = (D) x;
        if (d.layout().isView()) {
            throw err(n, op + " of an NHWC view; insert Transpose(perm 0,3,1,2) before it");
        }
        List<AffineStep> st = new ArrayList<>();
        switch (op) {
            case "Relu" -> st.add(new AffineStep(AffineStep.Op.MAX, new float[] {0f}));
            case "LeakyRelu" -> st.add(new AffineStep(AffineStep.Op.PRELU, new float[] {attrFloat(n, "alpha", 0.01f)}));
            case "PRelu" ->
                st.add(new AffineStep(AffineStep.Op.PRELU, perChannel(n, constIn(n, 1, "slope"), d.dims(), "slope")));
            default -> {
                float[] b = clipBounds(n);
                if (b[0] != Float.NEGATIVE_INFINITY) st.add(new AffineStep(AffineStep.Op.MAX, new float[] {b[0]}));
                if (b[1] != Float.POSITIVE_INFINITY) st.add(new AffineStep(AffineStep.Op.MIN, new float[] {b[1]}));
            }
        }
        steps(n, d, st);
    }

    private float[] clipBounds(OnnxMl.NodeProto n) {
        float lo = Float.NEGATIVE_INFINITY, hi = Float.POSITIVE_INFINITY;
        if (attr(n, "min") != null) lo = attrFloat(n, "min", lo);
        if (attr(n, "max") != null) hi = attrFloat(n, "max", hi);
        if (hasInput(n, 1)) lo = scalarIn(n, 1, "min");
        if (hasInput(n, 2)) hi = scalarIn(n, 2, "max");
        return new float[] {lo, hi};
    }

    private float scalarIn(OnnxMl.NodeProto n, int i, String what) {
        ConstTensor t = constIn(n, i, what);
        if (t.size() != 1) throw err(n, what + " must be a scalar");
        return t.getFloat(0);
    }

    /** GlobalAveragePool, or ReduceMean over axes [2, 3] (keepdims 0 adds a flatten to [N, C]). */
    void globalPool(OnnxMl.NodeProto n, boolean reduceMean) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "pooling of a constant is not supported");
        if (x.dims().length != 4 || x.layout().isView())
            throw err(n, "global average pooling reads an NCHW [N,C,H,W] tensor");
        boolean keep = true;
        if (reduceMean) {
            long[] axes = attrInts(n, "axes");
            if (axes == null && hasInput(n, 1)) axes = constIn(n, 1, "axes").toLongs();
            long[] norm = axes == null ? new long[0] : axes.clone();
            for (int i = 0; i < norm.length; i++) if (norm[i] < 0) norm[i] += 4;
            Arrays.sort(norm);
            if (!Arrays.equals(norm, new long[] {2, 3})) {
                throw err(
                        n,
                        "ReduceMean over axes " + (axes == null ? "(all)" : Arrays.toString(axes))
                                + " is not supported; bnncim reads ReduceMean over the spatial axes [2, 3] "
                                + "(global average pooling)");
            }
            keep = attrInt(n, "keepdims", 1) != 0;
        }
        int h = (int) x.dims()[2], w = (int) x.dims()[3];
        Window win = new Window(new int[] {h, w}, new int[] {1, 1}, new int[4]);
        long[] pooled = {1, x.dims()[1], 1, 1};
        String name = keep ? out(n, 0) : tmp(out(n, 0) + ".pool");
        D p = emit(n, name, ElemType.FLOAT32, pooled, 1.0, (nm, v) -> new Node.AvgPool(nm, x.ir(), v, win, false));
        if (!keep) {
            emit(
                    n,
                    out(n, 0),
                    ElemType.FLOAT32,
                    new long[] {1, x.dims()[1]},
                    1.0,
                    (nm, v) -> new Node.Reshape(nm + ".flatten", p.ir(), v));
        }
    }
}
