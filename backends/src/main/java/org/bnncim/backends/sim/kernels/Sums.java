package org.bnncim.backends.sim.kernels;

/**
 * Where a kernel adds its popcount sums: the sum of output column {@code n} for input vector {@code j} is
 * {@code acc[base + n * perColumn + j * perVector]}. One layout type for every kernel, so that a dense layer
 * (column-major over a block, one cache line per column), a convolution (channel-major over positions) and a
 * single vector say where their sums go in the same words.
 */
public record Sums(int[] acc, int base, int perColumn, int perVector) {
    /** Sums of a block of vectors, column-major: {@code acc[n * vectors + j]}. */
    public static Sums columnMajor(int[] acc, int vectors) {
        return new Sums(acc, 0, vectors, 1);
    }
}
