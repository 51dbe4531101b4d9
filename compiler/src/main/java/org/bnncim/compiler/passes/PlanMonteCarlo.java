package org.bnncim.compiler.passes;

import java.util.Set;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.McSchedule;

/**
 * Plans the chip's Monte-Carlo run: which passes share each node's value (its depth in the bit pattern), and the
 * order the passes run in. The simulator and the Verilog controller execute this plan from the program; the cost
 * model charges it beside the naive T passes.
 */
public final class PlanMonteCarlo implements MappingPass {
    private static final PassInfo INFO =
            new PassInfo("plan-monte-carlo", Set.of(Property.STOCHASTIC_UNIT), Set.of(Property.MC_SCHEDULE));

    @Override
    public PassInfo info() {
        return INFO;
    }

    @Override
    public Mapping run(MappedModel model) {
        return model.mapping()
                .withMonteCarlo(McSchedule.plan(model.graph(), model.mapping().stochastic()));
    }
}
