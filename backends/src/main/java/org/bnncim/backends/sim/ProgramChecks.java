package org.bnncim.backends.sim;

import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.Window;

/**
 * What a program file must meet beyond the IR verifier's rules. The compiler derives every output shape from its
 * input, so the verifier leaves most of them unchecked; a file can state any shape, and the simulator's kernels
 * index arrays by the declared shapes. Each output shape is recomputed here, and every size is capped, so that a
 * corrupt number is a one-line refusal instead of an index error, a hang or an allocation of gigabytes.
 */
final class ProgramChecks {
    /** Dimensions of one value (the compiler writes at most [C, H, W]). */
    static final int MAX_RANK = 8;
    /**
     * Elements of one value of one example: 2^24 is a 4096 x 4096 image, 256 times the largest value of the
     * reference models, and keeps a simulator pass within a few hundred MiB per value.
     */
    static final int MAX_ELEMENTS = Program.MAX_VALUE_ELEMENTS;

    private ProgramChecks() {}

    /** A value's element type and per-example shape as read, before anything is sized from them. */
    static void value(String name, ElemType e, int[] dims) {
        boolean widthOk = switch (e.kind()) {
            case BIPOLAR -> e.bits() == 1;
            case GATED_BIPOLAR -> e.bits() == 2;
            case FLOAT -> e.bits() == 32;
            case UINT, INT -> e.bits() >= 1 && e.bits() <= 32;
        };
        if (!widthOk) throw new IllegalArgumentException("value " + name + " of type " + e);
        if (dims.length > MAX_RANK) throw new IllegalArgumentException("value " + name + " of rank " + dims.length);
        long size = 1;
        for (int d : dims) {
            if (d < 1) throw new IllegalArgumentException("value " + name + " with dimension " + d);
            size *= d;
            if (size > MAX_ELEMENTS) {
                throw new IllegalArgumentException(
                        "value " + name + " of more than " + MAX_ELEMENTS + " elements per example");
            }
        }
    }

    /** The first output shape that does not follow from its node's input, or null; {@code g} is verified. */
    static String problem(Graph g) {
        for (Node n : g.nodes()) {
            Shape in = g.value(n.inputs().get(0)).shape(), out = n.output().shape();
            boolean ok = switch (n) {
                case Node.Affine a -> in.equals(out);
                case Node.Sign s -> in.equals(out);
                case Node.Threshold t -> in.equals(out);
                case Node.ScaleDropout s -> in.equals(out);
                case Node.McDropout m -> in.equals(out);
                case Node.Softmax s -> in.equals(out);
                case Node.MaxPool m -> pooled(m.window(), in, out);
                case Node.AvgPool a -> pooled(a.window(), in, out);
                case Node.BinaryConv c -> convolved(c.kh(), c.kw(), c.strides(), c.pads(), c.dilations(), in, out);
                case DigitalNode.FloatConv c ->
                    convolved(c.kh(), c.kw(), c.strides(), c.pads(), c.dilations(), in, out);
                default -> true; // the IR verifier's rules tie the output to the input already
            };
            if (!ok) return "node " + n.name() + " (" + n.opName() + "): output shape " + out + " from input " + in;
        }
        return null;
    }

    private static boolean window(int[] strides, int[] pads, int[] dilations) {
        if (strides.length != 2 || pads.length != 4 || dilations.length != 2) return false;
        for (int s : strides) if (s < 1) return false;
        for (int d : dilations) if (d < 1) return false;
        for (int p : pads) if (p < 0) return false;
        return true;
    }

    private static boolean pooled(Window w, Shape in, Shape out) {
        int[] k = w.kernel(), s = w.strides(), p = w.pads();
        if (k.length != 2 || k[0] < 1 || k[1] < 1 || !window(s, p, new int[] {1, 1})) return false;
        if (in.rank() != 3 || out.rank() != 3 || in.dim(0) != out.dim(0)) return false;
        for (int a = 0; a < 2; a++) {
            long span = (long) in.dim(a + 1) + p[a] + p[a + 2] - k[a];
            if (span < 0) return false;
            // the file does not say whether ONNX ceil_mode was set: either rounding is a valid output size
            long floor = span / s[a] + 1, ceil = (span + s[a] - 1) / s[a] + 1;
            if (out.dim(a + 1) != floor && out.dim(a + 1) != ceil) return false;
        }
        return true;
    }

    private static boolean convolved(int kh, int kw, int[] s, int[] p, int[] d, Shape in, Shape out) {
        if (kh < 1 || kw < 1 || !window(s, p, d) || in.rank() != 3 || out.rank() != 3) return false;
        int[] k = {kh, kw};
        for (int a = 0; a < 2; a++) {
            long span = (long) in.dim(a + 1) + p[a] + p[a + 2] - (long) d[a] * (k[a] - 1) - 1;
            if (span < 0 || out.dim(a + 1) != span / s[a] + 1) return false;
        }
        return true;
    }
}
