package org.bnncim.compiler.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bnncim.io.AtomicFiles;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.SafeText;

/**
 * A regression run: measure every run of DIR/manifest.json ({@link Regression#measure}), then either compare with the
 * baseline or, deliberately, rewrite it. Returns the rows; prints nothing.
 */
public final class RegressionService {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RegressionService() {}

    /**
     * @param dir         folder holding manifest.json
     * @param baseline    baseline file; null for DIR/baseline.json
     * @param extraModels models measured besides the manifest's
     * @param update      write the measured runs as the new baseline instead of comparing
     */
    public record Request(Path dir, Path baseline, List<Path> extraModels, int threads, boolean update) {
        public Request {
            extraModels = List.copyOf(extraModels);
        }

        public Path baselineFile() {
            return baseline != null ? baseline : dir.resolve("baseline.json");
        }
    }

    public sealed interface Result permits Updated, Compared {
        Path baseline();

        /** Measured runs (model at a crossbar size). */
        int runs();
    }

    /** The baseline was rewritten with {@code runs} runs: {@code models} models at {@code crossbars} crossbar sizes. */
    public record Updated(Path baseline, int runs, int models, int crossbars) implements Result {}

    /** Every metric of every run against the baseline, in run then metric order. */
    public record Compared(Path baseline, int runs, List<Regression.Row> rows) implements Result {
        public Compared {
            rows = List.copyOf(rows);
        }

        public long regressions() {
            return rows.stream().filter(r -> !r.ok()).count();
        }

        /** Metrics that moved beyond their tolerance the better way: not failures, but worth recording. */
        public long improvements() {
            return rows.stream()
                    .filter(r -> r.verdict() == Regression.Verdict.IMPROVED)
                    .count();
        }

        public boolean ok() {
            return regressions() == 0;
        }
    }

    public static Result run(Request r) {
        Path base = r.baselineFile();
        var plan = Regression.plan(r.dir(), r.extraModels());
        Map<String, Map<String, JsonNode>> now = Regression.measure(plan, r.threads());
        JsonNode old = null;
        if (Files.exists(base)) {
            try {
                old = JSON.readTree(
                        org.bnncim.io.InputFiles.readString(base, "baseline", Regression.MAX_MANIFEST_BYTES, null));
            } catch (IOException e) {
                throw new BnncimException(base + ": not a valid baseline ("
                        + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        }
        if (r.update()) {
            try {
                AtomicFiles.writeString(base, JSON.writeValueAsString(Regression.baseline(old, now)) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Updated(
                    base, now.size(), plan.models().size(), plan.crossbars().size());
        }
        if (old == null) throw new BnncimException(base + ": no baseline yet; create it with --update");
        return new Compared(base, now.size(), Regression.compare(old, now));
    }

    /** The comparison as JUnit XML: one test case per metric, a failure per regression. */
    public static String junitXml(List<Regression.Row> rows) {
        long failures = rows.stream().filter(r -> !r.ok()).count();
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<testsuite name=\"bnncim-regress\" tests=\"")
                .append(rows.size())
                .append("\" failures=\"")
                .append(failures)
                .append("\" errors=\"0\" skipped=\"0\">\n");
        for (Regression.Row r : rows) {
            sb.append("  <testcase classname=\"")
                    .append(xml(r.run()))
                    .append("\" name=\"")
                    .append(xml(r.metric()))
                    .append('"');
            if (r.ok()) {
                sb.append("/>\n");
            } else {
                sb.append(">\n    <failure message=\"")
                        .append(xml(r.metric() + ": " + r.delta()))
                        .append("\">")
                        .append(xml("baseline " + r.baseline() + ", now " + r.now()))
                        .append("</failure>\n  </testcase>\n");
            }
        }
        return sb.append("</testsuite>\n").toString();
    }

    private static String xml(String s) {
        // XML 1.0 cannot hold most control characters even as references: a run name's are spelled out instead
        return SafeText.visible(s)
                .replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
