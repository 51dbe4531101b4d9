package org.bnncim.compiler.frontend;

import static org.bnncim.compiler.frontend.OnnxAttributes.attr;
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
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Node;
import org.bnncim.ir.TensorType;

/**
 * Encoder-decoder (segmentation) ops (issue #17): nearest Resize/Upsample as a gather with ONNX Runtime's index maps
 * ({@link NearestMaps}), ConvTranspose with bipolar weights, Concat of feature maps along channels, and the
 * per-pixel outputs (Softmax over channels, Sigmoid).
 */
abstract sealed class DecoderImports extends FinnImports permits OnnxImporter {
    DecoderImports(OnnxImporter.Options options, String source, Path modelDir) {
        super(options, source, modelDir);
    }

    // ------------------------------------------------------------------------------------------- resize

    void resize(OnnxMl.NodeProto n) {
        D x = resizeInput(n);
        String coordName = opset >= 11 ? attrString(n, "coordinate_transformation_mode", "half_pixel") : "asymmetric";
        NearestMaps.Coord coord = NearestMaps.Coord.of(coordName);
        if (coord == null) {
            throw err(
                    n,
                    "coordinate_transformation_mode '" + coordName + "' is not supported; bnncim reads half_pixel, "
                            + "pytorch_half_pixel, asymmetric, align_corners and tf_half_pixel_for_nn");
        }
        NearestMaps.Nearest nearest = NearestMaps.Nearest.SIMPLE;
        if (opset >= 11) {
            String nm = attrString(n, "nearest_mode", "round_prefer_floor");
            nearest = NearestMaps.Nearest.of(nm);
            if (nearest == null) throw err(n, "nearest_mode '" + nm + "' is not one of ONNX's four");
        }
        if (attrInt(n, "antialias", 0) != 0) throw err(n, "antialias is not supported (nearest Resize has none)");
        String policy = attrString(n, "keep_aspect_ratio_policy", "stretch");
        if (!policy.equals("stretch")) {
            throw err(n, "keep_aspect_ratio_policy '" + policy + "' is not supported; give the sizes (stretch)");
        }
        if (attrInt(n, "exclude_outside", 0) != 0) throw err(n, "exclude_outside is only defined for cubic mode");
        int[] axes = resizeAxes(n);
        int scalesIn = opset >= 11 ? 2 : 1, sizesIn = opset >= 11 ? 3 : -1;
        ConstTensor scales = hasInput(n, scalesIn) ? constIn(n, scalesIn, "scales") : null;
        ConstTensor sizes = sizesIn > 0 && hasInput(n, sizesIn) ? constIn(n, sizesIn, "sizes") : null;
        if (scales != null && scales.size() == 0) scales = null;
        if (sizes != null && sizes.size() == 0) sizes = null;
        if ((scales == null) == (sizes == null)) throw err(n, "exactly one of scales and sizes must be given");
        float[] full = {1f, 1f, 1f, 1f};
        long[] outDims = x.dims().clone();
        int given = scales != null ? scales.size() : sizes.size();
        if (given != axes.length) {
            throw err(
                    n,
                    (scales != null ? "scales" : "sizes") + " has " + given + " values for " + axes.length
                            + " axes of the [N,C,H,W] input");
        }
        for (int i = 0; i < axes.length; i++) {
            int a = axes[i];
            if (scales != null) {
                full[a] = scales.getFloat(i);
                if (!(full[a] > 0f) || Float.isInfinite(full[a]))
                    throw err(n, "scale " + full[a] + " on axis " + a + " is not positive and finite");
                outDims[a] = NearestMaps.outputLength(full[a], x.dims()[a]);
            } else {
                outDims[a] = sizes.getLong(i);
                if (outDims[a] <= 0) throw err(n, "size " + outDims[a] + " on axis " + a + " is not positive");
                full[a] = NearestMaps.scaleFor(outDims[a], x.dims()[a]);
            }
        }
        upsampleNearest(n, x, full, outDims, coord, nearest);
    }

    /** Upsample (opset 7 to 9): nearest only, asymmetric coordinates, scales >= 1 (attribute or input). */
    void upsample(OnnxMl.NodeProto n) {
        if (opset >= 10) throw err(n, "Upsample is deprecated since opset 10; export Resize instead");
        D x = resizeInput(n);
        float[] s;
        if (hasInput(n, 1)) {
            s = constIn(n, 1, "scales").toFloats();
        } else {
            OnnxMl.AttributeProto a = attr(n, "scales");
            if (a == null) throw err(n, "scales (input or attribute) is required");
            s = new float[a.getFloatsCount()];
            for (int i = 0; i < s.length; i++) s[i] = a.getFloats(i);
        }
        if (s.length != 4) throw err(n, "scales has " + s.length + " values for the [N,C,H,W] input");
        long[] outDims = x.dims().clone();
        for (int a = 0; a < 4; a++) {
            if (!(s[a] >= 1f) || Float.isInfinite(s[a]))
                throw err(n, "scale " + s[a] + " on axis " + a + " is not >= 1 (Upsample only enlarges)");
            outDims[a] = NearestMaps.outputLength(s[a], x.dims()[a]);
        }
        upsampleNearest(n, x, s, outDims, NearestMaps.Coord.ASYMMETRIC, NearestMaps.Nearest.SIMPLE);
    }

    private D resizeInput(OnnxMl.NodeProto n) {
        String mode = attrString(n, "mode", "nearest");
        if (!mode.equals("nearest")) {
            throw err(n, "mode '" + mode + "' is not supported; bnncim maps nearest resampling only");
        }
        if (!(in(n, 0) instanceof D x)) throw err(n, n.getOpType() + " of a constant is not supported");
        if (x.dims().length != 4) {
            throw err(n, n.getOpType() + " of a rank-" + x.dims().length + " tensor; bnncim resizes [N,C,H,W] maps");
        }
        return x;
    }

    /** Resize-18's axes (default all four), as non-negative indices. */
    private int[] resizeAxes(OnnxMl.NodeProto n) {
        long[] a = opset >= 18 ? attrInts(n, "axes") : null;
        if (a == null) return new int[] {0, 1, 2, 3};
        int[] r = new int[a.length];
        boolean[] seen = new boolean[4];
        for (int i = 0; i < a.length; i++) {
            long v = a[i] < 0 ? a[i] + 4 : a[i];
            if (v < 0 || v > 3 || seen[(int) v]) throw err(n, "axes " + Arrays.toString(a) + " are not distinct axes");
            seen[(int) v] = true;
            r[i] = (int) v;
        }
        return r;
    }

    private void upsampleNearest(
            OnnxMl.NodeProto n,
            D x,
            float[] scales,
            long[] outDims,
            NearestMaps.Coord coord,
            NearestMaps.Nearest nearest) {
        long[] d = x.dims();
        if (outDims[0] != d[0] || outDims[1] != d[1] || scales[0] != 1f || scales[1] != 1f) {
            throw err(
                    n,
                    "resizes the batch or channel axis (output " + Arrays.toString(outDims) + " from "
                            + Arrays.toString(d) + "); bnncim resizes H and W only: give N and C scale 1");
        }
        for (int a = 2; a < 4; a++) {
            if (outDims[a] <= 0 || outDims[a] > 1 << 16)
                throw err(n, "output size " + outDims[a] + " on axis " + a + " is out of range");
        }
        int h = (int) d[2], w = (int) d[3], oh = (int) outDims[2], ow = (int) outDims[3];
        int[] rows = NearestMaps.map(h, oh, scales[2], coord, nearest);
        int[] cols = NearestMaps.map(w, ow, scales[3], coord, nearest);
        int ties = NearestMaps.nearTies(h, oh, scales[2], coord, nearest)
                + NearestMaps.nearTies(w, ow, scales[3], coord, nearest);
        if (ties > 0) {
            notes.merge(
                    "resize_near_ties",
                    nodeName(n) + ": " + ties + " output rows/cols have a coordinate within 2 ulps of a rounding "
                            + "boundary, where ONNX Runtime's arithmetic may copy the neighbouring input",
                    (a, b) -> a + "; " + b);
        }
        TensorType t = typeOf(x);
        emit(n, out(n, 0), t.elem(), outDims, t.scale(), (nm, v) -> new DecoderNode.Resize(nm, x.ir(), v, rows, cols));
    }

    // ---------------------------------------------------------------------------------- conv transpose

    /**
     * ConvTranspose with bipolar weights W [C_in, C_out, kh, kw], group 1. Pads and the output shape follow ONNX
     * Runtime: with output_shape (or SAME_UPPER/SAME_LOWER, which aim at in * stride) the total padding is split as
     * the ONNX spec says, the odd pixel at the tail for SAME_UPPER and at the head otherwise (older ONNX Runtime
     * releases did the opposite; 1.29 follows the spec, checked in DecoderConvTransposeTest); explicit pads are then
     * ignored.
     */
    void convTranspose(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "ConvTranspose needs computed activations as X");
        ConstTensor w = constIn(n, 1, "weight W");
        if (w.rank() != 4 || x.dims().length != 4) {
            throw err(n, "only 2-D transposed convolutions ([N,C,H,W]) are supported");
        }
        long group = attrInt(n, "group", 1);
        if (group != 1) {
            throw err(n, "group " + group + " (a grouped transposed convolution) is not supported; use group 1");
        }
        int cin = (int) w.dims()[0], cout = (int) w.dims()[1], kh = (int) w.dims()[2], kw = (int) w.dims()[3];
        if (x.dims()[1] != cin) throw err(n, "input has " + x.dims()[1] + " channels, weight expects " + cin);
        long[] ks = attrInts(n, "kernel_shape");
        if (ks != null && (ks.length != 2 || ks[0] != kh || ks[1] != kw))
            throw err(n, "kernel_shape disagrees with the weight");
        int[] s = ints2(n, "strides", 1), dil = ints2(n, "dilations", 1);
        int[] adj = new int[2];
        long[] op = attrInts(n, "output_padding");
        if (op != null) {
            if (op.length != 2) throw err(n, "output_padding must have 2 values");
            for (int a = 0; a < 2; a++) {
                if (op[a] < 0 || op[a] > 1 << 16) throw err(n, "output_padding " + op[a] + " out of range");
                adj[a] = (int) op[a];
            }
        }
        int[] in = {(int) x.dims()[2], (int) x.dims()[3]}, k = {kh, kw};
        String auto = attrString(n, "auto_pad", "NOTSET");
        if (!List.of("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID").contains(auto))
            throw err(n, "auto_pad " + auto + " is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        if (!auto.equals("NOTSET") && attrInts(n, "pads") != null)
            throw err(n, "pads cannot be given together with auto_pad " + auto + " (ONNX forbids it)");
        long[] os = attrInts(n, "output_shape");
        if (os != null && os.length != 2) throw err(n, "output_shape must have 2 values (H and W)");
        int[] pads = auto.equals("NOTSET") && os == null ? explicitPads(n) : new int[4];
        int[] out = new int[2];
        for (int a = 0; a < 2; a++) {
            long full = (long) (in[a] - 1) * s[a] + adj[a] + (long) (k[a] - 1) * dil[a] + 1;
            if (full > 1 << 24) throw err(n, "output size " + full + " along axis " + (a + 2) + " is out of range");
            long target = os != null ? os[a] : auto.startsWith("SAME") ? (long) in[a] * s[a] : -1;
            if (target >= 0) {
                long total = Math.max(0, full - target);
                long small = total / 2, big = total - small;
                pads[a] = (int) (auto.equals("SAME_UPPER") ? small : big);
                pads[a + 2] = (int) (auto.equals("SAME_UPPER") ? big : small);
            }
            long o = os != null ? target : full - pads[a] - pads[a + 2];
            long base = full - adj[a] - pads[a] - pads[a + 2];
            if (o <= 0 || o > 1 << 16) throw err(n, "output size " + o + " along axis " + (a + 2) + " is out of range");
            // ONNX Runtime checks that a Conv of the output gives back the input size: output_padding below stride
            if (o - base < 0 || o - base >= s[a]) {
                throw err(
                        n,
                        "output size " + o + " along axis " + (a + 2) + " exceeds the transposed convolution's " + base
                                + " by " + (o - base) + "; output_padding must be below the stride " + s[a]);
            }
            out[a] = (int) o;
        }
        int bad = w.firstNonBipolar();
        if (bad >= 0) {
            throw err(
                    n,
                    "weight '" + n.getInput(1) + "' is not bipolar (element " + bad + " = " + w.get(bad)
                            + "); ConvTranspose needs {-1,+1} weights (stored as +-1 or binarized by "
                            + "Sign/BipolarQuant)");
        }
        BitMatrix m = BitMatrix.of(cin * kh * kw, cout, (row, co) -> {
            int ci = row / (kh * kw), i = row / kw % kh, j = row % kw;
            return w.get(((ci * cout + co) * kh + i) * kw + j) > 0;
        });
        D xin = binaryLayerInput(n, x);
        long[] od = {1, cout, out[0], out[1]};
        boolean bias = hasInput(n, 2);
        String accName = bias ? tmp(out(n, 0) + ".acc") : out(n, 0);
        D acc = emit(
                n,
                accName,
                ElemType.INT32,
                od,
                typeOf(xin).scale(),
                (nm, v) -> new DecoderNode.BinaryConvTranspose(nm, xin.ir(), v, m, cin, kh, kw, s, pads, dil));
        if (bias) {
            float[] bv = vector(n, constIn(n, 2, "bias B"), cout, "bias");
            emit(
                    n,
                    out(n, 0),
                    ElemType.FLOAT32,
                    od,
                    1.0,
                    (nm, v) ->
                            new Node.Affine(nm + ".bias", acc.ir(), v, List.of(new AffineStep(AffineStep.Op.ADD, bv))));
        }
    }

    private int[] explicitPads(OnnxMl.NodeProto n) {
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

    // ------------------------------------------------------------------------------------------- concat

    /** Concat: folded on constants (shape subgraphs); computed feature maps join along channels. */
    void concatOp(OnnxMl.NodeProto n) {
        List<D> parts = new ArrayList<>();
        for (int i = 0; i < n.getInputCount(); i++) if (in(n, i) instanceof D d) parts.add(d);
        if (parts.isEmpty()) {
            concat(n);
            return;
        }
        if (parts.size() != n.getInputCount()) {
            throw err(
                    n,
                    "joins computed tensors with a constant; bnncim concatenates computed feature maps only "
                            + "(fold the constant into the layer that reads the result)");
        }
        if (attr(n, "axis") == null) throw err(n, "attribute axis is required");
        D first = parts.get(0);
        int r = first.dims().length;
        long axis = attrInt(n, "axis", 1);
        if (r != 4 || (axis != 1 && axis != -3)) {
            throw err(
                    n,
                    "Concat along axis " + axis + " of rank-" + r + " tensors is not supported; bnncim "
                            + "concatenates [N,C,H,W] feature maps along channels (axis 1)");
        }
        if (parts.size() == 1) {
            alias(n, first);
            return;
        }
        TensorType t0 = typeOf(first);
        long channels = 0;
        List<String> sources = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            D d = parts.get(i);
            TensorType t = typeOf(d);
            if (!t.elem().equals(t0.elem()) || t.scale() != t0.scale()) {
                throw err(
                        n,
                        "input '" + n.getInput(i) + "' is " + describeType(t) + " but '" + n.getInput(0)
                                + "' is " + describeType(t0) + "; concatenate tensors of one element type and scale "
                                + "(binarize or quantize every branch the same way before the Concat)");
            }
            if (d.dims().length != 4 || d.dims()[2] != first.dims()[2] || d.dims()[3] != first.dims()[3]) {
                throw err(
                        n,
                        "input '" + n.getInput(i) + "' has dims " + Arrays.toString(d.dims()) + ", '" + n.getInput(0)
                                + "' " + Arrays.toString(first.dims()) + "; H and W must agree");
            }
            channels += d.dims()[1];
            sources.add(d.ir());
        }
        long[] od = {1, channels, first.dims()[2], first.dims()[3]};
        emit(n, out(n, 0), t0.elem(), od, t0.scale(), (nm, v) -> new DecoderNode.Concat(nm, sources, v));
    }

    private static String describeType(TensorType t) {
        return t.elem() + (t.elem().isFloat() || t.scale() == 1.0 ? "" : " with scale " + t.scale());
    }

    // ----------------------------------------------------------------------------------- per-pixel outputs

    /** Softmax over the channels of an [N,C,H,W] map (opset 13's axis 1). */
    void pixelSoftmax(OnnxMl.NodeProto n, D x) {
        D f = realValue(n, x, "Softmax");
        emit(n, out(n, 0), ElemType.FLOAT32, x.dims(), 1.0, (nm, v) -> new DecoderNode.PixelSoftmax(nm, f.ir(), v));
    }

    void sigmoid(OnnxMl.NodeProto n) {
        Sym s = in(n, 0);
        if (s instanceof C c) {
            putConst(n, ConstOps.unary(c.t(), v -> 1.0 / (1.0 + Math.exp(-(float) v))));
            return;
        }
        D x = (D) s;
        D f = realValue(n, x, "Sigmoid");
        emit(n, out(n, 0), ElemType.FLOAT32, x.dims(), 1.0, (nm, v) -> new DecoderNode.Sigmoid(nm, f.ir(), v));
    }

    /** A float tensor as it is; a popcount (int32) as its real value in float32, exactly as Quantize reads it. */
    private D realValue(OnnxMl.NodeProto n, D x, String op) {
        TensorType t = typeOf(x);
        if (t.elem().isFloat()) return x;
        if (t.elem().kind() != ElemType.Kind.INT || t.elem().bits() != 32) {
            throw err(
                    n,
                    op + " of a " + t.elem() + " tensor is not supported; it reads the float output of a "
                            + "layer (a binary layer's popcount, its bias/BatchNormalization, or a float layer)");
        }
        String mid = tmp(out(n, 0) + ".real");
        value(mid, ElemType.FLOAT32, x.dims(), 1.0, source + ": " + describe(n));
        nodes.add(new Node.Affine(
                nodeName(n) + ".real",
                x.ir(),
                irValues.get(mid),
                List.of(new AffineStep(AffineStep.Op.MUL, new float[] {1f}))));
        return new D(mid, x.dims(), false);
    }
}
