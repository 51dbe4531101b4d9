package org.bnncim.compiler.sweep;

import static org.bnncim.compiler.sweep.SweepChart.esc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.compiler.driver.SvgPlot;
import org.bnncim.compiler.sweep.SweepChart.Layer;
import org.bnncim.compiler.sweep.SweepChart.Line;
import org.bnncim.compiler.sweep.SweepChart.Marker;
import org.bnncim.compiler.sweep.SweepChart.Scale;
import org.bnncim.ir.SafeText;

/**
 * The Pareto plots of sweep.html, from the results table: energy against accuracy (with the MC-Dropout baseline),
 * area against AUROC per OOD set, and accuracy against the fault rate per crossbar size (SweepFaultPlot). Only
 * points whose status is ok are drawn; a value that is null or not finite leaves its point out of that plot.
 */
final class SweepPlots {
    private SweepPlots() {}

    static final String FRONT_COLOUR = "#111";
    static final String BASELINE = "MC-Dropout baseline (cost model)";

    /** A plot and what it shows; {@code svg} is null where there was nothing to draw, and the caption says why. */
    record Figure(String svg, String caption) {}

    static List<Figure> all(List<String> columns, List<Map<String, Object>> rows) {
        List<Figure> out = new ArrayList<>();
        out.add(energyAccuracy(rows));
        for (String c : columns) if (c.startsWith("auroc_")) out.add(areaAuroc(rows, c));
        out.add(SweepFaultPlot.render(rows));
        return out;
    }

    /** Row indices (into {@code rows}) of the Pareto front of energy for T passes against accuracy, by energy. */
    static List<Integer> energyFront(List<Map<String, Object>> rows) {
        return front(rows, "energy_pj_T", "accuracy");
    }

    private static List<Integer> front(List<Map<String, Object>> rows, String cost, String quality) {
        double[] x = new double[rows.size()], y = new double[rows.size()];
        for (int i = 0; i < x.length; i++) {
            boolean ok = ok(rows.get(i));
            x[i] = ok ? num(rows.get(i), cost) : Double.NaN;
            y[i] = ok ? num(rows.get(i), quality) : Double.NaN;
        }
        return Pareto.front(x, y);
    }

    private static Figure energyAccuracy(List<Map<String, Object>> rows) {
        List<Integer> front = energyFront(rows);
        Map<String, List<Integer>> byModel = byModel(rows, "energy_pj_T", "accuracy");
        if (byModel.isEmpty())
            return new Figure(
                    null,
                    "<b>Energy against accuracy</b>: no point that ran has both an energy and an"
                            + " accuracy, so there is nothing to draw.");
        List<Double> xs = new ArrayList<>();
        for (List<Integer> idx : byModel.values())
            for (int i : idx) {
                xs.add(num(rows.get(i), "energy_pj_T"));
                xs.add(num(rows.get(i), "mc_dropout_energy_pj_T"));
            }
        int u = energyUnit(xs);
        Scale x = Scale.of("energy for T passes (" + ENERGY_UNITS[u] + ", cost model)", xs, Math.pow(1000, u), true);
        Scale y = Scale.of("accuracy", column(rows, byModel, "accuracy"), 1, false, 0, 1);
        List<Layer> pairs = new ArrayList<>(), baselines = new ArrayList<>(), points = new ArrayList<>();
        StringBuilder savings = new StringBuilder();
        int k = 0;
        for (var e : byModel.entrySet()) {
            String colour = SvgPlot.colour(k);
            List<Integer> idx = e.getValue();
            double[] px = values(rows, idx, "energy_pj_T"), py = values(rows, idx, "accuracy");
            double[] bx = values(rows, idx, "mc_dropout_energy_pj_T");
            double[] sx = new double[2 * idx.size()], sy = new double[2 * idx.size()];
            double[] ratio = new double[idx.size()];
            for (int i = 0; i < idx.size(); i++) {
                sx[2 * i] = px[i];
                sx[2 * i + 1] = bx[i];
                sy[2 * i] = sy[2 * i + 1] = py[i];
                ratio[i] = px[i] > 0 ? bx[i] / px[i] : Double.NaN;
            }
            pairs.add(new Layer(null, colour, Marker.NONE, false, Line.PAIRS, sx, sy));
            baselines.add(new Layer(null, colour, Marker.of(k), true, Line.NONE, bx, py));
            points.add(new Layer(e.getKey(), colour, Marker.of(k), false, Line.NONE, px, py));
            double median = median(ratio);
            if (Double.isFinite(median))
                savings.append(savings.isEmpty() ? "" : "; ")
                        .append(esc(e.getKey()))
                        .append(": the baseline needs ")
                        .append(SweepHtml.sig(median))
                        .append("\u00d7 the energy");
            k++;
        }
        List<Layer> layers = new ArrayList<>(pairs);
        layers.addAll(baselines);
        layers.addAll(points);
        // one legend row for the baselines of all models: each is drawn in its model's colour and shape
        layers.add(new Layer(BASELINE, "#555", Marker.CIRCLE, true, Line.PAIRS, new double[0], new double[0]));
        layers.add(frontLayer(rows, front, "energy_pj_T", "accuracy", "Pareto front"));
        String svg = SweepChart.render("Energy against accuracy", x, y, layers);
        String caption = "<b>Energy against accuracy.</b> A filled marker per point that ran (one colour and shape"
                + " per model): the cost model&#39;s energy for its T Monte-Carlo passes against its accuracy on the"
                + " in-distribution set"
                + (x.log() ? " (log axis: the energies span more than ten times)" : "")
                + ". The black step line is the Pareto front (least energy, most accuracy): the "
                + count(rows, front, "energy_pj_T", "accuracy")
                + " for which no other point has as little energy and as much accuracy and is better in one of them;"
                + " their rows are highlighted in the table."
                + " Hollow markers in the model&#39;s colour and shape, joined to their point by a dashed line: the"
                + " same points under the " + BASELINE + ", per-neuron MC-Dropout masks in place of"
                + " Scale-Dropout&#39;s, at the same accuracy"
                + (savings.isEmpty() ? "." : " (median over the points: " + savings + ").");
        return new Figure(svg, caption);
    }

    private static Figure areaAuroc(List<Map<String, Object>> rows, String column) {
        String set = SafeText.visible(column.substring("auroc_".length())); // SvgPlot escapes titles for markup only
        String title = "Area against AUROC (" + set + ")";
        Map<String, List<Integer>> byModel = byModel(rows, "area_mm2", column);
        if (byModel.isEmpty())
            return new Figure(
                    null,
                    "<b>" + esc(title) + "</b>: no point that ran has both an area and an AUROC"
                            + " on this set, so there is nothing to draw.");
        List<Integer> front = front(rows, "area_mm2", column);
        Scale x = Scale.of("chip area (mm\u00b2, cost model)", column(rows, byModel, "area_mm2"), 1, true);
        Scale y = Scale.of("AUROC, " + set + " as OOD", column(rows, byModel, column), 1, false, 0, 1);
        List<Layer> layers = new ArrayList<>();
        int k = 0;
        for (var e : byModel.entrySet()) {
            List<Integer> idx = e.getValue();
            layers.add(new Layer(
                    e.getKey(),
                    SvgPlot.colour(k),
                    Marker.of(k),
                    false,
                    Line.NONE,
                    values(rows, idx, "area_mm2"),
                    values(rows, idx, column)));
            k++;
        }
        layers.add(frontLayer(rows, front, "area_mm2", column, "Pareto front"));
        String caption = "<b>" + esc(title) + ".</b> A marker per point that ran: the cost model&#39;s chip area"
                + " against how well predictive entropy tells the in-distribution set from the OOD set <i>"
                + esc(set) + "</i> (AUROC; 0.5 is chance)"
                + (x.log() ? " (log axis: the areas span more than ten times)" : "")
                + ". The black step line is the Pareto front (least area, highest AUROC): the "
                + count(rows, front, "area_mm2", column)
                + ".";
        return new Figure(SweepChart.render(title, x, y, layers), caption);
    }

    /** "3 ringed points", and where equal points share a ring, at how many places. */
    private static String count(List<Map<String, Object>> rows, List<Integer> front, String cx, String cy) {
        java.util.Set<List<Double>> places = new java.util.HashSet<>();
        for (int i : front) places.add(List.of(num(rows.get(i), cx), num(rows.get(i), cy)));
        String n = front.size() + (front.size() == 1 ? " ringed point" : " ringed points");
        if (places.size() == front.size()) return n;
        return n + " (at " + places.size() + (places.size() == 1 ? " place" : " places") + ": equal points share one)";
    }

    private static Layer frontLayer(
            List<Map<String, Object>> rows, List<Integer> front, String cx, String cy, String name) {
        return new Layer(
                name, FRONT_COLOUR, Marker.RING, false, Line.STEP, values(rows, front, cx), values(rows, front, cy));
    }

    // ---------------------------------------------------------------- table access

    static final String[] ENERGY_UNITS = {"pJ", "nJ", "\u00b5J", "mJ", "J"};

    /** The largest of ENERGY_UNITS (each 1000 times the one before) that the biggest energy is at least one of. */
    static int energyUnit(List<Double> pj) {
        double max = 0;
        for (double v : pj) if (Double.isFinite(v)) max = Math.max(max, Math.abs(v));
        int u = 0;
        while (u < ENERGY_UNITS.length - 1 && max >= Math.pow(1000, u + 1)) u++;
        return u;
    }

    static boolean ok(Map<String, Object> r) {
        return "ok".equals(r.get("status"));
    }

    static double num(Map<String, Object> r, String c) {
        return r.get(c) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static String text(Map<String, Object> r, String c) {
        Object v = r.get(c);
        return v == null ? "" : String.valueOf(v);
    }

    /** Ok rows with both values finite, by model in first-seen order. */
    static Map<String, List<Integer>> byModel(List<Map<String, Object>> rows, String cx, String cy) {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> r = rows.get(i);
            if (!ok(r) || !Double.isFinite(num(r, cx)) || !Double.isFinite(num(r, cy))) continue;
            out.computeIfAbsent(text(r, "model"), m -> new ArrayList<>()).add(i);
        }
        return out;
    }

    static double[] values(List<Map<String, Object>> rows, List<Integer> idx, String c) {
        double[] v = new double[idx.size()];
        for (int i = 0; i < v.length; i++) v[i] = num(rows.get(idx.get(i)), c);
        return v;
    }

    /** Every plotted value of a column (the front's points are among them). */
    private static List<Double> column(List<Map<String, Object>> rows, Map<String, List<Integer>> byModel, String c) {
        List<Double> out = new ArrayList<>();
        for (List<Integer> idx : byModel.values()) for (int i : idx) out.add(num(rows.get(i), c));
        return out;
    }

    static double median(double[] v) {
        double[] f = Arrays.stream(v).filter(Double::isFinite).sorted().toArray();
        if (f.length == 0) return Double.NaN;
        return f.length % 2 == 1 ? f[f.length / 2] : (f[f.length / 2 - 1] + f[f.length / 2]) / 2;
    }
}
