package org.bnncim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bnncim.compiler.driver.Limits;
import org.bnncim.ir.BnncimException;
import org.bnncim.verify.VerificationService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Run ONNX Runtime (on the reference form) and the CIM simulator on the same inputs and bits.",
            "Pass by pass, the deterministic one and --samples Monte-Carlo ones with the same stochastic bits. Exit 1 "
                    + "on any mismatch, naming the first diverging layer and channel."
        })
final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx")
    Path model;

    @Option(names = "--input", paramLabel = "X.npy", description = "Inputs (default: 64 seeded random 8-bit images).")
    Path input;

    @Option(
            names = "--samples",
            defaultValue = SimOptions.DEFAULT_SAMPLES,
            paramLabel = "T",
            description = "Monte-Carlo passes per example, 0..10000, checked besides the deterministic pass "
                    + "(default: ${DEFAULT-VALUE}, as for run and eval: the deterministic pass only).")
    int samples;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of inputs and stochastic bits, any long (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--limit", paramLabel = "N", description = "Verify only the first N inputs, N >= 1.")
    Integer limit;

    @Option(
            names = "--layers",
            description = "Also compare every layer of the simulator with the reference interpreter.")
    boolean layers;

    @Option(
            names = "--tolerance",
            defaultValue = "1e-5",
            description = "Relative tolerance on logits, finite and > 0 (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(
            names = "--max-mb",
            defaultValue = "1024",
            paramLabel = "MB",
            description = "Memory cap, 16..1048576 MiB, as for compile; also bounds the 64 random inputs "
                    + "(default: ${DEFAULT-VALUE}).")
    long maxMb;

    @Mixin
    ArchOptions archOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Limits.range("--samples", samples, 0, Limits.MAX_SAMPLES);
        if (limit != null) Limits.range("--limit", limit, 1, Integer.MAX_VALUE);
        if (!(tolerance > 0) || Double.isInfinite(tolerance))
            throw new BnncimException("--tolerance must be finite and > 0, got " + tolerance);
        var r = VerificationService.verify(new VerificationService.Request(
                model,
                input,
                archOptions.architecture(),
                samples,
                seed,
                limit,
                layers,
                tolerance,
                ModelOptions.maxBytes(maxMb)));
        r.mismatch().ifPresent(m -> {
            throw new Main.MismatchException(m.message());
        });
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "verified %s: %d example(s) x (1 deterministic + %d MC) passes "
                        + "against ONNX Runtime; max |logit diff| %.2e (tolerance %.2e), argmax identical%n",
                r.model().getFileName(),
                r.examples(),
                r.passes(),
                r.maxDiff(),
                tolerance);
        if (r.stochasticBits() > 0) {
            out.printf(
                    Locale.ROOT,
                    "stochastic bits: %d per pass (one per Scale-Dropout layer), same bits fed to both%n",
                    r.stochasticBits());
        }
        if (samples > 0 && r.passes() == 0) {
            // a model with per-neuron MC-Dropout (or none) has no bits to hand both sides: its masks come from each
            // runtime's own generator, so only the deterministic pass can be compared
            out.printf(
                    Locale.ROOT,
                    "note: the %d MC pass(es) asked for were not compared: this model draws no Scale-Dropout bits to"
                            + " feed both (MC-Dropout masks come from each runtime's own generator)%n",
                    samples);
        }
        r.layerChecks()
                .ifPresent(n ->
                        out.printf(Locale.ROOT, "every layer equal to the reference interpreter in %d pass(es)%n", n));
        if (r.ties() > 0) {
            out.printf(
                    Locale.ROOT,
                    "warning: %d pre-activation value(s) were exactly 0: the chip's sign(0)=+1 "
                            + "differs from ONNX Runtime's Sign(0)=0 there%n",
                    r.ties());
        }
        if (r.nearTies() > 0) {
            out.printf(
                    Locale.ROOT,
                    "note: %d real-valued sign input(s) lay within float32 rounding of 0 (|x| within the error bound of"
                            + " the float sums that made it); ONNX Runtime sums in another order and may take the"
                            + " other sign there%n",
                    r.nearTies());
        }
        out.flush();
        return Main.OK;
    }
}
