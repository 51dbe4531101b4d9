package org.bnncim.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.SplittableRandom;

/**
 * The CPU's ceiling for the simulator's kernel: XNOR, mask and {@code Long.bitCount} over packed words, laid out
 * as one 256-row crossbar piece (4 words per column) of 128 weight columns against one input vector, which is
 * what the simulator does per piece. Data stays in L1, so this is compute-bound: no simulator can beat it
 * without wider SIMD popcounts.
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
}
