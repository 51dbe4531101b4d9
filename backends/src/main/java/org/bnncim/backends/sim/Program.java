package org.bnncim.backends.sim;

import org.bnncim.ir.Graph;
import org.bnncim.ir.mapping.CrossbarImages;
import org.bnncim.ir.mapping.Mapping;

import java.util.List;

/**
 * What the simulator executes: the mapped graph (layer sequence, periphery configuration, stochastic schedule)
 * and the programmed cell contents of every crossbar. Crossbar layers are computed from the images, never from
 * the graph's weight matrices.
 */
public record Program(Graph graph, List<CrossbarImages.Image> crossbars) {
    public Program {
        crossbars = List.copyOf(crossbars);
        if (graph.mapping().isEmpty()) throw new IllegalArgumentException("program needs a mapped graph");
    }

    public static Program of(Graph mapped) {
        return new Program(mapped, CrossbarImages.build(mapped));
    }

    public Mapping mapping() {
        return graph.mapping().orElseThrow();
    }
}
