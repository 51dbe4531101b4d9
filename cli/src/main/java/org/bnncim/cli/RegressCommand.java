package org.bnncim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.bnncim.compiler.driver.Regression;
import org.bnncim.ir.BnncimException;
import org.bnncim.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "regress", mixinStandardHelpOptions = true,
        description = {"Compile and simulate every model of DIR/manifest.json at the crossbar sizes and targets it lists,",
                "and compare crossbars, utilisation, energy/latency, predictions, accuracy, entropy, OOD AUROC and",
                "output hashes with a committed baseline. Exit 1 on any regression; --update rewrites the baseline."})
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

    @Option(names = "--threads", paramLabel = "N", description = "Simulator threads (default: all cores).")
    Integer threads;

    @Option(names = "--all-rows", description = "Print every metric, not only the changed ones.")
    boolean allRows;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path base = baseline != null ? baseline : dir.resolve("baseline.json");
        var plan = Regression.plan(dir, extra);
        Map<String, Map<String, JsonNode>> now = Regression.measure(plan, threads != null ? threads : Runtime.getRuntime().availableProcessors());
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        JsonNode old = null;
        if (Files.exists(base)) {
            try {
                old = json.readTree(Files.readString(base));
            } catch (IOException e) {
                throw new BnncimException(base + ": not a valid baseline (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (update) {
            AtomicFiles.writeString(base, json.writeValueAsString(Regression.baseline(old, now)) + "\n");
            out.printf(Locale.ROOT, "wrote %s: %d run(s) (%d model(s) x %d crossbar size(s))%n", base, now.size(),
                    plan.models().size(), plan.crossbars().size());
            out.flush();
            return Main.OK;
        }
        if (old == null) throw new BnncimException(base + ": no baseline yet; create it with --update");
        List<Regression.Row> rows = Regression.compare(old, now);
        long bad = rows.stream().filter(r -> !r.ok()).count();
        String fmt = "%-26s %-26s %-22s %-22s %-30s %s%n";
        out.printf(Locale.ROOT, fmt, "run", "metric", "baseline", "now", "delta", "verdict");
        for (Regression.Row r : rows) {
            if (!allRows && r.ok()) continue;
            out.printf(Locale.ROOT, fmt, r.run(), r.metric(), shorten(r.baseline()), shorten(r.now()), r.delta(), r.ok() ? "ok" : "REGRESSION");
        }
        out.printf(Locale.ROOT, "%d run(s), %d metric(s) compared: %d regression(s)%s%n", now.size(), rows.size(), bad,
                bad == 0 ? "" : " (accept deliberate changes with --update)");
        out.flush();
        if (junit != null) AtomicFiles.writeString(junit, junitXml(rows));
        return bad == 0 ? Main.OK : Main.MISMATCH;
    }

    private static String shorten(JsonNode v) {
        if (v == null) return "-";
        String s = v.isTextual() ? v.asText() : v.toString();
        return s.length() <= 20 ? s : s.substring(0, 17) + "...";
    }

    static String junitXml(List<Regression.Row> rows) {
        long failures = rows.stream().filter(r -> !r.ok()).count();
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<testsuite name=\"bnncim-regress\" tests=\"").append(rows.size()).append("\" failures=\"").append(failures)
                .append("\" errors=\"0\" skipped=\"0\">\n");
        for (Regression.Row r : rows) {
            sb.append("  <testcase classname=\"").append(xml(r.run())).append("\" name=\"").append(xml(r.metric())).append('"');
            if (r.ok()) {
                sb.append("/>\n");
            } else {
                sb.append(">\n    <failure message=\"").append(xml(r.metric() + ": " + r.delta())).append("\">")
                        .append(xml("baseline " + r.baseline() + ", now " + r.now())).append("</failure>\n  </testcase>\n");
            }
        }
        return sb.append("</testsuite>\n").toString();
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
