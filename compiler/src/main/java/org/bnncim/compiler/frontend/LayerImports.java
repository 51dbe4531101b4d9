package org.bnncim.compiler.frontend;

import static org.bnncim.compiler.frontend.OnnxAttributes.attrFloat;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrInt;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrInts;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrString;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Node;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.bnncim.ir.Window;

/** Binary layers: MatMul, Gemm and Conv with bipolar weights on a bipolar or 8-bit input, and pooling. */
abstract sealed class LayerImports extends ShapeImports permits DigitalImports {
    LayerImports(OnnxImporter.Options options, String source, Path modelDir) {
        super(options, source, modelDir);
    }

    /**
     * The bipolar or k-bit (k <= 8) input a binary layer reads; a float model input is read as 8-bit integers, any
     * other float is refused.
     */
    D binaryLayerInput(OnnxMl.NodeProto n, D x) {
        TensorType t = typeOf(x);
        if (t.elem().isBipolar()) return x;
        if (t.elem().isFloat() && x.rawInput()) {
            // bit-serial 8-bit input: the model input x is read as the integer round(x * levels)
            String qName = tmp(x.ir() + ".q");
            int levels = options.inputLevels();
            Value qv = value(qName, ElemType.uint(8), x.dims(), 1.0 / levels, source + ": " + describe(n));
            nodes.add(new Node.InputQuantize(nodeName(n) + ".input", x.ir(), qv, 8, levels));
            notes.put(
                    "first_layer",
                    nodeName(n) + " reads the model input as 8-bit integers round(x*" + levels
                            + "), mapped bit-serially (8 passes over the crossbar)");
            return new D(qName, x.dims(), false);
        }
        // k-bit activations (Quantize / MultiThreshold, possibly pooled, reshaped or re-scaled), read bit-serially
        if (isKbit(t)) return x;
        if (t.elem().kind() == ElemType.Kind.GATED_BIPOLAR) return x; // MC-Dropout output
        for (Node p : nodes) {
            // a Mul/Add/Sub/Div by constants after the binarizer: the crossbar reads +-1 only
            if (p.output().name().equals(x.ir())
                    && p instanceof Node.Affine a
                    && irValues.get(a.input()).type().elem().isBipolar()) {
                throw err(
                        n,
                        "reads '" + n.getInput(0) + "', the bipolar output '" + a.input() + "' scaled or shifted by "
                                + "'" + a.name() + "'; the crossbar reads the +-1 values themselves: move that "
                                + "Mul/Add past this layer (FINN's MoveScalarMulPastMatMul, MoveAddPastMul) or into "
                                + "the thresholds of the binarizer before it");
            }
        }
        throw err(
                n,
                "reads a " + t.elem() + " tensor that is neither binarized (Sign/BipolarQuant), quantized to 1..8 "
                        + "bits (Quant/MultiThreshold) nor the model input; binary layers need bipolar or k-bit "
                        + "activations");
    }

    /** A k-bit activation (Quantize or MultiThreshold output, possibly pooled or reshaped). */
    static boolean isKbit(TensorType t) {
        ElemType.Kind k = t.elem().kind();
        return (k == ElemType.Kind.INT || k == ElemType.Kind.UINT) && t.elem().bits() <= 8;
    }

    /**
     * The layer's K x N weights from a constant laid out row-major [K, N] (MatMul, Gemm) or, with
     * {@code columnMajor}, [N, K] (Gemm with transB, flattened Conv filters).
     */
    BitMatrix bipolarWeights(OnnxMl.NodeProto n, ConstTensor w, int rows, int cols, boolean columnMajor) {
        int bad = w.firstNonBipolar();
        if (bad >= 0) {
            throw err(
                    n,
                    "weight '" + n.getInput(1) + "' is not bipolar (element " + bad + " = " + w.get(bad)
                            + "); binary layers need {-1,+1} weights, binarized by Sign/BipolarQuant (or a signed "
                            + "1-bit Quant) or stored as +-1: a crossbar cell holds one weight bit, so multi-bit "
                            + "weights are not mapped (k-bit quantizers are accepted on activations only)");
        }
        if (w.kind() == ConstTensor.Kind.FLOAT) return w.signs(rows, cols, columnMajor);
        return BitMatrix.of(rows, cols, (k, c) -> w.get(columnMajor ? c * rows + k : k * cols + c) > 0);
    }

    void matmul(OnnxMl.NodeProto n) {
        Sym a = in(n, 0), b = in(n, 1);
        if (a instanceof C && b instanceof C) {
            throw err(n, "MatMul of two constants is not supported");
        }
        if (!(a instanceof D x) || !(b instanceof C cw)) {
            throw err(n, "MatMul needs the activations first and a constant weight second");
        }
        ConstTensor w = cw.t();
        if (w.rank() != 2) throw err(n, "weight must be 2-D, has shape " + w.dimsString());
        if (x.dims().length != 2)
            throw err(n, "activations must be [batch, K] (flatten first), got " + Arrays.toString(x.dims()));
        int k = (int) w.dims()[0], cols = (int) w.dims()[1];
        if (x.dims()[1] != k) throw err(n, "activations have " + x.dims()[1] + " features, weight has " + k + " rows");
        D xin = binaryLayerInput(n, x);
        BitMatrix m = FinnImports.irRows(bipolarWeights(n, w, k, cols, false), x.layout());
        denseOut(n, xin, m, out(n, 0));
    }

    D denseOut(OnnxMl.NodeProto n, D xin, BitMatrix m, String outName) {
        double scale = typeOf(xin).scale();
        D r = emit(
                n,
                outName,
                ElemType.INT32,
                new long[] {1, m.cols()},
                scale,
                (nm, v) -> new Node.BinaryDense(nm, xin.ir(), v, m));
        env.put(outName, r);
        return r;
    }

    void gemm(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "Gemm needs computed activations as A");
        if (attrInt(n, "transA", 0) != 0) throw err(n, "Gemm with transA=1 is not supported");
        ConstTensor w = constIn(n, 1, "weight B");
        if (w.rank() != 2) throw err(n, "weight must be 2-D");
        boolean transB = attrInt(n, "transB", 0) != 0;
        int k = (int) (transB ? w.dims()[1] : w.dims()[0]);
        int cols = (int) (transB ? w.dims()[0] : w.dims()[1]);
        if (x.dims().length != 2 || x.dims()[1] != k)
            throw err(n, "activations " + Arrays.toString(x.dims()) + " do not match weight " + w.dimsString());
        float alpha = attrFloat(n, "alpha", 1f), beta = attrFloat(n, "beta", 1f);
        D xin = binaryLayerInput(n, x);
        BitMatrix m = FinnImports.irRows(bipolarWeights(n, w, k, cols, transB), x.layout());
        boolean bias = hasInput(n, 2) && beta != 0;
        boolean scaled = alpha != 1f;
        if (!bias && !scaled) {
            denseOut(n, xin, m, out(n, 0));
            return;
        }
        D acc = denseOut(n, xin, m, tmp(out(n, 0) + ".acc"));
        List<AffineStep> steps = new ArrayList<>();
        if (scaled) steps.add(new AffineStep(AffineStep.Op.MUL, new float[] {alpha}));
        if (bias) {
            float[] c = perChannel(n, constIn(n, 2, "bias C"), acc.dims(), "bias");
            if (beta != 1f) for (int i = 0; i < c.length; i++) c[i] *= beta;
            steps.add(new AffineStep(AffineStep.Op.ADD, c));
        }
        emit(
                n,
                out(n, 0),
                ElemType.FLOAT32,
                acc.dims(),
                1.0,
                (nm, v) -> new Node.Affine(nm + ".bias", acc.ir(), v, steps));
        env.put(out(n, 0), new D(out(n, 0), acc.dims(), false));
    }

    void conv(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "Conv needs computed activations as X");
        ConstTensor w = constIn(n, 1, "weight W");
        if (w.rank() != 4 || x.dims().length != 4) throw err(n, "only 2-D convolutions ([N,C,H,W]) are supported");
        if (attrInt(n, "group", 1) != 1) throw err(n, "grouped/depthwise convolution is not supported");
        int cout = (int) w.dims()[0], cin = (int) w.dims()[1], kh = (int) w.dims()[2], kw = (int) w.dims()[3];
        if (x.dims()[1] != cin) throw err(n, "input has " + x.dims()[1] + " channels, weight expects " + cin);
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
        D xin = binaryLayerInput(n, x);
        int rowsPerOut = cin * kh * kw;
        BitMatrix m = bipolarWeights(n, w, rowsPerOut, cout, true);
        long[] od = {1, cout, oh, ow};
        boolean bias = hasInput(n, 2);
        String accName = bias ? tmp(out(n, 0) + ".acc") : out(n, 0);
        double scale = typeOf(xin).scale();
        D acc = emit(
                n,
                accName,
                ElemType.INT32,
                od,
                scale,
                (nm, v) -> new Node.BinaryConv(nm, xin.ir(), v, m, cin, kh, kw, strides, pads, dil));
        env.put(accName, acc);
        if (bias) {
            ConstTensor b = constIn(n, 2, "bias B");
            float[] bv = vector(n, b, cout, "bias");
            emit(
                    n,
                    out(n, 0),
                    ElemType.FLOAT32,
                    od,
                    1.0,
                    (nm, v) ->
                            new Node.Affine(nm + ".bias", acc.ir(), v, List.of(new AffineStep(AffineStep.Op.ADD, bv))));
            env.put(out(n, 0), new D(out(n, 0), od, false));
        }
    }

    int[] ints2(OnnxMl.NodeProto n, String name, int dflt) {
        long[] v = attrInts(n, name);
        if (v == null) return new int[] {dflt, dflt};
        if (v.length != 2) throw err(n, name + " must have 2 values");
        for (long x : v) if (x < 1 || x > 1 << 16) throw err(n, name + " value " + x + " out of range");
        return new int[] {(int) v[0], (int) v[1]};
    }

    /** Explicit pads (top, left, bottom, right) from pads or auto_pad, as ONNX defines them. */
    int[] pads(OnnxMl.NodeProto n, int[] in, int[] k, int[] s, int[] dil) {
        String auto = attrString(n, "auto_pad", "NOTSET");
        switch (auto) {
            case "NOTSET" -> {
                long[] p = attrInts(n, "pads");
                if (p == null) return new int[4];
                if (p.length != 4) throw err(n, "pads must have 4 values");
                int[] r = new int[4];
                for (int i = 0; i < 4; i++) {
                    if (p[i] < 0 || p[i] > 1 << 16) throw err(n, "pad " + p[i] + " out of range");
                    r[i] = (int) p[i];
                }
                return r;
            }
            case "VALID" -> {
                return new int[4];
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] r = new int[4];
                for (int i = 0; i < 2; i++) {
                    int out = (in[i] + s[i] - 1) / s[i];
                    int total = Math.max(0, (out - 1) * s[i] + dil[i] * (k[i] - 1) + 1 - in[i]);
                    int small = total / 2, big = total - small;
                    r[i] = auto.equals("SAME_UPPER") ? small : big;
                    r[i + 2] = auto.equals("SAME_UPPER") ? big : small;
                }
                return r;
            }
            default -> throw err(n, "auto_pad " + auto + " is not supported");
        }
    }

    void pool(OnnxMl.NodeProto n, boolean max) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "pooling of a constant is not supported");
        if (x.dims().length != 4) throw err(n, "only 2-D pooling ([N,C,H,W]) is supported");
        if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty())
            throw err(n, "MaxPool indices output is not supported");
        long[] ks = attrInts(n, "kernel_shape");
        if (ks == null || ks.length != 2) throw err(n, "kernel_shape must have 2 values");
        int[] k = {(int) ks[0], (int) ks[1]};
        int[] s = ints2(n, "strides", 1);
        int[] dil = ints2(n, "dilations", 1);
        if (dil[0] != 1 || dil[1] != 1) throw err(n, "dilated pooling is not supported");
        int h = (int) x.dims()[2], w = (int) x.dims()[3];
        int[] p = pads(n, new int[] {h, w}, k, s, dil);
        boolean ceil = attrInt(n, "ceil_mode", 0) != 0;
        int oh = poolOut(h, p[0], p[2], k[0], s[0], ceil), ow = poolOut(w, p[1], p[3], k[1], s[1], ceil);
        if (oh <= 0 || ow <= 0) throw err(n, "pooling window larger than the padded input");
        long[] od = {1, x.dims()[1], oh, ow};
        TensorType t = typeOf(x);
        if (max) {
            emit(
                    n,
                    out(n, 0),
                    t.elem(),
                    od,
                    t.scale(),
                    (nm, v) -> new Node.MaxPool(nm, x.ir(), v, new Window(k, s, p)));
        } else {
            boolean countPad = attrInt(n, "count_include_pad", 0) != 0;
            emit(
                    n,
                    out(n, 0),
                    ElemType.FLOAT32,
                    od,
                    1.0,
                    (nm, v) -> new Node.AvgPool(nm, x.ir(), v, new Window(k, s, p), countPad));
        }
        env.put(out(n, 0), new D(out(n, 0), od, false));
    }

    static int poolOut(int in, int pb, int pe, int k, int s, boolean ceil) {
        int span = in + pb + pe - k;
        if (span < 0) return 0;
        int out = (ceil ? (span + s - 1) / s : span / s) + 1;
        // ONNX: the last window must start inside the input or the leading pad
        if (ceil && (out - 1) * s >= in + pb) out--;
        return out;
    }

    // ---------------------------------------------------------------------------- k-bit activations

    /**
     * A multi-bit QONNX Quant on activations: a {@code Quantize} with the exact float32 boundaries of QONNX's level
     * function; stored value q - zeropt, real value (q - zeropt) * scale.
     */
    void kbitQuant(
            OnnxMl.NodeProto n,
            D d,
            ConstTensor scale,
            ConstTensor zeropt,
            float bits,
            boolean signed,
            boolean narrow,
            Quantizers.Rounding mode) {
        String what = "bitwidth " + org.bnncim.ir.TextPrinter.number(bits) + " (" + (signed ? "signed" : "unsigned")
                + (narrow ? " narrow" : "") + ": " + Quantizers.levels(signed, narrow, bits) + "·scale)";
        if (bits > 8f) {
            throw err(n, "Quant with " + what + " on a computed tensor: bnncim maps activations of 1 to 8 bits");
        }
        if (scale.size() != 1) {
            throw err(
                    n,
                    "Quant with a per-channel scale (" + scale.size()
                            + " values) on a computed tensor is not supported;"
                            + " activations take a per-tensor (scalar) scale");
        }
        float s = scale.getFloat(0);
        if (!(s > 0f) || Float.isInfinite(s)) {
            throw err(n, "Quant scale " + s + " on a computed tensor; activations need one positive finite scale");
        }
        if (zeropt.size() != 1 || zeropt.getFloat(0) != Math.rint(zeropt.getFloat(0))) {
            String zp = zeropt.size() != 1
                    ? "a per-channel zero point"
                    : "zero point " + org.bnncim.ir.TextPrinter.number(zeropt.getFloat(0));
            throw err(n, "Quant of a computed tensor with " + zp + "; accepted: one integer zero point (0 typically)");
        }
        float z = zeropt.getFloat(0);
        float lo = Quantizers.minInt(signed, narrow, bits);
        float[] t = Quantizers.levelThresholds(s, z, bits, signed, narrow, mode);
        kbitActivation(n, d, t, t.length, (long) (lo - z), s, "Quant with " + what);
    }

    /**
     * A positive scalar Mul or Div by a constant on a k-bit activation (FINN leaves the scale of a MultiThreshold
     * with out_scale 1 as a Mul after it): the stored integers stay, only their real-valued scale changes.
     */
    void rescale(OnnxMl.NodeProto n, D d, float[] c, boolean div) {
        if (c.length != 1 || !(c[0] > 0f) || Float.isInfinite(c[0])) {
            throw err(
                    n,
                    (div ? "Div" : "Mul") + " of a k-bit activation by "
                            + (c.length != 1 ? "a per-channel" : "a " + (c[0] > 0f ? "non-finite" : "non-positive"))
                            + " constant is not supported; only one "
                            + "positive scalar re-scales it (fold a per-channel or negative factor into the next "
                            + "layer's BatchNormalization/Mul after the binary MatMul/Conv)");
        }
        TensorType t = typeOf(d);
        double s = div ? t.scale() / c[0] : t.scale() * c[0];
        emit(n, out(n, 0), t.elem(), d.dims(), s, (nm, v) -> new Node.Reshape(nm, d.ir(), v));
    }

    /** Emits {@code Quantize} with levels base .. base + steps in the narrowest INT/UINT type holding them. */
    void kbitActivation(OnnxMl.NodeProto n, D d, float[] t, int steps, long base, double scale, String what) {
        long top = base + steps;
        int k = 1;
        while (base >= 0 ? top > (1L << k) - 1 : base < -(1L << (k - 1)) || top > (1L << (k - 1)) - 1) k++;
        if (k > 8) {
            throw err(
                    n,
                    what + " produces the levels " + base + " .. " + top + ", which need " + k
                            + " bits; bnncim maps activations of at most 8 bits");
        }
        ElemType e = new ElemType(base >= 0 ? ElemType.Kind.UINT : ElemType.Kind.INT, k);
        int b = (int) base;
        D f = d;
        if (!typeOf(d).elem().isFloat()) { // an integer (popcount) input: its real value as float32, exactly
            String mid = tmp(out(n, 0) + ".real");
            value(mid, ElemType.FLOAT32, d.dims(), 1.0, source + ": " + describe(n));
            nodes.add(new Node.Affine(
                    nodeName(n) + ".real",
                    d.ir(),
                    irValues.get(mid),
                    List.of(new AffineStep(AffineStep.Op.MUL, new float[] {1f}))));
            f = new D(mid, d.dims(), false);
        }
        String in = f.ir();
        emit(n, out(n, 0), e, d.dims(), scale, (nm, v) -> new Node.Quantize(nm, in, v, t, steps, b));
    }
}
