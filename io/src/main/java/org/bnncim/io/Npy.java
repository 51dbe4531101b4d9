package org.bnncim.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bnncim.ir.BnncimException;

/**
 * NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0), little-endian, C order, for the dtypes bnncim
 * exchanges with Python tooling: {@code <f4 <f8 |u1 |i1 <i4 <i8 |b1}.
 *
 * <p>Written without a dependency because the IR module has none. Files we write are byte-identical to what
 * {@code numpy.save} (1.23 and later) produces for the same array, so golden files can be diffed and
 * regenerated from either side.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy aligns the start of the data to this many bytes so the payload can be memory-mapped. */
    private static final int ALIGN = 64;
    /** numpy reserves room so that axis 0 can grow to this many digits by rewriting the header in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    private Npy() {}

    /** Element types we read and write, by their canonical numpy descr. */
    public enum DType {
        F4("<f4", 4),
        F8("<f8", 8),
        U1("|u1", 1),
        I1("|i1", 1),
        I4("<i4", 4),
        I8("<i8", 8),
        B1("|b1", 1);

        public final String descr;
        public final int itemSize;

        DType(String descr, int itemSize) {
            this.descr = descr;
            this.itemSize = itemSize;
        }

        /** Accepts the spellings numpy may write for the same little-endian type ('<', '|' or '=' prefix). */
        public static DType of(String descr) {
            String body = descr;
            if (!body.isEmpty() && "<|=".indexOf(body.charAt(0)) >= 0) {
                body = body.substring(1);
            }
            for (DType t : values()) {
                if (t.descr.substring(1).equals(body)) {
                    // '<u1' is legal, but a byte order on a multi-byte type must not be '>' (excluded above)
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * An n-dimensional array as stored in a {@code .npy} file: the canonical dtype descr, the shape (C order)
     * and the raw little-endian element bytes. The record takes ownership of {@code data} (no copy, arrays can
     * be large); the shape is copied.
     */
    public record NpyArray(String dtype, int[] shape, byte[] data) {

        public NpyArray {
            DType t = DType.of(Objects.requireNonNull(dtype, "dtype"));
            if (t == null) {
                throw new IllegalArgumentException("unsupported npy dtype " + dtype);
            }
            dtype = t.descr;
            shape = Objects.requireNonNull(shape, "shape").clone();
            long n = checkedCount(shape);
            if (n < 0) {
                throw new IllegalArgumentException("bad npy shape " + Arrays.toString(shape));
            }
            Objects.requireNonNull(data, "data");
            if (data.length != n * t.itemSize) {
                throw new IllegalArgumentException("npy data has " + data.length + " bytes, shape "
                        + Arrays.toString(shape) + " of " + dtype + " needs " + n * t.itemSize);
            }
        }

        public static NpyArray ofFloat(int[] shape, float[] values) {
            ByteBuffer b = buffer(values.length, 4);
            b.asFloatBuffer().put(values);
            return new NpyArray(DType.F4.descr, shape, b.array());
        }

        public static NpyArray ofDouble(int[] shape, double[] values) {
            ByteBuffer b = buffer(values.length, 8);
            b.asDoubleBuffer().put(values);
            return new NpyArray(DType.F8.descr, shape, b.array());
        }

        public static NpyArray ofUint8(int[] shape, byte[] values) {
            return new NpyArray(DType.U1.descr, shape, values.clone());
        }

        public static NpyArray ofInt8(int[] shape, byte[] values) {
            return new NpyArray(DType.I1.descr, shape, values.clone());
        }

        public static NpyArray ofInt32(int[] shape, int[] values) {
            ByteBuffer b = buffer(values.length, 4);
            b.asIntBuffer().put(values);
            return new NpyArray(DType.I4.descr, shape, b.array());
        }

        public static NpyArray ofInt64(int[] shape, long[] values) {
            ByteBuffer b = buffer(values.length, 8);
            b.asLongBuffer().put(values);
            return new NpyArray(DType.I8.descr, shape, b.array());
        }

        public static NpyArray ofBool(int[] shape, boolean[] values) {
            byte[] d = new byte[values.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = (byte) (values[i] ? 1 : 0);
            }
            return new NpyArray(DType.B1.descr, shape, d);
        }

        public DType type() {
            return DType.of(dtype);
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        public int rank() {
            return shape.length;
        }

        public int dim(int axis) {
            return shape[axis];
        }

        public long count() {
            return checkedCount(shape);
        }

        /** Every element as float; integers and bools keep their value (u1 stays 0..255, no normalisation). */
        public float[] toFloat() {
            int n = (int) count();
            float[] out = new float[n];
            ByteBuffer b = le();
            switch (type()) {
                case F4 -> b.asFloatBuffer().get(out);
                case F8 -> {
                    for (int i = 0; i < n; i++) out[i] = (float) b.getDouble(8 * i);
                }
                case U1, B1 -> {
                    for (int i = 0; i < n; i++) out[i] = data[i] & 0xFF;
                }
                case I1 -> {
                    for (int i = 0; i < n; i++) out[i] = data[i];
                }
                case I4 -> {
                    for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i);
                }
                case I8 -> {
                    for (int i = 0; i < n; i++) out[i] = b.getLong(8 * i);
                }
            }
            return out;
        }

        public double[] toDouble() {
            int n = (int) count();
            double[] out = new double[n];
            ByteBuffer b = le();
            switch (type()) {
                case F8 -> b.asDoubleBuffer().get(out);
                case F4 -> {
                    for (int i = 0; i < n; i++) out[i] = b.getFloat(4 * i);
                }
                case U1, B1 -> {
                    for (int i = 0; i < n; i++) out[i] = data[i] & 0xFF;
                }
                case I1 -> {
                    for (int i = 0; i < n; i++) out[i] = data[i];
                }
                case I4 -> {
                    for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i);
                }
                case I8 -> {
                    for (int i = 0; i < n; i++) out[i] = b.getLong(8 * i);
                }
            }
            return out;
        }

        /** Integer dtypes and bool as long; floats are refused rather than silently truncated. */
        public long[] toLong() {
            int n = (int) count();
            long[] out = new long[n];
            ByteBuffer b = le();
            switch (type()) {
                case I8 -> b.asLongBuffer().get(out);
                case U1, B1 -> {
                    for (int i = 0; i < n; i++) out[i] = data[i] & 0xFF;
                }
                case I1 -> {
                    for (int i = 0; i < n; i++) out[i] = data[i];
                }
                case I4 -> {
                    for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i);
                }
                default -> throw new BnncimException("expected an integer npy array, got " + dtype);
            }
            return out;
        }

        /** Integer dtypes that fit in an int (everything except {@code <i8} values outside the int range). */
        public int[] toInt() {
            long[] l = toLong();
            int[] out = new int[l.length];
            for (int i = 0; i < l.length; i++) {
                if (l[i] != (int) l[i]) {
                    throw new BnncimException("npy value " + l[i] + " at index " + i + " does not fit in int32");
                }
                out[i] = (int) l[i];
            }
            return out;
        }

        /** A copy of the raw bytes of a one-byte dtype ({@code |u1 |i1 |b1}). */
        public byte[] u8() {
            if (type().itemSize != 1) {
                throw new BnncimException("expected a uint8 npy array, got " + dtype);
            }
            return data.clone();
        }

        /** Bool arrays, or any integer array read as "non-zero". */
        public boolean[] toBool() {
            long[] l = toLong();
            boolean[] out = new boolean[l.length];
            for (int i = 0; i < l.length; i++) {
                out[i] = l[i] != 0;
            }
            return out;
        }

        private ByteBuffer le() {
            return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        }

        private static ByteBuffer buffer(int count, int itemSize) {
            return ByteBuffer.allocate(Math.multiplyExact(count, itemSize)).order(ByteOrder.LITTLE_ENDIAN);
        }

        // Records compare arrays by identity; an npy array is a value.
        @Override
        public boolean equals(Object o) {
            return o instanceof NpyArray a
                    && dtype.equals(a.dtype)
                    && Arrays.equals(shape, a.shape)
                    && Arrays.equals(data, a.data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return "NpyArray[" + dtype + " " + Arrays.toString(shape) + "]";
        }
    }

    /** Product of the dims, or -1 if a dim is negative or the product overflows a long. */
    private static long checkedCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                return -1;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- reading

    public static NpyArray read(Path file) {
        String name = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            // The header is small; read only it first so a lying shape is caught before any big allocation.
            ByteBuffer pre = ByteBuffer.allocate((int) Math.min(size, 12)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, name);
            Prefix p = prefix(pre.array(), name);
            if (p.dataOffset > size) {
                throw malformed(name, "truncated header");
            }
            ByteBuffer hb = ByteBuffer.allocate(p.headerLen);
            ch.position(p.headerStart);
            readFully(ch, hb, name);
            Header h = header(hb.array(), p.version, name);
            long need = dataBytes(h, name);
            long have = size - p.dataOffset;
            checkSize(need, have, name);
            ByteBuffer db = ByteBuffer.allocate((int) need);
            ch.position(p.dataOffset);
            readFully(ch, db, name);
            return new NpyArray(h.type.descr, h.shape, db.array());
        } catch (IOException e) {
            throw new BnncimException(name + ": cannot read npy file: " + e.getMessage(), e);
        }
    }

    /** Parses an in-memory {@code .npy} image; {@code name} is used in error messages. */
    public static NpyArray parse(byte[] bytes, String name) {
        Prefix p = prefix(bytes, name);
        if (p.dataOffset > bytes.length) {
            throw malformed(name, "truncated header");
        }
        Header h = header(Arrays.copyOfRange(bytes, p.headerStart, (int) p.dataOffset), p.version, name);
        long need = dataBytes(h, name);
        checkSize(need, bytes.length - p.dataOffset, name);
        int from = (int) p.dataOffset;
        return new NpyArray(h.type.descr, h.shape, Arrays.copyOfRange(bytes, from, from + (int) need));
    }

    private record Prefix(int version, int headerStart, int headerLen, long dataOffset) {}

    private record Header(DType type, int[] shape) {}

    private static Prefix prefix(byte[] b, String name) {
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

    private static long dataBytes(Header h, String name) {
        long n = checkedCount(h.shape);
        if (n < 0 || n > Long.MAX_VALUE / h.type.itemSize) {
            throw malformed(name, "shape " + Arrays.toString(h.shape) + " is too large");
        }
        return n * h.type.itemSize;
    }

    private static void checkSize(long need, long have, String name) {
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

    private static Header header(byte[] raw, int version, String name) {
        // v1/v2 headers are latin-1; v3 allows utf-8 (only field names could use it, and we know ours)
        String text = new String(raw, version >= 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict;
        try {
            dict = new DictParser(text).parse();
        } catch (IllegalArgumentException e) {
            throw malformed(name, "bad header " + text.strip() + ": " + e.getMessage());
        }
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shape = dict.get("shape");
        if (!(descr instanceof String d) || !(fortran instanceof Boolean f) || !(shape instanceof int[] s)) {
            throw malformed(name, "header lacks descr/fortran_order/shape: " + text.strip());
        }
        if (f) {
            throw new BnncimException(name + ": npy array is in Fortran order; save it in C order "
                    + "(numpy.ascontiguousarray) before passing it to bnncim");
        }
        DType t = DType.of(d);
        if (t == null) {
            throw new BnncimException(name + ": unsupported npy dtype '" + d + "'; accepted: <f4 <f8 |u1 |i1 "
                    + "<i4 <i8 |b1 (little-endian)");
        }
        return new Header(t, s);
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

    private static void readFully(FileChannel ch, ByteBuffer buf, String name) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw malformed(name, "truncated file");
            }
        }
    }

    private static BnncimException malformed(String name, String why) {
        return new BnncimException(name + ": malformed npy file: " + why);
    }

    // ---------------------------------------------------------------- writing

    /** The exact bytes {@code numpy.save} writes for this array. */
    public static byte[] toBytes(NpyArray a) {
        byte[] header = headerBytes(a);
        byte[] out = Arrays.copyOf(header, header.length + a.data().length);
        System.arraycopy(a.data(), 0, out, header.length, a.data().length);
        return out;
    }

    /**
     * Writes {@code a} to {@code file} through a temporary file in the same folder and an atomic rename, so a
     * reader never sees half a file and an interrupted run leaves the old file intact.
     */
    public static void write(Path file, NpyArray a) {
        AtomicFiles.write(file, headerBytes(a), a.data());
    }

    private static byte[] headerBytes(NpyArray a) {
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
}
