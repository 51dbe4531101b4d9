package org.bnncim.backends.sim.kernels;

/**
 * One input vector at a time, every column read through {@link CellReads}: the path that models per-read faults,
 * and the plain definition the block kernels ({@link BlockKernel}, {@link UnsignedKernel}) must reproduce.
 */
public final class VectorKernel {
    private VectorKernel() {}

    /**
     * Adds the layer's popcounts for one input vector into {@code out} (vector index 0). Bipolar inputs drive
     * +1/-1 (0 = undriven: a piece yields {@code 2 * matches - K_active}); integer inputs are applied bit plane
     * by bit plane and shifted into the sum, the top plane of a signed input subtracted (two's complement).
     */
    public static void accumulate(CrossbarLayer l, int[] x, InputPlanes in, Sums out, CellReads reads) {
        int words = l.words();
        int[] acc = out.acc();
        int base = out.base(), perColumn = out.perColumn();
        if (in.oneRead()) {
            long[] plus = new long[words], active = new long[words];
            for (int k = 0; k < l.k(); k++) {
                if (x[k] != 0) active[k >>> 6] |= 1L << (k & 63);
                if (x[k] > 0) plus[k >>> 6] |= 1L << (k & 63);
            }
            for (CellPiece p : l.pieces()) {
                long[] xp = slice(plus, p.k0(), p.kLen()), ap = slice(active, p.k0(), p.kLen());
                int kActive = 0;
                for (long w : ap) kActive += Long.bitCount(w);
                for (int dn = 0; dn < p.nLen(); dn++) {
                    long[] wc = reads.column(p.columns()[dn], p.kLen());
                    int matches = 0;
                    for (int w = 0; w < xp.length; w++) matches += Long.bitCount(~(xp[w] ^ wc[w]) & ap[w]);
                    acc[base + (p.n0() + dn) * perColumn] += 2 * matches - kActive;
                }
            }
            return;
        }
        for (int b = 0; b < in.bits(); b++) {
            int sign = in.planeSign(b);
            long[] plane = new long[words];
            boolean any = false;
            for (int k = 0; k < l.k(); k++) {
                if (((x[k] >>> b) & 1) != 0) {
                    plane[k >>> 6] |= 1L << (k & 63);
                    any = true;
                }
            }
            if (!any) continue;
            for (CellPiece p : l.pieces()) {
                long[] ap = slice(plane, p.k0(), p.kLen());
                int kActive = 0;
                for (long w : ap) kActive += Long.bitCount(w);
                if (kActive == 0) continue;
                for (int dn = 0; dn < p.nLen(); dn++) {
                    long[] wc = reads.column(p.columns()[dn], p.kLen());
                    int plusOnes = 0;
                    for (int w = 0; w < ap.length; w++) plusOnes += Long.bitCount(wc[w] & ap[w]);
                    acc[base + (p.n0() + dn) * perColumn] += sign * ((2 * plusOnes - kActive) << b);
                }
            }
        }
    }

    /** Bits [from, from+len) of a packed vector, shifted down to bit 0. */
    static long[] slice(long[] src, int from, int len) {
        int words = (len + 63) >>> 6;
        long[] out = new long[words];
        int shift = from & 63, base = from >>> 6;
        for (int w = 0; w < words; w++) {
            long lo = base + w < src.length ? src[base + w] >>> shift : 0;
            long hi = shift != 0 && base + w + 1 < src.length ? src[base + w + 1] << (64 - shift) : 0;
            out[w] = lo | hi;
        }
        int tail = len & 63;
        if (tail != 0) out[words - 1] &= (1L << tail) - 1;
        return out;
    }
}
