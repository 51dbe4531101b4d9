package org.bnncim.backends.sim;

import java.util.List;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.mapping.CrossbarImages;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.McSchedule;
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
        // the schedule is a function of graph and stochastic unit (a decoded file's record is verified equal to it
        // before it gets here): a mapping built without the planning pass, or carried over to an edited graph,
        // gets the plan that pass gives it, so every program runs its Monte-Carlo passes by its own graph's schedule
        McSchedule plan = McSchedule.plan(model.graph(), model.mapping().stochastic());
        if (!plan.equals(model.mapping().montecarlo()))
            model = model.withMapping(model.mapping().withMonteCarlo(plan));
    }

    /** The Monte-Carlo schedule the passes run by. */
    public McSchedule montecarlo() {
        return model.mapping().montecarlo();
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
