package org.bnncim.compiler.driver;

import static org.bnncim.compiler.driver.SvgPlot.esc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * eval's page for a classifier: the metrics table, a reliability diagram, histograms of predictive entropy and
 * mutual information (in-distribution against each OOD set), ROC curves of OOD detection by entropy, accuracy and
 * AUROC against the number of passes T (prefixes of the same passes) and, with a fault sweep, against the fault
 * rate. One self-contained file: inline SVG and styles, no scripts.
 */
public final class ClassifierHtml {
    private ClassifierHtml() {}

    static final int HIST_BINS = 20;

    public static String render(EvaluationService.Result r, Optional<FaultSweep> sweep) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>bnncim eval: ")
                .append(esc(r.model().getFileName().toString()))
                .append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:16px;background:#fff;color:#222}\n")
                .append("table.m{border-collapse:collapse;margin:8px 0}\n")
                .append("table.m td,table.m th{border:1px solid #ccc;padding:2px 8px;text-align:right}\n")
                .append(".plots{display:flex;flex-wrap:wrap;gap:12px}\n")
                .append("</style></head><body>\n");
        b.append("<h1>Classifier evaluation</h1>\n<p>")
                .append(esc(r.model().getFileName().toString()))
                .append(" on ")
                .append(esc(r.data().name()))
                .append(" &middot; ")
                .append(esc(r.engine().name()))
                .append(", ")
                .append(
                        r.sim().samples() == 0
                                ? "deterministic"
                                : "Monte-Carlo, T=" + r.sim().samples() + ", seed="
                                        + r.sim().seed())
                .append(
                        r.sim().faults().any()
                                ? ", faults " + esc(r.sim().faults().toString())
                                : "")
                .append("</p>\n");
        table(b, r);
        b.append("<div class=\"plots\">\n");
        b.append(reliability(r));
        List<EvalData.Scored> all = new ArrayList<>(List.of(r.data()));
        all.addAll(r.oodData());
        double maxH = Math.log(r.data().preds()[0].mean().length);
        b.append(histogram("Predictive entropy", "entropy (nats)", all, EvalData.Scored::entropy, maxH));
        double maxMi = 0;
        for (EvalData.Scored s : all) for (double v : s.mutualInformation()) maxMi = Math.max(maxMi, v);
        b.append(histogram(
                "Mutual information", "mutual information (nats)", all, EvalData.Scored::mutualInformation, maxMi));
        if (!r.oodData().isEmpty()) b.append(roc(r));
        b.append(byPasses(r));
        sweep.ifPresent(s -> b.append(faults(r, s)));
        b.append("</div>\n</body></html>\n");
        return b.toString();
    }

    private static void table(StringBuilder b, EvaluationService.Result r) {
        b.append("<table class=\"m\"><tr><th>set</th><th>examples</th><th>accuracy</th><th>NLL</th><th>ECE</th>")
                .append("<th>mean entropy</th><th>mean MI</th><th>AUROC (entropy)</th><th>AUROC (MI)</th></tr>\n");
        b.append("<tr><td>")
                .append(esc(r.data().name()))
                .append(" (in-distribution)</td><td>")
                .append(r.examples())
                .append("</td>");
        for (double v : new double[] {
            r.accuracy(),
            r.nll(),
            r.ece(),
            r.meanEntropy(),
            EvalMetrics.mean(r.data().mutualInformation())
        }) b.append("<td>").append(f(v)).append("</td>");
        b.append("<td></td><td></td></tr>\n");
        for (int k = 0; k < r.oods().size(); k++) {
            EvaluationService.Ood o = r.oods().get(k);
            b.append("<tr><td>")
                    .append(esc(o.name()))
                    .append(" (OOD)</td><td>")
                    .append(o.examples())
                    .append("</td><td></td><td></td><td></td><td>")
                    .append(f(o.meanEntropy()))
                    .append("</td><td>")
                    .append(f(EvalMetrics.mean(r.oodData().get(k).mutualInformation())))
                    .append("</td><td>")
                    .append(f(o.auroc()))
                    .append("</td><td>")
                    .append(f(o.aurocMutualInformation()))
                    .append("</td></tr>\n");
        }
        b.append("</table>\n");
    }

    private static String reliability(EvaluationService.Result r) {
        List<EvalData.Bin> bins = EvalData.reliability(r.data(), EvaluationService.ECE_BINS);
        int n = bins.size();
        double[] lo = new double[n], hi = new double[n], acc = new double[n];
        for (int i = 0; i < n; i++) {
            lo[i] = bins.get(i).lo();
            hi[i] = bins.get(i).hi();
            acc[i] = bins.get(i).accuracy();
        }
        var x = SvgPlot.Axis.linear("confidence", 0, 1, 5);
        var y = SvgPlot.Axis.linear("accuracy", 0, 1, 5);
        var diag = new SvgPlot.Series("perfect calibration", "#555", new double[] {0, 1}, new double[] {0, 1}, true);
        return SvgPlot.bars("Reliability diagram (ECE " + f(r.ece()) + ", " + n + " bins)", x, y, lo, hi, acc, diag);
    }

    /** Share of each set's examples per bin of [0, max], one line per set. */
    private static String histogram(
            String title,
            String xTitle,
            List<EvalData.Scored> sets,
            java.util.function.Function<EvalData.Scored, double[]> of,
            double max) {
        double top = max > 0 ? max : 1;
        double[] centres = new double[HIST_BINS];
        for (int i = 0; i < HIST_BINS; i++) centres[i] = top * (i + 0.5) / HIST_BINS;
        List<SvgPlot.Series> series = new ArrayList<>();
        double peak = 0;
        for (int k = 0; k < sets.size(); k++) {
            double[] v = of.apply(sets.get(k));
            double[] share = new double[HIST_BINS];
            for (double e : v) share[Math.max(0, Math.min(HIST_BINS - 1, (int) (e / top * HIST_BINS)))]++;
            for (int i = 0; i < HIST_BINS; i++) {
                share[i] /= Math.max(1, v.length);
                peak = Math.max(peak, share[i]);
            }
            series.add(new SvgPlot.Series(label(sets.get(k), k), SvgPlot.colour(k), centres, share, false));
        }
        // headroom above the highest bar keeps the legend (top right) off the curves
        double yMax = Math.min(1, Math.ceil(peak * 1.45 * 10) / 10);
        return SvgPlot.lines(
                title,
                SvgPlot.Axis.round(xTitle, 0, top),
                SvgPlot.Axis.round("share of examples", 0, yMax > 0 ? yMax : 1),
                series);
    }

    private static String label(EvalData.Scored s, int k) {
        return k == 0 ? s.name() + " (in)" : s.name();
    }

    private static String roc(EvaluationService.Result r) {
        List<SvgPlot.Series> series = new ArrayList<>();
        double[] id = r.data().entropy();
        for (int k = 0; k < r.oodData().size(); k++) {
            List<double[]> pts = EvalData.roc(id, r.oodData().get(k).entropy());
            double[] x = new double[pts.size()], y = new double[pts.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = pts.get(i)[0];
                y[i] = pts.get(i)[1];
            }
            String name = r.oods().get(k).name() + " (" + f(r.oods().get(k).auroc()) + ")";
            series.add(new SvgPlot.Series(name, SvgPlot.colour(k + 1), x, y, false));
        }
        series.add(new SvgPlot.Series("chance", "#999", new double[] {0, 1}, new double[] {0, 1}, true));
        return SvgPlot.lines(
                "ROC of OOD detection by entropy",
                SvgPlot.Axis.linear("false-positive rate (in-distribution)", 0, 1, 5),
                SvgPlot.Axis.linear("true-positive rate (OOD)", 0, 1, 5),
                series,
                true);
    }

    private static String byPasses(EvaluationService.Result r) {
        int[] pts = r.data().points();
        double[] t = new double[pts.length], acc = new double[pts.length];
        for (int k = 0; k < pts.length; k++) {
            t[k] = pts[k];
            acc[k] = r.data().accuracyAt(k);
        }
        List<SvgPlot.Series> series = new ArrayList<>();
        series.add(new SvgPlot.Series("accuracy", SvgPlot.colour(0), t, acc, false));
        for (int j = 0; j < r.oodData().size(); j++) {
            double[] a = new double[pts.length];
            for (int k = 0; k < pts.length; k++)
                a[k] = Metrics.auroc(r.data().entropyAt(k), r.oodData().get(j).entropyAt(k));
            series.add(new SvgPlot.Series("AUROC " + r.oods().get(j).name(), SvgPlot.colour(j + 1), t, a, true));
        }
        double lo = yFloor(series);
        int last = pts[pts.length - 1];
        return SvgPlot.lines(
                "Accuracy and AUROC against passes T",
                SvgPlot.Axis.round("Monte-Carlo passes T (prefix of the same passes)", 1, Math.max(2, last)),
                SvgPlot.Axis.linear("accuracy / AUROC", lo, 1, 5),
                series,
                true);
    }

    private static String faults(EvaluationService.Result r, FaultSweep s) {
        int n = s.rates().size();
        double[] x = new double[n], acc = new double[n];
        String[] labels = new String[n];
        for (int i = 0; i < n; i++) {
            x[i] = i; // rates usually span decades and include 0, so they are placed evenly, labelled by value
            labels[i] = Double.toString(s.rates().get(i));
            acc[i] = s.results().get(i).accuracy();
        }
        List<SvgPlot.Series> series = new ArrayList<>();
        series.add(new SvgPlot.Series("accuracy", SvgPlot.colour(0), x, acc, false));
        for (int k = 0; k < r.oods().size(); k++) {
            double[] a = new double[n];
            for (int i = 0; i < n; i++) a[i] = s.results().get(i).oods().get(k).auroc();
            series.add(new SvgPlot.Series("AUROC " + r.oods().get(k).name(), SvgPlot.colour(k + 1), x, a, true));
        }
        var xAxis = new SvgPlot.Axis(s.kind() + " rate", -0.25, Math.max(1, n - 1) + 0.25, x, labels);
        return SvgPlot.lines(
                "Accuracy and AUROC against " + s.kind() + " rate",
                xAxis,
                SvgPlot.Axis.linear("accuracy / AUROC", yFloor(series), 1, 5),
                series,
                true);
    }

    /** The lower end of a [.., 1] axis: a multiple of 0.1 below every finite value. */
    private static double yFloor(List<SvgPlot.Series> series) {
        double min = 1;
        for (SvgPlot.Series s : series) for (double v : s.y()) if (Double.isFinite(v)) min = Math.min(min, v);
        return Math.max(0, Math.floor(min * 10 - 1e-9) / 10 - (min >= 0.999 ? 0.1 : 0));
    }

    private static String f(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "&ndash;";
    }
}
