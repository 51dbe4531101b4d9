package org.bnncim.compiler.report;

import org.bnncim.compiler.cost.CostReport;
import org.bnncim.ir.SafeText;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.util.Fmt;

/** report.txt: what a person reads in a terminal. */
public final class ReportText {
    private ReportText() {}

    public static String render(CostReport r) {
        return render(r, null);
    }

    /** @param arch the architecture the model was mapped onto, listed at the end; null to leave it out */
    public static String render(CostReport r, Architecture arch) {
        return render(r, arch, java.util.Map.of());
    }

    /** @param archBasis the notes of the architecture file's comments, by dotted key (ReportArch.params) */
    public static String render(CostReport r, Architecture arch, java.util.Map<String, String> archBasis) {
        StringBuilder sb = new StringBuilder();
        f(sb, "bnncim mapping report: %s%n", r.model());
        f(sb, "crossbar %dx%d (%s encoding), %d chip(s)%n", r.rows(), r.cols(), r.encoding(), r.chips());
        f(sb, "first layer input: %s%n", ReportJsonMeta.firstLayerInput(r));
        f(
                sb,
                "crossbars used %d (lower bound %d, %s), cell utilization %.1f%%, chip tiles used %d%n",
                r.crossbarsUsed(),
                r.crossbarsLowerBound(),
                r.crossbarsLowerBound() == 0
                        ? "n/a"
                        : Fmt.format("%.2fx", (double) r.crossbarsUsed() / r.crossbarsLowerBound()),
                100 * r.utilization(),
                r.tilesUsed());
        f(
                sb,
                "stochastic units %d (%s)%n",
                r.stochasticUnits(),
                r.stochasticKind().replace('_', '-'));
        for (var e : r.schedule()) f(sb, "  schedule: %s%n", CostReport.scheduleText(e));
        for (var n : r.notes().entrySet()) f(sb, "note: %s: %s%n", n.getKey(), n.getValue());
        f(sb, "%n");
        // a column as wide as its longest kind, at least as wide as before the encoder-decoder kinds
        String kind = "%-"
                + width(
                        5,
                        java.util.stream.Stream.concat(
                                r.layers().stream().map(CostReport.Layer::kind),
                                r.layers().stream()
                                        .flatMap(l -> r.peripheryOf(l).stream())
                                        .map(CostReport.Digital::kind)))
                + "s";
        String head = Fmt.format(
                "%-28s " + kind + " %7s %6s %5s %4s %4s %6s %7s %6s %3s %12s %11s%n",
                "layer",
                "kind",
                "K",
                "N",
                "pos",
                "rowT",
                "colT",
                "pieces",
                "xbars",
                "util%",
                "SD",
                "energy[pJ]",
                "latency[ns]");
        sb.append(head);
        sb.append("-".repeat(head.length() - 1)).append('\n');
        for (CostReport.Layer l : r.layers()) {
            f(
                    sb,
                    "%-28s " + kind + " %7d %6d %5d %4d %4d %6d %7.2f %6.1f %3s %12.2f %11.1f%n",
                    clip(l.name(), 28),
                    l.kind(),
                    l.k(),
                    l.n(),
                    l.positions(),
                    l.rowTiles(),
                    l.colTiles(),
                    l.pieces(),
                    l.crossbars(),
                    100 * l.utilization(),
                    l.scaleDropout() ? "b" + l.stochasticBit() : "-",
                    l.energyPj(),
                    l.latencyNs());
            for (CostReport.Digital d : r.peripheryOf(l))
                f(
                        sb,
                        "%-28s " + kind + " %7s %6s %5s %4s %4s %6s %7s %6s %3s %12.2f %11.1f%n",
                        clip("  + " + d.name(), 28),
                        d.kind(),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        d.energyPj(),
                        d.latencyNs());
        }
        f(
                sb,
                "rowT x colT: the layer's K x N weight matrix is cut into rowT ranges of rows (word lines) by colT"
                        + " ranges of columns; each piece goes to one crossbar%n");
        if (r.layers().stream().anyMatch(l -> !r.peripheryOf(l).isEmpty()))
            f(
                    sb,
                    "+ rows: periphery logic working for the layer above (its input interface, its max pools),"
                            + " costed in the digital node table%n");
        f(sb, "%n");
        for (CostReport.Layer l : r.layers()) {
            if (l.inputBits() > 1)
                f(
                        sb,
                        "%s: %d-bit input applied bit-serially (%d reads per position)%n",
                        l.name(),
                        l.inputBits(),
                        l.inputBits());
            if (!l.padding().isEmpty() && !l.padding().equals("none")) f(sb, "%s: %s%n", l.name(), l.padding());
            f(sb, "%s: periphery %s%n", l.name(), l.periphery());
        }
        if (!r.digital().isEmpty()) digital(sb, r);
        f(sb, "%n");
        f(sb, "%-34s %14s %14s %10s%n", "totals", "energy[pJ]", "latency[ns]", "area[mm2]");
        row(sb, "deterministic (1 pass)", r.deterministic());
        switch (r.stochasticKind()) {
            case "scale_dropout" -> {
                row(sb, "Scale-Dropout MC (T=" + r.samples() + "), naive", r.mc());
                CostReport.Schedule sc = r.montecarlo();
                if (sc.present()) row(sb, "Scale-Dropout MC, scheduled", sc.scheduled());
                row(sb, "MC-Dropout baseline (T=" + r.samples() + "), naive", r.baselineMcDropout());
                if (sc.present()) row(sb, "MC-Dropout baseline, scheduled", sc.baselineScheduled());
                f(
                        sb,
                        "%nScale-Dropout uses %d stochastic unit where per-neuron MC-Dropout needs %d"
                                + ": %.2fx less MC energy as naive T passes, %.3fx less area.%n",
                        r.stochasticUnits(),
                        r.baselineStochasticUnits(),
                        r.baselineMcDropout().energyPj() / r.mc().energyPj(),
                        r.baselineMcDropout().areaMm2() / r.mc().areaMm2());
                CostReport.PerChannel pc = r.baselinePerChannel();
                f(
                        sb,
                        "Time-shared per channel, the baseline needs %d units: %.3fx less area, and %.1f ns more per"
                                + " pass to draw its masks in sequence.%n",
                        pc.units(),
                        r.baselinePerChannelAreaMm2() / r.mc().areaMm2(),
                        pc.extraLatencyNsPerPass());
                if (sc.present())
                    f(
                            sb,
                            "With both run by their schedules: %.2fx less MC energy, %.2fx less MC latency, %.3fx less"
                                    + " area.%n",
                            sc.baselineScheduled().energyPj() / sc.scheduled().energyPj(),
                            sc.baselineScheduled().latencyNs() / sc.scheduled().latencyNs(),
                            sc.baselineScheduled().areaMm2() / sc.scheduled().areaMm2());
                // the paper's energy claim is about the stochastic modules: their share, beside the whole inference
                f(
                        sb,
                        "Stochastic modules alone (T=%d): %.2f pJ for the Scale-Dropout unit, %.2f pJ for per-neuron"
                                + " units: %s less.%n",
                        r.samples(),
                        r.stochasticEnergyPj(),
                        r.baselineStochasticEnergyPj(),
                        r.stochasticEnergyPj() > 0
                                ? Fmt.format("%.2fx", r.baselineStochasticEnergyPj() / r.stochasticEnergyPj())
                                : "n/a");
                bitCostSweep(sb, r);
            }
            case "mc_dropout" -> {
                row(sb, "MC-Dropout (T=" + r.samples() + ", " + r.stochasticUnits() + " units), naive", r.mc());
                if (r.montecarlo().present())
                    row(sb, "MC-Dropout, scheduled", r.montecarlo().scheduled());
                f(
                        sb,
                        "%nTime-shared per channel: %d stochastic units in place of %d, stochastic modules %.4f mm2,"
                                + " %.1f ns more per pass.%n",
                        r.baselinePerChannel().units(),
                        r.stochasticUnits(),
                        r.baselinePerChannel().areaMm2(),
                        r.baselinePerChannel().extraLatencyNsPerPass());
            }
            default -> f(sb, "%nNo stochastic layers: a deterministic BNN (Monte-Carlo passes would all agree).%n");
        }
        if (r.stochastic() && r.montecarlo().present()) schedule(sb, r);
        CostReport.Programming w = r.programming();
        f(
                sb,
                "%nweight programming (once per model load, in none of the figures above): %d cells, %.2f nJ, %.2f us"
                        + " (%d rows written on the busiest crossbar)%n",
                w.cells(),
                w.energyPj() / 1000,
                w.timeNs() / 1000,
                w.rows());
        if (arch != null) architecture(sb, arch, archBasis);
        // names in the report come from the model: a terminal showing report.txt must not execute them
        return SafeText.visibleLines(sb.toString());
    }

    /** Both savings against the energy of one random bit (the architecture's marked *). */
    private static void bitCostSweep(StringBuilder sb, CostReport r) {
        if (r.bitCostSweep().isEmpty()) return;
        f(sb, "Savings against the energy of a random bit (T=%d; * this architecture's):%n", r.samples());
        f(
                sb,
                "  %9s %20s %16s %18s %9s %14s %18s%n",
                "bit [pJ]",
                "write/reset/read",
                "SD unit [pJ]",
                "per-neuron [pJ]",
                "modules",
                "whole (naive)",
                "whole (scheduled)");
        for (CostReport.BitCost b : r.bitCostSweep())
            f(
                    sb,
                    "  %8s%s %20s %16.2f %18.2f %8.2fx %13.3fx %17.3fx%n",
                    Fmt.format("%.2f", b.bitPj()),
                    b.architectures() ? "*" : " ",
                    Fmt.format("%.3f/%.3f/%.3f", b.writePj(), b.resetPj(), b.readPj()),
                    b.modulePj(),
                    b.baselineModulePj(),
                    b.moduleRatio(),
                    b.totalRatio(),
                    b.scheduledTotalRatio());
    }

    /** The compiled Monte-Carlo schedule: each row's expected runs over T passes, and the buffers it adds. */
    private static void schedule(StringBuilder sb, CostReport r) {
        CostReport.Schedule sc = r.montecarlo();
        boolean sd = r.stochasticKind().equals("scale_dropout");
        f(
                sb,
                "%nMonte-Carlo schedule: %s, %d stochastic bit(s) per pass; expected runs over T=%d passes"
                        + " (depth: leading bits a value depends on, -1 every pass)%n",
                sc.order(),
                sc.bits(),
                r.samples());
        String name = "%-" + width(28, sc.runs().stream().map(CostReport.Runs::node)) + "s";
        f(sb, "  " + name + " %-18s %6s %10s%s%n", "node", "runs on", "depth", "runs", sd ? "   baseline" : "");
        for (CostReport.Runs x : sc.runs())
            f(
                    sb,
                    "  " + name + " %-18s %6d %10.2f%s%n",
                    x.node(),
                    x.runsOn(),
                    x.depth(),
                    x.expected(),
                    sd ? Fmt.format(" %10.2f", x.baseline()) : "");
        f(
                sb,
                "  reuse buffer %d bits%s; naive T passes run every row T times%n",
                sc.reuseBufferBits(),
                sc.counterBits() > 0 ? Fmt.format(", pattern counters %d bits", sc.counterBits()) : "");
    }

    /** The digital datapath's nodes, and how one pass splits between the crossbars and the digital unit. */
    private static void digital(StringBuilder sb, CostReport r) {
        f(sb, "%n");
        String kind = "%-" + width(8, r.digital().stream().map(CostReport.Digital::kind)) + "s";
        String runsOn = "%-" + width(12, r.digital().stream().map(CostReport.Digital::runsOn)) + "s";
        String head = Fmt.format(
                "%-28s " + kind + " " + runsOn + " %8s %10s %10s %11s %12s %11s%n",
                "digital node",
                "kind",
                "runs on",
                "outputs",
                "MACs",
                "fp32 ops",
                "buffer bits",
                "energy[pJ]",
                "latency[ns]");
        sb.append(head);
        sb.append("-".repeat(head.length() - 1)).append('\n');
        for (CostReport.Digital d : r.digital()) {
            f(
                    sb,
                    "%-28s " + kind + " " + runsOn + " %8d %10d %10d %11d %12.2f %11.1f%n",
                    clip(d.name(), 28),
                    d.kind(),
                    d.runsOn(),
                    d.outputs(),
                    d.macs(),
                    d.ops(),
                    d.bufferBits(),
                    d.energyPj(),
                    d.latencyNs());
        }
        for (CostReport.Digital d : r.digital()) f(sb, "%s: %s%n", d.name(), d.detail());
        double xe = r.crossbarEnergyPj(), de = r.digitalEnergyPj(), pe = r.peripheryEnergyPj();
        double le = r.peripheryLogicEnergyPj();
        double all = Math.max(1e-300, xe + de + pe + le);
        f(sb, "one pass: crossbar layers %.2f pJ (%.1f%%) %.1f ns", xe, 100 * xe / all, r.crossbarLatencyNs());
        // a model whose only extra rows are periphery max pools has no digital unit to report
        if (r.hasDigitalUnitRows() || !r.hasPeripheryLogicRows())
            f(
                    sb,
                    ", digital unit (%d fp32 lanes) %.2f pJ (%.1f%%) %.1f ns",
                    CostReport.Digital.LANES,
                    de,
                    100 * de / all,
                    r.digitalLatencyNs());
        // only an encoder-decoder moves data in the periphery: other models' reports keep their bytes
        if (r.hasPeripheryRows())
            f(sb, ", periphery buffers %.2f pJ (%.1f%%) %.1f ns", pe, 100 * pe / all, r.peripheryLatencyNs());
        if (r.hasPeripheryLogicRows())
            f(sb, ", periphery logic %.2f pJ (%.1f%%) %.1f ns", le, 100 * le / all, r.peripheryLogicLatencyNs());
        f(sb, "%n");
    }

    private static void architecture(StringBuilder sb, Architecture a, java.util.Map<String, String> basis) {
        f(sb, "%narchitecture %s:%n", a.name());
        String group = null;
        java.util.List<ReportArch.Param> ps = new java.util.ArrayList<>(ReportArch.params(a, basis));
        ps.addAll(ReportArch.derived(a));
        for (ReportArch.Param p : ps) {
            if (!p.group().equals(group)) {
                group = p.group();
                if (!group.isEmpty()) f(sb, "  %s:%n", group);
            }
            String value = p.value() + (p.unit().isEmpty() ? "" : " " + p.unit());
            f(sb, "%s%-22s %-16s %s%n", group.isEmpty() ? "  " : "    ", p.key(), value, p.basis());
        }
    }

    private static void row(StringBuilder sb, String label, CostReport.Totals t) {
        f(sb, "%-34s %14.2f %14.1f %10.4f%n", label, t.energyPj(), t.latencyNs(), t.areaMm2());
    }

    private static int width(int least, java.util.stream.Stream<String> values) {
        return Math.max(least, values.mapToInt(String::length).max().orElse(0));
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "~";
    }

    private static void f(StringBuilder sb, String fmt, Object... args) {
        Fmt.append(sb, fmt, args);
    }
}
