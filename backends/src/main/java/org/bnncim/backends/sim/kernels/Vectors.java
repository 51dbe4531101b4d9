package org.bnncim.backends.sim.kernels;

/**
 * {@code count} unpacked input vectors of one layer: vector j is {@code x[j][base[j] ..]}, or {@code x[j][0 ..]}
 * when {@code base} is null. Vectors may share an array (an im2col buffer holds every position of a convolution).
 */
public record Vectors(int[][] x, int[] base, int count) {
    int start(int j) {
        return base == null ? 0 : base[j];
    }
}
