package org.bnncim.compiler.frontend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.util.Arrays;
import org.bnncim.ir.BitMatrix;

/**
 * A constant known at import time (initializer, Constant node, or the result of constant folding). Float
 * tensors keep float32 precision as ONNX computes them; integer and bool tensors are held as longs.
 */
public final class ConstTensor {
    public enum Kind {
        FLOAT,
        INT,
        BOOL
    }

    private static final int UNCHECKED = -2;

    private final Kind kind;
    private final long[] dims;
    /**
     * The float values; for an initializer read from the file ({@link #raw}) or a result kept as bits
     * ({@link #bits}), made only when asked for.
     */
    private float[] f;
    /**
     * An initializer's float values where they lie in the model file's bytes (little-endian, read only), or null.
     * Binary weights are checked and packed from there: a float array of them would be one more copy of every
     * weight in memory, which the crossbar never needs (lfc: 11.6 MB).
     */
    private final ByteBuffer raw;
    /**
     * The values as float bit patterns, for a result made by integer operations on them (Sign, BipolarQuant and
     * their transposes), or null. C2 vectorises loops over int bits, not loops that reinterpret floats: the
     * weights of a QONNX model go from the file through BipolarQuant and Transpose to their packed signs as ints.
     */
    private int[] bits;
    /**
     * How to make {@link #bits} when they are first asked for, or null: a transposed binary weight is packed from its
     * source ({@link #signs}) and its own values are made only if an op computes with them.
     */
    private java.util.function.Supplier<int[]> pendingBits;

    private final long[] l;
    /**
     * {@link #firstNonBipolar}, once known: a layer's weights are checked both when the importer picks the crossbar
     * or the digital unit and when it packs them, and each check reads every weight (lfc: 11.6 MB). A racing second
     * computation writes the same value.
     */
    private int firstNonBipolar = UNCHECKED;
    /** The signs {@link #isBipolarWeight} packed, or null. */
    private BitMatrix signs;

    ConstTensor(Kind kind, long[] dims, float[] f, long[] l) {
        this(kind, dims, f, null, null, l);
    }

    private ConstTensor(Kind kind, long[] dims, float[] f, ByteBuffer raw, int[] bits, long[] l) {
        this.kind = kind;
        this.dims = dims;
        this.f = f;
        this.raw = raw;
        this.bits = bits;
        this.l = l;
    }

    public Kind kind() {
        return kind;
    }

    public long[] dims() {
        return dims;
    }

    /** The float values (shared, never modified), or null for an integer or bool tensor. */
    public float[] f() {
        float[] a = f;
        if (a == null && raw != null) {
            a = new float[raw.limit() >> 2];
            raw.asFloatBuffer().get(0, a);
            f = a;
        } else if (a == null && bitsArray() != null) {
            a = new float[bits.length];
            for (int i = 0; i < a.length; i++) a[i] = Float.intBitsToFloat(bits[i]);
            f = a;
        }
        return a;
    }

    /** The float values' bit patterns as a buffer of their own (index 0 up to its limit), for a float tensor. */
    public IntBuffer bits() {
        if (raw != null) return raw.asIntBuffer();
        if (bitsArray() != null) return IntBuffer.wrap(bits);
        float[] a = f();
        int[] b = new int[a.length];
        for (int i = 0; i < b.length; i++) b[i] = Float.floatToRawIntBits(a[i]);
        return IntBuffer.wrap(b);
    }

    /** The integer values (shared, never modified), or null for a float tensor. */
    public long[] l() {
        return l;
    }

    /** Float values that stay in the model file's bytes until an array of them is asked for ({@link #f}). */
    static ConstTensor ofRawFloat(long[] dims, ByteBuffer data) {
        ByteBuffer b = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        if ((b.remaining() & 3) != 0) throw new IllegalArgumentException(b.remaining() + " bytes of floats");
        check(dims, b.remaining() >> 2);
        return new ConstTensor(Kind.FLOAT, dims.clone(), null, b, null, null);
    }

    /**
     * A binary weight whose signs are already packed in the layout {@link #isBipolarWeight} describes and whose
     * values are made from {@code bits} only if asked for.
     */
    static ConstTensor ofBipolarSigns(long[] dims, BitMatrix signs, java.util.function.Supplier<int[]> bits) {
        ConstTensor t = new ConstTensor(Kind.FLOAT, dims.clone(), null, null, null, null);
        if (t.rank() != 2 || signs.rows() != dims[0] || signs.cols() != dims[1])
            throw new IllegalArgumentException(signs.rows() + "x" + signs.cols() + " signs for " + t.dimsString());
        t.pendingBits = bits;
        t.signs = signs;
        t.firstNonBipolar = -1;
        return t;
    }

    private int[] bitsArray() {
        if (bits == null && pendingBits != null) {
            bits = pendingBits.get();
            pendingBits = null;
        }
        return bits;
    }

    /** Float values given as their bit patterns (the array is the tensor's from now on). */
    static ConstTensor ofFloatBits(long[] dims, int[] bits, boolean bipolar) {
        check(dims, bits.length);
        ConstTensor t = new ConstTensor(Kind.FLOAT, dims.clone(), null, null, bits, null);
        if (bipolar) t.firstNonBipolar = -1;
        return t;
    }

    public static ConstTensor ofFloat(long[] dims, float[] data) {
        check(dims, data.length);
        return new ConstTensor(Kind.FLOAT, dims.clone(), data, null);
    }

    public static ConstTensor ofLong(long[] dims, long[] data) {
        check(dims, data.length);
        return new ConstTensor(Kind.INT, dims.clone(), null, data);
    }

    public static ConstTensor ofBool(long[] dims, long[] data) {
        check(dims, data.length);
        return new ConstTensor(Kind.BOOL, dims.clone(), null, data);
    }

    public static ConstTensor scalar(float v) {
        return ofFloat(new long[0], new float[] {v});
    }

    private static void check(long[] dims, int n) {
        if (count(dims) != n)
            throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " but " + n + " values");
    }

    static long count(long[] dims) {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, d);
        return n;
    }

    public int size() {
        if (kind != Kind.FLOAT) return l.length;
        return f != null ? f.length : raw != null ? raw.limit() >> 2 : (int) count(dims);
    }

    public int rank() {
        return dims.length;
    }

    public double get(int i) {
        return kind == Kind.FLOAT ? floatAt(i) : l[i];
    }

    public float getFloat(int i) {
        return kind == Kind.FLOAT ? floatAt(i) : (float) l[i];
    }

    public long getLong(int i) {
        return kind == Kind.FLOAT ? (long) floatAt(i) : l[i];
    }

    private float floatAt(int i) {
        if (f != null) return f[i];
        return raw != null ? raw.getFloat(i << 2) : Float.intBitsToFloat(bitsArray()[i]);
    }

    public float[] toFloats() {
        if (kind == Kind.FLOAT) return f().clone();
        float[] out = new float[l.length];
        for (int i = 0; i < out.length; i++) out[i] = l[i];
        return out;
    }

    public long[] toLongs() {
        if (kind != Kind.FLOAT) return l.clone();
        float[] a = f();
        long[] out = new long[a.length];
        for (int i = 0; i < out.length; i++) out[i] = (long) a[i];
        return out;
    }

    public ConstTensor reshape(long[] newDims) {
        check(newDims, size());
        ConstTensor t =
                new ConstTensor(kind, newDims.clone(), f, f == null ? raw : null, f == null ? bitsArray() : null, l);
        t.firstNonBipolar = firstNonBipolar; // the same elements in the same order
        return t;
    }

    /** Whether the elements are already known to be all -1/+1, without reading them. */
    boolean knownBipolar() {
        return firstNonBipolar == -1;
    }

    /** Whether every element is exactly -1 or +1. */
    public boolean isBipolar() {
        return firstNonBipolar() < 0;
    }

    /**
     * Whether this constant holds binary weights (every element -1 or +1), found by packing its signs in the layout
     * a layer reads a weight of its rank in: rank 2 as MatMul's [K, N] (K rows), higher ranks as Conv's
     * [N, C, kh, kw] (one column of C*kh*kw rows per output channel). {@link #signs} then hands that matrix out, so
     * a binary weight is read once, not once to check and once more to pack.
     */
    public boolean isBipolarWeight() {
        if (firstNonBipolar == UNCHECKED && kind == Kind.FLOAT && rank() >= 2 && size() > 0) {
            boolean dense = rank() == 2;
            int cols = (int) (dense ? dims[1] : dims[0]), rows = size() / cols;
            BitMatrix m = BitMatrix.ofBipolarSignBits(bits(), rows, cols, !dense);
            if (m != null) {
                signs = m;
                firstNonBipolar = -1;
            }
        }
        return isBipolar();
    }

    /** The signs of this float tensor as {@code BitMatrix.ofSigns} packs them. */
    public BitMatrix signs(int rows, int cols, boolean columnMajor) {
        BitMatrix m = signs;
        boolean packedSo = m != null && m.rows() == rows && m.cols() == cols && columnMajor == (rank() != 2);
        return packedSo ? m : BitMatrix.ofSignBits(bits(), rows, cols, columnMajor);
    }

    /** Index of the first element that is not -1 or +1, or -1. */
    public int firstNonBipolar() {
        int i = firstNonBipolar;
        if (i == UNCHECKED) firstNonBipolar = i = search();
        return i;
    }

    private int search() {
        // one loop per storage kind: this runs over every weight of the model, and a per-element kind test
        // with a widening to double kept the JIT from making it a tight loop
        if (kind == Kind.FLOAT) {
            if (f != null) return firstNonBipolar(f, 0, f.length);
            // bits in the file's bytes or an array: a block at a time through a small array, never the whole
            IntBuffer all = bits();
            int n = all.limit();
            int[] block = new int[Math.min(n, BLOCK)];
            for (int b = 0; b < n; b += BLOCK) {
                int len = Math.min(BLOCK, n - b);
                all.get(b, block, 0, len);
                int i = firstNonBipolar(block, len);
                if (i >= 0) return b + i;
            }
        } else {
            long[] a = l;
            for (int i = 0; i < a.length; i++) {
                long v = a[i];
                if (v != 1 && v != -1) return i;
            }
        }
        return -1;
    }

    private static final int BLOCK = 4096;

    /** The first index in [from, to) of {@code a} that is not -1 or +1, or -1. */
    private static int firstNonBipolar(float[] a, int from, int to) {
        // blocks OR together |bits| XOR bits(1.0f), zero only for +-1: a branch-free reduction the JIT
        // vectorises; a block is searched element by element only when it holds an offender
        for (int b = from; b < to; b += BLOCK) {
            int end = Math.min(to, b + BLOCK), bad = 0;
            for (int i = b; i < end; i++) bad |= (Float.floatToRawIntBits(a[i]) & 0x7fffffff) ^ 0x3f800000;
            if (bad == 0) continue;
            for (int i = b; i < end; i++) {
                float v = a[i];
                if (v != 1f && v != -1f) return i;
            }
        }
        return -1;
    }

    /** The first index below {@code n} whose float bits are not -1 or +1, or -1. */
    private static int firstNonBipolar(int[] bits, int n) {
        if (BitMatrix.notBipolar(bits, n) == 0) return -1;
        for (int i = 0; i < n; i++) if ((bits[i] & 0x7fffffff) != 0x3f800000) return i;
        return -1;
    }

    public String dimsString() {
        return Arrays.toString(dims);
    }
}
