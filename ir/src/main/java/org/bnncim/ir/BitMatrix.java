package org.bnncim.ir;

import java.util.Arrays;
import java.util.Objects;

/**
 * A K x N matrix of bipolar weights: K inputs (crossbar rows) by N outputs (crossbar columns). Stored column by
 * column, 64 rows per {@code long}, bit set = +1, because a column is what one sense amplifier reads.
 */
public final class BitMatrix {
    private final int rows;
    private final int cols;
    private final int wordsPerCol;
    private final long[] words;

    private BitMatrix(int rows, int cols, long[] words) {
        this.rows = rows;
        this.cols = cols;
        this.wordsPerCol = (rows + 63) >>> 6;
        this.words = words;
    }

    public static BitMatrix zeros(int rows, int cols) {
        if (rows <= 0 || cols <= 0) throw new IllegalArgumentException("empty matrix " + rows + "x" + cols);
        return new BitMatrix(rows, cols, new long[Math.multiplyExact((rows + 63) >>> 6, cols)]);
    }

    /** Element (k, n) is +1 when {@code plusOne.test(k, n)}. */
    public static BitMatrix of(int rows, int cols, BitSource plusOne) {
        BitMatrix m = zeros(rows, cols);
        for (int n = 0; n < cols; n++) {
            for (int k = 0; k < rows; k++) {
                if (plusOne.isPlusOne(k, n)) m.words[n * m.wordsPerCol + (k >>> 6)] |= 1L << (k & 63);
            }
        }
        return m;
    }

    @FunctionalInterface
    public interface BitSource {
        boolean isPlusOne(int row, int col);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** The weight at (row, col): +1 or -1. */
    public int get(int row, int col) {
        Objects.checkIndex(row, rows);
        Objects.checkIndex(col, cols);
        return ((words[col * wordsPerCol + (row >>> 6)] >>> (row & 63)) & 1L) != 0 ? 1 : -1;
    }

    public int wordsPerColumn() {
        return wordsPerCol;
    }

    /** Packed words of one column (bit k of word k/64 is row k); bits past {@link #rows()} are zero. */
    public long[] column(int col) {
        Objects.checkIndex(col, cols);
        return Arrays.copyOfRange(words, col * wordsPerCol, (col + 1) * wordsPerCol);
    }

    public long countPlusOnes() {
        long c = 0;
        for (long w : words) c += Long.bitCount(w);
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BitMatrix m && rows == m.rows && cols == m.cols && Arrays.equals(words, m.words);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + cols) + Arrays.hashCode(words);
    }

    @Override
    public String toString() {
        return "bipolar " + rows + "x" + cols;
    }
}
