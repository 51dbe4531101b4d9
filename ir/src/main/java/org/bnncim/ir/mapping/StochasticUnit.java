package org.bnncim.ir.mapping;

import org.bnncim.ir.WireCode;

import java.util.List;

/**
 * The chip's random-bit sources. For Scale-Dropout there is exactly one unit, time-multiplexed: in every forward
 * pass it emits one bit per entry of {@code schedule}, in order, each with that entry's switching probability.
 * For classic MC-Dropout there is one unit per dropped neuron ({@code units} = neuron count).
 */
public record StochasticUnit(Kind kind, int units, List<Entry> schedule) {
    /** The kind of unit, with its code in {@code program.bnc}. */
    public enum Kind implements WireCode {
        NONE(0), SCALE_DROPOUT(1), MC_DROPOUT(2);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        @Override
        public int code() {
            return code;
        }
    }

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
