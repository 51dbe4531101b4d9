package org.bnncim.backends.sim.kernels;

import java.util.Arrays;

/**
 * Multi-bit integer inputs over a block of vectors. Per piece the bit-plane sum of {@link VectorKernel} is
 * {@code sum_b sign_b * (2 * plusOnes_b - K_active_b) << b = 2 * S_on - S = sum_k x_k * w_k} (S the sum of the
 * piece's inputs as their planes carry them ({@link InputPlanes#value}: masked, or sign-extended for two's
 * complement, where the top plane's sign is -1), S_on the sum of those on rows whose cell is set, w = +-1 the
 * cell's weight): the same integers, computed row by row. Rows whose input is 0 add nothing: each vector's nonzero
 * rows are listed once per call, and a piece visits only those, for a group of vectors at a time so that the piece's
 * rows of cells stay in cache.
 */
final class UnsignedKernel {
    /** Vectors per sweep of a piece's rows: their partial sums stay in L1. */
    private static final int GROUP = 16;

    private UnsignedKernel() {}

    static void accumulate(CrossbarLayer l, Vectors in, InputPlanes planes, Sums out) {
        int[][] x = in.x();
        int v = in.count(), k = l.k();
        int[] acc = out.acc();
        int sn = out.perColumn(), sj = out.perVector();
        // each vector's nonzero rows (ascending) and their values, found once for all pieces: the pieces then visit
        // only rows that add something (most of an image's pixels are 0)
        int[][] rows = new int[v][], values = new int[v][];
        int[] scratchRows = new int[k], scratchValues = new int[k];
        for (int j = 0; j < v; j++) {
            int[] xj = x[j];
            int start = in.start(j), c = 0;
            for (int r = 0; r < k; r++) {
                int xv = planes.value(xj[start + r]);
                scratchRows[c] = r;
                scratchValues[c] = xv;
                c += xv != 0 ? 1 : 0;
            }
            rows[j] = Arrays.copyOf(scratchRows, c);
            values[j] = Arrays.copyOf(scratchValues, c);
        }
        int[][] part = new int[GROUP][l.widestPiece()];
        for (CellPiece p : l.sumPieces()) {
            int[][] cells = p.signRows();
            int nLen = p.nLen(), k0 = p.k0(), k1 = k0 + p.kLen();
            for (int j0 = 0; j0 < v; j0 += GROUP) {
                int g = Math.min(GROUP, v - j0);
                for (int j = 0; j < g; j++) {
                    int[] pj = part[j], rj = rows[j0 + j], vj = values[j0 + j];
                    Arrays.fill(pj, 0);
                    int i = Arrays.binarySearch(rj, k0);
                    for (i = i < 0 ? -i - 1 : i; i < rj.length && rj[i] < k1; i++)
                        madd(pj, cells[rj[i] - k0], nLen, vj[i]);
                }
                for (int j = 0; j < g; j++) {
                    int ab = out.base() + p.n0() * sn + (j0 + j) * sj;
                    int[] pj = part[j];
                    for (int dn = 0; dn < nLen; dn++) acc[ab + dn * sn] += pj[dn];
                }
            }
        }
    }

    /**
     * {@code part[i] += x * row[i]} for i < n: the loop the JIT vectorises (two arrays at one index; with an offset
     * into either it does not). Also the sibling-pass update's ({@link ChannelLastConv#convolveFrom}).
     */
    static void madd(int[] part, int[] row, int n, int x) {
        for (int i = 0; i < n; i++) part[i] += x * row[i];
    }
}
