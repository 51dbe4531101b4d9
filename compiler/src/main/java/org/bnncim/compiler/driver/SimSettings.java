package org.bnncim.compiler.driver;

import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.Simulator;

/**
 * How a compiled program is simulated: Monte-Carlo passes per example (0 = one deterministic pass), the seed of the
 * stochastic bits and faults, the bit model, the device faults and the number of threads. Shared by run and eval.
 */
public record SimSettings(int samples, long seed, BitModel bits, Faults faults, int threads) {
    public SimSettings {
        if (samples < 0) throw new IllegalArgumentException("samples must be >= 0, got " + samples);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }

    public Simulator simulator(Program p) {
        return new Simulator(p, faults, seed);
    }

    /** The bits of {@code examples} examples; the LFSR needs the count up front because it is consumed in order. */
    public BitSource bitSource(Program p, int examples) {
        return switch (bits) {
            case lfsr -> BitSource.lfsr(p.model(), seed, faults.rngBias(), examples, Math.max(1, samples));
            case counter -> BitSource.counterBased(p.model(), seed, faults.rngBias());
        };
    }
}
