package org.bnncim.ir;

import java.util.Arrays;
import java.util.Objects;
import org.bnncim.ir.util.PackedBits;

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

    /**
     * Adopts packed columns laid out as this class stores them ({@code wordsPerColumn} words per column, bit k of
     * word k/64 is row k); bits past the last row must be zero so that equal matrices have equal words.
     */
    public static BitMatrix ofColumns(int rows, int cols, long[] words) {
        if (rows <= 0 || cols <= 0) throw new IllegalArgumentException("empty matrix " + rows + "x" + cols);
        int wpc = (rows + 63) >>> 6;
        if (words.length != (long) wpc * cols)
            throw new IllegalArgumentException(words.length + " words for a " + rows + "x" + cols + " matrix");
        int tail = rows & 63;
        if (tail != 0) {
            long pad = -1L << tail;
            for (int n = 0; n < cols; n++) {
                if ((words[(n + 1) * wpc - 1] & pad) != 0)
                    throw new IllegalArgumentException("column " + n + " has bits past row " + rows);
            }
        }
        return new BitMatrix(rows, cols, words);
    }

    /**
     * Element (k, n) is +1 when {@code plusOne.isPlusOne(k, n)}. The source must be a pure function: it is asked
     * once per element, in no particular order.
     */
    public static BitMatrix of(int rows, int cols, BitSource plusOne) {
        BitMatrix m = zeros(rows, cols);
        // Sources are usually row-major ONNX weights ([K, N]); walking whole columns strides through them and
        // misses the cache on every element. Bands of 64 rows touch 64 source lines that stay cached while the
        // band is swept across all columns, and each word is built in a register and stored once.
        for (int w = 0; w < m.wordsPerCol; w++) {
            int k0 = w << 6, k1 = Math.min(rows, k0 + 64);
            for (int n = 0; n < cols; n++) {
                long word = 0;
                for (int k = k0; k < k1; k++) {
                    // weights are close to random: a branch here would mispredict half the time
                    word |= (plusOne.isPlusOne(k, n) ? 1L : 0L) << (k - k0);
                }
                m.words[n * m.wordsPerCol + w] = word;
            }
        }
        return m;
    }

    /**
     * The matrix whose element (k, n) is +1 where the float is positive (sign bit clear), read from
     * {@code rows x cols} row-major floats ({@code a[k * cols + n]}, ONNX MatMul's [K, N]) or, with
     * {@code columnMajor}, from {@code a[n * rows + k]} ([N, K]: Gemm with transB, flattened Conv filters). For
     * weights known to be exactly +-1 this is {@link #of} without a call per element.
     */
    public static BitMatrix ofSigns(float[] a, int rows, int cols, boolean columnMajor) {
        int[] bits = new int[a.length];
        for (int i = 0; i < bits.length; i++) bits[i] = Float.floatToRawIntBits(a[i]);
        return signs(java.nio.IntBuffer.wrap(bits), rows, cols, columnMajor, false);
    }

    /**
     * As {@link #ofSigns(float[], int, int, boolean)}, from the values' float bit patterns in a buffer's elements 0
     * up to its limit (absolute reads: its position does not matter and does not move). A model's initializer is
     * read this way straight from the file's bytes: C2 vectorises the packing over ints, not over
     * floats reinterpreted as ints (three times faster per weight).
     */
    public static BitMatrix ofSignBits(java.nio.IntBuffer bits, int rows, int cols, boolean columnMajor) {
        return signs(bits, rows, cols, columnMajor, false);
    }

    /**
     * As {@link #ofSignBits} for binary weights, checked in the same pass: null when a value is not exactly -1 or
     * +1. The importer packs a weight this way instead of reading it once to check and once more to pack.
     */
    public static BitMatrix ofBipolarSignBits(java.nio.IntBuffer bits, int rows, int cols, boolean columnMajor) {
        return signs(bits, rows, cols, columnMajor, true);
    }

    private static BitMatrix signs(java.nio.IntBuffer a, int rows, int cols, boolean columnMajor, boolean check) {
        if (a.limit() != (long) rows * cols)
            throw new IllegalArgumentException(a.limit() + " values for a " + rows + "x" + cols + " matrix");
        if (columnMajor) {
            // packed as the row-major matrix it is in memory (cols x rows, the loop C2 vectorises), then transposed
            // 64 x 64 bits at a time: packing each column directly was a shift and an OR per weight that C2 does not
            // vectorise (a third of cnv's import)
            BitMatrix t = signs(a, cols, rows, false, check);
            return t == null ? null : t.transposed();
        }
        BitMatrix m = zeros(rows, cols);
        long[] words = m.words;
        int wpc = m.wordsPerCol;
        // a band of 64 source rows at a time, swept across the columns in memory order, as two 32-bit halves
        // of sign bits: each source row is copied out first so that the sweep indexes both arrays alike, the
        // form C2 vectorises (it does not with an offset into the source)
        int[] lo = new int[cols], hi = new int[cols];
        int[] row = new int[cols];
        for (int w = 0; w < wpc; w++) {
            int k0 = w << 6, k1 = Math.min(rows, k0 + 64);
            java.util.Arrays.fill(lo, 0);
            java.util.Arrays.fill(hi, 0);
            for (int k = k0; k < k1; k++) {
                a.get(k * cols, row, 0, cols);
                if (check && notBipolar(row, cols) != 0) return null;
                int[] half = k - k0 < 32 ? lo : hi;
                int shift = (k - k0) & 31;
                for (int n = 0; n < cols; n++) half[n] |= (row[n] >>> 31) << shift;
            }
            // sign bit set means -1, a clear bit in the matrix; rows past the end stay clear
            long valid = k1 - k0 == 64 ? -1L : (1L << (k1 - k0)) - 1;
            for (int n = 0; n < cols; n++) words[n * wpc + w] = ~(((long) hi[n] << 32) | (lo[n] & 0xffffffffL)) & valid;
        }
        return m;
    }

    /** This matrix transposed, 64 x 64 bits at a time. */
    BitMatrix transposed() {
        BitMatrix t = zeros(cols, rows);
        long[] x = new long[64];
        for (int w = 0; w < wordsPerCol; w++) { // rows 64w.. of this matrix: columns 64w.. of t
            for (int v = 0; v < t.wordsPerCol; v++) { // columns 64v.. of this matrix: rows 64v.. of t
                for (int i = 0; i < 64; i++) {
                    int col = (v << 6) + i;
                    x[i] = col < cols ? words[col * wordsPerCol + w] : 0;
                }
                transpose64(x);
                for (int i = 0; i < 64; i++) {
                    int row = (w << 6) + i;
                    if (row < rows) t.words[row * t.wordsPerCol + v] = x[i];
                }
            }
        }
        return t;
    }

    /** Bit j of x[i] moves to bit i of x[j]: six rounds of swapping ever smaller blocks (Hacker's Delight, 7-3). */
    static void transpose64(long[] x) {
        long m = 0x00000000FFFFFFFFL;
        for (int j = 32; j != 0; j >>>= 1, m ^= m << j) {
            for (int k = 0; k < 64; k = ((k | j) + 1) & ~j) {
                long t = ((x[k] >>> j) ^ x[k | j]) & m;
                x[k | j] ^= t;
                x[k] ^= t << j;
            }
        }
    }

    /**
     * Zero when the float bits {@code v[0..n)} are all -1 or +1: |bits| XOR bits(1.0f) ORed together, a
     * branch-free reduction over values already in L1.
     */
    public static int notBipolar(int[] v, int n) {
        int bad = 0;
        for (int i = 0; i < n; i++) bad |= (v[i] & 0x7fffffff) ^ 0x3f800000;
        return bad;
    }

    /**
     * Bits [from, from + len) of column {@code col} shifted down to bit 0, {@code len <= 64}: a crossbar piece
     * reads its rows this way without unpacking the column.
     */
    public long bits(int col, int from, int len) {
        Objects.checkIndex(col, cols);
        if (len < 1 || len > 64 || from < 0 || from + len > rows) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + (from + len) + ") of " + rows);
        }
        return PackedBits.range(words, col * wordsPerCol, from, len);
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

    /** Every column's words in turn, each little-endian: {@link #column} of each column, as bytes. */
    public byte[] columnBytes() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(words.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(words);
        return b.array();
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
