package org.bnncim.backends.sim.kernels;

/**
 * Many input vectors against one layer's cells, without read faults: each piece's input is packed once and each
 * column word read once for all vectors. The same integer sums as {@link VectorKernel}.
 */
public final class BlockKernel {
    private BlockKernel() {}

    /** Adds the layer's popcounts of every vector in {@code in} into {@code out}. */
    public static void accumulate(CrossbarLayer l, Vectors in, InputPlanes planes, Sums out) {
        if (!planes.oneRead()) {
            UnsignedKernel.accumulate(l, in, planes, out);
            return;
        }
        int k = l.k(), words = l.words(), v = in.count();
        long[] packed = new long[v * 2 * words];
        for (int j = 0; j < v; j++) packBipolar(in.x()[j], in.start(j), k, packed, j * 2 * words, words);
        accumulatePacked(l, packed, words, v, out);
    }

    /**
     * The kernel over {@code v} bipolar vectors already packed {@code 2 * words} words each: driven rows, then +1
     * rows (as {@link #packBipolar} and the convolution packers lay them out).
     */
    public static void accumulatePacked(CrossbarLayer l, long[] packed, int words, int v, Sums out) {
        if (l.cells() != null) {
            WholeColumns.accumulate(l.cells(), l.n(), packed, words, v, l.k(), out);
            return;
        }
        int k = l.k(), planes = 2;
        for (CellPiece p : l.pieces()) {
            int pw = p.words(), k0 = p.k0(), kLen = p.kLen();
            long[] src;
            int stride, off;
            if ((k0 & 63) == 0 && ((kLen & 63) == 0 || k0 + kLen == k)) {
                src = packed; // word-aligned piece: read the packed input in place
                stride = words;
                off = k0 >>> 6;
            } else {
                src = new long[v * planes * pw];
                for (int r = 0; r < v * planes; r++) sliceInto(packed, r * words, words, k0, kLen, src, r * pw);
                stride = pw;
                off = 0;
            }
            int[] kc = new int[v];
            for (int j = 0; j < v; j++) kc[j] = popcount(src, j * planes * stride + off, pw);
            PackedInputs in = new PackedInputs(src, stride, off, kc, v);
            long[] cols = p.flat();
            for (int dn = 0; dn < p.nLen(); dn++) {
                int cb = dn * pw, column = p.n0() + dn;
                if (pw == 4) bipolar4(cols, cb, in, out, column);
                else bipolarN(cols, cb, pw, in, out, column);
            }
        }
    }

    /** Driven rows (x != 0) into {@code out[o ..]}, rows driven +1 (x > 0) into {@code out[o + words ..]}. */
    static void packBipolar(int[] x, int base, int k, long[] out, int o, int words) {
        for (int w = 0; w < words; w++) {
            long act = 0, plus = 0;
            for (int i = w << 6, e = Math.min(k, i + 64); i < e; i++) {
                int xv = x[base + i];
                act |= (long) ((xv | -xv) >>> 31) << i;
                plus |= (long) ((-xv & ~xv) >>> 31) << i;
            }
            out[o + w] = act;
            out[o + words + w] = plus;
        }
    }

    private static int popcount(long[] a, int from, int len) {
        int c = 0;
        for (int w = 0; w < len; w++) c += Long.bitCount(a[from + w]);
        return c;
    }

    /** Bits [from, from+len) of {@code src[base .. base+words)} shifted down to bit 0, into {@code dst[at ..]}. */
    private static void sliceInto(long[] src, int base, int words, int from, int len, long[] dst, int at) {
        int n = (len + 63) >>> 6, shift = from & 63, w0 = from >>> 6;
        for (int w = 0; w < n; w++) {
            long lo = w0 + w < words ? src[base + w0 + w] >>> shift : 0;
            long hi = shift != 0 && w0 + w + 1 < words ? src[base + w0 + w + 1] << (64 - shift) : 0;
            dst[at + w] = lo | hi;
        }
        int tail = len & 63;
        if (tail != 0) dst[at + n - 1] &= (1L << tail) - 1;
    }

    // One weight column (cells cols[cb ..]) against every packed input. A 256-row piece (4 words) is the default
    // crossbar's, unrolled so the column stays in registers.

    private static void bipolar4(long[] cols, int cb, PackedInputs in, Sums out, int column) {
        long[] src = in.words();
        int[] kc = in.kActive(), acc = out.acc();
        int stride = in.stride(), off = in.offset(), v = in.count();
        int ab = out.base() + column * out.perColumn(), sj = out.perVector();
        long c0 = cols[cb], c1 = cols[cb + 1], c2 = cols[cb + 2], c3 = cols[cb + 3];
        for (int j = 0; j < v; j++) {
            int o = 2 * j * stride + off, q = o + stride;
            int miss = Long.bitCount((src[q] ^ c0) & src[o])
                    + Long.bitCount((src[q + 1] ^ c1) & src[o + 1])
                    + Long.bitCount((src[q + 2] ^ c2) & src[o + 2])
                    + Long.bitCount((src[q + 3] ^ c3) & src[o + 3]);
            acc[ab + j * sj] += kc[j] - 2 * miss; // 2 * matches - K_active
        }
    }

    private static void bipolarN(long[] cols, int cb, int pw, PackedInputs in, Sums out, int column) {
        long[] src = in.words();
        int[] kc = in.kActive(), acc = out.acc();
        int stride = in.stride(), off = in.offset(), v = in.count();
        int ab = out.base() + column * out.perColumn(), sj = out.perVector();
        for (int j = 0; j < v; j++) {
            int o = 2 * j * stride + off, q = o + stride, miss = 0;
            for (int w = 0; w < pw; w++) miss += Long.bitCount((src[q + w] ^ cols[cb + w]) & src[o + w]);
            acc[ab + j * sj] += kc[j] - 2 * miss;
        }
    }
}
