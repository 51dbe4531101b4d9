package org.bnncim.backends.sim.kernels;

import java.util.Arrays;

/**
 * Multi-bit integer inputs over a block of vectors. Per piece the bit-plane sum of {@link VectorKernel} is
 * {@code sum_b sign_b * (2 * plusOnes_b - K_active_b) << b = 2 * S_on - S = sum_k x_k * w_k} (S the sum of the
 * piece's inputs as their planes carry them ({@link InputPlanes#value}: masked, or sign-extended for two's
 * complement, where the top plane's sign is -1), S_on the sum of those on rows whose cell is set, w = +-1 the
 * cell's weight): the same integers, computed row by row. A group of vectors sweeps the piece's rows together, so
 * each row of cells is read once per group and every vector's partial sums stay in cache; rows whose input is 0 add
 * nothing and are skipped.
 */
final class UnsignedKernel {
    /** Vectors per sweep of a piece's rows: their partial sums stay in L1. */
    private static final int GROUP = 16;

    private UnsignedKernel() {}

    static void accumulate(CrossbarLayer l, Vectors in, InputPlanes planes, Sums out) {
        int[][] x = in.x();
        int v = in.count();
        int[] acc = out.acc();
        int sn = out.perColumn(), sj = out.perVector();
        int[][] part = new int[GROUP][l.widestPiece()];
        for (CellPiece p : l.pieces()) {
            int[][] cells = p.signRows();
            int nLen = p.nLen(), kLen = p.kLen();
            for (int j0 = 0; j0 < v; j0 += GROUP) {
                int g = Math.min(GROUP, v - j0);
                for (int j = 0; j < g; j++) Arrays.fill(part[j], 0);
                for (int dk = 0; dk < kLen; dk++) {
                    int[] row = cells[dk];
                    for (int j = 0; j < g; j++) {
                        int xj = planes.value(x[j0 + j][in.start(j0 + j) + p.k0() + dk]);
                        if (xj != 0) madd(part[j], row, nLen, xj);
                    }
                }
                for (int j = 0; j < g; j++) {
                    int ab = out.base() + p.n0() * sn + (j0 + j) * sj;
                    int[] pj = part[j];
                    for (int dn = 0; dn < nLen; dn++) acc[ab + dn * sn] += pj[dn];
                }
            }
        }
    }

    /** {@code part[i] += x * row[i]} for i < n: the loop the JIT vectorises. */
    private static void madd(int[] part, int[] row, int n, int x) {
        for (int i = 0; i < n; i++) part[i] += x * row[i];
    }
}
