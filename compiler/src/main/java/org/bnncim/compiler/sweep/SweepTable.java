package org.bnncim.compiler.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.compiler.driver.EvaluationService;
import org.bnncim.compiler.driver.Metrics;
import org.bnncim.ir.arch.Architecture;

/**
 * The results table: one row per grid point, in a fixed column order. A value is a String, a Long, a Double or null
 * (a metric that does not apply, or a point that failed); results.csv and results.jsonl print the same values.
 */
public final class SweepTable {
    private SweepTable() {}

    /** The columns that say which point a row is: its options (the grid's axes). */
    public static final List<String> OPTIONS =
            List.of("model", "arch", "crossbar", "weight_encoding", "chips", "faults", "samples", "seed");

    /** The columns before the per-OOD-set AUROC columns ({@code auroc_<set>}). */
    public static final List<String> COLUMNS = concat(
            List.of("point", "status"),
            OPTIONS,
            List.of(
                    "crossbars_used",
                    "tiles_used",
                    "utilization",
                    "energy_pj_per_pass",
                    "latency_ns_per_pass",
                    "area_mm2",
                    "energy_pj_T",
                    "latency_ns_T",
                    "mc_dropout_energy_pj_T",
                    "mc_dropout_latency_ns_T",
                    "mc_dropout_area_mm2",
                    "examples",
                    "accuracy",
                    "nll",
                    "ece",
                    "mean_entropy",
                    "mean_mutual_information"));

    @SafeVarargs
    static List<String> concat(List<String>... parts) {
        List<String> out = new ArrayList<>();
        for (List<String> p : parts) out.addAll(p);
        return List.copyOf(out);
    }

    public static List<String> columns(SweepSpec s) {
        List<String> c = new ArrayList<>(COLUMNS);
        for (String n : s.oodNames()) c.add("auroc_" + n);
        return c;
    }

    /** The options of a point as the table shows them. */
    static Map<String, Object> options(SweepSpec s, SweepPlan.Point p, Architecture a) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("point", (long) p.index());
        r.put("status", "ok");
        r.put("model", s.models().get(p.model()).name());
        String arch = s.archs().get(p.arch());
        r.put(
                "arch",
                arch == null
                        ? "default"
                        : java.nio.file.Path.of(arch).getFileName().toString());
        r.put("crossbar", a == null ? null : a.rows() + "x" + a.cols());
        r.put("weight_encoding", a == null ? null : a.encoding().name().toLowerCase(java.util.Locale.ROOT));
        r.put("chips", a == null ? null : (long) a.chips());
        r.put("faults", s.faults().get(p.faults()));
        r.put("samples", (long) s.samples().get(p.samples()));
        r.put("seed", s.seeds().get(p.seed()));
        return r;
    }

    /** A point that could not run: its options, the reason as status, every metric null. */
    static Map<String, Object> failed(SweepSpec s, SweepPlan.Point p, Architecture a, String why) {
        Map<String, Object> r = options(s, p, a);
        r.put("status", "error: " + why);
        return complete(s, r);
    }

    /** A point's row from its cost report and the per-example results of its tasks (all sets, any order). */
    static Map<String, Object> row(
            SweepSpec s, SweepPlan.Point p, Architecture a, CostReport cost, List<SweepWorker.TaskResult> results) {
        for (SweepWorker.TaskResult t : results) if (t.error() != null) return failed(s, p, a, t.error());
        Map<String, Object> r = options(s, p, a);
        r.put("crossbars_used", (long) cost.crossbarsUsed());
        r.put("tiles_used", (long) cost.tilesUsed());
        r.put("utilization", cost.utilization());
        r.put("energy_pj_per_pass", cost.deterministic().energyPj());
        r.put("latency_ns_per_pass", cost.deterministic().latencyNs());
        r.put("area_mm2", cost.deterministic().areaMm2());
        r.put("energy_pj_T", cost.mc().energyPj());
        r.put("latency_ns_T", cost.mc().latencyNs());
        r.put("mc_dropout_energy_pj_T", cost.baselineMcDropout().energyPj());
        r.put("mc_dropout_latency_ns_T", cost.baselineMcDropout().latencyNs());
        r.put("mc_dropout_area_mm2", cost.baselineMcDropout().areaMm2());
        List<SweepWorker.TaskResult> sorted = new ArrayList<>(results);
        sorted.sort(
                Comparator.comparingInt((SweepWorker.TaskResult t) -> t.task().set())
                        .thenComparingInt(t -> t.task().first()));
        Metrics.Predictive[] id = preds(sorted, 0);
        int[] labels = labels(sorted);
        r.put("examples", (long) id.length);
        r.put("accuracy", Metrics.accuracy(id, labels));
        r.put("nll", Metrics.nll(id, labels));
        r.put("ece", Metrics.ece(id, labels, EvaluationService.ECE_BINS));
        double[] ent = new double[id.length], mi = new double[id.length];
        for (int i = 0; i < id.length; i++) {
            ent[i] = id[i].predictiveEntropy();
            mi[i] = id[i].mutualInformation();
        }
        r.put("mean_entropy", mean(ent));
        r.put("mean_mutual_information", mean(mi));
        List<SweepSpec.DataSet> ood = s.models().get(p.model()).ood();
        for (int k = 0; k < ood.size(); k++) {
            Metrics.Predictive[] o = preds(sorted, k + 1);
            double[] oe = new double[o.length];
            for (int i = 0; i < o.length; i++) oe[i] = o[i].predictiveEntropy();
            r.put("auroc_" + ood.get(k).name(), Metrics.auroc(ent, oe));
        }
        return complete(s, r);
    }

    private static Map<String, Object> complete(SweepSpec s, Map<String, Object> r) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String c : columns(s)) out.put(c, r.get(c));
        return out;
    }

    private static Metrics.Predictive[] preds(List<SweepWorker.TaskResult> sorted, int set) {
        List<Metrics.Predictive> out = new ArrayList<>();
        for (SweepWorker.TaskResult t : sorted) {
            if (t.task().set() != set) continue;
            int k = t.classes();
            for (int i = 0; i < t.task().count(); i++) {
                double[] mean = java.util.Arrays.copyOfRange(t.mean(), i * k, (i + 1) * k);
                out.add(new Metrics.Predictive(mean, Metrics.entropy(mean), t.expectedEntropy()[i]));
            }
        }
        return out.toArray(Metrics.Predictive[]::new);
    }

    private static int[] labels(List<SweepWorker.TaskResult> sorted) {
        return sorted.stream()
                .filter(t -> t.task().set() == 0)
                .flatMapToInt(t -> java.util.Arrays.stream(t.labels()))
                .toArray();
    }

    /** As eval averages (DoubleStream's compensated sum), so that the same point prints the same figure. */
    private static Double mean(double[] v) {
        return v.length == 0 ? null : java.util.Arrays.stream(v).average().orElseThrow();
    }

    // ------------------------------------------------------------------------------------------ formats

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One JSON object per line, keys in column order. */
    public static String jsonLines(List<Map<String, Object>> rows) {
        StringBuilder b = new StringBuilder();
        for (Map<String, Object> r : rows) b.append(json(r)).append('\n');
        return b.toString();
    }

    static String json(Map<String, Object> r) {
        ObjectNode o = JSON.createObjectNode();
        r.forEach((k, v) -> {
            switch (v) {
                case null -> o.putNull(k);
                case String t -> o.put(k, t);
                case Long l -> o.put(k, l);
                case Double d when Double.isFinite(d) -> o.put(k, d);
                case Double d -> o.putNull(k);
                default -> throw new IllegalArgumentException(k + ": " + v.getClass());
            }
        });
        return o.toString();
    }

    /** A row read back from a point file: numbers as Long or Double, as they were written. */
    static Map<String, Object> fromJson(JsonNode o, List<String> columns) {
        Map<String, Object> r = new LinkedHashMap<>();
        for (String c : columns) {
            JsonNode v = o.get(c);
            if (v == null || v.isNull()) r.put(c, null);
            else if (v.isTextual()) r.put(c, v.textValue());
            else if (v.isIntegralNumber()) r.put(c, v.longValue());
            else if (v.isNumber()) r.put(c, v.doubleValue());
            else throw new IllegalArgumentException(c);
        }
        return r;
    }

    /** RFC 4180 CSV with a header; numbers in Java's shortest round-trip form, null as an empty field. */
    public static String csv(List<String> columns, List<Map<String, Object>> rows) {
        StringBuilder b = new StringBuilder();
        b.append(String.join(",", columns.stream().map(SweepTable::field).toList()))
                .append('\n');
        for (Map<String, Object> r : rows) {
            List<String> f = new ArrayList<>();
            for (String c : columns) {
                Object v = r.get(c);
                f.add(v == null || (v instanceof Double d && !Double.isFinite(d)) ? "" : field(String.valueOf(v)));
            }
            b.append(String.join(",", f)).append('\n');
        }
        return b.toString();
    }

    private static String field(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
