package org.bnncim.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
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
    static long checkedCount(int[] shape) {
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
        try (FileChannel ch = InputFiles.channel(file, "npy file")) {
            long size = ch.size();
            // The header is small; read only it first so a lying shape is caught before any big allocation.
            ByteBuffer pre = ByteBuffer.allocate((int) Math.min(size, 12)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, name);
            NpyHeader.Prefix p = NpyHeader.prefix(pre.array(), name);
            if (p.dataOffset() > size) {
                throw NpyHeader.malformed(name, "truncated header");
            }
            ByteBuffer hb = ByteBuffer.allocate(p.headerLen());
            ch.position(p.headerStart());
            readFully(ch, hb, name);
            NpyHeader.Header h = NpyHeader.header(hb.array(), p.version(), name);
            long need = NpyHeader.dataBytes(h, name);
            long have = size - p.dataOffset();
            NpyHeader.checkSize(need, have, name);
            ByteBuffer db = ByteBuffer.allocate((int) need);
            ch.position(p.dataOffset());
            readFully(ch, db, name);
            return new NpyArray(h.type().descr, h.shape(), db.array());
        } catch (IOException e) {
            throw new BnncimException(name + ": cannot read npy file: " + e.getMessage(), e);
        }
    }

    /** Parses an in-memory {@code .npy} image; {@code name} is used in error messages. */
    public static NpyArray parse(byte[] bytes, String name) {
        NpyHeader.Prefix p = NpyHeader.prefix(bytes, name);
        if (p.dataOffset() > bytes.length) {
            throw NpyHeader.malformed(name, "truncated header");
        }
        NpyHeader.Header h =
                NpyHeader.header(Arrays.copyOfRange(bytes, p.headerStart(), (int) p.dataOffset()), p.version(), name);
        long need = NpyHeader.dataBytes(h, name);
        NpyHeader.checkSize(need, bytes.length - p.dataOffset(), name);
        int from = (int) p.dataOffset();
        return new NpyArray(h.type().descr, h.shape(), Arrays.copyOfRange(bytes, from, from + (int) need));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, String name) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw NpyHeader.malformed(name, "truncated file");
            }
        }
    }

    // ---------------------------------------------------------------- writing

    /** The exact bytes {@code numpy.save} writes for this array. */
    public static byte[] toBytes(NpyArray a) {
        byte[] header = NpyHeader.headerBytes(a);
        byte[] out = Arrays.copyOf(header, header.length + a.data().length);
        System.arraycopy(a.data(), 0, out, header.length, a.data().length);
        return out;
    }

    /**
     * Writes {@code a} to {@code file} through a temporary file in the same folder and an atomic rename, so a
     * reader never sees half a file and an interrupted run leaves the old file intact.
     */
    public static void write(Path file, NpyArray a) {
        AtomicFiles.write(file, NpyHeader.headerBytes(a), a.data());
    }
}
