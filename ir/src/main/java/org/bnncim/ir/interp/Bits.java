package org.bnncim.ir.interp;

import java.util.Map;
import org.bnncim.ir.ScaleBit;

/**
 * The random bits of one Monte-Carlo pass of one example: {@code scale[k]} is the stochastic-scale unit's bit for
 * Scale-Dropout layer k (true = scale dropped); {@code neuronMasks} holds, for each MC-Dropout node, one bit per
 * element (true = neuron dropped). A {@code null} Bits means the deterministic (expectation) pass.
 */
public record Bits(boolean[] scale, Map<String, boolean[]> neuronMasks) {
    public Bits {
        scale = scale.clone();
        neuronMasks = Map.copyOf(neuronMasks);
    }

    public static Bits ofScale(boolean... scale) {
        return new Bits(scale, Map.of());
    }

    public ScaleBit scaleBit(int k) {
        if (k >= scale.length)
            throw new IllegalArgumentException("no stochastic bit " + k + " (have " + scale.length + ")");
        return ScaleBit.of(scale[k]);
    }

    @Override
    public boolean[] scale() {
        return scale.clone();
    }
}
