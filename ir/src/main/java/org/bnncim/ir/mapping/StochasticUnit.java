package org.bnncim.ir.mapping;

import java.util.ArrayList;
import java.util.List;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.WireCode;

/**
 * The chip's random-bit sources. For Scale-Dropout there is exactly one unit, time-multiplexed: in every forward
 * pass it emits one bit per entry of {@code schedule}, in order, each with that entry's switching probability.
 * For classic MC-Dropout there is one unit per dropped neuron ({@code units} = neuron count).
 *
 * <p>The schedule is the one source of every Scale-Dropout layer's bit slot and probability for everything that
 * runs or writes a program (simulator, Verilog, bit sources, program file and listing): {@link #schedule(Graph)}
 * derives it once from the graph, the mapping stores it, and the mapping verifier checks that it covers every
 * Scale-Dropout node exactly once.
 */
public record StochasticUnit(Kind kind, int units, List<Entry> schedule) {
    /** The kind of unit, with its code in {@code program.bnc}. */
    public enum Kind implements WireCode {
        NONE(0),
        SCALE_DROPOUT(1),
        MC_DROPOUT(2);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        @Override
        public int code() {
            return code;
        }
    }

    /**
     * Bit {@code bit} of each pass is drawn with probability p and goes to graph node {@code node} (a Scale-Dropout
     * node, or the threshold it was folded into), on the threshold selectors of crossbar layer {@code layer} (the
     * node's own name when no crossbar layer feeds it: the digital unit's scale select).
     */
    public record Entry(int bit, String node, String layer, float p) {}

    public StochasticUnit {
        schedule = List.copyOf(schedule);
    }

    public static StochasticUnit none() {
        return new StochasticUnit(Kind.NONE, 0, List.of());
    }

    /** The entry of graph node {@code node}, or null when the node draws no bit. */
    public Entry entryOf(String node) {
        return entryOf(schedule, node);
    }

    /** Bits one pass draws: one per slot up to the highest scheduled. */
    public int bits() {
        return slots(schedule);
    }

    /** p of each bit slot, by slot number. */
    public float[] probabilities() {
        return probabilities(schedule);
    }

    public static Entry entryOf(List<Entry> schedule, String node) {
        for (Entry e : schedule) if (e.node().equals(node)) return e;
        return null;
    }

    public static float[] probabilities(List<Entry> schedule) {
        float[] p = new float[slots(schedule)];
        for (Entry e : schedule) p[e.bit()] = e.p();
        return p;
    }

    private static int slots(List<Entry> schedule) {
        int max = -1;
        for (Entry e : schedule) max = Math.max(max, e.bit());
        return max + 1;
    }

    /**
     * The Scale-Dropout schedule of a graph, mapped or not, in slot order: one entry per node that draws a scale bit (a
     * Scale-Dropout node or a threshold folded from one), with the slot and probability the import gave it. This is the
     * only caller of Node.bitSlot() outside the IR's own bookkeeping: the mapping stores its result, and an unmapped
     * graph (the reference interpreter runs folded graphs before mapping) gets its bits from here, so both see one
     * schedule.
     */
    public static List<Entry> schedule(Graph g) {
        List<Entry> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            var slot = n.bitSlot();
            if (slot.isEmpty()) continue;
            int bit = slot.get().bit();
            float p = slot.get().p();
            String layer = crossbarLayer(g, n.inputs().get(0));
            out.add(new Entry(bit, n.name(), layer == null ? n.name() : layer, p));
        }
        out.sort(java.util.Comparator.comparingInt(Entry::bit)); // stable: graph order within a slot
        return List.copyOf(out);
    }

    /** The crossbar layer whose popcount reaches {@code value} through pooling or reshapes, if any. */
    public static String crossbarLayer(Graph g, String value) {
        while (true) {
            var p = g.producer(value);
            if (p.isEmpty()) return null;
            Node n = p.get();
            if (n.crossbarWeights().isPresent()) return n.name();
            if (!(n instanceof Node.MaxPool || n instanceof Node.Reshape)) return null;
            value = n.inputs().get(0);
        }
    }
}
