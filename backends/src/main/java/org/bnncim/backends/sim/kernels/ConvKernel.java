package org.bnncim.backends.sim.kernels;

/**
 * Binary convolutions as crossbar layers: each output position's patch (im2col, weight-row order
 * {@code (ci * kh + i) * kw + j}) is one input vector of the layer; rows that zero padding covers are undriven.
 * Sums are channel-major, {@code acc[channel * positions + position]}, the layout of the node's output.
 */
public final class ConvKernel {
    private ConvKernel() {}

    /** One position at a time through {@link VectorKernel}: the path that models per-read faults. */
    public static int[] convolve(
            CrossbarLayer l, int[] x, ConvGeometry g, InputPlanes in, int outSize, CellReads reads) {
        int[] acc = new int[outSize];
        int[] col = new int[l.k()];
        for (int oy = 0; oy < g.oh(); oy++) {
            for (int ox = 0; ox < g.ow(); ox++) {
                patch(x, g, oy, ox, col, 0);
                VectorKernel.accumulate(l, col, in, new Sums(acc, oy * g.ow() + ox, g.positions(), 0), reads);
            }
        }
        return acc;
    }

    /**
     * All output positions' patches as one block of vectors, without read faults: the same sums as {@link #convolve}.
     */
    public static int[] convolveBlock(CrossbarLayer l, int[] x, ConvGeometry g, InputPlanes in, int outSize) {
        int k = l.k(), positions = g.positions();
        int[] acc = new int[outSize];
        Sums out = Sums.columnMajor(acc, positions);
        if (in.oneRead()) {
            // packed im2col: each patch straight into its driven / +1 row words
            int words = l.words();
            long[] packed = new long[positions * 2 * words];
            if (g.rowsFitOneWord()) {
                packPatchesFromRows(x, g, packed, words);
            } else {
                for (int oy = 0; oy < g.oh(); oy++) {
                    for (int ox = 0; ox < g.ow(); ox++)
                        packPatch(x, g, oy, ox, packed, (oy * g.ow() + ox) * 2 * words, words);
                }
            }
            BlockKernel.accumulatePacked(l, packed, words, positions, out);
            return acc;
        }
        if (PlaneConv.fits(l, g)) return PlaneConv.convolve(l, x, g, in, outSize);
        int[] col = new int[positions * k];
        for (int oy = 0; oy < g.oh(); oy++) {
            for (int ox = 0; ox < g.ow(); ox++) patch(x, g, oy, ox, col, (oy * g.ow() + ox) * k);
        }
        int[][] xs = new int[positions][];
        int[] base = new int[positions];
        for (int q = 0; q < positions; q++) {
            xs[q] = col;
            base[q] = q * k;
        }
        BlockKernel.accumulate(l, new Vectors(xs, base, positions), in, out);
        return acc;
    }

    /**
     * The im2col patch of output position (oy, ox) into {@code col[base ..]}, 0 where padding leaves a row undriven.
     */
    static void patch(int[] x, ConvGeometry g, int oy, int ox, int[] col, int base) {
        int cin = g.cin(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw();
        for (int ci = 0; ci < cin; ci++) {
            for (int i = 0; i < kh; i++) {
                int iy = oy * g.strideY() - g.padTop() + i * g.dilationY();
                for (int j = 0; j < kw; j++) {
                    int ix = ox * g.strideX() - g.padLeft() + j * g.dilationX();
                    boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                    col[base + (ci * kh + i) * kw + j] = inside ? x[(ci * h + iy) * w + ix] : 0;
                }
            }
        }
    }

    /** The patch of output position (oy, ox), packed like {@link BlockKernel#packBipolar} one word at a time. */
    static void packPatch(int[] x, ConvGeometry g, int oy, int ox, long[] out, int o, int words) {
        int cin = g.cin(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), dy = g.dilationY(), dx = g.dilationX();
        int y0 = oy * g.strideY() - g.padTop(), x0 = ox * g.strideX() - g.padLeft();
        boolean inside = y0 >= 0 && y0 + (kh - 1) * dy < h && x0 >= 0 && x0 + (kw - 1) * dx < w;
        long act = 0, plus = 0;
        int bit = 0, word = o;
        for (int ci = 0; ci < cin; ci++) {
            for (int i = 0; i < kh; i++) {
                int iy = y0 + i * dy;
                boolean rowInside = inside || (iy >= 0 && iy < h);
                int rowBase = (ci * h + iy) * w;
                for (int j = 0; j < kw; j++) {
                    int ix = x0 + j * dx;
                    if (inside || (rowInside && ix >= 0 && ix < w)) {
                        int xv = x[rowBase + ix];
                        act |= (long) ((xv | -xv) >>> 31) << bit;
                        plus |= (long) ((-xv & ~xv) >>> 31) << bit;
                    }
                    if (++bit == 64) {
                        out[word] = act;
                        out[word + words] = plus;
                        word++;
                        bit = 0;
                        act = 0;
                        plus = 0;
                    }
                }
            }
        }
        if (bit > 0) {
            out[word] = act;
            out[word + words] = plus;
        }
    }

    /**
     * The same patches as {@link #packPatch} when {@link ConvGeometry#rowsFitOneWord}: each input row is packed once
     * into a driven and a +1 word, with column ix at bit ix + left pad, so that a window's kw cells of one row are
     * one shift and mask; padding columns and rows stay 0 (undriven).
     */
    static void packPatchesFromRows(int[] x, ConvGeometry g, long[] out, int words) {
        int cin = g.cin(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), oh = g.oh(), ow = g.ow();
        int pl = g.padLeft(), pt = g.padTop(), sy = g.strideY(), sx = g.strideX();
        long[] ra = new long[cin * h], rp = new long[cin * h];
        for (int r = 0; r < cin * h; r++) {
            long a = 0, pp = 0;
            for (int ix = 0, b = r * w; ix < w; ix++) {
                int xv = x[b + ix];
                a |= (long) ((xv | -xv) >>> 31) << (ix + pl);
                pp |= (long) ((-xv & ~xv) >>> 31) << (ix + pl);
            }
            ra[r] = a;
            rp[r] = pp;
        }
        long kmask = kw == 64 ? -1L : (1L << kw) - 1;
        // a kernel row (ci, i) lands at the same bit of every patch: place it for a whole tile of positions at once,
        // so that the inner loop is a shift, a mask and an OR per position with no bookkeeping of the patch's next
        // bit; tiles of output rows keep the patches being written (about 16 KiB) in L1
        int step = 2 * words, tileRows = Math.max(1, 2048 / (ow * step));
        for (int oy0 = 0; oy0 < oh; oy0 += tileRows) {
            int oy1 = Math.min(oh, oy0 + tileRows);
            for (int ci = 0; ci < cin; ci++) {
                for (int i = 0; i < kh; i++) {
                    int off = (ci * kh + i) * kw, wi = off >>> 6, sh = off & 63;
                    boolean spill = sh + kw > 64;
                    for (int oy = oy0; oy < oy1; oy++) {
                        int iy = oy * sy - pt + i;
                        if (iy < 0 || iy >= h) continue; // padding rows stay undriven
                        long a = ra[ci * h + iy], pp = rp[ci * h + iy];
                        int o = oy * ow * step + wi;
                        for (int ox = 0; ox < ow; ox++, o += step) {
                            int xs = ox * sx;
                            long sa = (a >>> xs) & kmask, sp = (pp >>> xs) & kmask;
                            out[o] |= sa << sh;
                            out[o + words] |= sp << sh;
                            if (spill) {
                                out[o + 1] |= sa >>> (64 - sh);
                                out[o + words + 1] |= sp >>> (64 - sh);
                            }
                        }
                    }
                }
            }
        }
    }
}
