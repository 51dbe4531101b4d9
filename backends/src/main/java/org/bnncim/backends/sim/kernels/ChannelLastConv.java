package org.bnncim.backends.sim.kernels;

/**
 * Binary convolutions whose input channels fill whole words (cin a multiple of 64) or tile one (cin 8, 16 or 32),
 * with patches in channel-last order: weight row {@code (i * kw + j) * cin + ci} instead of the mapping's
 * {@code (ci * kh + i) * kw + j}. A column's popcount does not depend on the order of its rows when cells and inputs
 * are permuted alike, and in this order a patch is kh x kw runs of one pixel's channels, whole words copied or (cin
 * below 64) one shifted word each, never straddling a word: instead of placing each kernel row's bits per position
 * (the im2col packing was a quarter of a wide CNN's simulation, docs/benchmarks.md). Below 8 channels a pixel's run
 * is shorter than a kernel row's and the im2col path places fewer pieces.
 *
 * @param piece the layer's whole-K cells ({@link CrossbarLayer#cells}, stuck-at faults included) with their rows
 *     permuted into channel-last order, as one piece (whose sign rows {@link #convolveFrom} reads)
 */
public record ChannelLastConv(CellPiece piece, ConvGeometry g) {
    /** The layer in channel-last order, or null when it does not qualify (then {@link ConvKernel} packs as before). */
    public static ChannelLastConv of(CrossbarLayer l, ConvGeometry g) {
        if (l == null || g == null || l.cells() == null || !fits(g.cin())) return null;
        int k = l.k(), words = l.words(), cin = g.cin(), kh = g.kh(), kw = g.kw();
        if (k != cin * kh * kw) return null;
        long[] from = l.cells(), to = new long[from.length];
        for (int c = 0; c < l.n(); c++) {
            int b = c * words;
            for (int ci = 0; ci < cin; ci++) {
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        int r = (ci * kh + i) * kw + j, s = (i * kw + j) * cin + ci;
                        to[b + (s >>> 6)] |= ((from[b + (r >>> 6)] >>> (r & 63)) & 1L) << (s & 63);
                    }
                }
            }
        }
        return new ChannelLastConv(CellPiece.whole(k, l.n(), to), g);
    }

    /** Word-line words of one packed patch. */
    public int words() {
        return piece.words();
    }

    private static boolean fits(int cin) {
        return cin > 0 && (cin % 64 == 0 || (cin >= 8 && 64 % cin == 0));
    }

    /** The same sums as {@link ConvKernel#convolveBlock} for a one-read (bipolar) input. */
    public int[] convolveBlock(int[] x, int outSize) {
        int cin = g.cin(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), cw = (cin + 63) >>> 6;
        int words = piece.words();
        boolean whole = cin % 64 == 0;
        int pixels = h * w, positions = g.positions();
        // each pixel's channels as driven / +1 words (channel-major input read in order; accumulating 64 channels
        // in registers instead, reading 64 strided streams, measured slower)
        long[] pa = new long[pixels * cw], pp = new long[pixels * cw];
        for (int ci = 0; ci < cin; ci++) {
            int q = ci >>> 6, bit = ci & 63, xb = ci * pixels;
            for (int p = 0, o = q; p < pixels; p++, o += cw) {
                int xv = x[xb + p];
                pa[o] |= (long) ((xv | -xv) >>> 31) << bit;
                pp[o] |= (long) ((-xv & ~xv) >>> 31) << bit;
            }
        }
        int step = 2 * words;
        long[] packed = new long[positions * step];
        for (int oy = 0, pos = 0; oy < g.oh(); oy++) {
            for (int ox = 0; ox < g.ow(); ox++, pos++) {
                int o = pos * step;
                for (int i = 0; i < kh; i++) {
                    int iy = oy * g.strideY() - g.padTop() + i * g.dilationY();
                    if (iy < 0 || iy >= h) continue; // padding: undriven rows stay 0
                    for (int j = 0; j < kw; j++) {
                        int ix = ox * g.strideX() - g.padLeft() + j * g.dilationX();
                        if (ix < 0 || ix >= w) continue;
                        int src = (iy * w + ix) * cw;
                        if (whole) {
                            int dst = o + (i * kw + j) * cw;
                            System.arraycopy(pa, src, packed, dst, cw);
                            System.arraycopy(pp, src, packed, dst + words, cw);
                        } else {
                            int bit = (i * kw + j) * cin, dst = o + (bit >>> 6);
                            packed[dst] |= pa[src] << (bit & 63);
                            packed[dst + words] |= pp[src] << (bit & 63);
                        }
                    }
                }
            }
        }
        int[] acc = new int[outSize];
        WholeColumns.accumulate(
                piece.flat(), piece.nLen(), packed, words, positions, piece.kLen(), Sums.columnMajor(acc, positions));
        return acc;
    }

    /**
     * The sums of input {@code x} from those of input {@code x0} ({@code acc0}, from {@link #convolveBlock} or from
     * here): each element in which the two differ changes the sums of the positions whose windows hold it by the
     * difference of the two reads times the weights. Exact (integers), and cheaper than a whole convolution when a
     * Monte-Carlo pass's input differs from its sibling's in a few elements only (a Scale-Dropout bank moves a few
     * comparisons: about 1 % of cnn-sd's second layer's inputs).
     */
    public int[] convolveFrom(int[] x, int[] x0, int[] acc0) {
        int cin = g.cin(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), oh = g.oh(), ow = g.ow();
        int positions = oh * ow, n = piece.nLen();
        int[][] sign = piece.signRows();
        // output row (column) of each input row (column) and kernel row (column), -1 where none reads it
        int[] ry = windows(h, kh, g.padTop(), g.strideY(), g.dilationY(), oh);
        int[] rx = windows(w, kw, g.padLeft(), g.strideX(), g.dilationX(), ow);
        // the changes position by position, one array each (the loop over a weight row vectorises only between two
        // arrays at one index), then added to the channel-major sums once per position changed
        int[][] delta = new int[positions][];
        for (int ci = 0; ci < cin; ci++) {
            for (int iy = 0; iy < h; iy++) {
                for (int ix = 0; ix < w; ix++) {
                    int e = (ci * h + iy) * w + ix, d = Integer.signum(x[e]) - Integer.signum(x0[e]);
                    if (d == 0) continue;
                    for (int i = 0; i < kh; i++) {
                        int oy = ry[iy * kh + i];
                        if (oy < 0) continue;
                        for (int j = 0; j < kw; j++) {
                            int ox = rx[ix * kw + j];
                            if (ox < 0) continue;
                            int pos = oy * ow + ox;
                            if (delta[pos] == null) delta[pos] = new int[n];
                            UnsignedKernel.madd(delta[pos], sign[(i * kw + j) * cin + ci], n, d);
                        }
                    }
                }
            }
        }
        int[] acc = acc0.clone();
        for (int pos = 0; pos < positions; pos++) {
            int[] dp = delta[pos];
            if (dp != null) for (int c = 0; c < n; c++) acc[c * positions + pos] += dp[c];
        }
        return acc;
    }

    /** {@code out[in * k + t]}: the output index whose window reads input index {@code in} at tap t, or -1. */
    private static int[] windows(int size, int k, int pad, int stride, int dilation, int outSize) {
        int[] out = new int[size * k];
        for (int in = 0; in < size; in++) {
            for (int t = 0; t < k; t++) {
                int q = in + pad - t * dilation;
                out[in * k + t] = q >= 0 && q % stride == 0 && q / stride < outSize ? q / stride : -1;
            }
        }
        return out;
    }
}
