package org.bnncim.backends.sim.kernels;

import org.bnncim.ir.Shape;
import org.bnncim.ir.Window;

/** A pooling window over [channels, h, w] with output oh x ow, read once per node (the window's accessors clone). */
public record PoolGeometry(
        int channels,
        int h,
        int w,
        int oh,
        int ow,
        int kh,
        int kw,
        int strideY,
        int strideX,
        int padTop,
        int padLeft,
        int padBottom,
        int padRight) {
    public static PoolGeometry of(Window win, Shape in, Shape out) {
        int[] k = win.kernel(), s = win.strides(), p = win.pads();
        return new PoolGeometry(
                in.dim(0),
                in.dim(1),
                in.dim(2),
                out.dim(1),
                out.dim(2),
                k[0],
                k[1],
                s[0],
                s[1],
                p[0],
                p[1],
                p[2],
                p[3]);
    }

    int outSize() {
        return channels * oh * ow;
    }

    /** Whether every window covers at least one input position (else its max is of nothing: padding alone). */
    public boolean noEmptyWindow() {
        for (int oy = 0; oy < oh; oy++) if (!covers(oy * strideY - padTop, kh, h)) return false;
        for (int ox = 0; ox < ow; ox++) if (!covers(ox * strideX - padLeft, kw, w)) return false;
        return true;
    }

    private static boolean covers(int from, int k, int size) {
        return from + k > 0 && from < size;
    }
}
