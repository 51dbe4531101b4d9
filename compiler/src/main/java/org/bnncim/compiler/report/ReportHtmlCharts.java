package org.bnncim.compiler.report;

import static org.bnncim.compiler.report.ReportHtmlFormat.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bnncim.compiler.cost.CostReport;

/** The charts section of report.html: energy, latency and area as horizontal stacked bars, and the breakdown table. */
final class ReportHtmlCharts {
    private ReportHtmlCharts() {}

    static void render(StringBuilder sb, CostReport r, Map<String, Integer> layerIndex, List<String> components) {
        sb.append("<section id=\"charts\">\n<h2>Where energy and time go</h2>\n");
        legend(sb, components, "q", ReportHtmlFormat::componentLabel);
        sb.append("<div class=\"charts\">\n<div>\n<h3>Energy per layer, one pass, by component</h3>\n");
        List<Bar> bars = new ArrayList<>();
        for (CostReport.Layer l : r.layers()) {
            bars.add(new Bar(
                    l.name(),
                    segments(l.energyBreakdownPj(), components, ReportHtmlFormat::energy),
                    energy(l.energyPj())));
        }
        hbars(sb, bars);
        sb.append("</div>\n<div>\n<h3>Latency per layer, one pass</h3>\n");
        bars = new ArrayList<>();
        for (CostReport.Layer l : r.layers()) {
            String cls = "c" + layerIndex.get(l.name());
            bars.add(new Bar(
                    l.name(),
                    List.of(new Seg(l.latencyNs(), cls, l.name() + ": " + latency(l.latencyNs()))),
                    latency(l.latencyNs())));
        }
        hbars(sb, bars);
        String t = "T=" + r.samples();
        // a deterministic model has no Monte-Carlo passes to show: one pass and its area only
        boolean mc = r.stochastic();
        sb.append("</div>\n<div>\n<h3>")
                .append(mc ? "Energy by component: one pass vs T passes" : "Energy by component, one pass")
                .append("</h3>\n");
        bars = new ArrayList<>();
        bars.add(new Bar(
                "one pass",
                segments(r.deterministic().energyBreakdownPj(), components, ReportHtmlFormat::energy),
                energy(r.deterministic().energyPj())));
        if (mc) {
            bars.add(new Bar(
                    "this mapping, " + t,
                    segments(r.mc().energyBreakdownPj(), components, ReportHtmlFormat::energy),
                    energy(r.mc().energyPj())));
            bars.add(new Bar(
                    "MC-Dropout, " + t,
                    segments(r.baselineMcDropout().energyBreakdownPj(), components, ReportHtmlFormat::energy),
                    energy(r.baselineMcDropout().energyPj())));
        }
        hbars(sb, bars);
        sb.append("</div>\n<div>\n<h3>Area by component</h3>\n");
        bars = new ArrayList<>();
        bars.add(new Bar(
                mc ? "no dropout" : "this mapping",
                segments(r.deterministic().areaBreakdownMm2(), components, ReportHtmlFormat::area),
                area(r.deterministic().areaMm2())));
        if (mc) {
            bars.add(new Bar(
                    "this mapping",
                    segments(r.mc().areaBreakdownMm2(), components, ReportHtmlFormat::area),
                    area(r.mc().areaMm2())));
            bars.add(new Bar(
                    "MC-Dropout",
                    segments(r.baselineMcDropout().areaBreakdownMm2(), components, ReportHtmlFormat::area),
                    area(r.baselineMcDropout().areaMm2())));
        }
        hbars(sb, bars);
        sb.append("</div>\n</div>\n");

        sb.append("<div class=\"scroll\"><table class=\"breakdown\">\n<thead><tr><th class=\"l\">component</th>")
                .append("<th>energy, 1 pass</th>");
        if (mc) {
            sb.append("<th>energy, this mapping ")
                    .append(t)
                    .append("</th><th>energy, baseline ")
                    .append(t)
                    .append("</th><th>area, this mapping</th><th>area, baseline</th>");
        } else {
            sb.append("<th>area</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (int i = 0; i < components.size(); i++) {
            String c = components.get(i);
            f(
                    sb,
                    "<tr><td class=\"l\"><span class=\"sw q%d\"></span>%s</td><td>%s</td>",
                    i,
                    esc(componentLabel(c)),
                    energy(get(r.deterministic().energyBreakdownPj(), c)));
            if (mc) {
                f(
                        sb,
                        "<td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>%n",
                        energy(get(r.mc().energyBreakdownPj(), c)),
                        energy(get(r.baselineMcDropout().energyBreakdownPj(), c)),
                        area(get(r.mc().areaBreakdownMm2(), c)),
                        area(get(r.baselineMcDropout().areaBreakdownMm2(), c)));
            } else {
                f(sb, "<td>%s</td></tr>%n", area(get(r.deterministic().areaBreakdownMm2(), c)));
            }
        }
        sb.append("</tbody>\n</table></div>\n</section>\n");
    }

    private record Seg(double v, String cls, String title) {}

    private record Bar(String label, List<Seg> segs, String value) {}

    private static List<Seg> segments(
            Map<String, Double> values, List<String> components, java.util.function.DoubleFunction<String> unit) {
        List<Seg> out = new ArrayList<>();
        for (int i = 0; i < components.size(); i++) {
            double v = get(values, components.get(i));
            if (v > 0) out.add(new Seg(v, "q" + i, componentLabel(components.get(i)) + ": " + unit.apply(v)));
        }
        return out;
    }

    /** Horizontal bars on one linear scale starting at zero, each a stack of segments, value printed at its end. */
    private static void hbars(StringBuilder sb, List<Bar> bars) {
        final int width = 620, labelW = 150, valueW = 96, rowH = 24, barH = 16;
        double max = 0;
        for (Bar b : bars) max = Math.max(max, total(b));
        double span = width - labelW - valueW;
        int height = bars.size() * rowH + 22;
        f(
                sb,
                "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">%n",
                width,
                height,
                width,
                height);
        for (int t = 0; t <= 4; t++) {
            double x = labelW + span * t / 4;
            f(sb, "<line class=\"grid\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\"/>", x, x, bars.size() * rowH);
        }
        sb.append('\n');
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            double y = i * rowH + (rowH - barH) / 2.0;
            f(
                    sb,
                    "<text class=\"lab\" x=\"%d\" y=\"%.1f\"><title>%s</title>%s</text>",
                    labelW - 8,
                    y + barH - 3,
                    esc(b.label()),
                    esc(clip(b.label(), 22)));
            double x = labelW;
            for (Seg s : b.segs()) {
                double w = max > 0 ? span * s.v() / max : 0;
                f(
                        sb,
                        "<rect class=\"%s\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\">"
                                + "<title>%s</title></rect>",
                        s.cls(),
                        x,
                        y,
                        w,
                        barH,
                        esc(b.label() + " \u2014 " + s.title()));
                x += w;
            }
            f(sb, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\">%s</text>%n", x + 6, y + barH - 3, b.value());
        }
        f(sb, "<text class=\"axis\" x=\"%d\" y=\"%d\">0</text>", labelW, bars.size() * rowH + 16);
        f(
                sb,
                "<text class=\"axis end\" x=\"%.1f\" y=\"%d\">max %s</text>%n</svg>%n",
                labelW + span,
                bars.size() * rowH + 16,
                bars.isEmpty() ? "" : maxValue(bars));
    }

    private static String maxValue(List<Bar> bars) {
        Bar best = bars.get(0);
        for (Bar b : bars) if (total(b) > total(best)) best = b;
        return best.value();
    }

    private static double total(Bar b) {
        double t = 0;
        for (Seg s : b.segs()) t += Math.max(0, s.v());
        return t;
    }
}
