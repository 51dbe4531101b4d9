package org.bnncim.compiler.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Map;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * report.json: the fields docs/architecture.md promises scripts, plus breakdowns and how the report was made;
 * docs/report-schema.json describes every field. Numbers keep full double precision (the shortest text that reads
 * back to the same double) and never use E-notation; a ratio with nothing to compare is null.
 */
public final class ReportJson {
    private ReportJson() {}

    private static final ObjectWriter WRITER =
            IrJson.MAPPER.writer().with(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN);

    /** The report without provenance (tests of the cost model; the compiler always passes a {@link ReportMeta}). */
    public static String render(CostReport r) {
        return render(r, null);
    }

    public static String render(CostReport r, ReportMeta meta) {
        ObjectNode root = tree(r, meta);
        String text = JsonText.write(root);
        return (text == null ? jackson(root) : text) + "\n";
    }

    static ObjectNode tree(CostReport r, ReportMeta meta) {
        ObjectNode root = IrJson.MAPPER.createObjectNode();
        root.put("schema_version", ReportMeta.SCHEMA_VERSION);
        if (meta != null) ReportJsonMeta.provenance(root, meta);
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
        root.put("first_layer_input", ReportJsonMeta.firstLayerInput(r));
        ArrayNode sched = root.putArray("stochastic_schedule");
        for (StochasticUnit.Entry e : r.schedule()) {
            ObjectNode o = sched.addObject();
            o.put("bit", e.bit());
            o.put("layer", e.layer());
            o.put("node", e.node());
            // the probability is a float in the model: its own shortest text, not the double it widens to
            o.put("p", plain(new BigDecimal(Float.toString(e.p()))));
        }
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
            if (!l.peripheryOps().isEmpty()) {
                var ops = o.putArray("periphery_ops");
                l.peripheryOps().forEach(ops::add);
            }
            o.put("energy_pj", num(l.energyPj()));
            o.put("latency_ns", num(l.latencyNs()));
            breakdown(o.putObject("energy_breakdown_pj"), l.energyBreakdownPj());
        }
        if (!r.digital().isEmpty()) digital(root, r);
        ObjectNode totals = root.putObject("totals");
        totals(totals.putObject("deterministic"), r.deterministic(), 1);
        totals(totals.putObject("mc"), r.mc(), r.samples());
        CostReport.Schedule sc = r.montecarlo();
        if (sc.present()) totals(totals.putObject("mc_scheduled"), sc.scheduled(), r.samples());
        ObjectNode base = root.putObject("baseline_mc_dropout");
        base.put("stochastic_units", r.baselineStochasticUnits());
        totals(base, r.baselineMcDropout(), r.samples());
        if (sc.present()) totals(base.putObject("scheduled"), sc.baselineScheduled(), r.samples());
        ObjectNode pc = base.putObject("per_channel");
        pc.put("stochastic_units", r.baselinePerChannel().units());
        pc.put("stochastic_area_mm2", num(r.baselinePerChannel().areaMm2()));
        pc.put("area_mm2", num(r.baselinePerChannelAreaMm2()));
        pc.put("extra_latency_ns_per_pass", num(r.baselinePerChannel().extraLatencyNsPerPass()));
        ReportJsonMeta.saving(root.putObject("scale_dropout_saving"), r);
        if (sc.present()) ReportJsonMeta.schedule(root.putObject("monte_carlo_schedule"), sc);
        ObjectNode w = root.putObject("weight_programming");
        w.put("cells", r.programming().cells());
        w.put("rows", r.programming().rows());
        w.put("energy_pj", num(r.programming().energyPj()));
        w.put("time_ns", num(r.programming().timeNs()));
        if (meta != null && meta.synth() != null)
            ReportSynth.json(root.putObject("verilog").putObject("synth"), meta.synth(), r, meta.arch());
        ObjectNode notes = root.putObject("notes");
        r.notes().forEach(notes::put);
        return root;
    }

    /** The tree as Jackson writes it: the form {@link JsonText} reproduces. */
    static String jackson(com.fasterxml.jackson.databind.JsonNode root) {
        try {
            return WRITER.writeValueAsString(root);
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
        if (r.hasPeripheryLogicRows()) {
            ObjectNode pl = split.putObject("periphery_logic");
            pl.put("energy_pj", num(r.peripheryLogicEnergyPj()));
            pl.put("latency_ns", num(r.peripheryLogicLatencyNs()));
        }
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

    /**
     * A double as the shortest decimal that reads back to it, written plainly with at least one decimal (1.0E7 is
     * 10000000.0); null for NaN and infinities, which JSON cannot hold.
     */
    static BigDecimal num(double v) {
        if (!Double.isFinite(v)) return null;
        if (v == 0) return BigDecimal.ZERO.setScale(1);
        String s = Double.toString(v);
        return plainAlready(s) ? new BigDecimal(s) : plain(new BigDecimal(s));
    }

    /** {@link #num} as text ({@code toPlainString}), or null for NaN and infinities. */
    static String numText(double v) {
        if (v != 0 && Double.isFinite(v)) {
            String s = Double.toString(v);
            if (plainAlready(s)) return s;
        }
        BigDecimal d = num(v);
        return d == null ? null : d.toPlainString();
    }

    /**
     * Whether {@code Double.toString}'s text is already the plain form: without an exponent it has one decimal at
     * least and no trailing zero after it.
     */
    private static boolean plainAlready(String doubleText) {
        return doubleText.indexOf('E') < 0;
    }

    private static BigDecimal plain(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return s.scale() < 1 ? s.setScale(1) : s;
    }
}
