package org.bnncim.backends.sim.kernels;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The cells of one mapped piece (rows k0..k0+kLen, weights n0..n0+nLen of its layer), aligned so bit 0 is the
 * piece's first row. The same cells are held twice because the two kernels that read them want different
 * layouts: {@code columns[dn]} one array per column (the single-vector path clones a column to flip read faults
 * in it) and {@code flat} all columns back to back (the block kernels stream it).
 *
 * @param words words per column ({@code ceil(kLen / 64)})
 */
public record CellPiece(
        int k0, int kLen, int n0, int nLen, long[][] columns, int words, long[] flat, AtomicReference<int[][]> rows) {

    public static CellPiece of(int k0, int kLen, int n0, int nLen, long[][] columns) {
        int words = (kLen + 63) >>> 6;
        long[] flat = new long[nLen * words];
        for (int dn = 0; dn < nLen; dn++) System.arraycopy(columns[dn], 0, flat, dn * words, words);
        return new CellPiece(k0, kLen, n0, nLen, columns, words, flat, new AtomicReference<>());
    }

    /**
     * A whole layer's cells as one piece: {@code flat} holds them column by column over all k rows, as
     * {@link CrossbarLayer#cells} does; it becomes the piece's {@link #flat} as it is (cells are never changed).
     */
    static CellPiece whole(int k, int n, long[] flat) {
        int words = (k + 63) >>> 6;
        long[][] columns = new long[n][];
        for (int c = 0; c < n; c++) columns[c] = java.util.Arrays.copyOfRange(flat, c * words, (c + 1) * words);
        return new CellPiece(0, k, 0, n, columns, words, flat, new AtomicReference<>());
    }

    /**
     * The same cells row by row as the weights they hold, +1 (set) or -1 ({@code [dk][dn]}), for multi-bit
     * inputs; made on first use (only a layer fed by unsigned inputs needs it). One array per row: the JIT
     * vectorises a loop over two arrays only when it can rule out their overlap, which it cannot for two offsets
     * into one array.
     */
    int[][] signRows() {
        int[][] r = rows.get();
        if (r == null) {
            r = new int[kLen][nLen];
            for (int dn = 0; dn < nLen; dn++) {
                for (int dk = 0; dk < kLen; dk++)
                    r[dk][dn] = 2 * ((int) (flat[dn * words + (dk >>> 6)] >>> dk) & 1) - 1;
            }
            rows.set(r);
        }
        return r;
    }
}
