package org.bnncim.ir.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@code String.getBytes(UTF_8)} for text that is mostly ASCII with a few Latin-1 characters (report.html's
 * &times;, &micro; and &sup2;). The JDK encodes such a string one byte at a time once it holds a single byte above
 * 0x7F: for the HTML report that was a few percent of a small model's compile. Here the runs between those
 * characters are copied whole, and they are found eight bytes at a time.
 */
public final class Utf8 {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {}

    public static byte[] bytes(String s) {
        byte[] l1 = s.getBytes(StandardCharsets.ISO_8859_1);
        // a character beyond Latin-1 came out as '?': then the string is the JDK's to encode
        if (!new String(l1, StandardCharsets.ISO_8859_1).equals(s)) return s.getBytes(StandardCharsets.UTF_8);
        int n = l1.length, high = 0;
        for (int i = next(l1, 0); i < n; i = next(l1, i + 1)) high++;
        if (high == 0) return l1;
        byte[] out = new byte[n + high];
        int o = 0, from = 0;
        for (int i = next(l1, 0); i < n; i = next(l1, i + 1)) {
            System.arraycopy(l1, from, out, o, i - from);
            o += i - from;
            int c = l1[i] & 0xff;
            out[o++] = (byte) (0xc0 | (c >> 6));
            out[o++] = (byte) (0x80 | (c & 0x3f));
            from = i + 1;
        }
        System.arraycopy(l1, from, out, o, n - from);
        return out;
    }

    /** The index of the first byte from {@code i} on with its high bit set, or the length. */
    private static int next(byte[] b, int i) {
        int n = b.length;
        while (i + 8 <= n) {
            long w = (long) LONGS.get(b, i) & HIGH_BITS;
            if (w != 0) return i + (Long.numberOfTrailingZeros(w) >>> 3);
            i += 8;
        }
        while (i < n && b[i] >= 0) i++;
        return i;
    }
}
