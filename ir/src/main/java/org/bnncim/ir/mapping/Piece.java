package org.bnncim.ir.mapping;

/**
 * A rectangle of one layer's K x N weight matrix (rows k0..k0+kLen, weights n0..n0+nLen) placed in a crossbar at
 * (row, col). {@code col} and {@code nLen} count weights; the physical columns are those times the cells per weight.
 * Pieces of one layer that share an n-range but cover different k-ranges meet in the layer's adder tree.
 */
public record Piece(String layer, int k0, int kLen, int n0, int nLen, int crossbar, int row, int col) {
    /** Crossbar number of a piece that tiling made but packing has not placed yet. */
    public static final int UNPLACED = -1;

    public Piece {
        if (kLen <= 0 || nLen <= 0 || k0 < 0 || n0 < 0 || row < 0 || col < 0 || crossbar < UNPLACED) {
            throw new IllegalArgumentException("bad piece " + k0 + "+" + kLen + " x " + n0 + "+" + nLen);
        }
    }

    public long weights() {
        return (long) kLen * nLen;
    }

    public Piece at(int newCrossbar, int newRow, int newCol) {
        return new Piece(layer, k0, kLen, n0, nLen, newCrossbar, newRow, newCol);
    }
}
