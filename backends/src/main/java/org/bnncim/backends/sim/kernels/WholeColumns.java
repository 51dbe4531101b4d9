package org.bnncim.backends.sim.kernels;

/**
 * The bipolar block kernel over whole-K columns ({@link CrossbarLayer#cells}): every packed vector against every
 * column. The same integer sums as the piece by piece kernel: a column's misses over all rows are the sum of its
 * pieces' misses. Three loop orders, each the fastest measured for its column length on this JIT
 * (docs/benchmarks.md): up to four words the column sits in registers while the vectors stream past; columns of five
 * to sixteen words (a 3x3 convolution's, a 1024-input layer's) take four vectors per column word, with each vector's
 * driven and +1 words side by side, because the per-vector loop around a five-word sum otherwise costs more than the
 * sum; longer columns stream the vectors past one column, whose sum C2 unrolls itself.
 */
final class WholeColumns {
    private WholeColumns() {}

    /** Columns of at most this many words take the four-vector order. */
    private static final int SHORT = 16;

    /** {@code packed}: per vector, {@code words} driven-row words then {@code words} +1-row words. */
    static void accumulate(long[] cells, int n, long[] packed, int words, int v, Sums out) {
        int[] kc = new int[v];
        for (int j = 0; j < v; j++) {
            int c = 0;
            for (int w = 0, o = 2 * j * words; w < words; w++) c += Long.bitCount(packed[o + w]);
            kc[j] = c;
        }
        if (words <= 4) registerColumns(cells, n, packed, words, v, kc, out);
        else if (words <= SHORT) shortColumns(cells, n, packed, words, v, kc, out);
        else longColumns(cells, n, packed, words, v, kc, out);
    }

    /** At most four words (K <= 256, the default crossbar's rows): the column stays in registers. */
    private static void registerColumns(long[] cells, int n, long[] packed, int words, int v, int[] kc, Sums out) {
        int[] acc = out.acc();
        int base = out.base(), sn = out.perColumn(), sj = out.perVector();
        long[] c4 = new long[4 * n];
        for (int c = 0; c < n; c++) System.arraycopy(cells, c * words, c4, 4 * c, words);
        // one layout for one to four words: four words per vector, zero past the vector's words (undriven)
        long[] a4 = new long[4 * v], p4 = new long[4 * v];
        for (int j = 0; j < v; j++) {
            System.arraycopy(packed, 2 * j * words, a4, 4 * j, words);
            System.arraycopy(packed, 2 * j * words + words, p4, 4 * j, words);
        }
        for (int c = 0; c < n; c++) {
            long x0 = c4[4 * c], x1 = c4[4 * c + 1], x2 = c4[4 * c + 2], x3 = c4[4 * c + 3];
            int at = base + c * sn;
            for (int j = 0; j < v; j++) {
                int o = 4 * j;
                int m = Long.bitCount((p4[o] ^ x0) & a4[o])
                        + Long.bitCount((p4[o + 1] ^ x1) & a4[o + 1])
                        + Long.bitCount((p4[o + 2] ^ x2) & a4[o + 2])
                        + Long.bitCount((p4[o + 3] ^ x3) & a4[o + 3]);
                acc[at + j * sj] += kc[j] - 2 * m;
            }
        }
    }

    private static void longColumns(long[] cells, int n, long[] packed, int words, int v, int[] kc, Sums out) {
        int[] acc = out.acc();
        int base = out.base(), sn = out.perColumn(), sj = out.perVector();
        // vectors in tiles of about 16 KiB, so that a tile stays in L1 while every column streams past it (a
        // convolution's hundreds of positions would otherwise come from L2 once per column)
        int tile = Math.max(4, 1024 / words);
        for (int j0 = 0; j0 < v; j0 += tile) {
            int j1 = Math.min(v, j0 + tile);
            for (int c = 0; c < n; c++) {
                int cb = c * words, at = base + c * sn;
                for (int j = j0; j < j1; j++) {
                    int o = 2 * j * words, q = o + words, m = 0;
                    for (int w = 0; w < words; w++) m += Long.bitCount((packed[q + w] ^ cells[cb + w]) & packed[o + w]);
                    acc[at + j * sj] += kc[j] - 2 * m; // 2 * matches - K_active
                }
            }
        }
    }

    private static void shortColumns(long[] cells, int n, long[] packed, int words, int v, int[] kc, Sums out) {
        int[] acc = out.acc();
        int base = out.base(), sn = out.perColumn(), sj = out.perVector();
        // word w of vector j: driven at il[2 * (j * words + w)], +1 right after it
        long[] il = new long[packed.length];
        for (int j = 0; j < v; j++) {
            for (int w = 0, o = 2 * j * words; w < words; w++) {
                il[o + 2 * w] = packed[o + w];
                il[o + 2 * w + 1] = packed[o + words + w];
            }
        }
        int j = 0;
        for (; j + 4 <= v; j += 4) {
            int a0 = 2 * j * words, a1 = a0 + 2 * words, a2 = a1 + 2 * words, a3 = a2 + 2 * words;
            for (int c = 0; c < n; c++) {
                int cb = c * words, m0 = 0, m1 = 0, m2 = 0, m3 = 0;
                for (int w = 0, w2 = 0; w < words; w++, w2 += 2) {
                    long x = cells[cb + w];
                    m0 += Long.bitCount((il[a0 + w2 + 1] ^ x) & il[a0 + w2]);
                    m1 += Long.bitCount((il[a1 + w2 + 1] ^ x) & il[a1 + w2]);
                    m2 += Long.bitCount((il[a2 + w2 + 1] ^ x) & il[a2 + w2]);
                    m3 += Long.bitCount((il[a3 + w2 + 1] ^ x) & il[a3 + w2]);
                }
                int at = base + c * sn + j * sj;
                acc[at] += kc[j] - 2 * m0;
                acc[at + sj] += kc[j + 1] - 2 * m1;
                acc[at + 2 * sj] += kc[j + 2] - 2 * m2;
                acc[at + 3 * sj] += kc[j + 3] - 2 * m3;
            }
        }
        for (; j < v; j++) {
            int a = 2 * j * words;
            for (int c = 0; c < n; c++) {
                int cb = c * words, m = 0;
                for (int w = 0; w < words; w++) m += Long.bitCount((il[a + 2 * w + 1] ^ cells[cb + w]) & il[a + 2 * w]);
                acc[base + c * sn + j * sj] += kc[j] - 2 * m;
            }
        }
    }
}
