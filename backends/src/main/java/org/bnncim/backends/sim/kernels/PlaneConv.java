package org.bnncim.backends.sim.kernels;

/**
 * Stride-1 convolutions of a few multi-bit input planes (an image's 1 to 4 channels, read bit-serially): each output
 * channel's sums are built as the signed sum of the kernel taps' shifted input planes. Output rows are computed as
 * wide as the padded plane (the columns past ow are discarded), so that one tap of one channel is one long loop
 * adding two arrays at the same index, which C2 vectorises; with an offset into either array it does not (it cannot
 * rule out that both are one array), and the im2col path's per-position work over 9-row patches was a fifth of
 * cnn-sd's Monte-Carlo run. The same integers as {@link UnsignedKernel} over the patches: the sum of x * w over a
 * window's rows, taken in another order.
 */
final class PlaneConv {
    /** Shifted planes held at once, in ints (4 MiB): larger inputs keep the im2col path. */
    private static final long MAX_INTS = 1L << 20;

    private PlaneConv() {}

    /** Whether the layer runs here: whole-K cells, stride 1, at most four input channels, bounded planes. */
    static boolean fits(CrossbarLayer l, ConvGeometry g) {
        if (l.cells() == null || g.strideY() != 1 || g.strideX() != 1 || g.cin() > 4) return false;
        if (g.oh() < 1 || g.ow() < 1) return false; // no output: nothing to sum, and no span to size
        return (long) g.cin() * g.kh() * g.kw() * span(g) <= MAX_INTS;
    }

    static int[] convolve(CrossbarLayer l, int[] x, ConvGeometry g, InputPlanes in, int outSize) {
        int n = l.n(), cin = g.cin(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), oh = g.oh(), ow = g.ow();
        int hp = height(g), wp = width(g), len = span(g), plane = hp * wp;
        int[] xp = new int[cin * plane];
        for (int ci = 0; ci < cin; ci++) {
            for (int iy = 0; iy < h; iy++) {
                int src = (ci * h + iy) * w, dst = ci * plane + (iy + g.padTop()) * wp + g.padLeft();
                for (int ix = 0; ix < w; ix++) xp[dst + ix] = in.value(x[src + ix]);
            }
        }
        // each tap's shifted plane once: output position q = oy * wp + ox reads padded (oy + i * dy, ox + j * dx)
        int taps = cin * kh * kw;
        int[][] shifted = new int[taps][];
        for (int ci = 0, r = 0; ci < cin; ci++) {
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++, r++) {
                    int src = ci * plane + i * g.dilationY() * wp + j * g.dilationX();
                    shifted[r] = java.util.Arrays.copyOfRange(xp, src, src + len);
                }
            }
        }
        int[][] rows = l.sumPieces().get(0).signRows();
        int positions = oh * ow;
        int[] acc = new int[outSize], t = new int[len];
        for (int c = 0; c < n; c++) {
            java.util.Arrays.fill(t, 0);
            for (int r = 0; r < taps; r++) {
                if (rows[r][c] > 0) add(t, shifted[r], len);
                else subtract(t, shifted[r], len);
            }
            for (int oy = 0; oy < oh; oy++) System.arraycopy(t, oy * wp, acc, c * positions + oy * ow, ow);
        }
        return acc;
    }

    /** Padded plane height: the input below the top pad, or as far as the last window reaches. */
    private static int height(ConvGeometry g) {
        return Math.max(g.padTop() + g.h(), g.oh() + (g.kh() - 1) * g.dilationY());
    }

    private static int width(ConvGeometry g) {
        return Math.max(g.padLeft() + g.w(), g.ow() + (g.kw() - 1) * g.dilationX());
    }

    /** Positions computed per output channel: oh rows of the padded width, the last one ow wide. */
    private static int span(ConvGeometry g) {
        return (g.oh() - 1) * width(g) + g.ow();
    }

    private static void add(int[] t, int[] x, int len) {
        for (int q = 0; q < len; q++) t[q] += x[q];
    }

    private static void subtract(int[] t, int[] x, int len) {
        for (int q = 0; q < len; q++) t[q] -= x[q];
    }
}
