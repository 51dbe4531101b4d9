package org.bnncim.backends.sim.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The kernels against a plain dot product over the cells they were given: a layer cut into pieces at odd row and
 * column offsets, bipolar inputs with undriven rows, and unsigned inputs of several widths.
 */
class KernelsTest {
    private static final int K = 203, N = 11;
    private final SplittableRandom rnd = new SplittableRandom(17);
    private final boolean[][] plus = new boolean[K][N];

    private CrossbarLayer layer(int[] kCuts, int[] nCuts) {
        for (boolean[] row : plus) for (int n = 0; n < N; n++) row[n] = rnd.nextBoolean();
        List<CellPiece> pieces = new ArrayList<>();
        for (int a = 0; a + 1 < kCuts.length; a++) {
            for (int b = 0; b + 1 < nCuts.length; b++) {
                int k0 = kCuts[a], kLen = kCuts[a + 1] - k0, n0 = nCuts[b], nLen = nCuts[b + 1] - n0;
                long[][] cols = new long[nLen][(kLen + 63) >>> 6];
                for (int dn = 0; dn < nLen; dn++) {
                    for (int dk = 0; dk < kLen; dk++) if (plus[k0 + dk][n0 + dn]) cols[dn][dk >>> 6] |= 1L << dk;
                }
                pieces.add(CellPiece.of(k0, kLen, n0, nLen, cols));
            }
        }
        return new CrossbarLayer(K, N, pieces);
    }

    private int[] dot(int[] x, int mask) {
        int[] y = new int[N];
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++) y[n] += (mask == 0 ? x[k] : x[k] & mask) * (plus[k][n] ? 1 : -1);
        return y;
    }

    private int[][] vectors(int count, int bits) {
        int[][] x = new int[count][K];
        for (int[] v : x) for (int k = 0; k < K; k++) v[k] = bits == 1 ? rnd.nextInt(3) - 1 : rnd.nextInt(1 << bits);
        return x;
    }

    @Test
    void vectorAndBlockKernelsComputeTheDotProduct() {
        for (int[] kCuts : new int[][] {{0, K}, {0, 64, 128, 192, K}, {0, 37, 150, K}}) {
            CrossbarLayer l = layer(kCuts, new int[] {0, 4, 5, N});
            for (int bits : new int[] {1, 4, 8}) {
                int v = 21;
                int[][] x = vectors(v, bits);
                int[] block = new int[N * v];
                BlockKernel.accumulate(
                        l, new Vectors(x, null, v), InputPlanes.unsigned(bits), Sums.columnMajor(block, v));
                for (int j = 0; j < v; j++) {
                    int[] want = dot(x[j], bits == 1 ? 0 : (1 << bits) - 1);
                    int[] one = new int[N];
                    VectorKernel.accumulate(
                            l, x[j], InputPlanes.unsigned(bits), new Sums(one, 0, 1, 0), CellReads.EXACT);
                    assertArrayEquals(want, one, "vector kernel, " + bits + " bits, vector " + j);
                    int[] col = new int[N];
                    for (int n = 0; n < N; n++) col[n] = block[n * v + j];
                    assertArrayEquals(want, col, "block kernel, " + bits + " bits, vector " + j);
                }
            }
        }
    }

    @Test
    void blockedConvolutionEqualsThePerPositionPath() {
        // geometries of the packed-rows path (undilated, narrow) and of the general patch packer (dilated, wide)
        for (int[] c : new int[][] {
            {3, 9, 9, 3, 1, 1, 1},
            {2, 7, 70, 3, 2, 1, 1},
            {1, 12, 12, 3, 1, 2, 2},
            {3, 6, 6, 1, 1, 0, 1},
            // kernel rows straddling a word of the patch (bits 63..65 of row 21), strided
            {9, 6, 7, 3, 1, 1, 1},
            {9, 9, 8, 3, 2, 0, 1}
        }) {
            int cin = c[0], h = c[1], w = c[2], k = c[3], s = c[4], p = c[5], d = c[6];
            int oh = (h + 2 * p - d * (k - 1) - 1) / s + 1, ow = (w + 2 * p - d * (k - 1) - 1) / s + 1;
            ConvGeometry g = new ConvGeometry(cin, h, w, k, k, s, s, p, p, d, d, oh, ow);
            int rows = cin * k * k;
            List<CellPiece> pieces = new ArrayList<>();
            long[][] cols = new long[N][(rows + 63) >>> 6];
            for (long[] col : cols)
                for (int i = 0; i < col.length; i++)
                    col[i] = rnd.nextLong() & (i == col.length - 1 && rows % 64 != 0 ? (1L << (rows % 64)) - 1 : -1L);
            pieces.add(CellPiece.of(0, rows, 0, N, cols));
            CrossbarLayer l = new CrossbarLayer(rows, N, pieces);
            for (int bits : new int[] {1, 8}) {
                int[] x = new int[cin * h * w];
                for (int i = 0; i < x.length; i++) x[i] = bits == 1 ? (rnd.nextBoolean() ? 1 : -1) : rnd.nextInt(256);
                int size = N * oh * ow;
                assertArrayEquals(
                        ConvKernel.convolve(l, x, g, InputPlanes.unsigned(bits), size, CellReads.EXACT),
                        ConvKernel.convolveBlock(l, x, g, InputPlanes.unsigned(bits), size),
                        java.util.Arrays.toString(c) + ", " + bits + " bits");
            }
        }
    }

    @Test
    void signedInputsSubtractTheTopPlane() {
        // two's complement k-bit values, every one of them: -2^(k-1) .. 2^(k-1) - 1
        for (int[] kCuts : new int[][] {{0, K}, {0, 37, 150, K}}) {
            CrossbarLayer l = layer(kCuts, new int[] {0, 4, 5, N});
            for (int bits : new int[] {2, 3, 8}) {
                int v = 9, lo = -(1 << (bits - 1));
                int[][] x = new int[v][K];
                for (int[] row : x) for (int k = 0; k < K; k++) row[k] = lo + rnd.nextInt(1 << bits);
                int[] block = new int[N * v];
                BlockKernel.accumulate(
                        l, new Vectors(x, null, v), InputPlanes.signed(bits), Sums.columnMajor(block, v));
                for (int j = 0; j < v; j++) {
                    int[] want = dot(x[j], 0);
                    int[] one = new int[N];
                    VectorKernel.accumulate(l, x[j], InputPlanes.signed(bits), new Sums(one, 0, 1, 0), CellReads.EXACT);
                    assertArrayEquals(want, one, "vector kernel, i" + bits + ", vector " + j);
                    int[] col = new int[N];
                    for (int n = 0; n < N; n++) col[n] = block[n * v + j];
                    assertArrayEquals(want, col, "block kernel, i" + bits + ", vector " + j);
                }
            }
        }
    }

    /**
     * The whole-K column kernel's three loop orders (up to 4 words, 5 to 16, more) and its fallback to the pieces when
     * they do not cover every cell (a missing piece: its rows must add nothing), against a plain dot product over the
     * pieces' cells, for blocks of vectors whose count is not a multiple of four.
     */
    @Test
    void wholeColumnKernelMatchesTheDotProductForEveryColumnLength() {
        for (int k : new int[] {130, 300, 512, 700, 1100}) {
            for (boolean gap : new boolean[] {false, true}) {
                int n = 9;
                boolean[][] w = new boolean[k][n];
                for (boolean[] row : w) for (int c = 0; c < n; c++) row[c] = rnd.nextBoolean();
                int[] kCuts = {0, 64, k / 2 + 3, k}, nCuts = {0, 5, n};
                List<CellPiece> pieces = new ArrayList<>();
                boolean[][] covered = new boolean[k][n];
                for (int a = 0; a + 1 < kCuts.length; a++) {
                    for (int b = 0; b + 1 < nCuts.length; b++) {
                        if (gap && a == 1 && b == 0) continue; // rows 64.. of columns 0..4 on no crossbar
                        int k0 = kCuts[a], kLen = kCuts[a + 1] - k0, n0 = nCuts[b], nLen = nCuts[b + 1] - n0;
                        long[][] cols = new long[nLen][(kLen + 63) >>> 6];
                        for (int dn = 0; dn < nLen; dn++) {
                            for (int dk = 0; dk < kLen; dk++) {
                                covered[k0 + dk][n0 + dn] = true;
                                if (w[k0 + dk][n0 + dn]) cols[dn][dk >>> 6] |= 1L << dk;
                            }
                        }
                        pieces.add(CellPiece.of(k0, kLen, n0, nLen, cols));
                    }
                }
                CrossbarLayer l = new CrossbarLayer(k, n, pieces);
                assertEquals(gap, l.cells() == null, "whole columns exist exactly when every cell is covered");
                int v = 11;
                int[][] x = new int[v][k];
                for (int[] row : x) for (int r = 0; r < k; r++) row[r] = rnd.nextInt(3) - 1;
                int[] block = new int[n * v];
                BlockKernel.accumulate(l, new Vectors(x, null, v), InputPlanes.BIPOLAR, Sums.columnMajor(block, v));
                for (int j = 0; j < v; j++) {
                    for (int c = 0; c < n; c++) {
                        int want = 0;
                        for (int r = 0; r < k; r++) if (covered[r][c]) want += x[j][r] * (w[r][c] ? 1 : -1);
                        assertEquals(
                                want, block[c * v + j], "K=" + k + ", gap " + gap + ", vector " + j + ", col " + c);
                    }
                }
            }
        }
    }
}
