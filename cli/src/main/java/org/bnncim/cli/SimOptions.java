package org.bnncim.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.bnncim.backends.sim.Faults;
import org.bnncim.compiler.driver.BitModel;
import org.bnncim.compiler.driver.Limits;
import org.bnncim.compiler.driver.SimSettings;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options of every command that runs the simulator. */
final class SimOptions {
    /** One default for run, eval and verify, so that the same command line means the same passes everywhere. */
    static final String DEFAULT_SAMPLES = "0";

    @Option(
            names = "--samples",
            defaultValue = DEFAULT_SAMPLES,
            paramLabel = "T",
            description = "Monte-Carlo passes per example, 0..10000; 0 = one deterministic pass "
                    + "(default: ${DEFAULT-VALUE}, as for run, eval and verify).")
    int samples;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the stochastic bits and faults, any long (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "Simulator threads, 1..256 (default: all cores, at most 256).")
    Integer threads;

    @Option(
            names = "--faults",
            paramLabel = "SPEC",
            description = "Device faults: stuck-at=RATE,read-flip=RATE,rng-bias=DELTA.")
    String faults;

    @Option(
            names = "--bits",
            defaultValue = "counter",
            paramLabel = "SOURCE",
            description = "Stochastic bit model: counter (order-free) or lfsr (the generated Verilog's LFSR unit, "
                    + "and its bank of MC-Dropout units) (default: ${DEFAULT-VALUE}).")
    BitModel bits;

    /** Used when an ONNX model is compiled on the fly; a compiled folder carries its own architecture. */
    @Mixin
    ArchOptions archOptions;

    @Mixin
    ModelOptions modelOptions;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    SimSettings settings() {
        Limits.range("--samples", samples, 0, Limits.MAX_SAMPLES);
        return new SimSettings(samples, seed, bits, Faults.parse(faults), threads("--threads", threads));
    }

    /** {@code given} within [1, {@link Limits#MAX_THREADS}], or every core up to that cap when not given. */
    static int threads(String option, Integer given) {
        if (given == null) return Math.min(Runtime.getRuntime().availableProcessors(), Limits.MAX_THREADS);
        return (int) Limits.range(option, given, 1, Limits.MAX_THREADS);
    }

    /**
     * A compiled folder already fixed the architecture and the import, so the options that shape a compile would
     * be silently ignored there: refuse the first one given rather than run something the user did not ask for.
     */
    void refuseCompileOptionsFor(Path modelOrFolder) {
        if (!Files.isDirectory(modelOrFolder)) return;
        Set<String> compileTime = new HashSet<>();
        for (CommandSpec own : command.mixins().values()) {
            if (own.userObject() != this) continue;
            for (CommandSpec mixin : own.mixins().values())
                for (OptionSpec o : mixin.options()) compileTime.add(o.longestName());
        }
        for (OptionSpec o : command.commandLine().getParseResult().matchedOptions()) {
            if (compileTime.contains(o.longestName())) {
                throw new CommandLine.ParameterException(
                        command.commandLine(),
                        o.longestName() + " applies when an ONNX model is compiled, not to the compiled folder "
                                + modelOrFolder);
            }
        }
    }
}
