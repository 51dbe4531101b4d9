package org.bnncim.compiler.frontend;

import static org.bnncim.compiler.frontend.OnnxAttributes.attrFloat;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrString;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Node;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;

/**
 * FINN-ONNX: the bipolar and k-bit {@code MultiThreshold} activations of tidied/streamlined FINN models, and the
 * refusal of FINN's HLS/RTL layer nodes.
 *
 * <p>FINN/QONNX's MultiThreshold (finn/custom_op/general/multithreshold.py, qonnx's multi_threshold): for every
 * element x of channel c (axis 1 for NCHW, the last axis for NHWC), {@code y = out_scale * #{t in thresholds[c] :
 * x >= t} + out_bias}; thresholds are [C, T] or [1, T] (shared by all channels). With T == 1, out_scale 2 and
 * out_bias -1 (FINN's BIPOLAR out_dtype) it is the bipolar binarizer {@code x >= t ? +1 : -1}; with T >= 2 sorted
 * thresholds, out_scale > 0 and out_bias a multiple of it, a k-bit quantizer ({@code Node.Quantize}).
 *
 * <p>FINN's streamlined NHWC forms: {@code Transpose(perm 0,2,3,1)} of a rank-4 NCHW activation makes an NHWC
 * <em>view</em> of the same IR value ({@link Layout}); elementwise ops, MultiThreshold (data_layout NHWC) and
 * MaxPoolNHWC keep it (per-channel constants read on its last axis), {@code Transpose(perm 0,3,1,2)} returns to
 * NCHW, and a Flatten/Reshape to [N, H*W*C] becomes the CHW-order IR flatten whose HWC feature order reorders the
 * next MatMul/Gemm's weight rows. No IR node is added and no float operation is reordered. Anything else reading a
 * view is refused by name ({@link #checkViewReader}).
 */
abstract sealed class FinnImports extends DigitalImports permits DecoderImports {
    static final Set<String> MULTI_THRESHOLD_DOMAINS =
            Set.of("finn", "finn.custom_op.general", "qonnx.custom_op.general");

    FinnImports(OnnxImporter.Options options, String source, Path modelDir) {
        super(options, source, modelDir);
    }

    /** FINN's dataflow (HLS/RTL) layer nodes: the model was exported after HLS conversion. */
    static boolean isFinnDataflow(String domain, String op) {
        return domain.startsWith("finn.custom_op.fpgadataflow") || op.endsWith("_hls") || op.endsWith("_rtl");
    }

    BnncimException dataflowRefusal(OnnxMl.NodeProto n) {
        return err(
                n,
                "is a FINN hardware (HLS/RTL dataflow) layer; export the model before HLS conversion "
                        + "(the tidied/streamlined FINN-ONNX with MatMul/Conv and MultiThreshold nodes)");
    }

    void multiThreshold(OnnxMl.NodeProto n) {
        Sym x = in(n, 0);
        ConstTensor th = constIn(n, 1, "thresholds");
        long[] td = th.dims();
        // qonnx reads thresholds.shape[0] as the channel count (1: shared) and the rest as the thresholds per channel
        boolean single = th.size() == 1;
        long rows = single ? 1 : td.length == 2 ? td[0] : -1, perChannel = single ? 1 : td.length == 2 ? td[1] : -1;
        float scale = attrFloat(n, "out_scale", 1f), bias = attrFloat(n, "out_bias", 0f);
        String layout = attrString(n, "data_layout", "NCHW");
        String accepted = "bnncim accepts MultiThreshold as a bipolar binarizer (one threshold per channel: "
                + "thresholds [C, 1] or [1, 1], out_scale 2, out_bias -1, out_dtype BIPOLAR) or as a k-bit quantizer "
                + "(T >= 2 ascending thresholds per channel, out_scale > 0, out_bias an integer multiple of it)";
        if (perChannel < 1) {
            throw err(
                    n,
                    "thresholds of shape " + java.util.Arrays.toString(td) + " are not [C, T] or [1, T]; " + accepted);
        }
        boolean bipolar = perChannel == 1 && scale == 2f && bias == -1f;
        float base = bias / scale;
        boolean levels = !bipolar // one threshold with out_scale 1, out_bias 0: a {0, 1} activation (FINN's BINARY)
                && scale > 0f
                && !Float.isInfinite(scale)
                && base == Math.rint(base)
                && base * scale == bias; // the levels (base + count) * scale are FINN's values exactly
        if (!bipolar && !levels) {
            String what = "a " + (perChannel + 1) + "-level quantizer (" + perChannel + " threshold"
                    + (perChannel == 1 ? "" : "s") + ", out_scale " + num(scale) + ", out_bias " + num(bias)
                    + ")";
            throw err(n, "MultiThreshold is " + what + "; " + accepted);
        }
        if (!(x instanceof D d)) throw err(n, "MultiThreshold of a constant is not supported");
        long[] od = d.onnxDims(); // an NHWC view's ONNX dims; its IR value is NCHW, channels on IR axis 1
        int r = od.length;
        if (!layout.equals("NCHW") && !layout.equals("NHWC")) {
            throw err(n, "data_layout '" + layout + "' is neither NCHW nor NHWC");
        }
        long channels = r >= 2 ? (layout.equals("NHWC") ? od[r - 1] : od[1]) : 1;
        if (rows != 1) perChannelThresholdLayout(n, d, layout);
        if (rows != 1 && rows != channels) {
            throw err(n, "thresholds have " + rows + " rows for " + channels + " channels (" + layout + ")");
        }
        float[] t = th.toFloats();
        for (float v : t) {
            if (Float.isNaN(v)) throw err(n, "a threshold is NaN");
        }
        if (levels) {
            levelThresholds(n, d, t, (int) perChannel, scale, base);
            return;
        }
        // x >= t  <=>  x - t >= 0, exactly, in float32: IEEE round-to-nearest subtraction of finite values with
        // gradual underflow (Java never flushes subnormals) gives 0 only when x == t, and rounding is monotone, so
        // the rounded difference has the sign of the exact one (an overflow to -inf/+inf keeps it too). An
        // infinite threshold is refused (inf - inf is NaN). Sign then maps 0 to +1, which is FINN's x >= t.
        // The fold (FoldThresholds) already understands Affine(SUB) followed by Sign after a popcount and turns
        // it into an integer comparator; on a float tensor it stays an exact float comparison.
        for (float v : t) {
            if (Float.isInfinite(v)) throw err(n, "an infinite threshold is not supported");
        }
        String mid = tmp(out(n, 0) + ".minus_threshold");
        value(mid, ElemType.FLOAT32, d.dims(), 1.0, source + ": " + describe(n));
        nodes.add(new Node.Affine(
                nodeName(n) + ".sub", d.ir(), irValues.get(mid), List.of(new AffineStep(AffineStep.Op.SUB, t))));
        emit(n, out(n, 0), ElemType.BIPOLAR, d.dims(), 1.0, (nm, v) -> new Node.Sign(nm, mid, v, true));
        env.put(out(n, 0), new D(out(n, 0), d.dims(), false));
    }

    /**
     * Per-channel thresholds need the channel axis of the ONNX tensor to be the IR's axis 1: rank 2 (not a
     * flattened NHWC view), NCHW rank 4, or an NHWC view with data_layout NHWC. qonnx transposes NHWC to NCHW on
     * rank 4 only and reads any rank other than 2 and 4 as channels-last.
     */
    private void perChannelThresholdLayout(OnnxMl.NodeProto n, D d, String layout) {
        int r = d.dims().length;
        Layout.Kind k = d.layout().kind();
        if (k == Layout.Kind.FLAT_NHWC) {
            throw err(
                    n,
                    "per-feature thresholds on an NHWC tensor flattened in HWC order are not supported: use one "
                            + "shared threshold, or threshold before the Flatten/Reshape");
        }
        if (k == Layout.Kind.NHWC && !layout.equals("NHWC")) {
            throw err(
                    n,
                    "per-channel thresholds with data_layout NCHW on an NHWC tensor (Transpose 0,2,3,1) would read "
                            + "axis 1 (H) as the channel: set data_layout \"NHWC\"");
        }
        if (k == Layout.Kind.NCHW && !(r == 2 || (r == 4 && layout.equals("NCHW")))) {
            throw err(
                    n,
                    "per-channel thresholds on a rank-" + r + " " + layout + " tensor are not supported "
                            + "(bnncim's channel axis is 1): use rank 2, NCHW rank 4, an NHWC tensor made by "
                            + "Transpose(perm 0,2,3,1) of an NCHW one, or one shared threshold");
        }
    }

    // ---------------------------------------------------------------------------- FINN's NHWC views

    /** Ops that may read an NHWC view, and those (with MatMul and Gemm) that may read a flattened one. */
    private static final Set<String> NHWC_READERS = Set.of(
            "Identity",
            "Add",
            "Sub",
            "Mul",
            "Div",
            "Sign",
            "Dropout",
            "Transpose",
            "Reshape",
            "Flatten",
            "Shape",
            "BipolarQuant",
            "Quant",
            "IntQuant",
            "MultiThreshold",
            "MaxPoolNHWC");

    private static final Set<String> FLAT_READERS = Set.of(
            "Identity",
            "Add",
            "Sub",
            "Mul",
            "Div",
            "Sign",
            "Dropout",
            "Reshape",
            "Flatten",
            "Shape",
            "BipolarQuant",
            "Quant",
            "IntQuant",
            "MultiThreshold",
            "MatMul",
            "Gemm");
    /** Elementwise ops: their output is a view like their input. */
    private static final Set<String> KEEP_VIEW =
            Set.of("Add", "Sub", "Mul", "Div", "Sign", "BipolarQuant", "Quant", "IntQuant", "MultiThreshold");

    /** The first computed input of n that is a view (NHWC or flattened NHWC), or null. */
    D viewInput(OnnxMl.NodeProto n) {
        for (int i = 0; i < n.getInputCount(); i++) {
            if (!n.getInput(i).isEmpty()
                    && env.get(n.getInput(i)) instanceof D d
                    && d.layout().isView()) return d;
        }
        return null;
    }

    /** Refuses, in one line, a node that cannot read the view v (a Conv, a standard MaxPool, ...). */
    void checkViewReader(OnnxMl.NodeProto n, D v) {
        String op = n.getOpType();
        boolean nhwc = v.layout().kind() == Layout.Kind.NHWC;
        boolean mc = op.equals("Dropout") && options.mcDropout();
        if (!mc && (nhwc ? NHWC_READERS : FLAT_READERS).contains(op)) return;
        String name = onnxName(n, v);
        if (nhwc) {
            throw err(
                    n,
                    "reads '" + name + "', an NHWC tensor (Transpose(perm 0,2,3,1) of an NCHW one); " + op
                            + " is computed in NCHW: insert Transpose(perm 0,3,1,2) before this node (bnncim reads "
                            + "NHWC tensors only in elementwise ops, MultiThreshold, MaxPoolNHWC, Transpose back and "
                            + "a Flatten/Reshape feeding MatMul/Gemm)");
        }
        throw err(
                n,
                "reads '" + name + "', an NHWC tensor flattened in HWC order; only MatMul/Gemm (whose weight rows "
                        + "bnncim reorders) and elementwise ops may read it: to feed " + op + ", flatten in NCHW "
                        + "order (Transpose(perm 0,3,1,2) before the Flatten)");
    }

    /**
     * An NHWC view whose data order is NCHW's (one channel, or one pixel) is also a reshape of its IR value, which is
     * how bnncim read such transposes before it knew views: a reader that does not take views gets that reshape
     * (true; its inputs are rebound), any other reader the view (false).
     */
    boolean readAsReshape(OnnxMl.NodeProto n, D v) {
        long[] d = v.dims();
        if (v.layout().kind() != Layout.Kind.NHWC || (d[1] != 1 && d[2] * d[3] != 1)) return false;
        if (NHWC_READERS.contains(n.getOpType()) && !(n.getOpType().equals("Dropout") && options.mcDropout())) {
            return false;
        }
        for (String i : n.getInputList()) {
            if (!i.isEmpty() && env.get(i) == v) env.put(i, plainReshape(v, nodeName(n)));
        }
        return true;
    }

    /** The IR Reshape of an NHWC view with NCHW's data order to its ONNX (NHWC) dims. */
    D plainReshape(D v, String node) {
        TensorType t = typeOf(v);
        String name = tmp(v.ir() + ".nhwc");
        Value out = value(name, t.elem(), v.onnxDims(), t.scale(), source + ": " + node);
        nodes.add(new Node.Reshape(node + ".nhwc", v.ir(), out));
        return new D(name, v.onnxDims(), v.rawInput());
    }

    /** A graph output that is a view: its reshape when that is the same data order, else refused. */
    D outputView(String output, D v) {
        long[] d = v.dims();
        if (v.layout().kind() == Layout.Kind.NHWC && (d[1] == 1 || d[2] * d[3] == 1)) {
            return plainReshape(v, "output_" + output);
        }
        throw new BnncimException(source + ": graph output '" + output + "' is an NHWC tensor; end the model in "
                + "NCHW (Transpose(perm 0,3,1,2)) or with a MatMul/Gemm");
    }

    private String onnxName(OnnxMl.NodeProto n, D v) {
        for (String i : n.getInputList()) if (env.get(i) == v) return i;
        return v.ir();
    }

    /** After an elementwise op on a view, its output is the same view of the new IR value. */
    void keepView(OnnxMl.NodeProto n, D v) {
        if (!KEEP_VIEW.contains(n.getOpType())) return;
        for (String o : n.getOutputList()) {
            if (env.get(o) instanceof D d && !d.layout().isView()) env.put(o, d.withLayout(v.layout()));
        }
    }

    /**
     * A Transpose of a computed tensor into an NHWC view (perm 0,2,3,1 of a rank-4 NCHW tensor) or back (perm
     * 0,3,1,2 of an NHWC view); false when it is neither, for the general Transpose.
     */
    boolean layoutTranspose(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D d)) return false;
        long[] perm = OnnxAttributes.attrInts(n, "perm");
        boolean toNhwc = Arrays.equals(perm, new long[] {0, 2, 3, 1}), toNchw = Arrays.equals(perm, TO_NCHW);
        if (d.layout().kind() == Layout.Kind.NCHW) {
            if (!toNhwc || d.dims().length != 4) return false;
            alias(n, d.withLayout(Layout.NHWC));
            return true;
        }
        if (toNchw) {
            alias(n, d.withLayout(Layout.NCHW));
            return true;
        }
        throw err(
                n,
                "transposes the NHWC tensor '" + n.getInput(0) + "' with perm "
                        + (perm == null ? "(reversed)" : Arrays.toString(perm))
                        + "; bnncim accepts only perm [0, 3, 1, 2] (back to NCHW) on it");
    }

    private static final long[] TO_NCHW = {0, 3, 1, 2};

    /**
     * Flatten/Reshape of an NHWC view: to its own shape it stays the view; to [N, H*W*C] it is the IR value
     * flattened in CHW order, with the HWC feature order recorded for the next MatMul/Gemm's weight rows.
     */
    void reshapeView(OnnxMl.NodeProto n, D d) {
        long[] od = d.onnxDims();
        long[] target;
        if (n.getOpType().equals("Flatten")) {
            long axis = OnnxAttributes.attrInt(n, "axis", 1);
            if (axis < 0) axis += od.length;
            long a = 1, b = 1;
            for (int i = 0; i < od.length; i++) {
                if (i < axis) a *= od[i];
                else b *= od[i];
            }
            target = new long[] {a, b};
        } else {
            try {
                target = ConstOps.reshapeTarget(
                        od, constIn(n, 1, "shape").toLongs(), OnnxAttributes.attrInt(n, "allowzero", 0) != 0);
            } catch (IllegalArgumentException e) {
                throw err(n, e.getMessage());
            }
        }
        if (Arrays.equals(target, od)) {
            alias(n, d);
            return;
        }
        long features = od.length == 4 ? od[1] * od[2] * od[3] : -1;
        if (d.layout().kind() != Layout.Kind.NHWC || target.length != 2 || target[0] != 1 || target[1] != features) {
            throw err(
                    n,
                    "reshapes the " + (d.layout().kind() == Layout.Kind.NHWC ? "" : "flattened ") + "NHWC tensor '"
                            + n.getInput(0) + "' " + Arrays.toString(od) + " to " + Arrays.toString(target)
                            + "; bnncim accepts only the flatten to [N, H*W*C] feeding a MatMul/Gemm, or "
                            + "Transpose(perm 0,3,1,2) back to NCHW first");
        }
        int c = (int) d.dims()[1], h = (int) d.dims()[2], w = (int) d.dims()[3];
        Layout flat = Layout.flatNhwc(c, h, w);
        boolean sameOrder = true; // one channel or one pixel: HWC order is CHW order
        for (int j = 0; j < flat.irFeature().length; j++) sameOrder &= flat.irFeature()[j] == j;
        TensorType t = typeOf(d);
        D r = emit(n, out(n, 0), t.elem(), target, t.scale(), (nm, v) -> new Node.Reshape(nm, d.ir(), v));
        env.put(out(n, 0), new D(r.ir(), r.dims(), d.rawInput(), sameOrder ? Layout.NCHW : flat));
    }

    /** FINN's MaxPoolNHWC: a MaxPool over the NCHW IR value of an NHWC view; the output is an NHWC view. */
    void maxPoolNhwc(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D d) || d.layout().kind() != Layout.Kind.NHWC) {
            throw err(
                    n,
                    "MaxPoolNHWC reads '" + n.getInput(0) + "', which is not an NHWC tensor made by Transpose(perm "
                            + "0,2,3,1) of an NCHW one; use MaxPool on NCHW data, or transpose to NHWC first");
        }
        pool(n, true); // attributes kernel_shape, strides, pads (and ceil_mode) as MaxPool's, on the NCHW IR value
        env.put(out(n, 0), ((D) env.get(out(n, 0))).withLayout(Layout.NHWC));
    }

    /** A constant combined elementwise with x: per channel on x's channel axis (the last axis of an NHWC view). */
    float[] layoutConstant(OnnxMl.NodeProto n, ConstTensor c, D x, String what) {
        return switch (x.layout().kind()) {
            case NCHW -> perChannel(n, c, x.dims(), 1, what);
            case NHWC -> perChannel(n, c, x.onnxDims(), 3, what);
            case FLAT_NHWC -> {
                float[] v = perChannel(n, c, x.dims(), 1, what);
                if (v.length == 1) yield v;
                float[] ir = new float[v.length];
                int[] f = x.layout().irFeature();
                for (int j = 0; j < v.length; j++) ir[f[j]] = v[j];
                yield ir;
            }
        };
    }

    /** The weight rows of a MatMul/Gemm reading a flattened NHWC view, in the IR's CHW feature order. */
    static BitMatrix irRows(BitMatrix m, Layout layout) {
        if (layout.kind() != Layout.Kind.FLAT_NHWC) return m;
        int[] f = layout.irFeature();
        int[] onnxRow = new int[f.length];
        for (int j = 0; j < f.length; j++) onnxRow[f[j]] = j;
        return BitMatrix.of(m.rows(), m.cols(), (row, col) -> m.get(onnxRow[row], col) > 0);
    }

    /**
     * The k-bit form: {@code out_scale * #{t : x >= t} + out_bias} is {@code Quantize} with the same float
     * thresholds (x >= t is exact in float32), base out_bias / out_scale and type scale out_scale.
     */
    private void levelThresholds(OnnxMl.NodeProto n, D d, float[] t, int steps, float scale, float base) {
        for (int row = 0; row < t.length / steps; row++) {
            for (int i = 1; i < steps; i++) {
                if (!(t[row * steps + i] >= t[row * steps + i - 1])) {
                    throw err(
                            n,
                            "thresholds of row " + row + " are not sorted ascending (" + t[row * steps + i - 1]
                                    + " then " + t[row * steps + i] + "); FINN's MultiThreshold needs them sorted");
                }
            }
        }
        String what = "MultiThreshold with " + steps + " thresholds, out_scale " + num(scale);
        if (Math.abs(base) > 256)
            throw err(n, what + " and out_bias " + num(base * scale) + " is not a k-bit level set");
        kbitActivation(n, d, t, steps, (long) base, scale, what);
    }

    private static String num(float f) {
        return f == (long) f ? Long.toString((long) f) : Float.toString(f);
    }
}
