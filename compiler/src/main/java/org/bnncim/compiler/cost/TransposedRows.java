package org.bnncim.compiler.cost;

import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.Shape;

/**
 * The word lines a transposed conv drives. It is mapped once with its whole kernel (K = C_in*kh*kw rows, as a Conv);
 * an output position of phase (oy mod s, ox mod s) is reached only by the taps whose input position exists, so each
 * phase drives its own subset of the rows and leaves the rest undriven, as a padded Conv leaves its padded rows.
 * Zero-insertion (a Conv over the input with s-1 zeros between pixels) would instead read all K rows at every output
 * position, most of them for inserted zeros.
 */
public final class TransposedRows {
    private TransposedRows() {}

    /**
     * Row activations summed over all output positions, counting only rows in [k0, k0 + kLen) (one piece's row range):
     * the cells a piece actually reads per input bit and column.
     */
    public static long driven(DecoderNode.BinaryConvTranspose c, Shape in, int k0, int kLen) {
        long[] ry = reach(c, in, 0), rx = reach(c, in, 1);
        long sum = 0;
        for (int r = k0; r < k0 + kLen; r++) sum += ry[(r / c.kw()) % c.kh()] * rx[r % c.kw()];
        return sum;
    }

    /** Driven rows over all output positions, the whole kernel. */
    public static long driven(DecoderNode.BinaryConvTranspose c, Shape in) {
        return driven(c, in, 0, c.weights().rows());
    }

    /** The fewest and the most rows any one output position drives. */
    public static int[] perPositionRange(DecoderNode.BinaryConvTranspose c, Shape in) {
        int[] ty = tapsPerCoordinate(c, in, 0), tx = tapsPerCoordinate(c, in, 1);
        int minY = Integer.MAX_VALUE, maxY = 0, minX = Integer.MAX_VALUE, maxX = 0;
        for (int t : ty) {
            minY = Math.min(minY, t);
            maxY = Math.max(maxY, t);
        }
        for (int t : tx) {
            minX = Math.min(minX, t);
            maxX = Math.max(maxX, t);
        }
        return new int[] {c.inChannels() * minY * minX, c.inChannels() * maxY * maxX};
    }

    /** Per kernel tap along {@code axis} (0 = H, 1 = W), the number of output coordinates it reaches. */
    private static long[] reach(DecoderNode.BinaryConvTranspose c, Shape in, int axis) {
        int k = axis == 0 ? c.kh() : c.kw();
        long[] r = new long[k];
        int out = c.output().shape().dim(1 + axis);
        for (int o = 0; o < out; o++) for (int i = 0; i < k; i++) if (valid(c, in, axis, o, i)) r[i]++;
        return r;
    }

    /** Per output coordinate along {@code axis}, how many kernel taps have an input position. */
    private static int[] tapsPerCoordinate(DecoderNode.BinaryConvTranspose c, Shape in, int axis) {
        int k = axis == 0 ? c.kh() : c.kw();
        int[] t = new int[c.output().shape().dim(1 + axis)];
        for (int o = 0; o < t.length; o++) for (int i = 0; i < k; i++) if (valid(c, in, axis, o, i)) t[o]++;
        return t;
    }

    /** Whether {@code o = iy * stride - pad + i * dilation} has a solution with 0 <= iy < input size. */
    private static boolean valid(DecoderNode.BinaryConvTranspose c, Shape in, int axis, int o, int i) {
        int s = c.strides()[axis], p = c.pads()[axis], d = c.dilations()[axis];
        int t = o + p - i * d;
        return t >= 0 && t % s == 0 && t / s < in.dim(1 + axis);
    }
}
