package org.bnncim.backends.sim.kernels;

/**
 * {@code count} bipolar input vectors as one piece reads them: vector j's driven rows are
 * {@code words[2 * j * stride + offset ..]}, its +1 rows the {@code stride} words after, and {@code kActive[j]} its
 * number of driven rows in the piece.
 */
record PackedInputs(long[] words, int stride, int offset, int[] kActive, int count) {}
