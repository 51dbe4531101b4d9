package org.bnncim.compiler.frontend;

import java.util.Arrays;

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
    private final float[] f;
    private final long[] l;
    /**
     * {@link #firstNonBipolar}, once known: a layer's weights are checked both when the importer picks the crossbar
     * or the digital unit and when it packs them, and each check reads every weight (lfc: 11.6 MB). A racing second
     * computation writes the same value.
     */
    private int firstNonBipolar = UNCHECKED;

    ConstTensor(Kind kind, long[] dims, float[] f, long[] l) {
        this.kind = kind;
        this.dims = dims;
        this.f = f;
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
        return f;
    }

    /** The integer values (shared, never modified), or null for a float tensor. */
    public long[] l() {
        return l;
    }

    public static ConstTensor ofFloat(long[] dims, float[] data) {
        check(dims, data.length);
        return new ConstTensor(Kind.FLOAT, dims.clone(), data, null);
    }

    /**
     * As {@link #ofFloat}, for a result its producer already knows to be all -1/+1 (a constant Sign or
     * BipolarQuant of the weights): the importer then need not read every weight again to find out.
     */
    static ConstTensor ofBipolar(long[] dims, float[] data) {
        ConstTensor t = ofFloat(dims, data);
        t.firstNonBipolar = -1;
        return t;
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
        return kind == Kind.FLOAT ? f.length : l.length;
    }

    public int rank() {
        return dims.length;
    }

    public double get(int i) {
        return kind == Kind.FLOAT ? f[i] : l[i];
    }

    public float getFloat(int i) {
        return kind == Kind.FLOAT ? f[i] : (float) l[i];
    }

    public long getLong(int i) {
        return kind == Kind.FLOAT ? (long) f[i] : l[i];
    }

    public float[] toFloats() {
        if (kind == Kind.FLOAT) return f.clone();
        float[] out = new float[l.length];
        for (int i = 0; i < out.length; i++) out[i] = l[i];
        return out;
    }

    public long[] toLongs() {
        if (kind != Kind.FLOAT) return l.clone();
        long[] out = new long[f.length];
        for (int i = 0; i < out.length; i++) out[i] = (long) f[i];
        return out;
    }

    public ConstTensor reshape(long[] newDims) {
        ConstTensor t = kind == Kind.FLOAT ? ofFloat(newDims, f) : new ConstTensor(kind, newDims.clone(), null, l);
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
            float[] a = f;
            // blocks OR together |bits| XOR bits(1.0f), zero only for +-1: a branch-free reduction the JIT
            // vectorises; a block is searched element by element only when it holds an offender
            for (int b = 0; b < a.length; b += 4096) {
                int end = Math.min(a.length, b + 4096), bad = 0;
                for (int i = b; i < end; i++) bad |= (Float.floatToRawIntBits(a[i]) & 0x7fffffff) ^ 0x3f800000;
                if (bad == 0) continue;
                for (int i = b; i < end; i++) {
                    float v = a[i];
                    if (v != 1f && v != -1f) return i;
                }
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

    public String dimsString() {
        return Arrays.toString(dims);
    }
}
