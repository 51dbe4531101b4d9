package org.bnncim.backends.sim;

import java.util.SplittableRandom;

/**
 * What one Monte-Carlo pass draws besides its scale bits: read flips from its own generator, and MC-Dropout masks
 * either from that generator too (the counter model) or from the LFSR bank ({@code masks}, the LFSR model that the
 * generated Verilog implements).
 */
record PassDraws(SplittableRandom rng, DropoutMasks masks, int example, int sample) {
    /** Whether MC-Dropout unit {@code unit} (dropping with probability p) drops its neuron in this pass. */
    boolean dropped(int unit, float p) {
        return masks != null ? masks.dropped(example, sample, unit) : rng.nextDouble() < p;
    }
}
