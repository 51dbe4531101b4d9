package org.bnncim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.bnncim.compiler.driver.EvaluationService;
import org.bnncim.compiler.driver.SimSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "Accuracy, NLL, calibration and uncertainty on a labelled dataset, on the CIM simulator",
            "(optionally with device faults); OOD detection AUROC by predictive entropy with --ood."
        })
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OUT/|MODEL.onnx")
    Path model;

    @Option(
            names = "--dataset",
            required = true,
            paramLabel = "DIR",
            description = "Folder with test-images.npy and test-labels.npy (or one *images.npy / *labels.npy pair).")
    Path dataset;

    @Option(names = "--ood", paramLabel = "DIR", description = "Out-of-distribution images (*images.npy) for AUROC.")
    Path ood;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N examples.")
    Integer limit;

    @Option(
            names = "--engine",
            defaultValue = "sim",
            description = "sim (the CIM simulator) or interp (the reference interpreter) (default: ${DEFAULT-VALUE}).")
    EvaluationService.Engine engine;

    @Option(
            names = "--progress",
            negatable = true,
            description = "Show a progress bar (default: when stderr is a terminal).")
    Boolean progress;

    @Mixin
    SimOptions sim;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        sim.refuseCompileOptionsFor(model);
        SimSettings settings = sim.settings();
        var request = new EvaluationService.Request(
                model,
                sim.modelOptions.toOptions(),
                sim.archOptions.architecture(),
                dataset,
                ood,
                limit,
                engine,
                settings);
        EvaluationService.Result r;
        try (Bar bar = new Bar(progress != null ? progress : System.console() != null)) {
            r = EvaluationService.evaluate(request, bar);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "model      %s%n", r.model());
        out.printf(Locale.ROOT, "dataset    %s (%d examples)%n", r.images(), r.examples());
        out.printf(
                Locale.ROOT,
                "engine     %s%s%n",
                r.engine(),
                settings.faults().any() ? ", faults " + settings.faults() : "");
        out.printf(
                Locale.ROOT,
                "mode       %s%n",
                settings.samples() == 0
                        ? "deterministic"
                        : "Monte-Carlo, T=" + settings.samples() + ", seed=" + settings.seed() + ", bits="
                                + settings.bits());
        out.printf(Locale.ROOT, "accuracy   %.4f%n", r.accuracy());
        out.printf(Locale.ROOT, "nll        %.4f%n", r.nll());
        out.printf(Locale.ROOT, "ece        %.4f%n", r.ece());
        out.printf(Locale.ROOT, "entropy    %.4f (mean predictive)%n", r.meanEntropy());
        r.meanExpectedEntropy().ifPresent(v -> out.printf(Locale.ROOT, "exp_entropy %.4f (mean expected)%n", v));
        r.meanMutualInformation().ifPresent(v -> out.printf(Locale.ROOT, "mutual_inf %.4f (mean)%n", v));
        r.ood()
                .ifPresent(o -> out.printf(
                        Locale.ROOT,
                        "ood_auroc  %.4f (predictive entropy, %d OOD examples, mean OOD entropy %.4f)%n",
                        o.auroc(),
                        o.examples(),
                        o.meanEntropy()));
        out.flush();
        return Main.OK;
    }

    /** A progress bar on stderr, created once the service knows how many examples it will run. */
    private static final class Bar implements EvaluationService.Progress, AutoCloseable {
        private final boolean enabled;
        private ProgressBar pb;

        Bar(boolean enabled) {
            this.enabled = enabled;
        }

        @Override
        public void start(long total) {
            if (enabled) {
                pb = new ProgressBarBuilder()
                        .setTaskName("eval")
                        .setInitialMax(total)
                        .setStyle(ProgressBarStyle.ASCII)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err))
                        .setUnit(" ex", 1)
                        .build();
            }
        }

        @Override
        public void step() {
            if (pb != null) pb.step();
        }

        @Override
        public void close() {
            if (pb != null) pb.close();
        }
    }
}
