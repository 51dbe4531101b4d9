package org.bnncim.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.bnncim.backends.sim.Program;
import org.bnncim.compiler.driver.ClassifierHtml;
import org.bnncim.compiler.driver.EvalJson;
import org.bnncim.compiler.driver.EvalMetrics;
import org.bnncim.compiler.driver.EvaluationService;
import org.bnncim.compiler.driver.FaultSweep;
import org.bnncim.compiler.driver.Limits;
import org.bnncim.compiler.driver.Loaded;
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
                    + "per-pixel arrays of run -o).",
            "Classifiers: -o DIR also writes DIR/metrics.json (every metric, reliability bins, accuracy and AUROC "
                    + "against T and the fault rate, the options used), DIR/eval.html (reliability diagram, entropy "
                    + "and MI histograms, ROC curves, curves against T and the fault rate; inline SVG, no scripts) "
                    + "and, per dataset (named by its folder or file), DIR/arrays/NAME/{probs,pred,label,entropy,"
                    + "expected-entropy,mutual-info}.npy, one row per example: probs float32 [N,C], pred and label "
                    + "int32 [N], the rest float32 [N] (nats)."
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
            description = "Out-of-distribution images (*images.npy) for AUROC; repeat for several sets, each named"
                    + " by its folder or file name. Segmentation: one shifted split with masks.")
    List<Path> ood = new ArrayList<>();

    @Option(
            names = "--faults-sweep",
            paramLabel = "KIND=R1,R2,...",
            description = "Classifiers: rerun the evaluation at each fault rate (same seed), e.g."
                    + " stuck-at=0,0.001,0.01,0.05; accuracy and AUROC against the rate go to metrics.json and"
                    + " eval.html (-o). KIND: stuck-at, read-flip or rng-bias.")
    String faultsSweep;

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
        Optional<FaultSweep> sweep = Optional.ofNullable(faultsSweep).map(FaultSweep::parse);
        if (outputDir != null && sameFolder(outputDir, model)) {
            throw new BnncimException("-o " + outputDir + " is the compiled folder eval reads; an output folder is "
                    + "replaced as a whole, so give another one");
        }
        if (outputDir != null) OutputFolder.prepare(outputDir);
        Program p = EvaluationService.load(request);
        Loaded.refuseIdentityDropout(model, p, settings.samples());
        ModelOutput kind = ModelOutput.of(p.graph());
        if (kind.pixels() && ood.size() > 1) {
            throw new BnncimException("--ood: a segmentation model takes one shifted split, got " + ood.size());
        }
        if (kind.pixels() && sweep.isPresent()) {
            throw new BnncimException("--faults-sweep: classifiers only; " + model + " is a segmentation model");
        }
        if (saveArrays && !kind.pixels()) {
            throw new BnncimException("--save-arrays: " + model + " is a classifier; per-pixel arrays need a"
                    + " segmentation model (output [C,H,W])");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (kind.pixels()) {
            SegmentationEvaluation.Result sr;
            try (Bar bar = new Bar(ConsoleBar.wanted(progress))) {
                sr = SegmentationEvaluation.evaluate(request, p, bar);
            }
            out.print(SegmentationReport.text(sr));
            out.flush();
            if (outputDir != null) OutputFolder.write(outputDir, segmentationFiles(sr));
            return Main.OK;
        }
        EvaluationService.Result r;
        try (Bar bar = new Bar(ConsoleBar.wanted(progress))) {
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
        for (EvaluationService.Ood o : r.oods()) {
            out.printf(
                    Locale.ROOT,
                    "ood_auroc  %.4f (%spredictive entropy, %d OOD examples, mean OOD entropy %.4f)%n",
                    o.auroc(),
                    r.oods().size() > 1 ? o.name() + ": " : "",
                    o.examples(),
                    o.meanEntropy());
        }
        out.flush();
        if (sweep.isPresent()) {
            sweep = Optional.of(sweep.get().run(request, p, EvaluationService.Progress.NONE));
            for (int i = 0; i < sweep.get().rates().size(); i++) {
                EvaluationService.Result at = sweep.get().results().get(i);
                out.printf(
                        Locale.ROOT,
                        "sweep      %s=%s accuracy %.4f",
                        sweep.get().kind(),
                        sweep.get().rates().get(i),
                        at.accuracy());
                for (EvaluationService.Ood o : at.oods())
                    out.printf(Locale.ROOT, " auroc[%s] %.4f", o.name(), o.auroc());
                out.println();
            }
            out.flush();
        }
        if (outputDir != null) {
            Map<String, byte[]> files = new LinkedHashMap<>();
            files.put(JSON_FILE, utf8(EvalJson.classifier(r)));
            files.put(EvalMetrics.METRICS_FILE, utf8(EvalMetrics.json(request, r, sweep)));
            files.put(HTML_FILE, utf8(ClassifierHtml.render(r, sweep)));
            files.putAll(EvalMetrics.arrays(r));
            OutputFolder.write(outputDir, files);
        }
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
                pb = ConsoleBar.open("eval", total, " ex");
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
