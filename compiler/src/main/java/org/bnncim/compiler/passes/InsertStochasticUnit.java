package org.bnncim.compiler.passes;

import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.StochasticUnit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Inserts the chip's random-bit source. Scale-Dropout needs exactly one unit: each pass it emits one bit per
 * Scale-Dropout layer, in layer order (bit k goes to layer k's threshold selectors, or to the digital unit's
 * scale select when the layer ends in the float periphery). Classic MC-Dropout needs one unit per dropped
 * neuron; both are recorded so the cost model prices them the same way.
 */
public final class InsertStochasticUnit implements Pass {
    @Override
    public String name() {
        return "insert-stochastic-unit";
    }

    @Override
    public Graph run(Graph g) {
        Mapping m = g.mapping().orElseThrow(() -> new IllegalStateException("insert-stochastic-unit runs after lower-crossbar"));
        Map<Integer, StochasticUnit.Entry> entries = new java.util.TreeMap<>();
        Map<String, Integer> bitOfLayer = new HashMap<>();
        Map<String, Integer> neuronsOfLayer = new HashMap<>();
        int neurons = 0;
        for (Node n : g.nodes()) {
            var slot = n.bitSlot();
            if (slot.isPresent()) {
                int bit = slot.get().bit();
                String layer = crossbarLayer(g, n.inputs().get(0));
                entries.put(bit, new StochasticUnit.Entry(bit, layer == null ? n.name() : layer, slot.get().p()));
                if (layer != null) bitOfLayer.put(layer, bit);
            }
            if (n instanceof Node.McDropout d) {
                int count = d.output().shape().size();
                neurons += count;
                // the mask gates the word lines of the layer that reads these activations
                for (Node consumer : g.consumers(d.output().name())) neuronsOfLayer.merge(consumer.name(), count, Integer::sum);
            }
        }
        List<LayerMap> layers = new ArrayList<>();
        for (LayerMap l : m.layers()) {
            layers.add(l.withStochastic(bitOfLayer.getOrDefault(l.layer(), -1), neuronsOfLayer.getOrDefault(l.layer(), 0)));
        }
        StochasticUnit unit;
        if (neurons > 0) unit = new StochasticUnit(StochasticUnit.Kind.MC_DROPOUT, neurons, List.copyOf(entries.values()));
        else if (!entries.isEmpty()) unit = new StochasticUnit(StochasticUnit.Kind.SCALE_DROPOUT, 1, List.copyOf(entries.values()));
        else unit = StochasticUnit.none();
        return g.withMapping(m.withLayers(layers).withStochastic(unit));
    }

    /** The crossbar layer whose popcount reaches {@code value} through pooling or reshapes, if any. */
    static String crossbarLayer(Graph g, String value) {
        while (true) {
            var p = g.producer(value);
            if (p.isEmpty()) return null;
            Node n = p.get();
            if (n instanceof Node.BinaryDense || n instanceof Node.BinaryConv) return n.name();
            if (!(n instanceof Node.MaxPool || n instanceof Node.Reshape)) return null;
            value = n.inputs().get(0);
        }
    }
}
