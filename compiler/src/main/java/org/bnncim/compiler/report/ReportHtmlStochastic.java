package org.bnncim.compiler.report;

import static org.bnncim.compiler.report.ReportHtmlFormat.*;

import org.bnncim.compiler.cost.CostReport;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.util.Fmt;

/** report.html's Scale-Dropout vs MC-Dropout comparison, its saving card, and the architecture's parameters. */
final class ReportHtmlStochastic {
    private ReportHtmlStochastic() {}

    private static final String NA = "n/a";

    /**
     * The comparison; a model without Scale-Dropout has nothing to compare, so its savings read n/a (a green 1.00x
     * would read like a result), and a deterministic model shows no Monte-Carlo rows at all.
     */
    static void render(StringBuilder sb, CostReport r) {
        boolean sd = r.stochasticKind().equals("scale_dropout");
        sb.append("<section id=\"stochastic\">\n<h2>Scale-Dropout vs per-neuron MC-Dropout baseline</h2>\n");
        if (!r.stochastic()) {
            sb.append("<p class=\"muted\">This model has no dropout layer: it runs deterministically (Monte-Carlo ")
                    .append("passes would all agree), so there is no stochastic module and nothing to compare.</p>\n")
                    .append("</section>\n");
            return;
        }
        if (!sd) {
            sb.append("<p class=\"muted\">This mapping itself uses per-neuron MC-Dropout (one stochastic unit per ")
                    .append("dropped neuron), so it is the baseline: the savings are n/a.</p>\n");
        } else {
            sb.append("<p class=\"muted\">One time-multiplexed stochastic MTJ unit emits one bit per scheduled layer ")
                    .append("and pass, selecting that layer&#39;s threshold set; "
                            + "the baseline instead draws a mask bit ")
                    .append("for every neuron of those layers and gates word lines with it.</p>\n");
        }
        sb.append("<div class=\"two\">\n<div class=\"scroll\"><table>\n<thead><tr><th class=\"l\"></th>")
                .append("<th>this mapping</th><th>MC-Dropout baseline</th><th>saving</th></tr></thead>\n<tbody>\n");
        row(
                sb,
                "stochastic units",
                Integer.toString(r.stochasticUnits()),
                Integer.toString(r.baselineStochasticUnits()),
                saving(sd, r.baselineStochasticUnits(), r.stochasticUnits()));
        row(
                sb,
                "stochastic units, time-shared per channel",
                Integer.toString(r.stochasticUnits()),
                Integer.toString(r.baselinePerChannel().units()),
                saving(sd, r.baselinePerChannel().units(), r.stochasticUnits()));
        row(
                sb,
                "whole inference energy, T=" + r.samples() + " naive passes",
                energy(r.mc().energyPj()),
                energy(r.baselineMcDropout().energyPj()),
                saving(sd, r.baselineMcDropout().energyPj(), r.mc().energyPj()));
        CostReport.Schedule sc = r.montecarlo();
        if (sc.present()) {
            row(
                    sb,
                    "whole inference energy, T=" + r.samples() + " scheduled",
                    energy(sc.scheduled().energyPj()),
                    energy(sc.baselineScheduled().energyPj()),
                    saving(sd, sc.baselineScheduled().energyPj(), sc.scheduled().energyPj()));
        }
        // the figure the paper's energy claim is about, right under the whole-inference one
        row(
                sb,
                "stochastic modules energy, T=" + r.samples(),
                energy(r.stochasticEnergyPj()),
                energy(r.baselineStochasticEnergyPj()),
                saving(sd, r.baselineStochasticEnergyPj(), r.stochasticEnergyPj()));
        row(
                sb,
                "latency, T=" + r.samples() + " naive passes",
                latency(r.mc().latencyNs()),
                latency(r.baselineMcDropout().latencyNs()),
                saving(sd, r.baselineMcDropout().latencyNs(), r.mc().latencyNs()));
        if (sc.present()) {
            row(
                    sb,
                    "latency, T=" + r.samples() + " scheduled",
                    latency(sc.scheduled().latencyNs()),
                    latency(sc.baselineScheduled().latencyNs()),
                    saving(
                            sd,
                            sc.baselineScheduled().latencyNs(),
                            sc.scheduled().latencyNs()));
        }
        row(
                sb,
                "area",
                area(r.mc().areaMm2()),
                area(r.baselineMcDropout().areaMm2()),
                saving(sd, r.baselineMcDropout().areaMm2(), r.mc().areaMm2()));
        double a = get(r.mc().areaBreakdownMm2(), "stochastic");
        double b = get(r.baselineMcDropout().areaBreakdownMm2(), "stochastic");
        row(sb, "stochastic modules area", area(a), area(b), saving(sd, b, a));
        double shared = r.baselinePerChannel().areaMm2();
        row(sb, "stochastic modules area, time-shared per channel", area(a), area(shared), saving(sd, shared, a));
        sb.append("</tbody>\n</table>\n");
        bitCostSweep(sb, r);
        sb.append("</div>\n<div>\n<h3>Stochastic schedule (per forward pass)</h3>\n");
        if (r.schedule().isEmpty()) {
            sb.append("<p class=\"muted\">No scheduled bits.</p>\n");
        } else {
            sb.append("<table class=\"schedule\">\n<thead><tr><th>bit</th><th class=\"l\">layer</th>")
                    .append("<th title=\"dropout probability of the layer\">p</th></tr></thead>\n<tbody>\n");
            for (var e : r.schedule()) {
                f(sb, "<tr><td>%d</td><td class=\"l wrap\">%s</td><td>%s</td></tr>%n", e.bit(), esc(e.layer()), e.p());
            }
            sb.append("</tbody>\n</table>\n");
        }
        sb.append("</div>\n</div>\n");
        if (sc.present()) schedule(sb, r, sd);
        sb.append("</section>\n");
    }

    /** Both savings against the energy of one random bit; the architecture's row in bold. */
    private static void bitCostSweep(StringBuilder sb, CostReport r) {
        if (r.bitCostSweep().isEmpty()) return;
        sb.append("<h3 class=\"after\">Savings against the energy of a random bit, T=")
                .append(r.samples())
                .append("</h3>\n<table class=\"sweep\">\n<thead><tr>"
                        + "<th title=\"write / reset / read parts on hover\">bit</th>")
                .append("<th>Scale-Dropout unit</th>")
                .append("<th>per-neuron units</th><th>modules</th><th>whole, naive</th>")
                .append("<th>whole, scheduled</th></tr></thead>\n<tbody>\n");
        for (CostReport.BitCost b : r.bitCostSweep()) {
            boolean arch = b.architectures();
            f(
                    sb,
                    "<tr%s><td title=\"%s\">%s pJ</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>%n",
                    arch ? " class=\"total\" title=\"this architecture&#39;s random bit\"" : "",
                    Fmt.format("write %.3f, reset %.3f, read %.3f pJ", b.writePj(), b.resetPj(), b.readPj()),
                    Fmt.format("%.2f", b.bitPj()),
                    energy(b.modulePj()),
                    energy(b.baselineModulePj()),
                    ratio(b.moduleRatio()),
                    ratio(b.totalRatio()),
                    ratio(b.scheduledTotalRatio()));
        }
        sb.append("</tbody>\n</table>\n");
    }

    /** The compiled Monte-Carlo schedule: each crossbar layer's and digital node's expected runs over T passes. */
    private static void schedule(StringBuilder sb, CostReport r, boolean sd) {
        CostReport.Schedule sc = r.montecarlo();
        f(
                sb,
                "<h3 class=\"after\">Monte-Carlo schedule: %s, %d bit(s) per pass, expected runs over T=%d</h3>%n",
                esc(sc.order()),
                sc.bits(),
                r.samples());
        f(
                sb,
                "<p class=\"muted\">Reuse buffer %d bits%s. Naive passes run every row T times.</p>%n",
                sc.reuseBufferBits(),
                sc.counterBits() > 0 ? Fmt.format(", pattern counters %d bits", sc.counterBits()) : "");
        sb.append("<div class=\"scroll\"><table class=\"runs\">\n<thead><tr><th class=\"l\">node</th>")
                .append("<th class=\"l\">runs on</th><th title=\"leading bits its value depends on; -1 every pass\">")
                .append("depth</th><th>runs</th>")
                .append(sd ? "<th>baseline runs</th>" : "")
                .append("</tr></thead>\n<tbody>\n");
        for (CostReport.Runs x : sc.runs()) {
            f(
                    sb,
                    "<tr><td class=\"l wrap\">%s</td><td class=\"l\">%s</td><td>%d</td><td>%s</td>%s</tr>%n",
                    esc(x.node()),
                    esc(x.runsOn()),
                    x.depth(),
                    Fmt.format("%.2f", x.expected()),
                    sd ? Fmt.format("<td>%.2f</td>", x.baseline()) : "");
        }
        sb.append("</tbody>\n</table></div>\n");
    }

    /** The Scale-Dropout saving beside the whole-inference energy, for the summary. */
    static void savingCard(StringBuilder sb, CostReport r) {
        ReportHtml.card(
                sb,
                "Scale-Dropout saving, T=" + r.samples(),
                saving(true, r.baselineStochasticEnergyPj(), r.stochasticEnergyPj()),
                "stochastic modules&#39; energy vs per-neuron units; whole inference "
                        + saving(true, r.baselineMcDropout().energyPj(), r.mc().energyPj()),
                -1);
    }

    private static String saving(boolean applies, double baseline, double own) {
        return applies && own > 0 ? ratio(baseline / own) : NA;
    }

    private static void row(StringBuilder sb, String label, String own, String base, String saving) {
        sb.append("<tr><td class=\"l\">")
                .append(esc(label))
                .append("</td><td>")
                .append(own)
                .append("</td><td>")
                .append(base)
                .append(saving.equals(NA) ? "</td><td class=\"na\">" : "</td><td class=\"save\">")
                .append(saving)
                .append("</td></tr>\n");
    }

    /** Every parameter of the architecture the model was mapped onto, grouped as in the architecture file. */
    static void architecture(StringBuilder sb, Architecture a, java.util.Map<String, String> basis) {
        f(sb, "<section id=\"architecture\">%n<h2>Architecture <code>%s</code></h2>%n", esc(a.name()));
        sb.append("<p class=\"muted\">Every figure the mapping and the cost model used, with the keys of an ")
                .append("<code>--arch</code> file.</p>\n<div class=\"arch\">\n");
        String group = null;
        java.util.List<ReportArch.Param> ps = new java.util.ArrayList<>(ReportArch.params(a, basis));
        ps.addAll(ReportArch.derived(a));
        for (ReportArch.Param p : ps) {
            String g = p.group().isEmpty() ? "chip" : p.group();
            if (!g.equals(group)) {
                if (group != null) sb.append("</tbody></table>\n");
                group = g;
                f(sb, "<table><thead><tr><th class=\"l\" colspan=\"3\">%s</th></tr></thead><tbody>%n", esc(g));
            }
            f(
                    sb,
                    "<tr><td class=\"l\"><code>%s</code></td><td>%s%s</td><td class=\"l muted\">%s</td></tr>%n",
                    esc(p.key()),
                    esc(p.value()),
                    p.unit().isEmpty() ? "" : Fmt.format(" <span class=\"muted\">%s</span>", esc(p.unit())),
                    esc(p.basis()));
        }
        sb.append("</tbody></table>\n</div>\n</section>\n");
    }
}
