package org.bnncim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bnncim.compiler.driver.Regression;
import org.bnncim.compiler.driver.RegressionService;
import org.bnncim.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "regress",
        mixinStandardHelpOptions = true,
        description = {
            "Compare every model of DIR/manifest.json with a committed baseline.",
            "Compiles and simulates each model at the crossbar sizes and targets the manifest lists, and compares "
                    + "crossbars, utilisation, energy/latency, predictions, accuracy, entropy, OOD AUROC and output "
                    + "hashes. Exit 1 on any regression; --update rewrites the baseline.",
            "A minimal manifest is {\"models\": [{\"file\": \"models/a.onnx\"}, ...]}: the inputs and labels "
                    + "default to DIR/test-images.npy and DIR/test-labels.npy (or DIR's one *images.npy / "
                    + "*labels.npy pair)."
        })
final class RegressCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Folder holding manifest.json (e.g. testdata).")
    Path dir;

    @Option(names = "--baseline", paramLabel = "FILE", description = "Baseline file (default: DIR/baseline.json).")
    Path baseline;

    @Option(names = "--update", description = "Write the current results as the new baseline (deliberately).")
    boolean update;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write the comparison as JUnit XML.")
    Path junit;

    @Option(names = "--model", paramLabel = "MODEL.onnx", description = "Extra models to include (repeatable).")
    List<Path> extra = new ArrayList<>();

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "Simulator threads, 1..256 (default: all cores, at most 256).")
    Integer threads;

    @Option(names = "--all-rows", description = "Print every metric, not only the changed ones.")
    boolean allRows;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var request =
                new RegressionService.Request(dir, baseline, extra, SimOptions.threads("--threads", threads), update);
        PrintWriter out = spec.commandLine().getOut();
        switch (RegressionService.run(request)) {
            case RegressionService.Updated u -> {
                out.printf(
                        Locale.ROOT,
                        "wrote %s: %d run(s) (%d model(s) x %d crossbar size(s))%n",
                        u.baseline(),
                        u.runs(),
                        u.models(),
                        u.crossbars());
                out.flush();
                return Main.OK;
            }
            case RegressionService.Compared c -> {
                String fmt = "%-26s %-26s %-22s %-22s %-30s %s%n";
                out.printf(Locale.ROOT, fmt, "run", "metric", "baseline", "now", "delta", "verdict");
                for (Regression.Row r : c.rows()) {
                    if (!allRows && r.verdict() == Regression.Verdict.OK) continue;
                    out.printf(
                            Locale.ROOT,
                            fmt,
                            r.run(),
                            r.metric(),
                            shorten(r.baseline()),
                            shorten(r.now()),
                            r.delta(),
                            r.verdict().label());
                }
                long bad = c.regressions(), better = c.improvements();
                out.printf(
                        Locale.ROOT,
                        "%d run(s), %d metric(s) compared: %d regression(s)%s%s%n",
                        c.runs(),
                        c.rows().size(),
                        bad,
                        better == 0 ? "" : ", " + better + " improved",
                        bad + better == 0 ? "" : " (accept deliberate changes with --update)");
                out.flush();
                if (junit != null) AtomicFiles.writeString(junit, RegressionService.junitXml(c.rows()));
                return c.ok() ? Main.OK : Main.MISMATCH;
            }
        }
    }

    private static String shorten(JsonNode v) {
        if (v == null) return "-";
        String s = v.isTextual() ? v.asText() : v.toString();
        return s.length() <= 20 ? s : s.substring(0, 17) + "...";
    }
}
