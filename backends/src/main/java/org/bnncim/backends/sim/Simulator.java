package org.bnncim.backends.sim;

import java.util.Map;
import org.bnncim.ir.Graph;

/**
 * Executes a program as the chip would: every crossbar layer is computed piece by piece from the programmed
 * cells (64 cells per {@code long}, XNOR and popcount over the driven word lines), partial popcounts meet in the
 * adder tree, and each comparator uses the threshold set its stochastic bit selects. Independent of the
 * reference interpreter, against which it is tested.
 *
 * <p>Undriven word lines (ONNX zero padding, MC-Dropout masks) contribute nothing: a piece yields
 * {@code 2 * matches - K_active}. An 8-bit input is applied one bit plane at a time and shifted into the sum.
 * Results depend only on (program, input, bits, seed): the example order and thread count never matter.
 *
 * <p>The work is split into {@link ImageLoader} (cells with stuck-at faults, once per simulator),
 * {@link PassInterpreter} (what each node computes), {@link BatchScheduler} (blocks, sharing, threads) and the
 * kernels of {@code org.bnncim.backends.sim.kernels}.
 */
public final class Simulator {
    private final Program program;
    private final Graph graph;
    private final PassInterpreter interp;
    private final BatchScheduler scheduler;

    public Simulator(Program program, Faults faults, long seed) {
        this.program = program;
        this.graph = program.graph();
        this.interp = new PassInterpreter(program, ImageLoader.load(program, faults, seed), faults, seed);
        this.scheduler = new BatchScheduler(interp, faults, seed);
    }

    public Program program() {
        return program;
    }

    /** Every value of one pass by name. */
    public record Trace(Map<String, Tensor> values) {
        /** A value as doubles (exact for integers and float32 alike), comparable with the reference interpreter's. */
        public double[] get(String name) {
            return value(name).toDoubles();
        }

        /** An integer-valued value (bipolar, popcounts, quantised input) as stored; fails for a float value. */
        public int[] ints(String name) {
            if (value(name) instanceof Tensor.Ints(int[] v)) return v;
            throw new IllegalArgumentException("value " + name + " is not integer-valued");
        }

        private Tensor value(String name) {
            Tensor v = values.get(name);
            if (v == null) throw new IllegalArgumentException("no value " + name);
            return v;
        }
    }

    /**
     * One forward pass. {@code scaleBits == null} is the deterministic pass; {@code example} and {@code sample}
     * seed the per-read faults and MC-Dropout masks, so a pass is reproducible on its own.
     */
    public Trace pass(float[] input, boolean[] scaleBits, int example, int sample) {
        return new Trace(interp.pass(input, scaleBits, null, example, sample));
    }

    /** One pass whose MC-Dropout masks come from the LFSR bank ({@link BitSource#masks}; null: its generator). */
    public Trace pass(float[] input, boolean[] scaleBits, DropoutMasks masks, int example, int sample) {
        return new Trace(interp.pass(input, scaleBits, masks, example, sample));
    }

    public float[] output(float[] input, boolean[] scaleBits, int example, int sample) {
        return interp.toFloat(interp.pass(input, scaleBits, null, example, sample)
                .get(graph.outputs().get(0)));
    }

    /**
     * Outputs of {@code samples} passes (one deterministic pass when 0) for every input, on {@code threads}
     * threads: result[example][pass][output]. Holds every pass of every example; {@link #stream} does not.
     */
    public float[][][] run(float[][] inputs, int samples, BitSource bits, int threads, Runnable onExample) {
        float[][][] out = new float[inputs.length][][];
        // each example is delivered once, from one worker; the workers' end happens-before stream returns
        stream(inputs, samples, bits, threads, (example, passes) -> {
            out[example] = passes;
            if (onExample != null) onExample.run();
        });
        return out;
    }

    /** Receives one example's outputs, one row per pass: see {@link #stream}. */
    @FunctionalInterface
    public interface Sink {
        void accept(int example, float[][] passes);
    }

    /**
     * The outputs of {@link #run}, handed to {@code sink} example by example ({@code passes[pass][output]}) as soon
     * as the block of examples they were computed in is done, in no particular order; each example exactly once.
     * The simulator keeps nothing once the sink returns, and a worker delivers its whole block before it computes
     * another, so besides what the sink keeps at most {@code threads} blocks of outputs exist at a time: an
     * evaluation's memory does not grow with examples times passes. A block is at most 64 examples and 1024 passes
     * (one example when that has more), one example with read-flip faults.
     *
     * <p>The sink is called from the worker threads, several at once when {@code threads > 1}: it must be
     * thread-safe. Rows may be shared between passes whose outputs the schedule shares: read, do not modify. An
     * exception the sink throws ends the run and is rethrown here; workers still busy then stop delivering. Values
     * are those of {@link #run} (and of single {@link #pass}es), whatever the thread count.
     */
    public void stream(float[][] inputs, int samples, BitSource bits, int threads, Sink sink) {
        stream(inputs, 0, samples, bits, threads, sink);
    }

    /**
     * As {@link #stream(float[][], int, BitSource, int, Sink)} for examples {@code first .. first + inputs.length -
     * 1} of a larger set: stochastic bits, MC-Dropout masks and read draws are those of that global index, so a set
     * evaluated in ranges (a sweep's partitions) gives the values of one whole run. The sink still gets the index
     * into {@code inputs}.
     */
    public void stream(float[][] inputs, int first, int samples, BitSource bits, int threads, Sink sink) {
        if (first < 0) throw new IllegalArgumentException("first example must be >= 0, got " + first);
        scheduler.run(inputs, first, samples, bits, threads, java.util.Objects.requireNonNull(sink, "sink"));
    }

    /**
     * How many times each node (graph order) has run, summed over every example of every {@link #run} or
     * {@link #stream} so far: what the program's Monte-Carlo schedule makes the chip execute, and the cost model's
     * expected runs are checked against. Runs with read-flip faults count every pass (their reads are drawn anew per
     * pass).
     */
    public long[] nodeRuns() {
        return scheduler.nodeRuns();
    }
}
