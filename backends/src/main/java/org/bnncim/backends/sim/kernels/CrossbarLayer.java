package org.bnncim.backends.sim.kernels;

import java.util.List;

/**
 * A crossbar layer in the form the kernels read: its K x N matrix as pieces of programmed cells (faults already
 * applied), never the graph's weights.
 */
public record CrossbarLayer(int k, int n, List<CellPiece> pieces) {
    public CrossbarLayer {
        pieces = List.copyOf(pieces);
    }

    /** Word-line words of one packed input vector of this layer. */
    public int words() {
        return (k + 63) >>> 6;
    }

    /** Widest piece: sizes the per-example partial sums of the unsigned kernel once per call. */
    int widestPiece() {
        int max = 0;
        for (CellPiece p : pieces) max = Math.max(max, p.nLen());
        return max;
    }
}
