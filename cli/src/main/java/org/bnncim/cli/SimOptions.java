package org.bnncim.cli;

import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.compiler.driver.Loaded;
import org.bnncim.ir.BnncimException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

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
    String bits;

    /** Used when an ONNX model is compiled on the fly; a compiled folder carries its own architecture. */
    @Mixin
    ArchOptions archOptions;

    @Mixin
    ModelOptions modelOptions;

    void check() {
        if (samples < 0) throw new BnncimException("--samples must be >= 0");
        if (threads != null && threads < 1) throw new BnncimException("--threads must be >= 1");
        if (!bits.equals("counter") && !bits.equals("lfsr")) throw new BnncimException("--bits must be counter or lfsr");
    }

    int threads() {
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }

    Faults faults() {
        return Faults.parse(faults);
    }

    Program load(Path modelOrFolder) {
        check();
        return Loaded.program(modelOrFolder, modelOptions.toOptions(), archOptions.architecture());
    }

    BitSource bitSource(Program p, int examples) {
        double bias = faults().rngBias();
        return bits.equals("lfsr") ? BitSource.lfsr(p.model(), seed, bias, examples, Math.max(1, samples))
                : BitSource.counterBased(p.model(), seed, bias);
    }
}
