package org.bnncim.ir;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Per-example shape: the batch dimension is implicit and never part of the IR. */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        this.dims = dims;
    }

    public static Shape of(int... dims) {
        for (int d : dims) {
            if (d <= 0) throw new IllegalArgumentException("dimension must be positive: " + Arrays.toString(dims));
        }
        long n = 1;
        for (int d : dims) {
            n *= d;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape too large: " + Arrays.toString(dims));
        }
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int i) {
        return dims[i];
    }

    public int[] dims() {
        return dims.clone();
    }

    public int size() {
        int n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    /** Channels: the first per-example dimension (ONNX axis 1), or 1 for a scalar. */
    public int channels() {
        return dims.length == 0 ? 1 : dims[0];
    }

    /** Elements per channel (H*W for a [C,H,W] tensor). */
    public int perChannel() {
        return dims.length == 0 ? 1 : size() / dims[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    }
}
