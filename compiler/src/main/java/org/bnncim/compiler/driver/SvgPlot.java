package org.bnncim.compiler.driver;

import java.util.List;
import java.util.Locale;

/**
 * Small inline-SVG charts for eval.html (and the frame and axes of sweep.html's): axes with a few ticks, polylines
 * and bars, a legend. Output depends only on the numbers (fixed formatting, no clock, no randomness), so the page
 * is byte-for-byte reproducible.
 */
public final class SvgPlot {
    private SvgPlot() {}

    /** A chart's size and the margins around its plot area, in pixels. */
    public record Canvas(int w, int h, int left, int right, int top, int bottom) {
        /** eval.html's charts. */
        public static final Canvas SMALL = new Canvas(420, 300, 52, 12, 28, 44);
    }

    private static final Canvas C = Canvas.SMALL;
    static final int W = C.w(), H = C.h(), LEFT = C.left(), RIGHT = C.right(), TOP = C.top(), BOTTOM = C.bottom();
    public static final List<String> COLOURS =
            List.of("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b");

    /** A named series of points; x and y have the same length. */
    record Series(String name, String colour, double[] x, double[] y, boolean dashed) {}

    /** Axis range and tick labels: {@code ticks} are positions in data units, {@code labels} their text. */
    public record Axis(String title, double min, double max, double[] ticks, String[] labels) {
        static Axis linear(String title, double min, double max, int n) {
            double[] t = new double[n + 1];
            String[] l = new String[n + 1];
            for (int i = 0; i <= n; i++) {
                t[i] = min + (max - min) * i / n;
                l[i] = fmt(t[i]);
            }
            return new Axis(title, min, max, t, l);
        }

        /** Ticks on round numbers (1, 2 or 5 times a power of ten) from {@code min} up to {@code max}. */
        public static Axis round(String title, double min, double max) {
            return round(title, min, max, 5);
        }

        /** As above, with the step the smallest round number at least a {@code parts}-th of the range. */
        public static Axis round(String title, double min, double max, int parts) {
            double raw = (max - min) / parts, pow = Math.pow(10, Math.floor(Math.log10(raw > 0 ? raw : 1)));
            double step = raw <= pow ? pow : raw <= 2 * pow ? 2 * pow : raw <= 5 * pow ? 5 * pow : 10 * pow;
            List<Double> t = new java.util.ArrayList<>();
            for (double v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) t.add(v);
            double[] ticks = t.stream().mapToDouble(Double::doubleValue).toArray();
            String[] l = new String[ticks.length];
            for (int i = 0; i < l.length; i++) l[i] = step >= 1e-3 ? fmt(ticks[i]) : decimals(ticks[i], step);
            return new Axis(title, min, max, ticks, l);
        }
    }

    /** fmt's three decimals would print ticks a step below 0.001 apart as the same number. */
    private static String decimals(double v, double step) {
        if (v == Math.rint(v) || Math.abs(v) < step * 1e-6) return fmt(Math.abs(v) < step * 1e-6 ? 0 : v);
        int d = (int) Math.ceil(-Math.log10(step) - 1e-9);
        String s = String.format(Locale.ROOT, "%." + d + "f", v).replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    public static String colour(int k) {
        return COLOURS.get(k % COLOURS.size());
    }

    /** A line chart (with dots when a series has few points), the legend top right. */
    static String lines(String title, Axis x, Axis y, List<Series> series) {
        return lines(title, x, y, series, false);
    }

    /** As above; {@code legendLow} puts the legend bottom right, for curves that run along the top. */
    static String lines(String title, Axis x, Axis y, List<Series> series, boolean legendLow) {
        StringBuilder b = frame(title, x, y);
        for (Series s : series) {
            b.append("<polyline fill=\"none\" stroke=\"")
                    .append(s.colour())
                    .append("\" stroke-width=\"2\"")
                    .append(s.dashed() ? " stroke-dasharray=\"5,4\"" : "")
                    .append(" points=\"");
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) continue;
                b.append(fmt(px(x, s.x()[i])))
                        .append(',')
                        .append(fmt(py(y, s.y()[i])))
                        .append(' ');
            }
            b.append("\"/>\n");
            if (s.x().length <= 24) {
                for (int i = 0; i < s.x().length; i++) {
                    if (!Double.isFinite(s.y()[i])) continue;
                    b.append("<circle r=\"3\" fill=\"")
                            .append(s.colour())
                            .append("\" cx=\"")
                            .append(fmt(px(x, s.x()[i])))
                            .append("\" cy=\"")
                            .append(fmt(py(y, s.y()[i])))
                            .append("\"/>\n");
                }
            }
        }
        legend(b, series, legendLow ? H - BOTTOM - 6 - 14 * (series.size() - 1) : TOP + 14);
        return b.append("</svg>\n").toString();
    }

    /** Bars from {@code lo[i]} to {@code hi[i]} of height {@code v[i]} (NaN: no bar), over a dashed reference. */
    static String bars(String title, Axis x, Axis y, double[] lo, double[] hi, double[] v, Series reference) {
        StringBuilder b = frame(title, x, y);
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) continue;
            double x0 = px(x, lo[i]), x1 = px(x, hi[i]), y0 = py(y, v[i]), base = py(y, y.min());
            b.append("<rect class=\"bar\" fill=\"#1f77b4\" fill-opacity=\"0.75\" stroke=\"#fff\" x=\"")
                    .append(fmt(x0))
                    .append("\" y=\"")
                    .append(fmt(y0))
                    .append("\" width=\"")
                    .append(fmt(x1 - x0))
                    .append("\" height=\"")
                    .append(fmt(base - y0))
                    .append("\"/>\n");
        }
        b.append("<polyline fill=\"none\" stroke=\"#555\" stroke-dasharray=\"5,4\" points=\"");
        for (int i = 0; i < reference.x().length; i++) {
            b.append(fmt(px(x, reference.x()[i])))
                    .append(',')
                    .append(fmt(py(y, reference.y()[i])))
                    .append(' ');
        }
        b.append("\"/>\n");
        return b.append("</svg>\n").toString();
    }

    private static StringBuilder frame(String title, Axis x, Axis y) {
        return frame(C, title, x, y);
    }

    /** An open {@code <svg>} with the title, grid, ticks, plot-area border and axis titles; the caller closes it. */
    public static StringBuilder frame(Canvas c, String title, Axis x, Axis y) {
        int w = c.w(), h = c.h(), left = c.left(), right = c.right(), top = c.top(), bottom = c.bottom();
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"sans-serif\" font-size=\"11\">\n",
                w,
                h,
                w,
                h));
        b.append("<title>").append(esc(title)).append("</title>\n");
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
        b.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"16\" font-size=\"13\" font-weight=\"bold\">%s</text>\n",
                left,
                esc(title)));
        for (int i = 0; i < x.ticks().length; i++) {
            double p = px(c, x, x.ticks()[i]);
            b.append(String.format(
                    Locale.ROOT,
                    "<line stroke=\"#e4e4e4\" x1=\"%s\" x2=\"%s\" y1=\"%d\" y2=\"%d\"/>"
                            + "<text text-anchor=\"middle\" x=\"%s\" y=\"%d\">%s</text>\n",
                    fmt(p),
                    fmt(p),
                    top,
                    h - bottom,
                    fmt(p),
                    h - bottom + 14,
                    esc(x.labels()[i])));
        }
        for (int i = 0; i < y.ticks().length; i++) {
            double p = py(c, y, y.ticks()[i]);
            b.append(String.format(
                    Locale.ROOT,
                    "<line stroke=\"#e4e4e4\" x1=\"%d\" x2=\"%d\" y1=\"%s\" y2=\"%s\"/>"
                            + "<text text-anchor=\"end\" x=\"%d\" y=\"%s\">%s</text>\n",
                    left,
                    w - right,
                    fmt(p),
                    fmt(p),
                    left - 4,
                    fmt(p + 4),
                    esc(y.labels()[i])));
        }
        b.append(String.format(
                Locale.ROOT,
                "<rect fill=\"none\" stroke=\"#333\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n",
                left,
                top,
                w - left - right,
                h - top - bottom));
        b.append(String.format(
                Locale.ROOT,
                "<text text-anchor=\"middle\" x=\"%d\" y=\"%d\">%s</text>\n",
                (left + w - right) / 2,
                h - 8,
                esc(x.title())));
        b.append(String.format(
                Locale.ROOT,
                "<text text-anchor=\"middle\" transform=\"translate(12,%d) rotate(-90)\">%s</text>\n",
                (top + h - bottom) / 2,
                esc(y.title())));
        return b;
    }

    private static void legend(StringBuilder b, List<Series> series, int top) {
        int yy = top;
        b.append(String.format(
                Locale.ROOT,
                "<rect fill=\"#fff\" fill-opacity=\"0.85\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n",
                W - RIGHT - 134,
                top - 12,
                130,
                14 * series.size() + 2));
        for (Series s : series) {
            b.append(String.format(
                    Locale.ROOT,
                    "<line stroke=\"%s\" stroke-width=\"2\"%s x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>"
                            + "<text x=\"%d\" y=\"%d\">%s</text>\n",
                    s.colour(),
                    s.dashed() ? " stroke-dasharray=\"5,4\"" : "",
                    W - RIGHT - 130,
                    W - RIGHT - 110,
                    yy - 4,
                    yy - 4,
                    W - RIGHT - 106,
                    yy,
                    esc(s.name())));
            yy += 14;
        }
    }

    static double px(Axis x, double v) {
        return px(C, x, v);
    }

    static double py(Axis y, double v) {
        return py(C, y, v);
    }

    public static double px(Canvas c, Axis x, double v) {
        double span = x.max() - x.min();
        return c.left() + (span == 0 ? 0.5 : (v - x.min()) / span) * (c.w() - c.left() - c.right());
    }

    public static double py(Canvas c, Axis y, double v) {
        double span = y.max() - y.min();
        return c.h() - c.bottom() - (span == 0 ? 0.5 : (v - y.min()) / span) * (c.h() - c.top() - c.bottom());
    }

    public static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) return Long.toString((long) v);
        String s = String.format(Locale.ROOT, "%.3f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    public static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
