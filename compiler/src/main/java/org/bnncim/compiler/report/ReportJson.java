package org.bnncim.compiler.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Map;
import org.bnncim.compiler.cost.CostReport;

/**
 * report.json: the fields docs/architecture.md promises scripts, plus breakdowns. Numbers keep 6 significant digits.
 */
public final class ReportJson {
    private ReportJson() {}

    public static String render(CostReport r) {
        ObjectNode root = IrJson.MAPPER.createObjectNode();
        root.put("model", r.model());
        ObjectNode xb = root.putObject("crossbar");
        xb.put("rows", r.rows());
        xb.put("cols", r.cols());
        xb.put("weight_encoding", r.encoding());
        root.put("crossbars_used", r.crossbarsUsed());
        root.put("crossbars_lower_bound", r.crossbarsLowerBound());
        root.put("utilization", num(r.utilization()));
        root.put("tiles_used", r.tilesUsed());
        root.put("chips", r.chips());
        root.put("stochastic_units", r.stochasticUnits());
        root.put("stochastic_kind", r.stochasticKind());
        ArrayNode sched = root.putArray("stochastic_schedule");
        r.schedule().forEach(sched::add);
        ArrayNode layers = root.putArray("layers");
        for (CostReport.Layer l : r.layers()) {
            ObjectNode o = layers.addObject();
            o.put("name", l.name());
            o.put("kind", l.kind());
            o.put("k", l.k());
            o.put("n", l.n());
            o.put("positions", l.positions());
            o.put("input_bits", l.inputBits());
            o.put("row_tiles", l.rowTiles());
            o.put("col_tiles", l.colTiles());
            o.put("pieces", l.pieces());
            o.put("crossbars", num(l.crossbars()));
            o.put("crossbars_touched", l.crossbarsTouched());
            o.put("tiles_spanned", l.tilesSpanned());
            o.put("utilization", num(l.utilization()));
            o.put("scale_dropout", l.scaleDropout());
            if (l.stochasticBit() >= 0) o.put("stochastic_bit", l.stochasticBit());
            if (!l.padding().isEmpty()) o.put("padding", l.padding());
            if (!r.digital().isEmpty()) o.put("runs_on", CostReport.Digital.CROSSBAR);
            o.put("periphery", l.periphery());
            o.put("energy_pj", num(l.energyPj()));
            o.put("latency_ns", num(l.latencyNs()));
            breakdown(o.putObject("energy_breakdown_pj"), l.energyBreakdownPj());
        }
        if (!r.digital().isEmpty()) digital(root, r);
        ObjectNode totals = root.putObject("totals");
        totals(totals.putObject("deterministic"), r.deterministic(), 1);
        totals(totals.putObject("mc"), r.mc(), r.samples());
        ObjectNode base = root.putObject("baseline_mc_dropout");
        base.put("stochastic_units", r.baselineStochasticUnits());
        totals(base, r.baselineMcDropout(), r.samples());
        ObjectNode saving = root.putObject("scale_dropout_saving");
        saving.put(
                "stochastic_units_ratio", num((double) r.baselineStochasticUnits() / Math.max(1, r.stochasticUnits())));
        saving.put("mc_energy_ratio", num(r.baselineMcDropout().energyPj() / r.mc().energyPj()));
        saving.put("area_ratio", num(r.baselineMcDropout().areaMm2() / r.mc().areaMm2()));
        ObjectNode notes = root.putObject("notes");
        r.notes().forEach(notes::put);
        try {
            return IrJson.MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Only with a digital datapath, so that reports of models without one keep their bytes. */
    private static void digital(ObjectNode root, CostReport r) {
        ArrayNode rows = root.putArray("digital_nodes");
        for (CostReport.Digital d : r.digital()) {
            ObjectNode o = rows.addObject();
            o.put("name", d.name());
            o.put("kind", d.kind());
            o.put("runs_on", d.runsOn());
            o.put("outputs", d.outputs());
            o.put("macs", d.macs());
            o.put("fp32_ops", d.ops());
            o.put("buffer_bits", d.bufferBits());
            if (d.shortcutBits() > 0) o.put("shortcut_bits", d.shortcutBits());
            o.put("detail", d.detail());
            o.put("energy_pj", num(d.energyPj()));
            o.put("latency_ns", num(d.latencyNs()));
            breakdown(o.putObject("energy_breakdown_pj"), d.energyBreakdownPj());
        }
        ObjectNode split = root.putObject("split_one_pass");
        split.put("digital_lanes", CostReport.Digital.LANES);
        ObjectNode xb = split.putObject("crossbar");
        xb.put("energy_pj", num(r.crossbarEnergyPj()));
        xb.put("latency_ns", num(r.crossbarLatencyNs()));
        ObjectNode dg = split.putObject("digital_unit");
        dg.put("energy_pj", num(r.digitalEnergyPj()));
        dg.put("latency_ns", num(r.digitalLatencyNs()));
        if (r.hasPeripheryRows()) {
            ObjectNode pb = split.putObject("periphery_buffers");
            pb.put("energy_pj", num(r.peripheryEnergyPj()));
            pb.put("latency_ns", num(r.peripheryLatencyNs()));
        }
    }

    private static void totals(ObjectNode o, CostReport.Totals t, int samples) {
        o.put("samples", samples);
        o.put("energy_pj", num(t.energyPj()));
        o.put("latency_ns", num(t.latencyNs()));
        o.put("area_mm2", num(t.areaMm2()));
        breakdown(o.putObject("energy_breakdown_pj"), t.energyBreakdownPj());
        breakdown(o.putObject("area_breakdown_mm2"), t.areaBreakdownMm2());
    }

    private static void breakdown(ObjectNode o, Map<String, Double> m) {
        m.forEach((k, v) -> o.put(k, num(v)));
    }

    /** Six significant digits: stable text, no float noise in diffs. */
    static BigDecimal num(double v) {
        if (v == 0 || !Double.isFinite(v)) return BigDecimal.ZERO;
        return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros();
    }
}
