package org.bnncim.backends.sim.kernels;

import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;

/**
 * A convolution's (or transposed convolution's) input [cin, h, w], window (kh x kw, strides, top/left pads,
 * dilations) and output size (oh x ow), read once per node: the node's own accessors clone their arrays on every call.
 */
public record ConvGeometry(
        int cin,
        int h,
        int w,
        int kh,
        int kw,
        int strideY,
        int strideX,
        int padTop,
        int padLeft,
        int dilationY,
        int dilationX,
        int oh,
        int ow) {
    public static ConvGeometry of(Node.BinaryConv c, Shape in, Shape out) {
        int[] s = c.strides(), p = c.pads(), d = c.dilations();
        return new ConvGeometry(
                in.dim(0),
                in.dim(1),
                in.dim(2),
                c.kh(),
                c.kw(),
                s[0],
                s[1],
                p[0],
                p[1],
                d[0],
                d[1],
                out.dim(1),
                out.dim(2));
    }

    /** A transposed convolution's: the same fields, read as the scatter {@code oy = iy * stride - pad + i * dil}. */
    public static ConvGeometry of(DecoderNode.BinaryConvTranspose t, Shape in, Shape out) {
        int[] s = t.strides(), p = t.pads(), d = t.dilations();
        return new ConvGeometry(
                in.dim(0),
                in.dim(1),
                in.dim(2),
                t.kh(),
                t.kw(),
                s[0],
                s[1],
                p[0],
                p[1],
                d[0],
                d[1],
                out.dim(1),
                out.dim(2));
    }

    public int positions() {
        return oh * ow;
    }

    /**
     * Undilated windows over rows of at most 64 columns (left padding included), so that {@link ConvKernel} can pack
     * each input row into one word.
     */
    boolean rowsFitOneWord() {
        return dilationY == 1 && dilationX == 1 && padLeft + w <= 64 && (ow - 1) * strideX + kw <= 64;
    }
}
