package org.bnncim.compiler.report;

import static org.bnncim.compiler.report.ReportJson.num;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.ir.arch.Architecture;

/** The parts of report.json that say how it was made, and the comparisons that need care (nothing to compare). */
final class ReportJsonMeta {
    private ReportJsonMeta() {}

    static void provenance(ObjectNode root, ReportMeta meta) {
        ObjectNode tool = root.putObject("tool");
        tool.put("name", "bnncim");
        tool.put("version", ReportMeta.Build.CURRENT.version());
        tool.put("commit", ReportMeta.Build.CURRENT.commit());
        ObjectNode file = root.putObject("model_file");
        file.put("path", meta.modelPath());
        file.put("sha256", meta.modelSha256());
        ObjectNode o = root.putObject("options");
        o.put("samples", meta.samples());
        o.put("mc_dropout", meta.mcDropout());
        o.put("allow_multi_output", meta.allowMultiOutput());
        o.put("input_levels", meta.inputLevels());
        o.put("max_bytes", meta.maxBytes());
        ArrayNode outputs = o.putArray("outputs");
        meta.outputs().forEach(outputs::add);
        if (meta.testbench() != null) {
            ObjectNode tb = o.putObject("verilog_testbench");
            tb.put("examples", meta.testbench().examples());
            tb.put("samples", meta.testbench().samples());
            tb.put("seed", meta.testbench().seed());
        }
        architecture(root.putObject("architecture"), meta.arch());
        readPath(root.putObject("read_path"), meta.arch());
    }

    /** Every architecture parameter, with the keys of the architecture file, so the object can be fed back. */
    static void architecture(ObjectNode o, Architecture a) {
        o.put("name", a.name());
        ObjectNode xb = o.putObject("crossbar");
        xb.put("rows", a.rows());
        xb.put("cols", a.cols());
        xb.put("weight_encoding", a.encoding().name().toLowerCase(Locale.ROOT));
        Architecture.Sensing sn = a.sensing();
        xb.put("rows_per_read", sn.rowsPerRead());
        ObjectNode mtj = o.putObject("mtj");
        mtj.put("read_voltage_v", num(sn.readVoltageV()));
        mtj.put("r_parallel_ohm", num(sn.rParallelOhm()));
        mtj.put("r_antiparallel_ohm", num(sn.rAntiparallelOhm()));
        mtj.put("bitline_ohm_per_cell", num(sn.bitlineOhmPerCell()));
        mtj.put("max_ir_drop_fraction", num(sn.maxIrDropFraction()));
        ObjectNode cv = o.putObject("converter");
        cv.put("bits", sn.converterBits());
        cv.put("columns_per_converter", sn.columnsPerConverter());
        cv.put("power_uw_per_bit", num(sn.converterUwPerBit()));
        cv.put("power_uw_fixed", num(sn.converterUwFixed()));
        cv.put("cycle_ns", num(sn.converterCycleNs()));
        cv.put("transistor_area_um2", num(sn.transistorAreaUm2()));
        o.put("crossbars_per_tile", a.crossbarsPerTile());
        o.put("tiles_per_chip", a.tilesPerChip());
        o.put("chips", a.chips());
        o.put("input_bits", a.inputBits());
        Architecture.Energy e = a.energy();
        ObjectNode en = o.putObject("energy_pj");
        en.put("cell_write", num(e.cellWrite()));
        en.put("wordline_drive", num(e.wordlineDrive()));
        en.put("adder_per_bit", num(e.adderPerBit()));
        en.put("threshold", num(e.threshold()));
        en.put("stochastic_bit", num(e.stochasticBit()));
        en.put("buffer_per_bit", num(e.bufferPerBit()));
        en.put("transfer_per_bit", num(e.transferPerBit()));
        en.put("digital_float_op", num(e.digitalFloatOp()));
        en.put("mask_gate", num(e.maskGate()));
        Architecture.Latency t = a.latency();
        ObjectNode lt = o.putObject("latency_ns");
        lt.put("row_write", num(t.rowWrite()));
        lt.put("crossbar_read", num(t.crossbarRead()));
        lt.put("adder_stage", num(t.adderStage()));
        lt.put("threshold", num(t.threshold()));
        lt.put("stochastic_bit", num(t.stochasticBit()));
        lt.put("transfer_per_word", num(t.transferPerWord()));
        lt.put("digital_float_op", num(t.digitalFloatOp()));
        Architecture.Area ar = a.area();
        ObjectNode am = o.putObject("area_um2");
        am.put("cell", num(ar.cell()));
        am.put("wordline_driver", num(ar.wordlineDriver()));
        am.put("adder_per_bit", num(ar.adderPerBit()));
        am.put("threshold_unit", num(ar.thresholdUnit()));
        am.put("stochastic_unit", num(ar.stochasticUnit()));
        am.put("buffer_per_bit", num(ar.bufferPerBit()));
        am.put("digital_unit", num(ar.digitalUnit()));
        am.put("mask_gate", num(ar.maskGate()));
    }

    /** The figures the sensing model derives from the architecture, and whether its bit lines pass the IR check. */
    static void readPath(ObjectNode o, Architecture a) {
        o.put("rows_per_read", a.rowsPerRead());
        o.put("converter_bits", a.converterBits());
        o.put("converters_per_crossbar", a.convertersPerCrossbar());
        o.put("cell_read_pj", num(a.cellReadPj()));
        o.put("conversion_pj", num(a.conversionPj()));
        o.put("conversion_ns", num(a.conversionNs()));
        o.put("read_ns", num(a.readNs(a.logicalCols())));
        o.put("converter_area_um2", num(a.converterAreaUm2()));
        o.put("ir_drop_v", num(a.irDropV()));
        o.put("ir_drop_limit_v", num(a.irDropLimitV()));
        o.put("physical", a.irDropV() <= a.irDropLimitV());
    }

    /** "binary" or "k-bit bit-serial": what the first crossbar layer's word lines really receive. */
    static String firstLayerInput(CostReport r) {
        if (r.layers().isEmpty()) return "none";
        int bits = r.layers().get(0).inputBits();
        return bits <= 1 ? "binary" : bits + "-bit bit-serial";
    }

    /**
     * Scale-Dropout against per-neuron MC-Dropout: over the whole inference (T passes) and for the stochastic
     * modules alone, which is what the paper's energy claim is about. Without Scale-Dropout the two are one
     * datapath, so every ratio is null rather than a 1.0 that reads like a result.
     */
    static void saving(ObjectNode o, CostReport r) {
        boolean sd = r.stochasticKind().equals("scale_dropout");
        o.put("applies", sd);
        o.put("stochastic_units_ratio", ratio(sd, r.baselineStochasticUnits(), r.stochasticUnits()));
        o.put("mc_energy_ratio", ratio(sd, r.baselineMcDropout().energyPj(), r.mc().energyPj()));
        CostReport.Schedule sc = r.montecarlo();
        boolean sched = sd && sc.present();
        o.put(
                "mc_energy_ratio_scheduled",
                sched
                        ? ratio(
                                true,
                                sc.baselineScheduled().energyPj(),
                                sc.scheduled().energyPj())
                        : null);
        o.put(
                "mc_latency_ratio_scheduled",
                sched
                        ? ratio(
                                true,
                                sc.baselineScheduled().latencyNs(),
                                sc.scheduled().latencyNs())
                        : null);
        o.put("area_ratio", ratio(sd, r.baselineMcDropout().areaMm2(), r.mc().areaMm2()));
        ObjectNode st = o.putObject("stochastic_modules");
        st.put("energy_pj", num(r.stochasticEnergyPj()));
        st.put("baseline_energy_pj", num(r.baselineStochasticEnergyPj()));
        st.put("energy_ratio", ratio(sd, r.baselineStochasticEnergyPj(), r.stochasticEnergyPj()));
        double area = r.mc().areaBreakdownMm2().getOrDefault("stochastic", 0.0);
        double baseArea = r.baselineMcDropout().areaBreakdownMm2().getOrDefault("stochastic", 0.0);
        st.put("area_mm2", num(area));
        st.put("baseline_area_mm2", num(baseArea));
        st.put("area_ratio", ratio(sd, baseArea, area));
        var sweep = o.putArray("random_bit_sweep");
        for (CostReport.BitCost b : r.bitCostSweep()) {
            ObjectNode p = sweep.addObject();
            p.put("bit_pj", num(b.bitPj()));
            p.put("write_pj", num(b.writePj()));
            p.put("reset_pj", num(b.resetPj()));
            p.put("read_pj", num(b.readPj()));
            p.put("architectures", b.architectures());
            p.put("stochastic_modules_pj", num(b.modulePj()));
            p.put("baseline_stochastic_modules_pj", num(b.baselineModulePj()));
            p.put("stochastic_modules_ratio", ratio(sd, b.baselineModulePj(), b.modulePj()));
            p.put("whole_inference_pj", num(b.totalPj()));
            p.put("baseline_whole_inference_pj", num(b.baselineTotalPj()));
            p.put("whole_inference_ratio", ratio(sd, b.baselineTotalPj(), b.totalPj()));
            p.put("whole_inference_scheduled_pj", num(b.scheduledTotalPj()));
            p.put("baseline_whole_inference_scheduled_pj", num(b.baselineScheduledTotalPj()));
            p.put("whole_inference_scheduled_ratio", ratio(sd, b.baselineScheduledTotalPj(), b.scheduledTotalPj()));
        }
    }

    /** The compiled Monte-Carlo schedule and each row's expected runs (see {@link CostReport.Schedule}). */
    static void schedule(ObjectNode o, CostReport.Schedule sc) {
        o.put("order", sc.order());
        o.put("bits", sc.bits());
        o.put("reuse_buffer_bits", sc.reuseBufferBits());
        o.put("counter_bits", sc.counterBits());
        o.put("baseline_reuse_buffer_bits", sc.baselineReuseBufferBits());
        var runs = o.putArray("runs");
        for (CostReport.Runs x : sc.runs()) {
            ObjectNode n = runs.addObject();
            n.put("node", x.node());
            n.put("runs_on", x.runsOn());
            n.put("depth", x.depth());
            n.put("expected", num(x.expected()));
            n.put("baseline", num(x.baseline()));
        }
    }

    private static java.math.BigDecimal ratio(boolean applies, double baseline, double own) {
        return applies && own > 0 ? num(baseline / own) : null;
    }
}
