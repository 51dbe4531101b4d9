package org.bnncim.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BitMatrixTest {
    @Test
    void storesEverySignAcrossWordBoundaries() {
        Random r = new Random(7);
        int rows = 130, cols = 5;
        int[][] w = new int[rows][cols];
        for (int[] row : w) for (int c = 0; c < cols; c++) row[c] = r.nextBoolean() ? 1 : -1;
        BitMatrix m = BitMatrix.of(rows, cols, (k, n) -> w[k][n] > 0);
        int plus = 0;
        for (int k = 0; k < rows; k++) {
            for (int n = 0; n < cols; n++) {
                assertEquals(w[k][n], m.get(k, n));
                if (w[k][n] > 0) plus++;
            }
        }
        assertEquals(plus, m.countPlusOnes());
        assertEquals(3, m.wordsPerColumn());
        long[] col = m.column(2);
        assertEquals(0, col[2] >>> 2, "bits past the last row are zero");
    }

    @Test
    void equalityFollowsContent() {
        BitMatrix a = BitMatrix.of(3, 2, (k, n) -> k == n);
        BitMatrix b = BitMatrix.of(3, 2, (k, n) -> k == n);
        BitMatrix c = BitMatrix.of(3, 2, (k, n) -> k != n);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, c);
        assertThrows(IndexOutOfBoundsException.class, () -> a.get(3, 0));
    }

    /** The values as a model file holds them (little-endian, after others), read as float bits. */
    private static java.nio.IntBuffer fileView(float[] values) {
        java.nio.ByteBuffer b =
                java.nio.ByteBuffer.allocate(4 * values.length + 12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putFloat(7f).putFloat(-7f).putFloat(Float.NaN);
        for (float v : values) b.putFloat(v);
        b.position(12);
        java.nio.IntBuffer view =
                b.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        view.position(values.length / 2); // reads are absolute: the position must not matter
        return view;
    }

    @Test
    void signsOfFloatsInBothLayoutsMatchThePerElementSource() {
        Random r = new Random(7);
        for (int[] rc : new int[][] {
            {1, 1}, {31, 2}, {32, 3}, {33, 9}, {63, 5}, {64, 3}, {65, 130}, {97, 4}, {200, 7}, {784, 64}
        }) {
            int rows = rc[0], cols = rc[1];
            float[] rowMajor = new float[rows * cols], colMajor = new float[rows * cols];
            boolean[][] plus = new boolean[rows][cols];
            for (int k = 0; k < rows; k++) {
                for (int n = 0; n < cols; n++) {
                    plus[k][n] = r.nextBoolean();
                    rowMajor[k * cols + n] = colMajor[n * rows + k] = plus[k][n] ? 1f : -1f;
                }
            }
            BitMatrix expected = BitMatrix.of(rows, cols, (k, n) -> plus[k][n]);
            assertEquals(expected, BitMatrix.ofSigns(rowMajor, rows, cols, false), rows + "x" + cols + " row-major");
            assertEquals(expected, BitMatrix.ofSigns(colMajor, rows, cols, true), rows + "x" + cols + " column-major");
            // the same values as a model file holds them: little-endian bytes after others, read through a view
            assertEquals(expected, BitMatrix.ofSignBits(fileView(rowMajor), rows, cols, false), rows + "x" + cols);
            assertEquals(expected, BitMatrix.ofSignBits(fileView(colMajor), rows, cols, true), rows + "x" + cols);
        }
    }

    @Test
    void adoptedColumnsMustHaveNoBitsPastTheLastRow() {
        BitMatrix m = BitMatrix.ofColumns(65, 2, new long[] {-1L, 1L, 0L, 0L});
        assertEquals(1, m.get(64, 0));
        assertEquals(-1, m.get(64, 1));
        assertThrows(IllegalArgumentException.class, () -> BitMatrix.ofColumns(65, 2, new long[] {-1L, 3L, 0L, 0L}));
        assertThrows(IllegalArgumentException.class, () -> BitMatrix.ofColumns(65, 2, new long[3]));
    }

    /** Packing with the check gives ofSigns' matrix for +-1 values and null for any other value, wherever it is. */
    @Test
    void bipolarPackingChecksEveryValue() {
        Random r = new Random(17);
        float[] offenders = {0f, -0f, 0.5f, -1.0000001f, 2f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY
        };
        for (int[] rc : new int[][] {{1, 1}, {63, 3}, {64, 5}, {65, 2}, {130, 33}, {7, 97}}) {
            int rows = rc[0], cols = rc[1];
            for (boolean columnMajor : new boolean[] {false, true}) {
                float[] a = new float[rows * cols];
                for (int i = 0; i < a.length; i++) a[i] = r.nextBoolean() ? 1f : -1f;
                int[] bits = new int[a.length];
                for (int i = 0; i < a.length; i++) bits[i] = Float.floatToRawIntBits(a[i]);
                java.nio.IntBuffer ib = java.nio.IntBuffer.wrap(bits);
                assertEquals(
                        BitMatrix.ofSigns(a, rows, cols, columnMajor),
                        BitMatrix.ofBipolarSignBits(ib, rows, cols, columnMajor));
                for (float bad : offenders) {
                    int at = r.nextInt(a.length);
                    int keep = bits[at];
                    bits[at] = Float.floatToRawIntBits(bad);
                    org.junit.jupiter.api.Assertions.assertNull(
                            BitMatrix.ofBipolarSignBits(ib, rows, cols, columnMajor), bad + " at " + at);
                    bits[at] = keep;
                }
            }
        }
    }

    /** The 64 x 64 block transpose against the definition, and whole matrices against element by element. */
    @Test
    void transposesMoveEveryBit() {
        Random r = new Random(29);
        for (int t = 0; t < 200; t++) {
            long[] x = new long[64];
            for (int i = 0; i < 64; i++) x[i] = r.nextLong();
            long[] y = x.clone();
            BitMatrix.transpose64(y);
            for (int i = 0; i < 64; i++)
                for (int j = 0; j < 64; j++) assertEquals((x[i] >>> j) & 1, (y[j] >>> i) & 1, i + "," + j);
        }
        for (int[] rc : new int[][] {{1, 1}, {64, 64}, {65, 3}, {3, 65}, {130, 129}, {7, 200}}) {
            BitMatrix m = BitMatrix.of(rc[0], rc[1], (k, n) -> r.nextBoolean());
            BitMatrix t = m.transposed();
            assertEquals(BitMatrix.of(rc[1], rc[0], (k, n) -> m.get(n, k) > 0), t);
        }
    }
}
