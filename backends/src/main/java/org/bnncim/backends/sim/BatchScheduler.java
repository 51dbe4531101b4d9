package org.bnncim.backends.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.mapping.McSchedule;

/**
 * Runs many passes: splits the examples into jobs for the threads, and within a job computes blocks of examples
 * node by node (when no read faults are drawn) or pass by pass. Passes of one example share a node's value as the
 * program's Monte-Carlo schedule has the chip share it (same leading bits; sorted or in draw order). None of this
 * changes a result: every value is a function of (program, input, bits, seed) alone.
 */
final class BatchScheduler {
    /** Target number of passes computed together per layer, and bound on the ints a block's values may hold. */
    private static final int BLOCK_PASSES = 1024, BLOCK_EXAMPLES = 64;

    private static final long BLOCK_INTS = 1L << 22;

    private final PassInterpreter interp;
    private final Graph graph;
    private final double readFlip;
    private final long seed;
    /** Passes can share work only when no read is drawn anew per pass. */
    private final boolean shareable;
    /** Whether passes run sorted (else in draw order); each node's depth is the interpreter's. */
    private final boolean sorted;
    /** Runs of each node, summed over examples (see {@link Simulator#nodeRuns}). */
    private final java.util.concurrent.atomic.AtomicLongArray runs;
    /** For each value name, the index of the last node that reads it (blocks free values after it). */
    private final Map<String, Integer> lastUse = new HashMap<>();
    /** Elements of the largest value of a pass (bounds a block's size). */
    private final int largest;

    BatchScheduler(PassInterpreter interp, Faults faults, long seed) {
        this.interp = interp;
        this.graph = interp.graph();
        this.readFlip = faults.readFlip();
        this.seed = seed;
        this.shareable = readFlip == 0;
        List<Node> nodes = graph.nodes();
        this.sorted = interp.order() == McSchedule.Order.SORTED;
        this.runs = new java.util.concurrent.atomic.AtomicLongArray(nodes.size());
        // every input of a node, the second of an Add and every source of a Concat too: a shortcut or skip value stays
        // alive until the last node that reads it
        for (int i = 0; i < nodes.size(); i++) for (String in : nodes.get(i).inputs()) lastUse.put(in, i);
        int big = 1;
        for (Node n : nodes) big = Math.max(big, n.output().shape().size());
        for (var v : graph.inputs()) big = Math.max(big, v.shape().size());
        this.largest = big;
    }

    /**
     * See {@link Simulator#stream}. Each worker hands a block's examples to {@code sink} as soon as the block is
     * done, before it starts the next one, and keeps no reference to them afterwards: outputs held by the scheduler
     * at any time are at most one block per thread ({@link #blockExamples} examples, or one example when passes
     * draw reads anew).
     */
    void run(float[][] inputs, int first, int samples, BitSource bits, int threads, Simulator.Sink to) {
        // after a failure shutdownNow interrupts the workers: one still in a block must not call the sink once
        // run has thrown
        Simulator.Sink sink = (i, y) -> {
            if (!Thread.currentThread().isInterrupted()) to.accept(i, y);
        };
        int passes = Math.max(1, samples);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "bnncim-sim");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> jobs = new ArrayList<>();
            int chunk = Math.max(1, inputs.length / (threads * 8));
            int per = blockExamples(passes);
            // blocked runs (no read-flip faults): one block per job (or less, while there are fewer than two jobs per
            // thread), so that the
            // last job a thread takes is short and the threads finish together
            if (readFlip == 0) chunk = Math.max(1, Math.min(per, (inputs.length + 2 * threads - 1) / (2 * threads)));
            for (int start = 0; start < inputs.length; start += chunk) {
                final int s = start, e = Math.min(inputs.length, start + chunk);
                jobs.add(pool.submit(() -> {
                    if (readFlip == 0) {
                        // no per-read draws: run blocks of examples node by node (same values, see runBlock)
                        for (int b = s; b < e; b += per) {
                            int be = Math.min(e, b + per);
                            runBlock(inputs, first, b, be, samples, bits, sink);
                        }
                        return;
                    }
                    for (int i = s; i < e; i++) {
                        float[][] y = new float[passes][];
                        for (int t = 0; t < passes; t++) {
                            int g = first + i;
                            var env = samples == 0
                                    ? interp.pass(inputs[i], null, null, g, t)
                                    : interp.pass(inputs[i], bits.bits(g, t), bits.masks(), g, t);
                            y[t] = interp.toFloat(env.get(graph.outputs().get(0)));
                        }
                        for (int k = 0; k < runs.length(); k++) runs.addAndGet(k, passes);
                        sink.accept(i, y);
                    }
                }));
            }
            for (Future<?> f : jobs) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("simulation interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            throw new IllegalStateException(c);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Examples per block, {@code passes} passes each: at most 64, 1024 passes and 2^22 ints a value, at least 1. */
    int blockExamples(int passes) {
        return (int) Math.max(
                1, Math.min(Math.min(BLOCK_EXAMPLES, BLOCK_PASSES / passes), BLOCK_INTS / ((long) passes * largest)));
    }

    /**
     * Passes of examples [from, to) computed node by node over the whole block, for runs without read-flip faults
     * (then a pass draws randoms only in McDropout, from its own generator, in node order, exactly as a single
     * pass does). Passes of one example share a node's computation where the Monte-Carlo schedule does (see
     * {@link #group}); McDropout nodes and all after them are per pass there. Crossbar layers
     * are computed for all distinct inputs of the block at once, from the same cells and with the same integer sums.
     */
    private void runBlock(
            float[][] inputs, int first, int from, int to, int samples, BitSource bits, Simulator.Sink sink) {
        int passes = Math.max(1, samples);
        int m = (to - from) * passes;
        boolean[][] pb = new boolean[m][];
        PassDraws[] noise = new PassDraws[m];
        DropoutMasks masks = bits == null ? null : bits.masks();
        Tensor[] in = new Tensor[m];
        for (int i = from; i < to; i++) {
            Tensor x = new Tensor.Floats(inputs[i].clone());
            for (int t = 0; t < passes; t++) {
                int p = (i - from) * passes + t;
                pb[p] = samples == 0 ? null : bits.bits(first + i, t);
                noise[p] = pb[p] != null ? interp.draws(true, masks, first + i, t) : null;
                in[p] = x;
            }
        }
        Map<String, Tensor[]> env = new HashMap<>();
        env.put(graph.inputs().get(0).name(), in);
        List<Node> nodes = graph.nodes();
        String outName = graph.outputs().get(0);
        int[] all = new int[m];
        for (int p = 0; p < m; p++) all[p] = p;
        Keys keys = Keys.of(pb);
        // nodes of one depth group their passes alike: each depth's groups are found once per block
        Map<Integer, int[][]> byDepth = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            List<String> ins = n.inputs();
            Tensor[][] xs = new Tensor[ins.size()][];
            for (int k = 0; k < xs.length; k++) xs[k] = env.get(ins.get(k));
            int[] rep = all, reps = all;
            if (shareable && passes > 1) {
                int[][] g = byDepth.computeIfAbsent(interp.depth(i), d -> {
                    int[] gr = new int[m], gs = new int[m];
                    int count = group(d, sorted, m, passes, keys, gr, gs);
                    return new int[][] {gr, Arrays.copyOf(gs, count)};
                });
                rep = g[0];
                reps = g[1];
            }
            int r = reps.length;
            runs.addAndGet(i, r);
            Tensor[] yr = interp.stepGroups(i, xs, reps, r, pb, noise);
            Tensor[] ys = new Tensor[m];
            for (int p = 0; p < m; p++) ys[p] = yr[rep[p]];
            env.put(n.output().name(), ys);
            for (String v : ins) if (!v.equals(outName) && lastUse.get(v) == i) env.remove(v);
        }
        Tensor[] ys = env.remove(outName);
        env.clear();
        // one example at a time, dropping its outputs as it goes, so the block shrinks while the sink runs
        for (int i = from; i < to; i++) {
            float[][] y = new float[passes][];
            for (int t = 0; t < passes; t++) {
                int p = (i - from) * passes + t;
                y[t] = interp.toFloat(ys[p]);
                ys[p] = null;
            }
            sink.accept(i, y);
        }
    }

    /**
     * Which passes of a block share a node's value, as the chip's schedule shares it: passes of one example
     * (contiguous, {@code passes} each) whose bits agree on the node's {@code depth} leading bits, anywhere among the
     * example's passes when they run sorted, only with the pass before when they run in draw order; one group per
     * example at depth 0, one per pass at {@link McSchedule#PER_PASS}. Fills {@code rep[p]} (group of pass p) and
     * {@code reps[g]} (first pass of group g); returns the number of groups. {@code keys} are the passes' bits as
     * {@link Keys} packs them.
     */
    private static int group(int depth, boolean sorted, int m, int passes, Keys keys, int[] rep, int[] reps) {
        int r = 0;
        for (int e0 = 0; e0 < m; e0 += passes) {
            int first = r;
            for (int p = e0; p < e0 + passes; p++) {
                int g = -1;
                if (depth == 0 && p > e0) g = first;
                else if (depth > 0 && sorted) {
                    for (int q = first; q < r && g < 0; q++) if (keys.samePrefix(reps[q], p, depth)) g = q;
                } else if (depth > 0 && p > e0 && keys.samePrefix(p - 1, p, depth)) {
                    g = rep[p - 1];
                }
                if (g < 0) {
                    reps[r] = p;
                    g = r++;
                }
                rep[p] = g;
            }
        }
        return r;
    }

    /**
     * Each pass's bits packed {@code words} to a pass (bit i of the pass is bit i % 64 of word i / 64), so that
     * {@link #group} compares leading bits a word at a time under a mask, not one boolean at a time per pair.
     */
    private record Keys(long[] bits, int words) {
        static Keys of(boolean[][] pb) {
            int words = 1;
            for (boolean[] b : pb) if (b != null) words = Math.max(words, (b.length + 63) >>> 6);
            long[] bits = new long[pb.length * words];
            for (int p = 0; p < pb.length; p++) {
                if (pb[p] == null) continue;
                for (int i = 0; i < pb[p].length; i++) if (pb[p][i]) bits[p * words + (i >>> 6)] |= 1L << i;
            }
            return new Keys(bits, words);
        }

        /** Whether passes a and b agree on their first {@code depth} bits. */
        boolean samePrefix(int a, int b, int depth) {
            int full = depth >>> 6, oa = a * words, ob = b * words;
            for (int w = 0; w < full; w++) if (bits[oa + w] != bits[ob + w]) return false;
            long mask = (1L << (depth & 63)) - 1;
            return (depth & 63) == 0 || ((bits[oa + full] ^ bits[ob + full]) & mask) == 0;
        }
    }

    long[] nodeRuns() {
        long[] out = new long[runs.length()];
        for (int i = 0; i < out.length; i++) out[i] = runs.get(i);
        return out;
    }
}
