package org.bnncim.compiler.sweep;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bnncim.compiler.driver.SvgPlot;
import org.bnncim.ir.SafeText;

/**
 * sweep.html's scatter charts on SvgPlot's frame: marker shapes per series, hollow markers, step lines, linear or
 * log axes, the legend in a column right of the plot area. Markers that would land on the same half pixel are
 * drawn once, so a sweep of thousands of points still gives a page of reasonable size.
 */
final class SweepChart {
    private SweepChart() {}

    /** Wide enough for two charts side by side in a 1280 px window, with room right of the plot for the legend. */
    static final SvgPlot.Canvas CANVAS = new SvgPlot.Canvas(600, 370, 64, 224, 28, 44);

    private static final int LEGEND_ROW = 16;
    /** A taller plot than eval.html's: a step of at least an eighth of the range gives four to eight ticks. */
    private static final int TICKS = 8;

    enum Marker {
        NONE,
        CIRCLE,
        SQUARE,
        TRIANGLE,
        DIAMOND,
        TRIANGLE_DOWN,
        /** A large ring drawn over another marker, to single it out. */
        RING;

        /** Series k's shape; with SvgPlot's six colours the pair repeats only after 30 series. */
        static Marker of(int k) {
            return values()[1 + k % 5];
        }
    }

    enum Line {
        NONE,
        SOLID,
        DASHED,
        /** Horizontal then vertical between consecutive points: what the best y is up to each x. */
        STEP,
        /** Dashed segments from point 2i to point 2i+1. */
        PAIRS
    }

    /** A series: {@code name} null keeps it out of the legend. */
    record Layer(String name, String colour, Marker marker, boolean hollow, Line line, double[] x, double[] y) {}

    /**
     * An axis over values divided by {@code unit}, drawn over log10 of that when {@code log}.
     *
     * @param axis what SvgPlot draws: range and ticks in the drawn units (log10 of the value when log)
     */
    record Scale(SvgPlot.Axis axis, boolean log, double unit) {
        double at(double v) {
            double u = v / unit;
            return log ? Math.log10(u) : u;
        }

        boolean shows(double v) {
            return Double.isFinite(v) && (!log || v > 0);
        }

        /** As below, unbounded. */
        static Scale of(String title, List<Double> values, double unit, boolean mayLog) {
            return of(title, values, unit, mayLog, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        }

        /**
         * A linear axis around the finite values, or a log one when they are all positive and span more than ten
         * times (and {@code mayLog}); ticks outside [{@code lo}, {@code hi}] are dropped (accuracy above 1 means
         * nothing even where the padding reaches it).
         */
        static Scale of(String title, List<Double> values, double unit, boolean mayLog, double lo, double hi) {
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (double v : values) {
                if (!Double.isFinite(v)) continue;
                min = Math.min(min, v / unit);
                max = Math.max(max, v / unit);
            }
            if (min > max) return new Scale(bounded(SvgPlot.Axis.round(title, 0, 1), lo, hi), false, unit);
            if (mayLog && min > 0 && max > 10 * min) return new Scale(logAxis(title, min, max), true, unit);
            double pad = max > min ? (max - min) * 0.06 : min != 0 ? Math.abs(min) * 0.05 : 0.5;
            // padding past a bound is empty space (points all at accuracy 1 would sit mid-chart): a 30th at most
            double edge = (max - min + 2 * pad) / 30;
            double from = Math.max(min - pad, Math.min(min, lo / unit - edge));
            double to = Math.min(max + pad, Math.max(max, hi / unit + edge));
            return new Scale(bounded(SvgPlot.Axis.round(title, from, to, TICKS), lo / unit, hi / unit), false, unit);
        }
    }

    /** Categories at 0, 1, ..., labelled: for values that span decades and include 0, which no log axis shows. */
    static Scale categories(String title, String[] labels) {
        double[] t = new double[labels.length];
        for (int i = 0; i < t.length; i++) t[i] = i;
        return new Scale(new SvgPlot.Axis(title, -0.5, Math.max(1, labels.length) - 0.5, t, labels), false, 1);
    }

    private static SvgPlot.Axis bounded(SvgPlot.Axis a, double lo, double hi) {
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < a.ticks().length; i++)
            if (a.ticks()[i] >= lo - 1e-9 && a.ticks()[i] <= hi + 1e-9) keep.add(i);
        if (keep.size() == a.ticks().length) return a;
        return new SvgPlot.Axis(
                a.title(),
                a.min(),
                a.max(),
                keep.stream().mapToDouble(i -> a.ticks()[i]).toArray(),
                keep.stream().map(i -> a.labels()[i]).toArray(String[]::new));
    }

    /** Ticks at 1, 2 and 5 times each power of ten over up to three decades, at powers of ten beyond. */
    private static SvgPlot.Axis logAxis(String title, double min, double max) {
        double lo = Math.log10(min), hi = Math.log10(max), pad = (hi - lo) * 0.06;
        lo -= pad;
        hi += pad;
        int[] mantissas = hi - lo <= 3.2 ? new int[] {1, 2, 5} : new int[] {1};
        int every = Math.max(1, (int) Math.ceil((hi - lo) / 8));
        List<Double> ticks = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int e = (int) Math.floor(lo); e <= (int) Math.ceil(hi); e++) {
            if (Math.floorMod(e, every) != 0) continue;
            for (int m : mantissas) {
                double t = Math.log10(m) + e;
                if (t < lo || t > hi) continue;
                ticks.add(t);
                labels.add(power(m, e));
            }
        }
        return new SvgPlot.Axis(
                title,
                lo,
                hi,
                ticks.stream().mapToDouble(Double::doubleValue).toArray(),
                labels.toArray(String[]::new));
    }

    /** m x 10^e exactly, without a long run of zeros. */
    private static String power(int m, int e) {
        if (e >= -4 && e <= 5) return new BigDecimal(m).scaleByPowerOfTen(e).toPlainString();
        return m + "e" + e;
    }

    /** Escaped for HTML and XML, control characters spelt out (they would make the SVG unparsable). */
    static String esc(String s) {
        return SvgPlot.esc(SafeText.visible(s));
    }

    static String render(String title, Scale x, Scale y, List<Layer> layers) {
        SvgPlot.Canvas c = CANVAS;
        StringBuilder b = SvgPlot.frame(c, SafeText.visible(title), x.axis(), y.axis());
        for (Layer l : layers) {
            line(b, c, x, y, l);
            markers(b, c, x, y, l);
        }
        legend(b, c, layers);
        return b.append("</svg>\n").toString();
    }

    private static String px(SvgPlot.Canvas c, Scale s, double v) {
        return SvgPlot.fmt(Math.round(SvgPlot.px(c, s.axis(), s.at(v)) * 10) / 10.0);
    }

    private static String py(SvgPlot.Canvas c, Scale s, double v) {
        return SvgPlot.fmt(Math.round(SvgPlot.py(c, s.axis(), s.at(v)) * 10) / 10.0);
    }

    private static void line(StringBuilder b, SvgPlot.Canvas c, Scale x, Scale y, Layer l) {
        if (l.line() == Line.NONE) return;
        StringBuilder d = new StringBuilder();
        if (l.line() == Line.PAIRS) {
            for (int i = 0; i + 1 < l.x().length; i += 2) {
                if (!x.shows(l.x()[i]) || !y.shows(l.y()[i]) || !x.shows(l.x()[i + 1]) || !y.shows(l.y()[i + 1]))
                    continue;
                d.append('M').append(px(c, x, l.x()[i])).append(',').append(py(c, y, l.y()[i]));
                d.append('L').append(px(c, x, l.x()[i + 1])).append(',').append(py(c, y, l.y()[i + 1]));
            }
        } else {
            String prevY = null;
            for (int i = 0; i < l.x().length; i++) {
                if (!x.shows(l.x()[i]) || !y.shows(l.y()[i])) continue;
                String px = px(c, x, l.x()[i]), py = py(c, y, l.y()[i]);
                if (l.line() == Line.STEP && prevY != null)
                    d.append('L').append(px).append(',').append(prevY);
                d.append(d.isEmpty() ? 'M' : 'L').append(px).append(',').append(py);
                prevY = py;
            }
        }
        if (d.isEmpty()) return;
        boolean pairs = l.line() == Line.PAIRS;
        b.append("<path fill=\"none\" stroke=\"")
                .append(l.colour())
                .append(pairs ? "\" stroke-width=\"1\" stroke-opacity=\"0.7\"" : "\" stroke-width=\"2\"")
                .append(pairs || l.line() == Line.DASHED ? " stroke-dasharray=\"4,3\"" : "")
                .append(" d=\"")
                .append(d)
                .append("\"/>\n");
    }

    private static void markers(StringBuilder b, SvgPlot.Canvas c, Scale x, Scale y, Layer l) {
        if (l.marker() == Marker.NONE) return;
        b.append("<g ").append(style(l)).append(">\n");
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < l.x().length; i++) {
            if (!x.shows(l.x()[i]) || !y.shows(l.y()[i])) continue;
            double px = SvgPlot.px(c, x.axis(), x.at(l.x()[i])), py = SvgPlot.py(c, y.axis(), y.at(l.y()[i]));
            if (!seen.add(Math.round(px * 2) * 1_000_003L + Math.round(py * 2))) continue;
            shape(
                    b,
                    l.marker(),
                    px(c, x, l.x()[i]),
                    py(c, y, l.y()[i]),
                    Math.round(px * 10) / 10.0,
                    Math.round(py * 10) / 10.0);
        }
        b.append("</g>\n");
    }

    private static String style(Layer l) {
        if (l.marker() == Marker.RING) return "fill=\"none\" stroke=\"" + l.colour() + "\" stroke-width=\"1.6\"";
        if (l.hollow()) return "fill=\"#fff\" fill-opacity=\"0\" stroke=\"" + l.colour() + "\" stroke-width=\"1.5\"";
        return "fill=\"" + l.colour() + "\" fill-opacity=\"0.85\" stroke=\"#fff\" stroke-width=\"0.6\"";
    }

    /** One marker centred on (x, y): given both as printed and as numbers, for the paths' corners. */
    private static void shape(StringBuilder b, Marker m, String sx, String sy, double x, double y) {
        switch (m) {
            case CIRCLE, RING ->
                b.append("<circle cx=\"")
                        .append(sx)
                        .append("\" cy=\"")
                        .append(sy)
                        .append(m == Marker.RING ? "\" r=\"6.5\"/>\n" : "\" r=\"3.8\"/>\n");
            case SQUARE -> path(b, x - 3.3, y - 3.3, "h6.6v6.6h-6.6z");
            case TRIANGLE -> path(b, x, y - 4.6, "l4.2,7.2h-8.4z");
            case DIAMOND -> path(b, x, y - 4.6, "l4.6,4.6l-4.6,4.6l-4.6,-4.6z");
            case TRIANGLE_DOWN -> path(b, x, y + 4.6, "l4.2,-7.2h-8.4z");
            case NONE -> {}
        }
    }

    private static void path(StringBuilder b, double x, double y, String rest) {
        b.append("<path d=\"M")
                .append(SvgPlot.fmt(Math.round(x * 10) / 10.0))
                .append(',')
                .append(SvgPlot.fmt(Math.round(y * 10) / 10.0))
                .append(rest)
                .append("\"/>\n");
    }

    /** Right of the plot area, one row per named layer; past the height, a count of the rows left out. */
    private static void legend(StringBuilder b, SvgPlot.Canvas c, List<Layer> layers) {
        List<Layer> named = layers.stream().filter(l -> l.name() != null).toList();
        int x0 = c.w() - c.right() + 10, top = c.top() + 10;
        int fit = (c.h() - c.bottom() - top) / LEGEND_ROW;
        int maxChars = (c.right() - 42) * 10 / 56; // sans-serif at 11 px: about 5.6 px a character
        for (int k = 0; k < named.size(); k++) {
            int yy = top + k * LEGEND_ROW;
            if (k == fit - 1 && named.size() > fit) {
                b.append(String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"%d\" fill=\"#555\">and %d more series</text>\n",
                        x0,
                        yy + 4,
                        named.size() - k));
                break;
            }
            Layer l = named.get(k);
            b.append("<g>");
            String full = SafeText.visible(l.name());
            String shown = full.length() <= maxChars ? full : full.substring(0, maxChars - 1) + "\u2026";
            if (!shown.equals(full)) b.append("<title>").append(esc(full)).append("</title>");
            if (l.line() != Line.NONE) {
                boolean dashed = l.line() == Line.DASHED || l.line() == Line.PAIRS;
                b.append(String.format(
                        Locale.ROOT,
                        "<line stroke=\"%s\" stroke-width=\"2\"%s x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>",
                        l.colour(),
                        dashed ? " stroke-dasharray=\"4,3\"" : "",
                        x0,
                        x0 + 22,
                        yy,
                        yy));
            }
            if (l.marker() != Marker.NONE) {
                b.append("<g ").append(style(l)).append('>');
                shape(b, l.marker(), Integer.toString(x0 + 11), Integer.toString(yy), x0 + 11, yy);
                b.append("</g>");
            }
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">", x0 + 28, yy + 4))
                    .append(esc(shown))
                    .append("</text></g>\n");
        }
    }
}
