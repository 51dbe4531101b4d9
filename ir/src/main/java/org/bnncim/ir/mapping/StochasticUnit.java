package org.bnncim.ir.mapping;

import java.util.List;

/**
 * The chip's random-bit sources. For Scale-Dropout there is exactly one unit, time-multiplexed: in every forward
 * pass it emits one bit per entry of {@code schedule}, in order, each with that entry's switching probability.
 * For classic MC-Dropout there is one unit per dropped neuron ({@code units} = neuron count).
 */
public record StochasticUnit(Kind kind, int units, List<Entry> schedule) {
    public enum Kind { NONE, SCALE_DROPOUT, MC_DROPOUT }

    /** Bit {@code bit} of each pass goes to the threshold selectors of {@code layer}, drawn with probability p. */
    public record Entry(int bit, String layer, float p) {
    }

    public StochasticUnit {
        schedule = List.copyOf(schedule);
    }

    public static StochasticUnit none() {
        return new StochasticUnit(Kind.NONE, 0, List.of());
    }
}
