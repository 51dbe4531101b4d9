package org.bnncim.cli;

import org.bnncim.compiler.frontend.OnnxImporter;
import picocli.CommandLine.Option;

/** Import options shared by every command that reads a model. */
final class ModelOptions {
    @Option(
            names = "--mc-dropout",
            description = "Map standard Dropout as classic per-neuron MC-Dropout (one stochastic unit per neuron).")
    boolean mcDropout;

    @Option(names = "--allow-multi-output", description = "Accept models with more than one graph output.")
    boolean allowMultiOutput;

    @Option(
            names = "--input-levels",
            defaultValue = "255",
            paramLabel = "L",
            description = "A non-binary model input x is read as the 8-bit integer round(x*L), L 1..255 "
                    + "(default: ${DEFAULT-VALUE}, pixels scaled to [0,1]).")
    int inputLevels;

    @Option(
            names = "--max-mb",
            defaultValue = "1024",
            paramLabel = "MB",
            description = "Memory cap, " + MIN_MB + ".." + MAX_MB + " MiB: external data plus constants the import "
                    + "folds at most MB, one example's activation at most MB/4 (default: ${DEFAULT-VALUE}).")
    long maxMb;

    static final long MIN_MB = 16, MAX_MB = 1L << 20;

    OnnxImporter.Options toOptions() {
        if (inputLevels < 1 || inputLevels > 255) {
            throw new org.bnncim.ir.BnncimException("--input-levels must be between 1 and 255, got " + inputLevels);
        }
        return new OnnxImporter.Options(mcDropout, allowMultiOutput, inputLevels, maxBytes(maxMb));
    }

    static long maxBytes(long mb) {
        return org.bnncim.compiler.driver.Limits.range("--max-mb", mb, MIN_MB, MAX_MB) << 20;
    }
}
