package org.bnncim.ir.mapping;

import java.util.Objects;
import org.bnncim.ir.Graph;

/**
 * A graph and where it sits on the chip: the output of the mapping stage. The mapping is kept beside the graph
 * rather than inside it, so the IR knows nothing of chips and any graph pass can run without invalidating one.
 */
public record MappedModel(Graph graph, Mapping mapping) {
    public MappedModel {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(mapping, "mapping");
    }

    public MappedModel withMapping(Mapping m) {
        return new MappedModel(graph, m);
    }

    /** The stochastic unit's schedule entry of graph node {@code node}, or null when it draws no bit. */
    public StochasticUnit.Entry stochasticEntry(String node) {
        return mapping.stochastic().entryOf(node);
    }
}
