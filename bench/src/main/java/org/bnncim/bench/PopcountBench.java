package org.bnncim.bench;

import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The CPU's ceiling for the simulator's kernel: XNOR, mask and {@code Long.bitCount} over packed words, laid out
 * as one 256-row crossbar piece (4 words per column) of 128 weight columns against one input vector, which is
 * what the simulator does per piece. Data stays in L1, so this is compute-bound. {@link #xnorPopcount} is the
 * scalar form the simulator uses ({@code Long.bitCount}, one POPCNT per word); {@link #xnorPopcountVectorised} is the
 * same work on 32-bit lanes in a loop the JIT turns into AVX-512 VPOPCNTD where the CPU has it (C2's PopCountVI), the
 * fastest popcount a Java program reaches here. The larger of the two is the limit.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
public class PopcountBench {
    static final int WORDS = 4;
    static final int COLUMNS = 128;
    /** Binary multiply-accumulates per benchmark call. */
    static final long MACS_PER_OP = (long) WORDS * 64 * COLUMNS;

    private long[] weights;
    private long[] input;
    private long[] active;
    /** The same bits as 32-bit halves, the input and mask repeated per column so the loop is one straight stream. */
    private int[] weights32;

    private int[] input32;
    private int[] active32;
    private int[] counts32;

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(1);
        weights = new long[WORDS * COLUMNS];
        for (int i = 0; i < weights.length; i++) weights[i] = r.nextLong();
        input = new long[WORDS];
        active = new long[WORDS];
        for (int i = 0; i < WORDS; i++) {
            input[i] = r.nextLong();
            active[i] = -1L;
        }
        int n = 2 * WORDS * COLUMNS;
        weights32 = new int[n];
        input32 = new int[n];
        active32 = new int[n];
        counts32 = new int[n];
        for (int c = 0; c < COLUMNS; c++) {
            for (int k = 0; k < 2 * WORDS; k++) {
                int i = c * 2 * WORDS + k;
                weights32[i] = (int) (weights[c * WORDS + k / 2] >>> (32 * (k & 1)));
                input32[i] = (int) (input[k / 2] >>> (32 * (k & 1)));
                active32[i] = (int) (active[k / 2] >>> (32 * (k & 1)));
            }
        }
    }

    @Benchmark
    public int xnorPopcount() {
        int sum = 0;
        long[] w = weights, x = input, a = active;
        for (int c = 0; c < COLUMNS; c++) {
            int base = c * WORDS;
            int matches = 0;
            for (int k = 0; k < WORDS; k++) matches += Long.bitCount(~(x[k] ^ w[base + k]) & a[k]);
            sum += matches;
        }
        return sum;
    }

    @Benchmark
    public int xnorPopcountVectorised() {
        int[] w = weights32, x = input32, a = active32, c = counts32;
        for (int i = 0; i < w.length; i++) c[i] = Integer.bitCount(~(x[i] ^ w[i]) & a[i]);
        int sum = 0;
        for (int v : c) sum += v;
        return sum;
    }
}
