package org.bnncim.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.bnncim.backends.sim.Program;
import org.bnncim.compiler.driver.EvalJson;
import org.bnncim.compiler.driver.EvaluationService;
import org.bnncim.compiler.driver.Limits;
import org.bnncim.compiler.driver.ModelOutput;
import org.bnncim.compiler.driver.PixelArrays;
import org.bnncim.compiler.driver.SegmentationEvaluation;
import org.bnncim.compiler.driver.SegmentationHtml;
import org.bnncim.compiler.driver.SegmentationReport;
import org.bnncim.compiler.driver.SimSettings;
import org.bnncim.io.Npy;
import org.bnncim.io.OutputFolder;
import org.bnncim.ir.BnncimException;
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
            // one string per paragraph: picocli wraps it, and the command list shows the first one whole
            "Accuracy, NLL, calibration and uncertainty on a labelled dataset, on the CIM simulator.",
            "Optionally with device faults; OOD detection AUROC by predictive entropy with --ood.",
            "Segmentation models (per-pixel output [C,H,W]) read *images.npy with *masks.npy and report pixel "
                    + "accuracy, Dice and IoU, pixel ECE and NLL, and the AUROC of finding wrong pixels by entropy "
                    + "and MI; --ood is then a shifted split with its own masks.",
            "-o DIR writes DIR/eval.json, and for segmentation DIR/eval.html (input | truth | prediction | entropy "
                    + "| MI for a few examples) and, with --save-arrays, DIR/test*.npy and DIR/shifted*.npy (the "
                    + "per-pixel arrays of run -o)."
        })
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OUT/|MODEL.onnx")
    Path model;

    @Option(
            names = "--dataset",
            required = true,
            paramLabel = "DIR",
            description = "Folder with test-images.npy and test-labels.npy (or one *images.npy / *labels.npy pair;"
                    + " segmentation: *masks.npy instead of labels).")
    Path dataset;

    @Option(
            names = "--ood",
            paramLabel = "DIR",
            description =
                    "Out-of-distribution images (*images.npy) for AUROC; segmentation: a shifted split with masks.")
    Path ood;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "DIR",
            description = "Write eval.json (and for segmentation eval.html) into this folder.")
    Path outputDir;

    @Option(
            names = "--save-arrays",
            description =
                    "Segmentation: also write the per-pixel arrays (test.npy, test-entropy.npy, ...) into -o DIR.")
    boolean saveArrays;

    @Option(
            names = "--limit",
            paramLabel = "N",
            description = "Evaluate only the first N examples, N >= 1 (segmentation: of each split).")
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
        if (limit != null) Limits.range("--limit", limit, 1, Integer.MAX_VALUE);
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
        if (saveArrays && outputDir == null) throw new BnncimException("--save-arrays needs -o DIR");
        if (outputDir != null && sameFolder(outputDir, model)) {
            throw new BnncimException("-o " + outputDir + " is the compiled folder eval reads; an output folder is "
                    + "replaced as a whole, so give another one");
        }
        if (outputDir != null) OutputFolder.prepare(outputDir);
        Program p = EvaluationService.load(request);
        ModelOutput kind = ModelOutput.of(p.graph());
        if (saveArrays && !kind.pixels()) {
            throw new BnncimException("--save-arrays: " + model + " is a classifier; per-pixel arrays need a"
                    + " segmentation model (output [C,H,W])");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (kind.pixels()) {
            SegmentationEvaluation.Result sr;
            try (Bar bar = new Bar(progress != null ? progress : System.console() != null)) {
                sr = SegmentationEvaluation.evaluate(request, p, bar);
            }
            out.print(SegmentationReport.text(sr));
            out.flush();
            if (outputDir != null) OutputFolder.write(outputDir, segmentationFiles(sr));
            return Main.OK;
        }
        EvaluationService.Result r;
        try (Bar bar = new Bar(progress != null ? progress : System.console() != null)) {
            r = EvaluationService.evaluate(request, p, bar);
        }
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
        if (outputDir != null) OutputFolder.write(outputDir, Map.of(JSON_FILE, utf8(EvalJson.classifier(r))));
        return Main.OK;
    }

    static final String JSON_FILE = "eval.json", HTML_FILE = "eval.html";

    private static boolean sameFolder(Path a, Path b) {
        try {
            return java.nio.file.Files.isDirectory(a)
                    && java.nio.file.Files.isDirectory(b)
                    && java.nio.file.Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private Map<String, byte[]> segmentationFiles(SegmentationEvaluation.Result r) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(JSON_FILE, utf8(SegmentationReport.json(r)));
        files.put(HTML_FILE, utf8(SegmentationHtml.render(r)));
        if (saveArrays) {
            arrays(files, "test", r.test());
            r.shifted().ifPresent(s -> arrays(files, "shifted", s));
        }
        return files;
    }

    private static void arrays(Map<String, byte[]> files, String stem, SegmentationEvaluation.Split s) {
        PixelArrays.arrays(Path.of(stem + ".npy"), s.maps())
                .forEach((f, a) -> files.put(f.getFileName().toString(), Npy.toBytes(a)));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
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
