package org.bnncim.ir.util;

/**
 * Bit ranges of columns packed 64 rows per {@code long} (row r of a column starting at word {@code base} is bit
 * {@code r % 64} of word {@code base + r / 64}): the layout of weight matrices and of crossbar images alike.
 */
public final class PackedBits {
    private PackedBits() {}

    /**
     * Rows [from, from + len) of the column starting at word {@code base}, shifted down to bit 0; {@code len <= 64}.
     */
    public static long range(long[] words, int base, int from, int len) {
        int w = base + (from >>> 6), shift = from & 63;
        long v = words[w] >>> shift;
        if (shift != 0 && shift + len > 64) v |= words[w + 1] << (64 - shift);
        return v & mask(len);
    }

    /**
     * ORs the low {@code len} bits of {@code v} into rows [from, from + len) of the column starting at word {@code
     * base}.
     */
    public static void or(long[] words, int base, int from, long v, int len) {
        int w = base + (from >>> 6), shift = from & 63;
        words[w] |= v << shift;
        if (shift != 0 && shift + len > 64) words[w + 1] |= v >>> (64 - shift);
    }

    /** The low {@code len} bits set, {@code 1 <= len <= 64}. */
    public static long mask(int len) {
        return len == 64 ? -1L : (1L << len) - 1;
    }
}
