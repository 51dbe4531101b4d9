package org.bnncim.compiler.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.io.InputFiles;
import org.bnncim.io.Inputs;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;

/**
 * Regression runs: every model of a manifest, at every crossbar size and target it lists, compiled and simulated
 * on the recorded inputs; the measured metrics are compared with a committed baseline under per-metric
 * tolerances.
 */
public final class Regression {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How a metric may move before it counts as a change, and which way is better: {@code "higher"}, {@code "lower"}
     * or {@code "none"} (any change beyond the tolerance is a regression: predictions, hashes, entropies).
     */
    public record Tolerance(String kind, double value, String better) {
        public Tolerance(String kind, double value) {
            this(kind, value, "none");
        }

        boolean accepts(JsonNode base, JsonNode now) {
            if (base == null || now == null) return false;
            if (!base.isNumber() || !now.isNumber()) return base.equals(now);
            double b = base.asDouble(), n = now.asDouble(), d = Math.abs(n - b);
            if (kind.equals("exact")) return d == 0; // an int read back from the file equals the long measured
            return kind.equals("relative") ? d <= value * Math.max(Math.abs(b), 1e-12) : d <= value;
        }

        /** A move beyond the tolerance in the better direction. */
        boolean improves(JsonNode base, JsonNode now) {
            if (base == null || now == null || !base.isNumber() || !now.isNumber() || accepts(base, now)) return false;
            double b = base.asDouble(), n = now.asDouble();
            return better.equals("higher") ? n > b : better.equals("lower") && n < b;
        }

        /** The baseline's entry for a metric; a missing field keeps the default's (older baselines have no better). */
        static Tolerance read(JsonNode t, Tolerance dflt) {
            String better = t.path("better").asText(dflt == null ? "none" : dflt.better());
            return new Tolerance(t.path("kind").asText("exact"), t.path("value").asDouble(0), better);
        }
    }

    /** What a row says: unchanged within tolerance, better beyond it, or a regression. */
    public enum Verdict {
        OK("ok"),
        IMPROVED("improved"),
        REGRESSION("REGRESSION");

        private final String label;

        Verdict(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One metric of one run (model at a crossbar size). */
    public record Row(String run, String metric, JsonNode baseline, JsonNode now, String delta, Verdict verdict) {
        /** Not a regression: unchanged or improved. */
        public boolean ok() {
            return verdict != Verdict.REGRESSION;
        }
    }

    public static final Map<String, Tolerance> DEFAULT_TOLERANCES = defaults();

    private static Map<String, Tolerance> defaults() {
        Map<String, Tolerance> t = new LinkedHashMap<>();
        t.put("crossbars_used", new Tolerance("exact", 0, "lower"));
        t.put("crossbars_lower_bound", new Tolerance("exact", 0));
        t.put("utilization", new Tolerance("absolute", 1e-9, "higher"));
        t.put("stochastic_units", new Tolerance("exact", 0));
        t.put("energy_pj_deterministic", new Tolerance("relative", 1e-6, "lower"));
        t.put("energy_pj_mc", new Tolerance("relative", 1e-6, "lower"));
        t.put("energy_pj_mc_scheduled", new Tolerance("relative", 1e-6, "lower"));
        t.put("latency_ns_deterministic", new Tolerance("relative", 1e-6, "lower"));
        t.put("area_mm2", new Tolerance("relative", 1e-6, "lower"));
        t.put("predictions_deterministic", new Tolerance("exact", 0));
        t.put("predictions_mc", new Tolerance("exact", 0));
        t.put("accuracy_deterministic", new Tolerance("absolute", 0, "higher"));
        t.put("accuracy_mc", new Tolerance("absolute", 0, "higher"));
        // lower mean entropy is not better in itself: on wrong or unfamiliar inputs it should be high
        t.put("mean_entropy_mc", new Tolerance("absolute", 1e-6));
        t.put("mean_dice_mc", new Tolerance("absolute", 1e-6, "higher"));
        t.put("ood_auroc", new Tolerance("absolute", 1e-6, "higher"));
        t.put("program_sha256", new Tolerance("exact", 0));
        t.put("verilog_sha256", new Tolerance("exact", 0));
        return t;
    }

    /**
     * What the manifest asks for; every field has a default.
     *
     * @param testData a model's own examples (its manifest {@code test_data}), by model path; models without one
     *                 use {@code inputs}, {@code labels} and {@code ood}
     */
    public record Plan(
            List<Path> models,
            List<String> crossbars,
            List<String> targets,
            int count,
            int samples,
            long seed,
            Path inputs,
            Path labels,
            List<Path> ood,
            Set<String> mcDropout,
            Map<String, TestData> testData) {
        public Plan {
            testData = Map.copyOf(testData);
        }

        /** The examples {@code model} is measured on. */
        public TestData data(Path model) {
            TestData d = testData.get(model.toString());
            return d != null ? d : new TestData(inputs, labels, null, ood);
        }
    }

    /** Manifests and baselines are small JSON: a larger file is a mistake or an attack, not a model list. */
    public static final long MAX_MANIFEST_BYTES = 64L << 20;

    private Regression() {}

    public static Plan plan(Path dir, List<Path> extraModels) {
        Path manifestFile = dir.resolve("manifest.json");
        JsonNode m;
        try {
            if (!Files.exists(manifestFile))
                throw new BnncimException(manifestFile + ": no manifest (a manifest.json listing models is required)");
            m = JSON.readTree(InputFiles.readString(manifestFile, "manifest", MAX_MANIFEST_BYTES, null));
        } catch (IOException e) {
            throw new BnncimException(manifestFile + ": not valid JSON ("
                    + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        JsonNode r = m.path("regress");
        List<Path> models = new ArrayList<>();
        java.util.Set<String> mcd = new java.util.HashSet<>();
        Map<String, TestData> data = new java.util.HashMap<>();
        if (!m.path("models").isArray()) throw new BnncimException(manifestFile + ": 'models' must be a list");
        for (JsonNode e : m.get("models")) {
            if (!e.hasNonNull("file")) throw new BnncimException(manifestFile + ": a model entry has no 'file'");
            Path p = path(manifestFile, "models[].file", dir, e.get("file").asText());
            models.add(p);
            if (e.path("kind").asText().equals("mc-dropout")) mcd.add(p.toString());
            TestData d = TestData.parse(manifestFile, dir, e);
            if (d != null) data.put(p.toString(), d);
        }
        for (JsonNode e : r.path("extra_models"))
            models.add(path(manifestFile, "regress.extra_models[]", dir, e.asText()));
        models.addAll(extraModels);
        List<String> crossbars = strings(r.path("crossbars"), List.of("64x64", "128x128", "256x256"));
        for (int i = 0; i < crossbars.size(); i++)
            Limits.crossbar(manifestFile + ": regress.crossbars[" + i + "]", crossbars.get(i));
        List<String> targets = strings(r.path("targets"), List.of("sim"));
        boolean shared = models.stream().anyMatch(p -> !data.containsKey(p.toString()));
        Path[] inputs = sharedInputs(manifestFile, dir, r, shared);
        List<Path> ood = new ArrayList<>();
        if (r.has("ood")) {
            for (String o : strings(r.path("ood"), List.of())) ood.add(path(manifestFile, "regress.ood[]", dir, o));
        } else {
            // the OOD sets are optional: the bundled ones when the folder has them, else none
            for (String o : List.of("ood/fashion-200-images.npy", "ood/noise-200-images.npy"))
                if (Files.isRegularFile(dir.resolve(o))) ood.add(path(manifestFile, "regress.ood[]", dir, o));
        }
        return new Plan(
                models,
                crossbars,
                targets,
                (int) integer(manifestFile, r, "count", 200, 1, Integer.MAX_VALUE),
                (int) integer(manifestFile, r, "samples", 8, 0, Limits.MAX_SAMPLES),
                r.path("seed").asLong(0),
                inputs[0],
                inputs[1],
                ood,
                mcd,
                data);
    }

    /**
     * The images and labels of the models without their own test_data: {@code regress.inputs} (labels beside them,
     * or {@code regress.labels}), else the manifest folder's own dataset (test-images.npy with test-labels.npy, or
     * its one *images.npy / *labels.npy pair), else the bundled MNIST subset's place. Nulls when no model needs
     * them; one line naming the missing key when a model does and none is found.
     */
    private static Path[] sharedInputs(Path manifestFile, Path dir, JsonNode r, boolean needed) {
        if (r.hasNonNull("inputs")) {
            String inputs = r.get("inputs").asText();
            String labels = r.path("labels").asText(inputs.replace("images.npy", "labels.npy"));
            return new Path[] {
                path(manifestFile, "regress.inputs", dir, inputs), path(manifestFile, "regress.labels", dir, labels)
            };
        }
        if (r.hasNonNull("labels"))
            throw new BnncimException(manifestFile + ": regress.labels is given without regress.inputs");
        if (!needed) return new Path[] {null, null};
        String why;
        try {
            Path[] own = Inputs.datasetFiles(dir, true);
            return new Path[] {own[0].normalize(), own[1].normalize()};
        } catch (BnncimException e) {
            why = e.getMessage();
        }
        Path bundled = dir.resolve(BUNDLED_INPUTS);
        Path bundledLabels = dir.resolve(BUNDLED_INPUTS.replace("images.npy", "labels.npy"));
        if (Files.isRegularFile(bundled) && Files.isRegularFile(bundledLabels))
            return new Path[] {bundled.normalize(), bundledLabels.normalize()};
        throw new BnncimException(
                manifestFile + ": regress.inputs is missing and the folder has no dataset of its own ("
                        + why + "); add \"regress\": {\"inputs\": \"X-images.npy\", \"labels\": \"X-labels.npy\"} "
                        + "or a model's test_data");
    }

    /** Where testdata/ keeps its 1,000 MNIST digits: the default of manifests written before DIR's own dataset. */
    private static final String BUNDLED_INPUTS = "mnist/test-1000-images.npy";

    /** {@code rel} resolved against the manifest's folder; a NUL or other byte no path can hold is refused. */
    static Path path(Path manifestFile, String key, Path dir, String rel) {
        try {
            return dir.resolve(rel).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new BnncimException(manifestFile + ": " + key + " is not a valid path (" + e.getReason() + ")");
        }
    }

    /** {@code key} of the regress section, or {@code dflt} when absent; an integer in [lo, hi] or refused. */
    private static long integer(Path manifestFile, JsonNode r, String key, long dflt, long lo, long hi) {
        JsonNode v = r.get(key);
        if (v == null || v.isNull()) return dflt;
        String where = manifestFile + ": regress." + key;
        if (!v.canConvertToLong() || !v.isIntegralNumber())
            throw new BnncimException(where + " must be an integer, got " + v);
        return Limits.range(where, v.asLong(), lo, hi);
    }

    private static List<String> strings(JsonNode n, List<String> dflt) {
        if (!n.isArray()) return dflt;
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }

    /** Measures every run of the plan: run name -> metric -> value (deterministic order). */
    public static Map<String, Map<String, JsonNode>> measure(Plan plan, int threads) {
        Map<String, Map<String, JsonNode>> out = new TreeMap<>();
        for (Path model : plan.models()) {
            boolean mcd = plan.mcDropout().contains(model.toString());
            var imported = OnnxImporter.importFile(model, new OnnxImporter.Options(mcd, false, 255));
            int per = imported.inputs().get(0).shape().size();
            TestData data = plan.data(model);
            ModelOutput output = ModelOutput.of(imported);
            RegressionPixels.Data seg = null;
            float[][] x;
            int[] labels = null;
            if (output.pixels()) {
                seg = RegressionPixels.read(model, data, per, output, plan.count());
                x = seg.test().inputs();
            } else {
                if (data.segmentation())
                    throw new BnncimException(model + ": test_data has masks but the output is not per-pixel [C,H,W]");
                float[][] all = Inputs.read(data.images(), per).examples();
                x = java.util.Arrays.copyOf(all, Math.min(plan.count(), all.length));
                labels = Inputs.labels(data.labels(), all.length, output.classes());
            }
            int n = x.length;
            for (String xb : plan.crossbars()) {
                int[] rc = Limits.crossbar(xb, xb);
                Architecture a = ArchitectureLoader.defaults().withCrossbar(rc[0], rc[1]);
                var c = Compiler.compile(
                        imported,
                        new Compiler.Options(OnnxImporter.Options.DEFAULT, a, plan.samples(), Set.of()),
                        s -> {});
                Map<String, JsonNode> metrics = new LinkedHashMap<>();
                CostReport r = c.report();
                metrics.put("crossbars_used", JSON.valueToTree(r.crossbarsUsed()));
                metrics.put("crossbars_lower_bound", JSON.valueToTree(r.crossbarsLowerBound()));
                metrics.put("utilization", JSON.valueToTree(round(r.utilization())));
                metrics.put("stochastic_units", JSON.valueToTree(r.stochasticUnits()));
                metrics.put(
                        "energy_pj_deterministic",
                        JSON.valueToTree(round(r.deterministic().energyPj())));
                metrics.put("energy_pj_mc", JSON.valueToTree(round(r.mc().energyPj())));
                metrics.put(
                        "energy_pj_mc_scheduled",
                        JSON.valueToTree(round(r.montecarlo().scheduled().energyPj())));
                metrics.put(
                        "latency_ns_deterministic",
                        JSON.valueToTree(round(r.deterministic().latencyNs())));
                metrics.put("area_mm2", JSON.valueToTree(round(r.mc().areaMm2())));
                Program p = Program.of(c.mapped());
                Simulator sim = new Simulator(p, Faults.NONE, plan.seed());
                float[][][] det = sim.run(x, 0, null, threads, null);
                boolean stochastic = p.stochasticBits() > 0 || mcd;
                StringBuilder dp = new StringBuilder(), mp = new StringBuilder();
                Metrics.Predictive[] mc = new Metrics.Predictive[n];
                Metrics.Predictive[] dt = new Metrics.Predictive[n];
                float[][][] mcOut = stochastic
                        ? sim.run(x, plan.samples(), BitSource.counterBased(c.mapped(), plan.seed(), 0), threads, null)
                        : det;
                java.util.function.Function<float[][], float[][][]> runOod = ox -> sim.run(
                        ox,
                        stochastic ? plan.samples() : 0,
                        BitSource.counterBased(c.mapped(), plan.seed() + 1, 0),
                        threads,
                        null);
                if (seg != null) {
                    RegressionPixels.measure(seg, det, mcOut, runOod, metrics);
                    finish(plan, c, p, metrics);
                    out.put(runName(model, xb), metrics);
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    dt[i] = Metrics.predictive(det[i]);
                    mc[i] = Metrics.predictive(mcOut[i]);
                    dp.append(dt[i].predicted());
                    mp.append(mc[i].predicted());
                }
                int[] lab = java.util.Arrays.copyOf(labels, n);
                metrics.put("predictions_deterministic", JSON.valueToTree(dp.toString()));
                metrics.put("predictions_mc", JSON.valueToTree(mp.toString()));
                metrics.put("accuracy_deterministic", JSON.valueToTree(round(Metrics.accuracy(dt, lab))));
                metrics.put("accuracy_mc", JSON.valueToTree(round(Metrics.accuracy(mc, lab))));
                double[] ent = java.util.Arrays.stream(mc)
                        .mapToDouble(Metrics.Predictive::predictiveEntropy)
                        .toArray();
                metrics.put(
                        "mean_entropy_mc",
                        JSON.valueToTree(
                                round(java.util.Arrays.stream(ent).average().orElse(0))));
                ObjectNode auroc = JSON.createObjectNode();
                for (Path o : data.ood()) {
                    float[][] ox = Inputs.read(o, per).examples();
                    float[][][] oy = runOod.apply(ox);
                    double[] oent = new double[ox.length];
                    for (int i = 0; i < ox.length; i++)
                        oent[i] = Metrics.predictive(oy[i]).predictiveEntropy();
                    auroc.put(o.getFileName().toString().replace("-images.npy", ""), round(Metrics.auroc(ent, oent)));
                }
                metrics.put("ood_auroc", auroc);
                finish(plan, c, p, metrics);
                out.put(runName(model, xb), metrics);
            }
        }
        return out;
    }

    private static String runName(Path model, String crossbar) {
        return model.getFileName().toString().replace(".onnx", "") + "@" + crossbar;
    }

    private static void finish(Plan plan, Compiler.Compiled c, Program p, Map<String, JsonNode> metrics) {
        // the program the simulator just ran, encoded as compile writes it (no need to render the reports)
        metrics.put("program_sha256", JSON.valueToTree(sha256(org.bnncim.backends.sim.ProgramCodec.encode(p))));
        if (plan.targets().contains("verilog") || plan.targets().contains("all")) {
            metrics.put("verilog_sha256", JSON.valueToTree(verilogHash(c, plan.seed())));
        }
    }

    /**
     * Hash of every generated Verilog file; a model the backend cannot map records why, so support shows up as a
     * change.
     */
    private static String verilogHash(Compiler.Compiled c, long seed) {
        MessageDigest md = digest();
        try {
            Compiler.outputs(c, false, new org.bnncim.backends.verilog.VerilogBackend.Options(null, 0, seed))
                    .forEach((k, v) -> {
                        if (!k.startsWith("verilog/")) return;
                        md.update(k.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        md.update(v);
                    });
        } catch (BnncimException e) {
            return "unsupported";
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static double round(double v) {
        return v == 0 || !Double.isFinite(v)
                ? 0
                : new java.math.BigDecimal(v)
                        .round(new java.math.MathContext(10))
                        .doubleValue();
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] b) {
        return HexFormat.of().formatHex(digest().digest(b));
    }

    /** Compares measured runs with a baseline document; every baseline run and metric must be present now. */
    public static List<Row> compare(JsonNode baseline, Map<String, Map<String, JsonNode>> now) {
        Map<String, Tolerance> tol = new LinkedHashMap<>(DEFAULT_TOLERANCES);
        baseline.path("tolerances")
                .fields()
                .forEachRemaining(e -> tol.put(e.getKey(), Tolerance.read(e.getValue(), tol.get(e.getKey()))));
        List<Row> rows = new ArrayList<>();
        JsonNode runs = baseline.path("runs");
        java.util.Set<String> names = new java.util.TreeSet<>(now.keySet());
        runs.fieldNames().forEachRemaining(names::add);
        for (String run : names) {
            Map<String, JsonNode> m = now.get(run);
            JsonNode b = runs.get(run);
            if (m == null) {
                rows.add(new Row(
                        run,
                        "(run)",
                        JSON.valueToTree("present"),
                        JSON.valueToTree("missing"),
                        "model or size no longer run",
                        Verdict.REGRESSION));
                continue;
            }
            if (b == null) {
                rows.add(new Row(
                        run,
                        "(run)",
                        JSON.valueToTree("missing"),
                        JSON.valueToTree("present"),
                        "not in the baseline: --update to add",
                        Verdict.REGRESSION));
                continue;
            }
            java.util.Set<String> metrics = new java.util.LinkedHashSet<>(m.keySet());
            b.fieldNames().forEachRemaining(metrics::add);
            for (String metric : metrics) {
                JsonNode bv = b.get(metric), nv = m.get(metric);
                Tolerance t = tol.getOrDefault(metric, new Tolerance("exact", 0));
                rows.add(new Row(run, metric, bv, nv, delta(bv, nv), verdict(t, bv, nv)));
            }
        }
        return rows;
    }

    /** An object metric (OOD AUROC per set) is improved when every entry that moved moved the better way. */
    static Verdict verdict(Tolerance t, JsonNode bv, JsonNode nv) {
        if (bv != null && nv != null && bv.isObject() && nv.isObject()) {
            if (bv.size() != nv.size()) return Verdict.REGRESSION;
            boolean moved = false;
            for (var it = bv.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (t.accepts(bv.get(k), nv.get(k))) continue;
                if (!t.improves(bv.get(k), nv.get(k))) return Verdict.REGRESSION;
                moved = true;
            }
            return moved ? Verdict.IMPROVED : Verdict.OK;
        }
        if (t.accepts(bv, nv)) return Verdict.OK;
        return t.improves(bv, nv) ? Verdict.IMPROVED : Verdict.REGRESSION;
    }

    static String delta(JsonNode b, JsonNode n) {
        if (b == null || n == null) return b == null ? "new metric" : "metric missing";
        if (b.isNumber() && n.isNumber()) {
            double d = n.asDouble() - b.asDouble();
            if (d == 0) return "0";
            double rel = b.asDouble() == 0 ? Double.NaN : d / Math.abs(b.asDouble());
            return String.format(
                    Locale.ROOT,
                    "%+.6g%s",
                    d,
                    Double.isNaN(rel) ? "" : String.format(Locale.ROOT, " (%+.3g%%)", 100 * rel));
        }
        if (b.isTextual() && n.isTextual() && b.asText().length() == n.asText().length() && !b.equals(n)) {
            int diff = 0, first = -1;
            for (int i = 0; i < b.asText().length(); i++) {
                if (b.asText().charAt(i) != n.asText().charAt(i)) {
                    diff++;
                    if (first < 0) first = i;
                }
            }
            return diff + " of " + b.asText().length() + " differ (first at " + first + ")";
        }
        if (b.isObject() && n.isObject()) {
            List<String> parts = new ArrayList<>();
            b.fieldNames().forEachRemaining(k -> {
                if (n.has(k) && !n.get(k).equals(b.get(k))) parts.add(k + " " + delta(b.get(k), n.get(k)));
            });
            return parts.isEmpty() ? "0" : String.join(", ", parts);
        }
        return b.equals(n) ? "0" : "changed";
    }

    /** The baseline document for {@code now}, keeping the tolerances of {@code old} (if any). */
    public static ObjectNode baseline(JsonNode old, Map<String, Map<String, JsonNode>> now) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        root.put("comment", "bnncim regress baseline: rewrite deliberately with `bnncim regress DIR --update`");
        ObjectNode tol = root.putObject("tolerances");
        Map<String, Tolerance> t = new LinkedHashMap<>(DEFAULT_TOLERANCES);
        if (old != null)
            old.path("tolerances")
                    .fields()
                    .forEachRemaining(e -> t.put(e.getKey(), Tolerance.read(e.getValue(), t.get(e.getKey()))));
        t.forEach((k, v) -> {
            ObjectNode o = tol.putObject(k);
            o.put("kind", v.kind());
            o.put("value", v.value());
            o.put("better", v.better());
        });
        ObjectNode runs = root.putObject("runs");
        now.forEach((run, metrics) -> {
            ObjectNode o = runs.putObject(run);
            metrics.forEach(o::set);
        });
        return root;
    }
}
