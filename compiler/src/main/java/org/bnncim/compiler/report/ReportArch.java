package org.bnncim.compiler.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.ir.arch.Architecture;

/**
 * Every architecture parameter as the text and HTML reports list it: the architecture file's keys, in its order,
 * each with its basis (a published source, our assumption, the note of the user's file, or the user's file), then the
 * figures the sensing model derives from them.
 */
final class ReportArch {
    private ReportArch() {}

    /** One parameter: its group in the architecture file, its key, its value as written there, unit and basis. */
    record Param(String group, String key, String value, String unit, String basis) {}

    static final String ASSUMPTION = "assumption";
    static final String DERIVED = "derived";
    static final String USER = "set by the user (--arch, --crossbar)";
    private static final String HOROWITZ = "source: Horowitz, ISSCC 2014 (45 nm), scaled";
    private static final String NEUROSIM = "source: NeuroSim V2.1 SAR ADC fit, 22 nm HP";

    /** The basis of each default value; a parameter not listed is our assumption. */
    private static final Map<String, String> SOURCES = Map.of(
            "converter.columns_per_converter", "source: NeuroSim default column mux (8)",
            "converter.power_uw_per_bit", NEUROSIM,
            "converter.power_uw_fixed", NEUROSIM,
            "converter.cycle_ns", NEUROSIM,
            "converter.bits", "derived: ceil(log2(rows_per_read + 1))",
            "energy_pj.adder_per_bit", HOROWITZ,
            "energy_pj.buffer_per_bit", HOROWITZ,
            "energy_pj.digital_float_op", HOROWITZ,
            "activity.interconnect_toggle", "source: NeuroSim V1.4 default outputtoggle (0.5)",
            "input_bits", "implementation: fixed");

    static List<Param> params(Architecture a) {
        return params(a, Map.of());
    }

    /**
     * @param notes the basis the architecture file's comments give its keys (dotted key to {@code "source: ..."} or
     *     {@code "assumption: ..."}, {@link ArchitectureLoader#loadAnnotated}): a key with a note shows it, whatever
     *     its value; a key without one is the user's when it differs from the default
     */
    static List<Param> params(Architecture a, Map<String, String> notes) {
        List<Param> values = values(a), defaults = Defaults.VALUES, ps = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            Param v = values.get(i);
            String dotted = v.group().isEmpty() ? v.key() : v.group() + "." + v.key();
            String basis = notes.containsKey(dotted)
                    ? notes.get(dotted)
                    : !v.value().equals(defaults.get(i).value()) ? USER : SOURCES.getOrDefault(dotted, ASSUMPTION);
            ps.add(new Param(v.group(), v.key(), v.value(), v.unit(), basis));
        }
        return ps;
    }

    /** The built-in architecture's values, formatted once: every report compares each parameter with them. */
    private static final class Defaults {
        static final List<Param> VALUES = values(ArchitectureLoader.defaults());
    }

    /** Every parameter of {@code a} in the file's order, without its basis. */
    private static List<Param> values(Architecture a) {
        List<Param> ps = new ArrayList<>(64);
        Adder add = (group, key, value, unit) -> ps.add(new Param(group, key, value, unit, ""));
        add.to("crossbar", "rows", Integer.toString(a.rows()), "word lines");
        add.to("crossbar", "cols", Integer.toString(a.cols()), "bit lines");
        add.to("crossbar", "weight_encoding", enc(a), "");
        Architecture.Sensing s = a.sensing();
        add.to("crossbar", "rows_per_read", Integer.toString(s.rowsPerRead()), "word lines");
        add.to("mtj", "read_voltage_v", num(s.readVoltageV()), "V");
        add.to("mtj", "r_parallel_ohm", num(s.rParallelOhm()), "ohm");
        add.to("mtj", "r_antiparallel_ohm", num(s.rAntiparallelOhm()), "ohm");
        add.to("mtj", "bitline_ohm_per_cell", num(s.bitlineOhmPerCell()), "ohm");
        add.to("mtj", "max_ir_drop_fraction", num(s.maxIrDropFraction()), "");
        add.to("converter", "bits", Integer.toString(s.converterBits()), "bits");
        add.to("converter", "columns_per_converter", Integer.toString(s.columnsPerConverter()), "columns");
        add.to("converter", "power_uw_per_bit", num(s.converterUwPerBit()), "uW");
        add.to("converter", "power_uw_fixed", num(s.converterUwFixed()), "uW");
        add.to("converter", "cycle_ns", num(s.converterCycleNs()), "ns");
        add.to("converter", "transistor_area_um2", num(s.transistorAreaUm2()), "um2");
        add.to("", "crossbars_per_tile", Integer.toString(a.crossbarsPerTile()), "");
        add.to("", "tiles_per_chip", Integer.toString(a.tilesPerChip()), "");
        add.to("", "chips", Integer.toString(a.chips()), "");
        add.to("", "input_bits", Integer.toString(a.inputBits()), "bits");
        Architecture.Energy e = a.energy();
        String pj = "pJ";
        add.to("energy_pj", "cell_write", num(e.cellWrite()), pj);
        add.to("energy_pj", "wordline_drive", num(e.wordlineDrive()), pj);
        add.to("energy_pj", "adder_per_bit", num(e.adderPerBit()), pj);
        add.to("energy_pj", "threshold", num(e.threshold()), pj);
        add.to("energy_pj", "stochastic_bit", num(e.stochasticBit()), pj);
        add.to("energy_pj", "buffer_per_bit", num(e.bufferPerBit()), pj);
        add.to("energy_pj", "transfer_per_bit", num(e.transferPerBit()), pj);
        add.to("energy_pj", "digital_float_op", num(e.digitalFloatOp()), pj);
        add.to("energy_pj", "mask_gate", num(e.maskGate()), pj);
        Architecture.Latency t = a.latency();
        String ns = "ns";
        add.to("latency_ns", "row_write", num(t.rowWrite()), ns);
        add.to("latency_ns", "crossbar_read", num(t.crossbarRead()), ns);
        add.to("latency_ns", "adder_stage", num(t.adderStage()), ns);
        add.to("latency_ns", "threshold", num(t.threshold()), ns);
        add.to("latency_ns", "stochastic_bit", num(t.stochasticBit()), ns);
        add.to("latency_ns", "transfer_per_word", num(t.transferPerWord()), ns);
        add.to("latency_ns", "digital_float_op", num(t.digitalFloatOp()), ns);
        Architecture.Area ar = a.area();
        String um2 = "um2";
        add.to("area_um2", "cell", num(ar.cell()), um2);
        add.to("area_um2", "wordline_driver", num(ar.wordlineDriver()), um2);
        add.to("area_um2", "adder_per_bit", num(ar.adderPerBit()), um2);
        add.to("area_um2", "threshold_unit", num(ar.thresholdUnit()), um2);
        add.to("area_um2", "stochastic_unit", num(ar.stochasticUnit()), um2);
        add.to("area_um2", "buffer_per_bit", num(ar.bufferPerBit()), um2);
        add.to("area_um2", "digital_unit", num(ar.digitalUnit()), um2);
        add.to("area_um2", "mask_gate", num(ar.maskGate()), um2);
        Architecture.Activity ac = a.activity();
        add.to("activity", "bit_serial_ones", num(ac.bitSerialOnes()), "");
        add.to("activity", "interconnect_toggle", num(ac.interconnectToggle()), "");
        add.to("activity", "leakage_uw_per_mm2", num(ac.leakageUwPerMm2()), "uW/mm2");
        add.to("stochastic_bit_split", "write", num(ac.randomWrite()), "");
        add.to("stochastic_bit_split", "reset", num(ac.randomReset()), "");
        add.to("stochastic_bit_split", "read", num(ac.randomRead()), "");
        return ps;
    }

    /** The figures derived from the parameters, under their own group: what the cost model actually charges. */
    static List<Param> derived(Architecture a) {
        String g = "derived";
        List<Param> ps = new ArrayList<>();
        ps.add(new Param(g, "rows_per_read", Integer.toString(a.rowsPerRead()), "word lines", "min(setting, rows)"));
        ps.add(new Param(g, "converter_bits", Integer.toString(a.converterBits()), "bits", "converter.bits"));
        ps.add(new Param(
                g,
                "converters_per_crossbar",
                Integer.toString(a.convertersPerCrossbar()),
                "",
                "sensed columns / columns_per_converter"));
        ps.add(new Param(g, "cell_read", num(a.cellReadPj()), "pJ", "V^2 x mean(1/R_P, 1/R_AP) x crossbar_read"));
        ps.add(new Param(g, "conversion", num(a.conversionPj()), "pJ", "power x conversion time"));
        ps.add(new Param(g, "conversion_time", num(a.conversionNs()), "ns", "(bits + 1) x cycle_ns"));
        ps.add(new Param(
                g,
                "read",
                num(a.readNs(a.logicalCols())),
                "ns",
                "crossbar_read + columns_per_converter x conversion_time"));
        ps.add(new Param(
                g, "converter_area", num(a.converterAreaUm2()), "um2", "(478 + 182 x (bits - 1)) transistors"));
        ps.add(new Param(
                g,
                "ir_drop",
                num(a.irDropV()),
                "V",
                (a.irDropV() <= a.irDropLimitV() ? "within " : "OVER ") + "the limit " + num(a.irDropLimitV()) + " V"));
        return ps;
    }

    @FunctionalInterface
    private interface Adder {
        void to(String group, String key, String value, String unit);
    }

    private static String enc(Architecture a) {
        return a.encoding().name().toLowerCase(Locale.ROOT);
    }

    /** The shortest text that reads back to the value, as report.json writes it. */
    static String num(double v) {
        String s = ReportJson.numText(v);
        return s == null ? "n/a" : s;
    }
}
