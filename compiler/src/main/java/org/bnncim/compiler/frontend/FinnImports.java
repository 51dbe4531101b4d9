package org.bnncim.compiler.frontend;

import static org.bnncim.compiler.frontend.OnnxAttributes.attrFloat;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrString;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Node;

/**
 * FINN-ONNX: the bipolar and k-bit {@code MultiThreshold} activations of tidied/streamlined FINN models, and the
 * refusal of FINN's HLS/RTL layer nodes.
 *
 * <p>FINN/QONNX's MultiThreshold (finn/custom_op/general/multithreshold.py, qonnx's multi_threshold): for every
 * element x of channel c (axis 1 for NCHW, the last axis for NHWC), {@code y = out_scale * #{t in thresholds[c] :
 * x >= t} + out_bias}; thresholds are [C, T] or [1, T] (shared by all channels). With T == 1, out_scale 2 and
 * out_bias -1 (FINN's BIPOLAR out_dtype) it is the bipolar binarizer {@code x >= t ? +1 : -1}; with T >= 2 sorted
 * thresholds, out_scale > 0 and out_bias a multiple of it, a k-bit quantizer ({@code Node.Quantize}).
 */
abstract sealed class FinnImports extends LayerImports permits OnnxImporter {
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
        boolean levels = perChannel > 1
                && scale > 0f
                && !Float.isInfinite(scale)
                && base == Math.rint(base)
                && base * scale == bias; // the levels (base + count) * scale are FINN's values exactly
        if (!bipolar && !levels) {
            String what = perChannel == 1 && scale == 1f && bias == 0f
                    ? "a 0/1 step"
                    : "a " + (perChannel + 1) + "-level quantizer (" + perChannel + " threshold"
                            + (perChannel == 1 ? "" : "s") + ", out_scale " + num(scale) + ", out_bias " + num(bias)
                            + ")";
            throw err(n, "MultiThreshold is " + what + "; " + accepted);
        }
        if (!(x instanceof D d)) throw err(n, "MultiThreshold of a constant is not supported");
        int r = d.dims().length;
        if (!layout.equals("NCHW") && !layout.equals("NHWC")) {
            throw err(n, "data_layout '" + layout + "' is neither NCHW nor NHWC");
        }
        long channels = r >= 2 ? (layout.equals("NHWC") ? d.dims()[r - 1] : d.dims()[1]) : 1;
        if (rows != 1 && rows != channels) {
            throw err(n, "thresholds have " + rows + " rows for " + channels + " channels (" + layout + ")");
        }
        // qonnx transposes NHWC to NCHW on rank 4 only and reads any rank other than 2 and 4 as channels-last
        if (rows != 1 && !(r == 2 || (r == 4 && layout.equals("NCHW")))) {
            throw err(
                    n,
                    "per-channel thresholds on a rank-" + r + " " + layout + " tensor are not supported "
                            + "(bnncim's channel axis is 1): use rank 2, NCHW rank 4, or one shared threshold");
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
        emit(n, out(n, 0), ElemType.BIPOLAR, d.dims(), 1.0, (nm, v) -> new Node.Sign(nm, mid, v));
        env.put(out(n, 0), new D(out(n, 0), d.dims(), false));
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
        // a signed 2-bit value is stored as i3: "i2" is the text and program spelling of gated bipolar
        if (base < 0 && k == 2) k = 3;
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

    private static String num(float f) {
        return f == (long) f ? Long.toString((long) f) : Float.toString(f);
    }
}
