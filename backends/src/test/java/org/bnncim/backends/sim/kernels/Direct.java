package org.bnncim.backends.sim.kernels;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Weights and the sums the kernel tests expect, computed here from the weights and the inputs' values, by none of
 * the kernels' loops.
 */
final class Direct {
    private Direct() {}

    /** A random K x N weight matrix, true for +1, drawn row by row. */
    static boolean[][] weights(SplittableRandom rnd, int k, int n) {
        boolean[][] wt = new boolean[k][n];
        for (boolean[] row : wt) for (int j = 0; j < n; j++) row[j] = rnd.nextBoolean();
        return wt;
    }

    /** The weights as one crossbar piece holding the whole layer (so the layer has whole-K cells). */
    static CrossbarLayer onePiece(boolean[][] wt) {
        int k = wt.length, n = wt[0].length;
        long[][] cols = new long[n][(k + 63) >>> 6];
        for (int r = 0; r < k; r++) for (int c = 0; c < n; c++) if (wt[r][c]) cols[c][r >>> 6] |= 1L << r;
        return new CrossbarLayer(k, n, List.of(CellPiece.of(0, k, 0, n, cols)));
    }

    /**
     * The convolution of input values {@code v} ([cin, h, w], as the word lines read them) with weights {@code wt}
     * (row {@code (ci * kh + i) * kw + j}), channel-major; padding reads nothing.
     */
    static int[] conv(int[] v, boolean[][] wt, ConvGeometry g) {
        int cin = g.cin(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), oh = g.oh(), ow = g.ow();
        int n = wt[0].length;
        int[] y = new int[n * oh * ow];
        for (int co = 0; co < n; co++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int sum = 0;
                    for (int ci = 0; ci < cin; ci++)
                        for (int i = 0; i < kh; i++)
                            for (int j = 0; j < kw; j++) {
                                int iy = oy * g.strideY() - g.padTop() + i * g.dilationY();
                                int ix = ox * g.strideX() - g.padLeft() + j * g.dilationX();
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                sum += v[(ci * h + iy) * w + ix] * (wt[(ci * kh + i) * kw + j][co] ? 1 : -1);
                            }
                    y[(co * oh + oy) * ow + ox] = sum;
                }
        return y;
    }
}
