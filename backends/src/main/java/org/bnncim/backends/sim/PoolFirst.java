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

    /** The pooled popcounts of each distinct input (by identity: passes share their values), max and/or min. */
    static final class Pools {
        private final PoolGeometry g;
        private final boolean up, down;
        private final Map<int[], int[][]> done = new IdentityHashMap<>();

        /** {@code up}/{@code down}: whether any channel of any bank compares {@code x >= t} / {@code x <= t}. */
        Pools(PoolGeometry g, boolean up, boolean down) {
            this.g = g;
            this.up = up;
            this.down = down;
        }

        /** The pooled value each channel of a bank with signs {@code sign} (+1: x >= t) reads. */
        int[] forBank(int[] x, long[] sign) {
            int[][] mm = done.computeIfAbsent(x, v ->
                    new int[][] {up ? Pooling.max(v, g) : null, down ? Pooling.min(v, g) : null});
            if (mm[1] == null) return mm[0];
            if (mm[0] == null) return mm[1];
            int per = g.oh() * g.ow();
            int[] y = new int[mm[0].length];
            for (int c = 0; c < sign.length; c++)
                System.arraycopy(sign[c] > 0 ? mm[0] : mm[1], c * per, y, c * per, per);
            return y;
        }
    }

    /** Whether any channel of any bank has sign {@code s}. */
    static boolean anySign(long[][][] banks, long s) {
        for (long[][] b : banks) for (long v : b[1]) if (v == s) return true;
        return false;
    }
}
