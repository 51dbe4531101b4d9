package org.bnncim.ir.mapping;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.WireCode;

/**
 * How the chip runs the T passes of one Monte-Carlo inference. With one bit per Scale-Dropout layer, a node's value
 * depends only on the first {@code depth} bits of its pass (the slots of the Scale-Dropout layers upstream of it), so
 * passes that agree on those bits share it: the chip computes it once and keeps it in the reuse buffer until a pass
 * needs a different prefix.
 *
 * <ul>
 *   <li>{@link Order#SORTED}: the controller draws the T bit patterns, counts them in a table of 2^L counters, then
 *       runs each distinct pattern once in lexicographic order (bit 0 first), resuming at the first node whose depth
 *       exceeds the common prefix with the pattern before; each output carries its multiplicity. A node of depth d
 *       runs once per distinct d-bit prefix among the T patterns. Chosen while 2^L fits {@link #MAX_SORTED_BITS}.
 *   <li>{@link Order#DRAW}: passes run in draw order, each resuming at the common prefix with the previous pass;
 *       the deterministic prefix (depth 0) still runs once. Chosen beyond that many bits, and for per-neuron
 *       MC-Dropout, whose masks make every node after the first dropout {@link #PER_PASS}.
 * </ul>
 *
 * The schedule is a function of the graph and the stochastic unit ({@link #plan}); the program file records it and
 * the mapping verifier checks the record against that function, so the simulator and the Verilog controller follow
 * exactly what the cost model counts.
 */
public record McSchedule(Order order, List<Stage> stages) {
    /** Bits of a pattern the counter table covers (2^10 counters): beyond that the passes run in draw order. */
    public static final int MAX_SORTED_BITS = 10;

    /** Depth of a node whose value is drawn anew in every pass (downstream of a per-neuron dropout mask). */
    public static final int PER_PASS = -1;

    /** The order passes run in, with its code in {@code program.bnc}. */
    public enum Order implements WireCode {
        SORTED(1),
        DRAW(2);

        private final int code;

        Order(int code) {
            this.code = code;
        }

        @Override
        public int code() {
            return code;
        }
    }

    /** Node {@code node}'s value depends on the first {@code depth} bits of a pass (or is {@link #PER_PASS}). */
    public record Stage(String node, int depth) {}

    public McSchedule {
        stages = List.copyOf(stages);
    }

    /** The schedule of a graph under its stochastic unit: stages in graph order. */
    public static McSchedule plan(Graph g, StochasticUnit unit) {
        Map<String, Integer> depthOfValue = new HashMap<>();
        List<Stage> stages = new ArrayList<>();
        for (Node n : g.nodes()) {
            int d = 0;
            for (String in : n.inputs()) d = join(d, depthOfValue.getOrDefault(in, 0));
            StochasticUnit.Entry e = unit.entryOf(n.name());
            if (e != null) d = join(d, e.bit() + 1);
            if (n instanceof Node.McDropout) d = PER_PASS;
            depthOfValue.put(n.output().name(), d);
            stages.add(new Stage(n.name(), d));
        }
        boolean sorted = unit.kind() != StochasticUnit.Kind.MC_DROPOUT && unit.bits() <= MAX_SORTED_BITS;
        return new McSchedule(sorted ? Order.SORTED : Order.DRAW, stages);
    }

    private static int join(int a, int b) {
        return a == PER_PASS || b == PER_PASS ? PER_PASS : Math.max(a, b);
    }

    /** The depth of node {@code node}; 0 for a name the schedule does not hold. */
    public int depthOf(String node) {
        for (Stage s : stages) if (s.node().equals(node)) return s.depth();
        return 0;
    }

    /** Depths in graph order (the stages' order). */
    public int[] depths() {
        int[] out = new int[stages.size()];
        for (int i = 0; i < out.length; i++) out[i] = stages.get(i).depth();
        return out;
    }

    /**
     * The values the reuse buffer holds between passes: those produced at a lower depth than a node that reads them,
     * each once (its last computation stays valid until a pass changes its prefix). Graph order, no repeats.
     */
    public List<String> buffered(Graph g) {
        Map<String, Integer> depthOfValue = new HashMap<>();
        for (int i = 0; i < stages.size(); i++)
            depthOfValue.put(g.nodes().get(i).output().name(), stages.get(i).depth());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            int reader = stages.get(i).depth();
            for (String in : g.nodes().get(i).inputs()) {
                int d = depthOfValue.getOrDefault(in, 0);
                boolean crosses = d != PER_PASS && (reader == PER_PASS || reader > d);
                if (crosses && !out.contains(in)) out.add(in);
            }
        }
        return out;
    }

    /**
     * Expected runs of a node of depth {@code depth} over {@code t} passes whose bit k is 1 with probability
     * {@code p[k]}: exact for both orders. SORTED runs it once per distinct {@code depth}-bit prefix, E = sum over
     * prefixes q of 1 - (1 - P(q))^t; DRAW runs it again whenever a pass's prefix differs from the previous one's,
     * E = 1 + (t - 1) * (1 - prod_k (p_k^2 + (1 - p_k)^2)).
     */
    public double expectedRuns(int depth, int t, float[] p) {
        if (t <= 1 || depth == 0) return 1;
        if (depth == PER_PASS) return t;
        if (order == Order.DRAW) {
            double same = 1;
            for (int k = 0; k < depth; k++) same *= p[k] * (double) p[k] + (1 - p[k]) * (1.0 - p[k]);
            return 1 + (t - 1) * (1 - same);
        }
        return distinct(0, depth, 1.0, t, p);
    }

    private static double distinct(int k, int depth, double prob, int t, float[] p) {
        if (k == depth) return prob == 0 ? 0 : -Math.expm1(t * Math.log1p(-prob));
        return distinct(k + 1, depth, prob * p[k], t, p) + distinct(k + 1, depth, prob * (1 - p[k]), t, p);
    }

    /**
     * Runs of each node for the given patterns of one example (pattern t = bits of pass t), as the controller makes
     * them: what the simulator counts and tests compare with {@link #expectedRuns}.
     */
    public long runs(int depth, boolean[][] patterns) {
        int t = patterns.length;
        if (t == 0) return 0;
        if (depth == 0) return 1;
        if (depth == PER_PASS) return t;
        long runs = 0;
        java.util.Set<String> seen = new java.util.HashSet<>();
        String previous = null;
        for (boolean[] bits : patterns) {
            StringBuilder sb = new StringBuilder(depth);
            for (int k = 0; k < depth; k++) sb.append(bits[k] ? '1' : '0');
            String key = sb.toString();
            if (order == Order.SORTED ? seen.add(key) : !key.equals(previous)) runs++;
            previous = key;
        }
        return runs;
    }
}
