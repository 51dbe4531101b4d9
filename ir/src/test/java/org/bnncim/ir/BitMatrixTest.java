package org.bnncim.ir;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
