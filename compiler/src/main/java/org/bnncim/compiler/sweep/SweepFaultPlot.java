package org.bnncim.compiler.sweep;

import static org.bnncim.compiler.sweep.SweepChart.esc;
import static org.bnncim.compiler.sweep.SweepPlots.num;
import static org.bnncim.compiler.sweep.SweepPlots.ok;
import static org.bnncim.compiler.sweep.SweepPlots.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bnncim.compiler.driver.SvgPlot;
import org.bnncim.compiler.sweep.SweepChart.Layer;
import org.bnncim.compiler.sweep.SweepChart.Line;
import org.bnncim.compiler.sweep.SweepChart.Marker;
import org.bnncim.compiler.sweep.SweepChart.Scale;

/**
 * sweep.html's plot of accuracy against the fault rate: one line per crossbar size (per model and crossbar size
 * when the sweep has several models), each point the mean accuracy over the seeds at one fault setting.
 */
final class SweepFaultPlot {
    private SweepFaultPlot() {}

    /** The fault kinds of the table's {@code faults} column, in its order. */
    static final List<String> KINDS = List.of("stuck-at", "read-flip", "rng-bias");

    /** What the fault column's values are plotted as: one kind's rate, or the sum of several. */
    record Rate(List<String> kinds, String title, String axis) {}

    /** The settings a fault string names, by kind (absent kinds are 0); null where it does not parse. */
    static double[] parse(String faults) {
        double[] v = new double[KINDS.size()];
        if (faults == null || faults.isBlank()) return v;
        for (String part : faults.split(",")) {
            String[] kv = part.split("=", 2);
            int k = KINDS.indexOf(kv[0].trim().toLowerCase(Locale.ROOT));
            if (kv.length != 2 || k < 0) return null;
            try {
                v[k] = Double.parseDouble(kv[1].trim()) + 0.0; // -0.0 is no other setting than 0.0
            } catch (NumberFormatException e) {
                return null;
            }
            if (!Double.isFinite(v[k])) return null;
        }
        return v;
    }

    /**
     * The kinds that vary over {@code settings}; when none does, the one set to something other than 0 (or stuck-at,
     * where all are 0), so that a sweep at a single fault setting still shows it.
     */
    static Rate rate(List<double[]> settings) {
        List<String> varying = new ArrayList<>();
        for (int k = 0; k < KINDS.size(); k++) {
            TreeSet<Double> seen = new TreeSet<>();
            for (double[] s : settings) seen.add(s[k]);
            if (seen.size() > 1) varying.add(KINDS.get(k));
        }
        if (varying.size() > 1) {
            String sum = String.join(" + ", varying);
            return new Rate(
                    varying,
                    "Accuracy against " + sum + " (their sum: several fault kinds vary)",
                    sum + " (sum of the settings)");
        }
        String kind = varying.isEmpty() ? fixedKind(settings) : varying.get(0);
        String suffix = varying.isEmpty() ? " (a single fault setting)" : "";
        String what = kind.equals("rng-bias") ? kind : kind + " rate";
        return new Rate(List.of(kind), "Accuracy against " + what + suffix, axisTitle(kind));
    }

    private static String fixedKind(List<double[]> settings) {
        for (int k = 0; k < KINDS.size(); k++) if (!settings.isEmpty() && settings.get(0)[k] != 0) return KINDS.get(k);
        return KINDS.get(0);
    }

    private static String axisTitle(String kind) {
        return switch (kind) {
            case "stuck-at" -> "stuck-at rate (share of cells stuck)";
            case "read-flip" -> "read-flip rate (probability a read flips)";
            default -> "rng-bias (added to switching probabilities)";
        };
    }

    static double x(Rate rate, double[] setting) {
        double sum = 0;
        for (String k : rate.kinds()) sum += setting[KINDS.indexOf(k)];
        return sum;
    }

    /**
     * What the plot shows.
     *
     * @param rate   what x is
     * @param means  per series, in legend order: the mean accuracy at each x
     * @param models how many models the plotted points have
     * @param used   the rows plotted
     */
    record Data(Rate rate, Map<String, TreeMap<Double, Double>> means, int models, List<Integer> used) {
        TreeSet<Double> rates() {
            TreeSet<Double> all = new TreeSet<>();
            for (TreeMap<Double, Double> m : means.values()) all.addAll(m.keySet());
            return all;
        }
    }

    /** The plot's numbers: ok rows with an accuracy and a fault setting that parses; null where there are none. */
    static Data data(List<Map<String, Object>> rows) {
        List<Integer> used = new ArrayList<>();
        List<double[]> settings = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> r = rows.get(i);
            double[] s = parse(r.get("faults") == null ? null : text(r, "faults"));
            if (!ok(r) || s == null || !Double.isFinite(num(r, "accuracy"))) continue;
            used.add(i);
            settings.add(s);
        }
        if (used.isEmpty()) return null;
        Rate rate = rate(settings);
        List<String> models = new ArrayList<>();
        for (int i : used) if (!models.contains(text(rows.get(i), "model"))) models.add(text(rows.get(i), "model"));
        // series -> x -> {sum of accuracies, count}
        Map<String, TreeMap<Double, double[]>> sums = new LinkedHashMap<>();
        for (String key : seriesOrder(rows, used, models)) sums.put(key, new TreeMap<>());
        for (int j = 0; j < used.size(); j++) {
            Map<String, Object> r = rows.get(used.get(j));
            double x = x(rate, settings.get(j));
            double[] acc = sums.get(key(r, models.size())).computeIfAbsent(x, z -> new double[2]);
            acc[0] += num(r, "accuracy");
            acc[1]++;
        }
        Map<String, TreeMap<Double, Double>> means = new LinkedHashMap<>();
        sums.forEach((key, m) -> {
            TreeMap<Double, Double> out = new TreeMap<>();
            m.forEach((x, acc) -> out.put(x, acc[0] / acc[1]));
            means.put(key, out);
        });
        return new Data(rate, means, models.size(), used);
    }

    static SweepPlots.Figure render(List<Map<String, Object>> rows) {
        Data d = data(rows);
        if (d == null)
            return new SweepPlots.Figure(
                    null,
                    "<b>Accuracy against fault rate</b>: no point that ran has an"
                            + " accuracy and a fault setting, so there is nothing to draw.");
        TreeSet<Double> rates = d.rates();
        boolean even = spansDecades(rates);
        Scale xs = even
                ? SweepChart.categories(
                        d.rate().axis(), rates.stream().map(SweepHtml::sig).toArray(String[]::new))
                : Scale.of(d.rate().axis(), new ArrayList<>(rates), 1, false);
        List<Double> ys = new ArrayList<>();
        List<Layer> layers = new ArrayList<>();
        int k = 0;
        for (var e : d.means().entrySet()) {
            double[] x = new double[e.getValue().size()], y = new double[x.length];
            int i = 0;
            for (var p : e.getValue().entrySet()) {
                x[i] = even ? rates.headSet(p.getKey()).size() : p.getKey();
                y[i] = p.getValue();
                ys.add(y[i]);
                i++;
            }
            layers.add(new Layer(e.getKey(), SvgPlot.colour(k), Marker.of(k), false, Line.SOLID, x, y));
            k++;
        }
        Scale y = Scale.of("accuracy (mean over seeds)", ys, 1, false, 0, 1);
        String caption = "<b>" + esc(d.rate().title()) + ".</b> One line per crossbar size"
                + (d.models() > 1 ? " and model" : "")
                + "; each marker is the mean accuracy over the seeds"
                + averagedOver(rows, d.used())
                + " of the points that ran at that fault setting"
                + (even ? " (the settings span decades and include 0, so they are evenly spaced)" : "")
                + ".";
        return new SweepPlots.Figure(SweepChart.render(d.rate().title(), xs, y, layers), caption);
    }

    /** Settings such as 0, 0.001, 0.01, 0.1: a linear axis would crowd all but the largest at 0. */
    private static boolean spansDecades(TreeSet<Double> rates) {
        double minPositive = rates.stream().filter(v -> v > 0).findFirst().orElse(0.0);
        return minPositive > 0 && rates.last() > 10 * minPositive;
    }

    /** Series in a fixed order: by model as first seen, then crossbar size by rows and columns. */
    private static List<String> seriesOrder(List<Map<String, Object>> rows, List<Integer> used, List<String> models) {
        record Key(int model, long rows, long cols, String crossbar, String name) {}
        List<Key> keys = new ArrayList<>();
        for (int i : used) {
            Map<String, Object> r = rows.get(i);
            String name = key(r, models.size());
            if (keys.stream().anyMatch(q -> q.name().equals(name))) continue;
            String xb = text(r, "crossbar");
            String[] rc = xb.split("x");
            long a = rc.length == 2 && rc[0].matches("\\d{1,9}") ? Long.parseLong(rc[0]) : Long.MAX_VALUE;
            long b = rc.length == 2 && rc[1].matches("\\d{1,9}") ? Long.parseLong(rc[1]) : Long.MAX_VALUE;
            keys.add(new Key(models.indexOf(text(r, "model")), a, b, xb, name));
        }
        keys.sort(java.util.Comparator.comparingInt(Key::model)
                .thenComparingLong(Key::rows)
                .thenComparingLong(Key::cols)
                .thenComparing(Key::crossbar));
        return keys.stream().map(Key::name).toList();
    }

    private static String key(Map<String, Object> r, int models) {
        String xb = r.get("crossbar") == null ? "default crossbar" : text(r, "crossbar");
        return models > 1 ? text(r, "model") + " @ " + xb : xb;
    }

    /** The option columns besides the seed that differ among the plotted points, which each mean also spans. */
    private static String averagedOver(List<Map<String, Object>> rows, List<Integer> used) {
        List<String> also = new ArrayList<>();
        for (String c : List.of("arch", "weight_encoding", "chips", "samples")) {
            TreeSet<String> seen = new TreeSet<>();
            for (int i : used) seen.add(text(rows.get(i), c));
            if (seen.size() > 1) also.add(c);
        }
        return also.isEmpty() ? "" : " (and over " + esc(String.join(", ", also)) + ", which the sweep also varies)";
    }
}
