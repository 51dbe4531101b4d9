package org.bnncim.backends.sim;

import java.util.List;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.mapping.CrossbarImages;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * What the simulator executes: the mapped model (layer sequence, periphery configuration, stochastic schedule)
 * and the programmed cell contents of every crossbar. Crossbar layers are computed from the images, never from
 * the graph's weight matrices.
 */
public record Program(MappedModel model, List<CrossbarImages.Image> crossbars) {
    /**
     * Elements of one value of one example a program may hold (a 4096 x 4096 image). The importer refuses larger
     * activations, so that every model that compiles also loads from its program file.
     */
    public static final int MAX_VALUE_ELEMENTS = 1 << 24;

    public Program {
        crossbars = List.copyOf(crossbars);
    }

    public static Program of(MappedModel mapped) {
        return new Program(mapped, CrossbarImages.build(mapped));
    }

    public Graph graph() {
        return model.graph();
    }

    public Mapping mapping() {
        return model.mapping();
    }

    /** Stochastic bits one pass draws, from the schedule. */
    public int stochasticBits() {
        return mapping().stochastic().bits();
    }

    /** The schedule's bit slot of a node that draws a scale bit, or -1: what selects its threshold set or scale. */
    public int stochasticBit(Node n) {
        StochasticUnit.Entry e = model.stochasticEntry(n.name());
        return e == null ? -1 : e.bit();
    }

    /** p of each bit slot, from the schedule. */
    public float[] probabilities() {
        return mapping().stochastic().probabilities();
    }
}
