package org.bnncim.compiler.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * Inserts the chip's random-bit source. Scale-Dropout needs exactly one unit: each pass it emits one bit per
 * Scale-Dropout layer, in layer order (bit k goes to layer k's threshold selectors, or to the digital unit's
 * scale select when the layer ends in the float periphery). Classic MC-Dropout needs one unit per dropped
 * neuron; both are recorded so the cost model prices them the same way.
 */
public final class InsertStochasticUnit implements MappingPass {
    private static final PassInfo INFO =
            new PassInfo("insert-stochastic-unit", Set.of(Property.CROSSBAR_LAYERS), Set.of(Property.STOCHASTIC_UNIT));

    @Override
    public PassInfo info() {
        return INFO;
    }

    @Override
    public Mapping run(MappedModel model) {
        Graph g = model.graph();
        Mapping m = model.mapping();
        // the schedule is derived from the graph in one place, shared with unmapped graphs' bit sources
        List<StochasticUnit.Entry> entries = StochasticUnit.schedule(g);
        Map<String, Integer> bitOfLayer = new HashMap<>();
        for (StochasticUnit.Entry e : entries) bitOfLayer.put(e.layer(), e.bit());
        Map<String, Integer> neuronsOfLayer = new HashMap<>();
        int neurons = 0;
        for (Node n : g.nodes()) {
            if (n instanceof Node.McDropout d) {
                int count = d.output().shape().size();
                neurons += count;
                // the mask gates the word lines of the layer that reads these activations
                for (Node consumer : readers(g, d.output().name()))
                    neuronsOfLayer.merge(consumer.name(), count, Integer::sum);
            }
        }
        List<LayerMap> layers = new ArrayList<>();
        for (LayerMap l : m.layers()) {
            layers.add(l.withStochastic(
                    bitOfLayer.getOrDefault(l.layer(), -1), neuronsOfLayer.getOrDefault(l.layer(), 0)));
        }
        StochasticUnit unit;
        if (neurons > 0) unit = new StochasticUnit(StochasticUnit.Kind.MC_DROPOUT, neurons, entries);
        else if (!entries.isEmpty()) unit = new StochasticUnit(StochasticUnit.Kind.SCALE_DROPOUT, 1, entries);
        else unit = StochasticUnit.none();
        return m.withLayers(layers).withStochastic(unit);
    }

    /**
     * The nodes that read {@code value}, looking through reshapes (a flatten only renames the activations) and the
     * decoder's data movement (a Concat is a view, a Resize addresses its source: the mask gates the reader's lines).
     */
    private static List<Node> readers(Graph g, String value) {
        List<Node> out = new ArrayList<>();
        for (Node c : g.consumers(value)) {
            if (c instanceof Node.Reshape || c instanceof DecoderNode.Resize || c instanceof DecoderNode.Concat)
                out.addAll(readers(g, c.output().name()));
            else out.add(c);
        }
        return out;
    }
}
