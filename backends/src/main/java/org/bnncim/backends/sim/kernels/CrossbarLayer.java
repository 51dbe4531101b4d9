package org.bnncim.backends.sim.kernels;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A crossbar layer in the form the kernels read: its K x N matrix as pieces of programmed cells (faults already
 * applied), never the graph's weights.
 *
 * @param cells the same cells once more, column by column over the whole of K ({@link #words} words per column, bit k
 *     of column n is row k's cell), or {@code null} when the pieces do not cover every cell exactly once. A column's
 *     sum over its pieces is the sum over all K rows (integer addition is associative), so the block kernel reads one
 *     run of words per column instead of one short run per row tile, each with its own per-vector overhead.
 * @param one the whole layer as one piece, for {@link #sumPieces}; empty until first used
 */
public record CrossbarLayer(int k, int n, List<CellPiece> pieces, long[] cells, AtomicReference<CellPiece> one) {
    public CrossbarLayer(int k, int n, List<CellPiece> pieces) {
        this(k, n, List.copyOf(pieces), whole(k, n, pieces), new AtomicReference<>());
    }

    public CrossbarLayer {
        pieces = List.copyOf(pieces);
    }

    /** Word-line words of one packed input vector of this layer. */
    public int words() {
        return (k + 63) >>> 6;
    }

    /**
     * The pieces the unsigned kernel sums over: the whole layer as one piece when {@link #cells} covers it (made on
     * first use), so that each vector clears and adds its partial sums once instead of once per row tile.
     */
    List<CellPiece> sumPieces() {
        if (cells == null) return pieces;
        CellPiece p = one.get();
        if (p == null) {
            p = CellPiece.whole(k, n, cells);
            one.set(p);
        }
        return List.of(p);
    }

    /** Widest piece: sizes the per-example partial sums of the unsigned kernel once per call. */
    int widestPiece() {
        int max = 0;
        for (CellPiece p : sumPieces()) max = Math.max(max, p.nLen());
        return max;
    }

    /** The pieces' cells as whole-K columns; null unless every (row, column) is in exactly one piece. */
    private static long[] whole(int k, int n, List<CellPiece> pieces) {
        int words = (k + 63) >>> 6;
        long[] cells = new long[n * words], covered = new long[n * words];
        for (CellPiece p : pieces) {
            if (p.k0() < 0 || p.k0() + p.kLen() > k || p.n0() < 0 || p.n0() + p.nLen() > n) return null;
            int pw = p.words();
            long[] flat = p.flat();
            for (int dn = 0; dn < p.nLen(); dn++) {
                int base = (p.n0() + dn) * words;
                for (int q = 0; q < pw; q++) {
                    int len = Math.min(64, p.kLen() - 64 * q);
                    long m = len == 64 ? -1L : (1L << len) - 1;
                    long v = flat[dn * pw + q] & m;
                    int pos = p.k0() + 64 * q, wi = pos >>> 6, sh = pos & 63;
                    if ((covered[base + wi] & (m << sh)) != 0) return null;
                    covered[base + wi] |= m << sh;
                    cells[base + wi] |= v << sh;
                    if (sh != 0 && (m >>> (64 - sh)) != 0) {
                        if ((covered[base + wi + 1] & (m >>> (64 - sh))) != 0) return null;
                        covered[base + wi + 1] |= m >>> (64 - sh);
                        cells[base + wi + 1] |= v >>> (64 - sh);
                    }
                }
            }
        }
        long tail = (k & 63) == 0 ? -1L : (1L << (k & 63)) - 1;
        for (int c = 0; c < n; c++) {
            for (int w = 0; w < words; w++) if (covered[c * words + w] != (w == words - 1 ? tail : -1L)) return null;
        }
        return cells;
    }
}
