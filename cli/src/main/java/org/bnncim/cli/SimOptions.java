package org.bnncim.cli;

import org.bnncim.backends.sim.Faults;
import org.bnncim.compiler.driver.BitModel;
import org.bnncim.compiler.driver.SimSettings;
import org.bnncim.ir.BnncimException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options of every command that runs the simulator. */
final class SimOptions {
    @Option(names = "--samples", defaultValue = "0", paramLabel = "T",
            description = "Monte-Carlo passes per example; 0 = one deterministic pass (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the stochastic bits and faults (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", paramLabel = "N", description = "Simulator threads (default: all cores).")
    Integer threads;

    @Option(names = "--faults", paramLabel = "SPEC", description = "Device faults: stuck-at=RATE,read-flip=RATE,rng-bias=DELTA.")
    String faults;

    @Option(names = "--bits", defaultValue = "counter", paramLabel = "SOURCE",
            description = "Stochastic bit model: counter (order-free) or lfsr (the generated Verilog's LFSR) (default: ${DEFAULT-VALUE}).")
    BitModel bits;

    /** Used when an ONNX model is compiled on the fly; a compiled folder carries its own architecture. */
    @Mixin
    ArchOptions archOptions;

    @Mixin
    ModelOptions modelOptions;

    SimSettings settings() {
        if (samples < 0) throw new BnncimException("--samples must be >= 0");
        if (threads != null && threads < 1) throw new BnncimException("--threads must be >= 1");
        return new SimSettings(samples, seed, bits, Faults.parse(faults),
                threads != null ? threads : Runtime.getRuntime().availableProcessors());
    }
}
