package org.bnncim.backends.sim;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.bnncim.backends.sim.kernels.PoolGeometry;
import org.bnncim.backends.sim.kernels.Pooling;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;

/**
 * A comparator bank (Threshold, MultiThreshold) whose only reader is a max pool, computed pool first: a channel's
 * comparators all point one way, so the level a window's largest (for {@code x >= t}; least for {@code x <= t})
 * popcount reaches is the largest level in the window. Exact for every window that covers an input position, and a
 * quarter of the comparisons for a 2x2 pool; the pool of the popcounts is shared by the passes that share the
 * popcount and differ only in their Scale-Dropout bit, where comparing first did the pool once per bank. Only the
 * blocked scheduler uses it: the single-pass path keeps the program's order, which tests compare it with.
 */
final class PoolFirst {
    private PoolFirst() {}

    /**
     * For each node, the pool it is fused with ({@code fusedInto[i]} the pool's index, -1 if none): a bank whose
     * output is no graph output and is read by one max pool alone, with no empty window.
     */
    static int[] find(Graph graph, Node[] nodes, PoolGeometry[] pool) {
        Map<String, Integer> readers = new HashMap<>();
        Map<String, Integer> poolOf = new HashMap<>();
        for (int i = 0; i < nodes.length; i++) {
            for (String in : nodes[i].inputs()) readers.merge(in, 1, Integer::sum);
            if (nodes[i] instanceof Node.MaxPool m && pool[i].noEmptyWindow()) poolOf.put(m.input(), i);
        }
        int[] fused = new int[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            String out = nodes[i].output().name();
            boolean bank = nodes[i] instanceof Node.Threshold || nodes[i] instanceof Node.MultiThreshold;
            Integer p = poolOf.get(out);
            fused[i] = bank
                            && p != null
                            && readers.get(out) == 1
                            && !graph.outputs().contains(out)
                    ? p
                    : -1;
        }
        return fused;
    }

    /**
     * The pooled popcounts of each distinct input (by identity: passes share their values): per channel the max or
     * the min its comparators read in the first bank, and for the channels whose comparators point the other way in
     * another bank (a negative Scale-Dropout scale), the other one too.
     */
    static final class Pools {
        private final PoolGeometry g;
        private final long[][][] banks;
        /**
         * Per channel: pooled by min in the first bank; read both ways by some bank; not (the channels the second
         * pool, the other way round, skips); pooled by min the other way round.
         */
        private final boolean[] min, mixed, single, otherMin;
        /** Per bank: every channel compares the way it does in the first bank. */
        private final boolean[] plain;

        private final Map<int[], int[][]> done = new IdentityHashMap<>();

        /** {@code banks}: the node's comparator banks as {@link PassInterpreter} lays them out (signs at [1]). */
        Pools(PoolGeometry g, long[][][] banks) {
            this.g = g;
            this.banks = banks;
            int ch = banks[0][1].length;
            min = new boolean[ch];
            mixed = new boolean[ch];
            plain = new boolean[banks.length];
            java.util.Arrays.fill(plain, true);
            for (int c = 0; c < ch; c++) {
                min[c] = banks[0][1][c] < 0;
                for (int b = 1; b < banks.length; b++) {
                    if (banks[b][1][c] != banks[0][1][c]) {
                        mixed[c] = true;
                        plain[b] = false;
                    }
                }
            }
            single = new boolean[ch];
            otherMin = new boolean[ch];
            for (int c = 0; c < ch; c++) {
                single[c] = !mixed[c];
                otherMin[c] = !min[c];
            }
        }

        /** The pooled value each channel of bank {@code b} reads. */
        int[] forBank(int[] x, int b) {
            int[][] pooled = done.computeIfAbsent(x, v -> new int[][] {Pooling.extreme(v, g, min, null), null});
            if (plain[b]) return pooled[0];
            if (pooled[1] == null) pooled[1] = Pooling.extreme(x, g, otherMin, single);
            int per = g.oh() * g.ow();
            long[] sign = banks[b][1];
            int[] y = pooled[0].clone();
            for (int c = 0; c < sign.length; c++)
                if (mixed[c] && (sign[c] < 0) != min[c]) System.arraycopy(pooled[1], c * per, y, c * per, per);
            return y;
        }
    }
}
