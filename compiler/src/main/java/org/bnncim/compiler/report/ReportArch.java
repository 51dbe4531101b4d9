package org.bnncim.compiler.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bnncim.ir.arch.Architecture;

/** Every architecture parameter as the text and HTML reports list it: the architecture file's keys, in its order. */
final class ReportArch {
    private ReportArch() {}

    /** One parameter: its group in the architecture file, its key, its value as written there, and its unit. */
    record Param(String group, String key, String value, String unit) {}

    static List<Param> params(Architecture a) {
        List<Param> ps = new ArrayList<>();
        ps.add(new Param("crossbar", "rows", Integer.toString(a.rows()), "word lines"));
        ps.add(new Param("crossbar", "cols", Integer.toString(a.cols()), "bit lines"));
        ps.add(new Param("crossbar", "weight_encoding", a.encoding().name().toLowerCase(Locale.ROOT), ""));
        ps.add(new Param("", "crossbars_per_tile", Integer.toString(a.crossbarsPerTile()), ""));
        ps.add(new Param("", "tiles_per_chip", Integer.toString(a.tilesPerChip()), ""));
        ps.add(new Param("", "chips", Integer.toString(a.chips()), ""));
        ps.add(new Param("", "input_bits", Integer.toString(a.inputBits()), "bits"));
        ps.add(new Param("", "psum_bits", Integer.toString(a.psumBits()), "bits"));
        Architecture.Energy e = a.energy();
        String pj = "pJ";
        ps.add(new Param("energy_pj", "cell_read", num(e.cellRead()), pj));
        ps.add(new Param("energy_pj", "sense_amp", num(e.senseAmp()), pj));
        ps.add(new Param("energy_pj", "adder_per_bit", num(e.adderPerBit()), pj));
        ps.add(new Param("energy_pj", "threshold", num(e.threshold()), pj));
        ps.add(new Param("energy_pj", "stochastic_bit", num(e.stochasticBit()), pj));
        ps.add(new Param("energy_pj", "buffer_per_bit", num(e.bufferPerBit()), pj));
        ps.add(new Param("energy_pj", "transfer_per_bit", num(e.transferPerBit()), pj));
        ps.add(new Param("energy_pj", "digital_float_op", num(e.digitalFloatOp()), pj));
        ps.add(new Param("energy_pj", "mask_gate", num(e.maskGate()), pj));
        Architecture.Latency t = a.latency();
        String ns = "ns";
        ps.add(new Param("latency_ns", "crossbar_read", num(t.crossbarRead()), ns));
        ps.add(new Param("latency_ns", "adder_stage", num(t.adderStage()), ns));
        ps.add(new Param("latency_ns", "threshold", num(t.threshold()), ns));
        ps.add(new Param("latency_ns", "stochastic_bit", num(t.stochasticBit()), ns));
        ps.add(new Param("latency_ns", "transfer_per_word", num(t.transferPerWord()), ns));
        ps.add(new Param("latency_ns", "digital_float_op", num(t.digitalFloatOp()), ns));
        Architecture.Area ar = a.area();
        String um2 = "um2";
        ps.add(new Param("area_um2", "cell", num(ar.cell()), um2));
        ps.add(new Param("area_um2", "sense_amp", num(ar.senseAmp()), um2));
        ps.add(new Param("area_um2", "adder_per_bit", num(ar.adderPerBit()), um2));
        ps.add(new Param("area_um2", "threshold_unit", num(ar.thresholdUnit()), um2));
        ps.add(new Param("area_um2", "stochastic_unit", num(ar.stochasticUnit()), um2));
        ps.add(new Param("area_um2", "buffer_per_bit", num(ar.bufferPerBit()), um2));
        ps.add(new Param("area_um2", "digital_unit", num(ar.digitalUnit()), um2));
        ps.add(new Param("area_um2", "mask_gate", num(ar.maskGate()), um2));
        return ps;
    }

    /** The shortest text that reads back to the value, as report.json writes it. */
    private static String num(double v) {
        var d = ReportJson.num(v);
        return d == null ? "n/a" : d.toPlainString();
    }
}
