package org.bnncim.backends.sim.kernels;

/**
 * The bipolar block kernel over whole-K columns ({@link CrossbarLayer#cells}): every packed vector against every
 * column. The same integer sums as the piece by piece kernel: a column's misses over all rows are the sum of its
 * pieces' misses. Three loop orders, each the fastest measured for its column length on this JIT
 * (docs/benchmarks.md): up to eight words the vector sits in registers while the columns stream past; columns of
 * nine to sixteen words (a 3x3 convolution's over 64 channels, a 1024-input layer's) take four vectors per column
 * word, with each vector's driven and +1 words side by side, because the per-vector loop around a nine-word sum
 * otherwise costs more than the sum; longer columns stream the vectors past one column, whose sum C2 unrolls itself.
 */
final class WholeColumns {
    private WholeColumns() {}

    /** Columns of at most this many words take the four-vector order. */
    private static final int SHORT = 16;

    /**
     * {@code packed}: per vector, {@code words} driven-row words then {@code words} +1-row words; {@code k} rows.
     * Beyond eight words, vectors that drive all k rows (a dense layer's bipolar activations, a convolution's
     * positions away from the padding) run apart from their +1 words alone: no driven mask to load and apply, their
     * misses being the popcount of (+1 words xor cells), both 0 past k.
     */
    static void accumulate(long[] cells, int n, long[] packed, int words, int v, int k, Sums out) {
        int[] kc = new int[v];
        int full = 0;
        for (int j = 0; j < v; j++) {
            int c = 0;
            for (int w = 0, o = 2 * j * words; w < words; w++) c += Long.bitCount(packed[o + w]);
            kc[j] = c;
            full += c == k ? 1 : 0;
        }
        if (words <= 8) {
            registerVectors(cells, n, packed, words, v, kc, out);
            return;
        }
        int part = v - full;
        int[] fi = new int[full], pi = new int[part], pk = new int[part];
        long[] fp = new long[full * words], pp = full == 0 ? packed : new long[part * 2 * words];
        for (int j = 0, f = 0, q = 0; j < v; j++) {
            if (kc[j] == k) {
                System.arraycopy(packed, 2 * j * words + words, fp, f * words, words);
                fi[f++] = j;
            } else {
                if (full > 0) System.arraycopy(packed, 2 * j * words, pp, 2 * q * words, 2 * words);
                pk[q] = kc[j];
                pi[q++] = j;
            }
        }
        if (words <= SHORT) {
            if (full > 0) shortColumnsDriven(cells, n, fp, words, full, k, fi, out);
            if (part > 0) shortColumns(cells, n, pp, words, part, pk, pi, out);
        } else {
            if (full > 0) longColumnsDriven(cells, n, fp, words, full, k, fi, out);
            if (part > 0) longColumns(cells, n, pp, words, part, pk, pi, out);
        }
    }

    private static void longColumns(
            long[] cells, int n, long[] packed, int words, int v, int[] kc, int[] idx, Sums out) {
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
                    acc[at + idx[j] * sj] += kc[j] - 2 * m; // 2 * matches - K_active
                }
            }
        }
    }

    private static void shortColumns(
            long[] cells, int n, long[] packed, int words, int v, int[] kc, int[] idx, Sums out) {
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
            int i0 = idx[j], i1 = idx[j + 1], i2 = idx[j + 2], i3 = idx[j + 3];
            for (int c = 0; c < n; c++) {
                int cb = c * words, m0 = 0, m1 = 0, m2 = 0, m3 = 0;
                for (int w = 0, w2 = 0; w < words; w++, w2 += 2) {
                    long x = cells[cb + w];
                    m0 += Long.bitCount((il[a0 + w2 + 1] ^ x) & il[a0 + w2]);
                    m1 += Long.bitCount((il[a1 + w2 + 1] ^ x) & il[a1 + w2]);
                    m2 += Long.bitCount((il[a2 + w2 + 1] ^ x) & il[a2 + w2]);
                    m3 += Long.bitCount((il[a3 + w2 + 1] ^ x) & il[a3 + w2]);
                }
                int at = base + c * sn;
                acc[at + i0 * sj] += kc[j] - 2 * m0;
                acc[at + i1 * sj] += kc[j + 1] - 2 * m1;
                acc[at + i2 * sj] += kc[j + 2] - 2 * m2;
                acc[at + i3 * sj] += kc[j + 3] - 2 * m3;
            }
        }
        for (; j < v; j++) {
            int a = 2 * j * words;
            for (int c = 0; c < n; c++) {
                int cb = c * words, m = 0;
                for (int w = 0; w < words; w++) m += Long.bitCount((il[a + 2 * w + 1] ^ cells[cb + w]) & il[a + 2 * w]);
                acc[base + c * sn + idx[j] * sj] += kc[j] - 2 * m;
            }
        }
    }

    // The four-vector and streamed orders for vectors that drive every row: {@code plus} holds their +1 words alone,
    // {@code words} per vector, and a vector's sum is k - 2 * misses; idx maps them back to their place in out.

    private static void shortColumnsDriven(
            long[] cells, int n, long[] plus, int words, int v, int k, int[] idx, Sums out) {
        int[] acc = out.acc();
        int base = out.base(), sn = out.perColumn(), sj = out.perVector();
        int j = 0;
        for (; j + 4 <= v; j += 4) {
            int a0 = j * words, a1 = a0 + words, a2 = a1 + words, a3 = a2 + words;
            int i0 = idx[j], i1 = idx[j + 1], i2 = idx[j + 2], i3 = idx[j + 3];
            for (int c = 0; c < n; c++) {
                int cb = c * words, m0 = 0, m1 = 0, m2 = 0, m3 = 0;
                for (int w = 0; w < words; w++) {
                    long x = cells[cb + w];
                    m0 += Long.bitCount(plus[a0 + w] ^ x);
                    m1 += Long.bitCount(plus[a1 + w] ^ x);
                    m2 += Long.bitCount(plus[a2 + w] ^ x);
                    m3 += Long.bitCount(plus[a3 + w] ^ x);
                }
                int at = base + c * sn;
                acc[at + i0 * sj] += k - 2 * m0;
                acc[at + i1 * sj] += k - 2 * m1;
                acc[at + i2 * sj] += k - 2 * m2;
                acc[at + i3 * sj] += k - 2 * m3;
            }
        }
        for (; j < v; j++) {
            int a = j * words;
            for (int c = 0; c < n; c++) {
                int cb = c * words, m = 0;
                for (int w = 0; w < words; w++) m += Long.bitCount(plus[a + w] ^ cells[cb + w]);
                acc[base + c * sn + idx[j] * sj] += k - 2 * m;
            }
        }
    }

    private static void longColumnsDriven(
            long[] cells, int n, long[] plus, int words, int v, int k, int[] idx, Sums out) {
        int[] acc = out.acc();
        int base = out.base(), sn = out.perColumn(), sj = out.perVector();
        int tile = Math.max(4, 2048 / words);
        for (int j0 = 0; j0 < v; j0 += tile) {
            int j1 = Math.min(v, j0 + tile);
            for (int c = 0; c < n; c++) {
                int cb = c * words, at = base + c * sn;
                for (int j = j0; j < j1; j++) {
                    int o = j * words, m = 0;
                    for (int w = 0; w < words; w++) m += Long.bitCount(plus[o + w] ^ cells[cb + w]);
                    acc[at + idx[j] * sj] += k - 2 * m;
                }
            }
        }
    }

    /**
     * At most eight words (K <= 512: the default crossbar's rows, a 3x3 convolution over 32 channels): each vector's
     * driven and +1 words stay in registers while the columns stream past, one column word loaded per popcount.
     * Keeping the column in registers instead and streaming the vectors loads two words per popcount, and the
     * four-vector order reloads the vectors' words for every column; loads, not popcounts, set their speed (measured
     * 1.3x slower at four words, 1.5x at five).
     */
    private static void registerVectors(long[] cells, int n, long[] packed, int words, int v, int[] kc, Sums out) {
        long[] cols = cells, vecs = packed;
        int cw = words;
        if (words < 5) {
            // one layout for one to four words: four words per column and per vector, zero past the layer's words
            cw = 4;
            cols = new long[4 * n];
            vecs = new long[8 * v];
            for (int c = 0; c < n; c++) System.arraycopy(cells, c * words, cols, 4 * c, words);
            for (int j = 0; j < v; j++) {
                System.arraycopy(packed, 2 * j * words, vecs, 8 * j, words);
                System.arraycopy(packed, 2 * j * words + words, vecs, 8 * j + 4, words);
            }
        }
        // columns in tiles of 16 KiB, so that a tile stays in L1 while every vector streams it
        int tile = 2048 / cw;
        for (int c0 = 0; c0 < n; c0 += tile) registerVectors(cols, c0, Math.min(n, c0 + tile), vecs, cw, v, kc, out);
    }

    /** Columns [c0, c1) of {@link #registerVectors}, {@code words} (four to eight) words per column and vector. */
    private static void registerVectors(
            long[] cells, int c0, int c1, long[] packed, int words, int v, int[] kc, Sums out) {
        int[] acc = out.acc();
        int base = out.base(), sn = out.perColumn(), sj = out.perVector();
        for (int j = 0; j < v; j++) {
            int o = 2 * j * words, q = o + words, k = kc[j], at = base + j * sj;
            long d0 = packed[o], d1 = packed[o + 1], d2 = packed[o + 2], d3 = packed[o + 3];
            long p0 = packed[q], p1 = packed[q + 1], p2 = packed[q + 2], p3 = packed[q + 3];
            if (words == 4) {
                for (int c = c0, cb = c0 * 4; c < c1; c++, cb += 4)
                    acc[at + c * sn] += k - 2 * miss4(cells, cb, d0, d1, d2, d3, p0, p1, p2, p3);
                continue;
            }
            long d4 = packed[o + 4], p4 = packed[q + 4];
            if (words == 5) {
                for (int c = c0, cb = c0 * 5; c < c1; c++, cb += 5) {
                    int m = miss4(cells, cb, d0, d1, d2, d3, p0, p1, p2, p3) + Long.bitCount((p4 ^ cells[cb + 4]) & d4);
                    acc[at + c * sn] += k - 2 * m;
                }
                continue;
            }
            long d5 = packed[o + 5], p5 = packed[q + 5];
            if (words == 6) {
                for (int c = c0, cb = c0 * 6; c < c1; c++, cb += 6) {
                    int m = miss4(cells, cb, d0, d1, d2, d3, p0, p1, p2, p3)
                            + Long.bitCount((p4 ^ cells[cb + 4]) & d4)
                            + Long.bitCount((p5 ^ cells[cb + 5]) & d5);
                    acc[at + c * sn] += k - 2 * m;
                }
                continue;
            }
            long d6 = packed[o + 6], p6 = packed[q + 6];
            if (words == 7) {
                for (int c = c0, cb = c0 * 7; c < c1; c++, cb += 7) {
                    int m = miss4(cells, cb, d0, d1, d2, d3, p0, p1, p2, p3)
                            + Long.bitCount((p4 ^ cells[cb + 4]) & d4)
                            + Long.bitCount((p5 ^ cells[cb + 5]) & d5)
                            + Long.bitCount((p6 ^ cells[cb + 6]) & d6);
                    acc[at + c * sn] += k - 2 * m;
                }
                continue;
            }
            long d7 = packed[o + 7], p7 = packed[q + 7];
            for (int c = c0, cb = c0 * 8; c < c1; c++, cb += 8) {
                int m = miss4(cells, cb, d0, d1, d2, d3, p0, p1, p2, p3)
                        + miss4(cells, cb + 4, d4, d5, d6, d7, p4, p5, p6, p7);
                acc[at + c * sn] += k - 2 * m;
            }
        }
    }

    /** Misses of four words of one column, {@code cells[cb .. cb + 4)}, against a vector's driven and +1 words. */
    private static int miss4(
            long[] cells, int cb, long d0, long d1, long d2, long d3, long p0, long p1, long p2, long p3) {
        return Long.bitCount((p0 ^ cells[cb]) & d0)
                + Long.bitCount((p1 ^ cells[cb + 1]) & d1)
                + Long.bitCount((p2 ^ cells[cb + 2]) & d2)
                + Long.bitCount((p3 ^ cells[cb + 3]) & d3);
    }
}
