package org.bnncim.compiler.report;

import static org.bnncim.compiler.report.ReportJson.num;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Map;
import org.bnncim.backends.verilog.VerilogSynth;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.compiler.synth.Synthesis;
import org.bnncim.ir.arch.Architecture;

/**
 * The {@code --synth} cross-check in report.json ({@code verilog.synth}) and report.txt: Yosys' cells for the
 * comparator banks, the stochastic-scale unit and the adder datapath, beside what the cost model assumes for the
 * same model. The synthesized area is an estimate: Yosys' CMOS transistor count times the architecture's
 * {@code transistor_area_um2}.
 */
public final class ReportSynth {
    private ReportSynth() {}

    /** What was synthesized, in one phrase (the report's {@code scope}). */
    public static final String SCOPE = "the comparator banks, the stochastic-scale unit and the adder datapath, with "
            + "bnncim_top's parameters; not bnncim_top's controller and registers, the MC-Dropout bank, nor the "
            + "crossbars (black boxes)";

    static void json(ObjectNode o, Synthesis.Result s, CostReport r, Architecture a) {
        o.put("tool", s.tool());
        o.put("status", s.status().name());
        o.put("timeout_s", s.timeoutSeconds());
        o.put("scope", SCOPE);
        o.put("transistor_area_um2", num(a.sensing().transistorAreaUm2()));
        if (s.status() == Synthesis.Status.done) {
            cells(o, s.total(), a);
            ArrayNode parts = o.putArray("parts");
            for (Synthesis.Unit u : s.units()) {
                ObjectNode p = parts.addObject();
                p.put("module", u.part().module());
                p.put("kind", u.part().kind());
                p.put("node", u.part().node());
                p.put("neurons", u.part().neurons());
                p.put("steps", u.part().steps());
                p.put("sets", u.part().sets());
                cells(p, u.cells(), a);
            }
        }
        CostReport.Periphery pe = r.periphery();
        Architecture.Area ar = a.area();
        ObjectNode cm = o.putObject("cost_model");
        cm.put("comparators", pe.comparators());
        cm.put("comparators_area_um2", num(pe.comparators() * ar.thresholdUnit()));
        cm.put("input_comparators", pe.inputComparators());
        cm.put("input_comparators_area_um2", num(pe.inputComparators() * ar.thresholdUnit()));
        cm.put("stochastic_units", stochasticUnits(r));
        cm.put("stochastic_area_um2", num(stochasticUnits(r) * ar.stochasticUnit()));
        cm.put("adder_bits", pe.adderBits());
        cm.put("adder_trees_area_um2", num(pe.adderBits() * ar.adderPerBit()));
        cm.put("buffer_bits", pe.bufferBits());
        cm.put("buffers_area_um2", num(pe.bufferBits() * ar.bufferPerBit()));
        cm.put("wordline_drivers", pe.wordlineDrivers());
        cm.put("converters", pe.converters());
        if (s.status() != Synthesis.Status.done) return;
        ArrayNode cmp = o.putArray("comparison");
        Synthesis.Cells banks = banks(s);
        compare(cmp.addObject(), "comparator_banks", banks, a, pe.comparators() * ar.thresholdUnit());
        Synthesis.Unit unit = unit(s);
        if (unit != null)
            compare(cmp.addObject(), "stochastic_unit", unit.cells(), a, stochasticUnits(r) * ar.stochasticUnit());
        Synthesis.Unit adders = part(s, "accumulate");
        if (adders != null)
            compare(cmp.addObject(), "adder_datapath", adders.cells(), a, pe.adderBits() * ar.adderPerBit());
    }

    private static void cells(ObjectNode o, Synthesis.Cells c, Architecture a) {
        o.put("cells", c.total());
        o.put("flip_flops", c.flipFlops());
        o.put("transistors_estimate", c.transistors());
        o.put("transistors_at_least", c.transistorsAtLeast());
        o.put("area_estimate_um2", num(c.transistors() * a.sensing().transistorAreaUm2()));
        ObjectNode t = o.putObject("cells_by_type");
        c.byType().forEach(t::put);
    }

    private static void compare(ObjectNode o, String part, Synthesis.Cells c, Architecture a, double assumed) {
        double est = c.transistors() * a.sensing().transistorAreaUm2();
        o.put("part", part);
        o.put("synthesized_cells", c.total());
        o.put("synthesized_area_estimate_um2", num(est));
        o.put("cost_model_area_um2", num(assumed));
        o.put("ratio", assumed > 0 ? num(est / assumed) : null);
    }

    /** The cost model's units: one for Scale-Dropout (the only kind the Verilog backend emits). */
    private static int stochasticUnits(CostReport r) {
        return r.stochasticKind().equals("scale_dropout") ? r.stochasticUnits() : 0;
    }

    /** Every comparator bank together. */
    static Synthesis.Cells banks(Synthesis.Result s) {
        Map<String, Long> byType = new java.util.TreeMap<>();
        long total = 0, ff = 0, tr = 0;
        boolean atLeast = false;
        for (Synthesis.Unit u : s.units()) {
            if (!u.part().kind().endsWith("threshold")) continue;
            u.cells().byType().forEach((k, v) -> byType.merge(k, v, Long::sum));
            total += u.cells().total();
            ff += u.cells().flipFlops();
            tr += u.cells().transistors();
            atLeast |= u.cells().transistorsAtLeast();
        }
        return new Synthesis.Cells(byType, total, ff, tr, atLeast);
    }

    private static Synthesis.Unit unit(Synthesis.Result s) {
        return part(s, "stochastic_unit");
    }

    private static Synthesis.Unit part(Synthesis.Result s, String kind) {
        for (Synthesis.Unit u : s.units()) if (u.part().kind().equals(kind)) return u;
        return null;
    }

    /** report.txt's section, appended after the architecture. */
    public static String text(Synthesis.Result s, CostReport r, Architecture a) {
        StringBuilder t = new StringBuilder();
        t.append("\nSynthesis cross-check (--synth, ").append(s.tool()).append(")\n");
        t.append("  synthesized: the comparator banks, the stochastic-scale unit and the adder datapath\n")
                .append("  (bnncim_top's parameters); not bnncim_top's controller and registers,\n")
                .append("  the MC-Dropout bank, nor the crossbars (black boxes)\n");
        if (s.status() != Synthesis.Status.done) {
            t.append(String.format(
                    Locale.ROOT, "  no result: yosys was stopped after %d s (--synth-timeout)%n", s.timeoutSeconds()));
            return t.toString();
        }
        double tr = a.sensing().transistorAreaUm2();
        t.append(String.format(
                Locale.ROOT,
                "  %-40s %-20s %8s %7s %11s %10s%n",
                "part (ONNX node)",
                "neurons x steps x sets",
                "cells",
                "flops",
                "transistors",
                "area um2"));
        for (Synthesis.Unit u : s.units()) {
            VerilogSynth.Part p = u.part();
            String shape = p.node() != null
                    ? p.neurons() + " x " + p.steps() + " x " + p.sets()
                    : p.kind().equals("accumulate") ? p.neurons() + " lanes" : "-";
            String name = p.node() != null
                    ? p.node()
                    : p.kind().equals("accumulate")
                            ? "adder datapath (bnncim_accumulate)"
                            : "stochastic-scale unit (LFSR stand-in)";
            row(t, name, shape, u.cells(), tr);
        }
        row(t, "total", "", s.total(), tr);
        CostReport.Periphery pe = r.periphery();
        Architecture.Area ar = a.area();
        t.append(String.format(
                Locale.ROOT,
                "  cost model: %d comparators x %s um2 = %s um2; %d stochastic unit(s) x %s um2;%n"
                        + "    %d adder-tree bits x %s um2 = %s um2 (parallel trees; the RTL folds them in time)%n",
                pe.comparators(),
                ar.thresholdUnit(),
                pe.comparators() * ar.thresholdUnit(),
                stochasticUnits(r),
                ar.stochasticUnit(),
                pe.adderBits(),
                ar.adderPerBit(),
                pe.adderBits() * ar.adderPerBit()));
        t.append(String.format(
                Locale.ROOT,
                "  not synthesized: %d input comparators (host side), %d buffer bits,%n"
                        + "    %d word-line drivers, %d converters%n",
                pe.inputComparators(),
                pe.bufferBits(),
                pe.wordlineDrivers(),
                pe.converters()));
        t.append("  area = Yosys' CMOS transistor estimate x transistor_area_um2 (")
                .append(tr)
                .append(" um2); cells by type: verilog/synth_stat.json\n");
        return t.toString();
    }

    private static void row(StringBuilder t, String name, String shape, Synthesis.Cells c, double tr) {
        t.append(String.format(
                Locale.ROOT,
                "  %-40s %-20s %8d %7d %10d%s %10.1f%n",
                name.length() > 40 ? name.substring(0, 37) + "..." : name,
                shape,
                c.total(),
                c.flipFlops(),
                c.transistors(),
                c.transistorsAtLeast() ? "+" : " ",
                c.transistors() * tr));
    }
}
