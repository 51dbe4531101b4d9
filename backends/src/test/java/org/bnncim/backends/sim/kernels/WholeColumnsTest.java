package org.bnncim.backends.sim.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The whole-column kernels give every dot product, computed here from the weights, for every column length: each
 * loop order (vector in registers up to eight words and each of its word counts, four vectors per word up to sixteen,
 * streamed beyond), a last word partly used or full, several column tiles, vector counts that leave a tail of the
 * four-vector order, and inputs with undriven (0) rows or none.
 */
class WholeColumnsTest {
    private final SplittableRandom rnd = new SplittableRandom(23);

    @Test
    void everyColumnLengthGivesTheDotProducts() {
        int[] ks = {1, 63, 64, 100, 128, 191, 256, 257, 300, 320, 384, 420, 448, 500, 512, 513, 576, 1000, 1024, 1100};
        for (int k : ks) {
            for (int[] nv : new int[][] {{3, 1}, {11, 9}, {600, 6}}) {
                int n = nv[0], v = nv[1];
                boolean[][] w = Direct.weights(rnd, k, n);
                CrossbarLayer l = Direct.onePiece(w);
                assertNotNull(l.cells());
                int[][] x = new int[v][k];
                for (int j = 0; j < v; j++) {
                    // every other vector drives all rows; the others leave some undriven
                    for (int r = 0; r < k; r++) x[j][r] = j % 2 == 0 ? 2 * rnd.nextInt(2) - 1 : rnd.nextInt(3) - 1;
                }
                int[] got = new int[n * v], want = new int[n * v];
                BlockKernel.accumulate(l, new Vectors(x, null, v), InputPlanes.BIPOLAR, Sums.columnMajor(got, v));
                for (int c = 0; c < n; c++) {
                    for (int j = 0; j < v; j++) {
                        int s = 0;
                        for (int r = 0; r < k; r++) s += x[j][r] * (w[r][c] ? 1 : -1);
                        want[c * v + j] = s;
                    }
                }
                assertArrayEquals(want, got, "k " + k + ", n " + n + ", v " + v);
            }
        }
    }
}
