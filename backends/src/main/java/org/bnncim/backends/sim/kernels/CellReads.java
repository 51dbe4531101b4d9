package org.bnncim.backends.sim.kernels;

import java.util.SplittableRandom;

/**
 * How one pass reads cells: exactly, or with each cell read flipped with probability {@code flip}, drawn from the
 * pass's own generator so that the pass is reproducible on its own.
 */
public record CellReads(double flip, SplittableRandom noise) {
    public static final CellReads EXACT = new CellReads(0, null);

    /** A column as read; the cells themselves are never changed (geometric skipping between flips). */
    long[] column(long[] cells, int len) {
        double r = flip;
        if (r == 0) return cells;
        long[] c = cells.clone();
        double logq = Math.log1p(-r);
        int i = r >= 1 ? 0 : (int) Math.floor(Math.log(1 - noise.nextDouble()) / logq);
        while (i < len) {
            c[i >>> 6] ^= 1L << (i & 63);
            i += 1 + (r >= 1 ? 0 : (int) Math.floor(Math.log(1 - noise.nextDouble()) / logq));
        }
        return c;
    }
}
