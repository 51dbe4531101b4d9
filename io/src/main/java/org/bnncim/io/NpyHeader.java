package org.bnncim.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.SafeText;

/**
 * The header of a {@link Npy} file: the magic and version prefix, the Python dict that gives the dtype and shape,
 * and the exact header bytes {@code numpy.save} writes. {@link Npy} reads and writes the data around it.
 */
final class NpyHeader {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy aligns the start of the data to this many bytes so the payload can be memory-mapped. */
    private static final int ALIGN = 64;
    /** numpy reserves room so that axis 0 can grow to this many digits by rewriting the header in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    private NpyHeader() {}

    record Prefix(int version, int headerStart, int headerLen, long dataOffset) {}

    record Header(Npy.DType type, int[] shape) {}

    static Prefix prefix(byte[] b, String name) {
        if (b.length < 10 || !Arrays.equals(Arrays.copyOf(b, 6), MAGIC)) {
            throw malformed(name, "not an npy file (bad magic)");
        }
        int major = b[6] & 0xFF;
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return switch (major) {
            case 1 -> new Prefix(1, 10, bb.getShort(8) & 0xFFFF, 10L + (bb.getShort(8) & 0xFFFF));
            case 2, 3 -> {
                if (b.length < 12) {
                    throw malformed(name, "truncated header");
                }
                long len = bb.getInt(8) & 0xFFFFFFFFL;
                // Real headers are a few hundred bytes; anything huge is corruption, not data.
                if (len > (1 << 20)) {
                    throw malformed(name, "header length " + len + " is implausible");
                }
                yield new Prefix(major, 12, (int) len, 12L + len);
            }
            default -> throw malformed(name, "unsupported npy format version " + major + "." + (b[7] & 0xFF));
        };
    }

    static long dataBytes(Header h, String name) {
        long n = Npy.checkedCount(h.shape);
        if (n < 0 || n > Long.MAX_VALUE / h.type.itemSize) {
            throw malformed(name, "shape " + Arrays.toString(h.shape) + " is too large");
        }
        return n * h.type.itemSize;
    }

    static void checkSize(long need, long have, String name) {
        if (have < need) {
            throw malformed(name, "truncated: shape needs " + need + " data bytes but the file has " + have);
        }
        if (have > need) {
            throw malformed(name, have - need + " unexpected trailing bytes after the data");
        }
        if (need > Integer.MAX_VALUE - 16) {
            throw malformed(name, need + " data bytes is more than one Java array can hold");
        }
    }

    static Header header(byte[] raw, int version, String name) {
        // v1/v2 headers are latin-1; v3 allows utf-8 (only field names could use it, and we know ours)
        String text = new String(raw, version >= 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict;
        try {
            dict = new DictParser(text).parse();
        } catch (IllegalArgumentException e) {
            throw malformed(name, "bad header " + SafeText.quote(text.strip()) + ": " + SafeText.quote(e.getMessage()));
        }
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shape = dict.get("shape");
        if (!(descr instanceof String d) || !(fortran instanceof Boolean f) || !(shape instanceof int[] s)) {
            throw malformed(name, "header lacks descr/fortran_order/shape: " + SafeText.quote(text.strip()));
        }
        if (f) {
            throw new BnncimException(name + ": npy array is in Fortran order; save it in C order "
                    + "(numpy.ascontiguousarray) before passing it to bnncim");
        }
        Npy.DType t = Npy.DType.of(d);
        if (t == null) {
            throw new BnncimException(name + ": unsupported npy dtype '" + SafeText.quote(d)
                    + "'; accepted: <f4 <f8 |u1 |i1 " + "<i4 <i8 |b1 (little-endian)");
        }
        return new Header(t, s);
    }

    static byte[] headerBytes(Npy.NpyArray a) {
        int[] shape = a.shape();
        StringBuilder dict =
                new StringBuilder("{'descr': '").append(a.dtype()).append("', 'fortran_order': False, 'shape': (");
        for (int k = 0; k < shape.length; k++) {
            dict.append(k == 0 ? "" : ", ").append(shape[k]);
        }
        dict.append(shape.length == 1 ? ",), }" : "), }");
        if (shape.length > 0) {
            dict.append(" "
                    .repeat(Math.max(
                            0,
                            GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length())));
        }
        // Version 1.0 has a 2-byte length field; numpy moves to 2.0 only when the header does not fit.
        int textLen = dict.length() + 1;
        int prefixLen = 10;
        int pad = ALIGN - (prefixLen + textLen) % ALIGN;
        int major = 1;
        if (textLen + pad > 0xFFFF) {
            major = 2;
            prefixLen = 12;
            pad = ALIGN - (prefixLen + textLen) % ALIGN;
        }
        // like numpy, an already aligned header still gets a full extra block (pad is never 0)
        byte[] text = (dict + " ".repeat(pad) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(prefixLen + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        b.put(text);
        return b.array();
    }

    static BnncimException malformed(String name, String why) {
        return new BnncimException(name + ": malformed npy file: " + why);
    }

    /** Just enough of a Python literal parser for the header dict numpy writes: strings, booleans, int tuples. */
    private static final class DictParser {
        private final String s;
        private int i;

        DictParser(String s) {
            this.s = s;
        }

        Map<String, Object> parse() {
            Map<String, Object> out = new LinkedHashMap<>();
            expect('{');
            while (true) {
                ws();
                if (peek() == '}') {
                    i++;
                    break;
                }
                String key = string();
                ws();
                expect(':');
                out.put(key, value());
                ws();
                if (peek() == ',') {
                    i++;
                } else {
                    ws();
                    expect('}');
                    break;
                }
            }
            ws();
            if (i != s.length()) {
                throw new IllegalArgumentException("unexpected text after the dict");
            }
            return out;
        }

        private Object value() {
            ws();
            char c = peek();
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '(') {
                return tuple();
            }
            if (s.startsWith("True", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            throw new IllegalArgumentException("unexpected value at offset " + i);
        }

        private int[] tuple() {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            while (true) {
                ws();
                if (peek() == ')') {
                    i++;
                    break;
                }
                int start = i;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                if (start == i) {
                    throw new IllegalArgumentException("expected a dimension at offset " + i);
                }
                long v;
                try {
                    v = Long.parseLong(s.substring(start, i));
                } catch (NumberFormatException e) {
                    v = Long.MAX_VALUE;
                }
                if (v > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("dimension " + s.substring(start, i) + " is too large");
                }
                dims.add((int) v);
                if (peek() == 'L') {
                    i++; // Python 2 long literal
                }
                ws();
                if (peek() == ',') {
                    i++;
                } else {
                    ws();
                    expect(')');
                    break;
                }
            }
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        private String string() {
            char q = peek();
            if (q != '\'' && q != '"') {
                throw new IllegalArgumentException("expected a string at offset " + i);
            }
            int end = s.indexOf(q, i + 1);
            if (end < 0) {
                throw new IllegalArgumentException("unterminated string");
            }
            String out = s.substring(i + 1, end);
            i = end + 1;
            return out;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw new IllegalArgumentException("unexpected end of header");
            }
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw new IllegalArgumentException("expected '" + c + "' at offset " + i);
            }
            i++;
        }
    }
}
