package org.bnncim.backends.verilog;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bnncim.backends.sim.Program;
import org.bnncim.ir.Node;

/**
 * What {@code bnncim compile --synth} gives Yosys: a synthesis top ({@value #WRAPPER}) holding the chip's comparator
 * banks, with the parameters {@code bnncim_top} gives them, its stochastic-scale unit and its adder datapath
 * ({@code bnncim_accumulate}), each behind a wrapper
 * module of its own so that Yosys' statistics name it; and the script ({@value #SCRIPT}) that reads every file of
 * {@link VerilogBackend#DESIGN_SOURCES} (the crossbar as a black box, the rest deferred so that only what the top
 * instantiates is elaborated), synthesizes, and writes per-module cell counts to {@value #STAT}.
 *
 * <p>The rest of {@code bnncim_top} (controller, accumulator and activation registers, word-line multiplexers) is
 * not synthesized: as written for simulation, Yosys did not get it through its {@code proc} pass in 15 minutes even
 * for TFC_1W1A (docs/verilog.md, "Synthesis cross-check"). The MC-Dropout bank is not either: it is U copies of the
 * stochastic unit's LFSR, whose figure is synthesized.
 */
public final class VerilogSynth {
    private VerilogSynth() {}

    /** The synthesis top's file, written beside the design with {@code --synth}. */
    public static final String WRAPPER = "synth_periphery.v";
    /** The Yosys script. */
    public static final String SCRIPT = "synth.ys";
    /** Yosys' log of the run. */
    public static final String LOG = "synth.log";
    /** {@code stat -json -tech cmos}: cells by type and estimated transistors, per module. */
    public static final String STAT = "synth_stat.json";
    /** The adder datapath's wrapper module. */
    public static final String ACCUMULATE = "bnncim_synth_accumulate";
    /** The synthesis top's module. */
    public static final String TOP = "bnncim_periphery";

    /**
     * One synthesized part of the periphery.
     *
     * @param module  its wrapper module in {@value #WRAPPER} (Yosys' statistics name it)
     * @param kind    {@code threshold} (one comparator per neuron and set), {@code multi_threshold} ({@code steps}
     *                per neuron and set), {@code stochastic_unit} or {@code accumulate} (the adder datapath)
     * @param node    the ONNX node of a bank ({@code null} for the unit and the datapath)
     * @param neurons a bank's outputs; the datapath's lanes (logical columns); 0 for the unit
     * @param steps   comparators per neuron in one threshold set (0 for the unit)
     * @param sets    threshold sets the bank holds: 3 (expectation, kept, dropped) with Scale-Dropout, else 1
     */
    public record Part(String module, String kind, String node, int neurons, int steps, int sets) {}

    /**
     * The parts {@link #wrapper} instantiates: banks in layer order, then the unit when the model draws bits, then the
     * adder datapath.
     */
    public static List<Part> parts(Program p) {
        VerilogModel m = VerilogModel.of(p);
        List<Part> parts = new ArrayList<>();
        for (VerilogModel.Layer l : m.layers()) {
            if (l.threshold() == null) continue;
            boolean sd = l.threshold() instanceof Node.Threshold t
                    ? t.stochastic() != null
                    : ((Node.MultiThreshold) l.threshold()).stochastic() != null;
            int steps = l.threshold() instanceof Node.MultiThreshold mt
                    ? mt.expected().steps()
                    : 1;
            parts.add(new Part(
                    "bnncim_synth_" + l.thresholdIdent(),
                    l.multi() ? "multi_threshold" : "threshold",
                    l.threshold().name(),
                    l.n(),
                    steps,
                    sd ? 3 : 1));
        }
        if (p.probabilities().length > 0)
            parts.add(new Part("bnncim_synth_stochastic_unit", "stochastic_unit", null, 0, 0, 0));
        parts.add(new Part(ACCUMULATE, "accumulate", null, p.mapping().arch().logicalCols(), 0, 0));
        return List.copyOf(parts);
    }

    /** {@value #WRAPPER}: every part as a module of its own, and the top that holds them with their ports. */
    public static String wrapper(Program p) {
        VerilogModel m = VerilogModel.of(p);
        StringBuilder mods = new StringBuilder(), ports = new StringBuilder(), inst = new StringBuilder();
        for (VerilogModel.Layer l : m.layers()) {
            if (l.threshold() == null) continue;
            String id = l.thresholdIdent();
            String y = l.multi() ? id + "_BITS*" + id + "_N" : id + "_N";
            String bank = l.multi()
                    ? String.format(Locale.ROOT, """
                                bnncim_multi_threshold #(.N(%1$s_N), .STEPS(%1$s_STEPS), .BITS(%1$s_BITS), .W(ACC_W),
                                    .BASE(%1$s_BASE),
                            """, id)
                    : String.format(Locale.ROOT, "    bnncim_threshold #(.N(%1$s_N), .W(ACC_W),%n", id);
            mods.append(
                    String.format(Locale.ROOT, """

                    // %1$s: the comparator bank of %2$s (ONNX node %3$s), with bnncim_top's parameters
                    module bnncim_synth_%1$s (
                        input  wire                  clk,
                        input  wire                  en,
                        input  wire [1:0]            mode,
                        input  wire [%1$s_N*ACC_W-1:0] x,
                        output wire [%4$s-1:0]        y
                    );
                    `include "bnncim_params.vh"
                    %5$s        .T_EXP(%1$s_T_EXP), .GE_EXP(%1$s_GE_EXP), .T_KEPT(%1$s_T_KEPT), .GE_KEPT(%1$s_GE_KEPT),
                            .T_DROP(%1$s_T_DROP), .GE_DROP(%1$s_GE_DROP)) u_%1$s (
                            .clk(clk), .en(en), .mode(mode), .x(x), .y(y));
                    endmodule
                    """, id, l.ident(), l.threshold().name(), y, bank));
            ports.append(String.format(Locale.ROOT, """
                        input  wire                  %1$s_en,
                        input  wire [1:0]            %1$s_mode,
                        input  wire [%1$s_N*ACC_W-1:0] %1$s_x,
                        output wire [%2$s-1:0]        %1$s_y,
                    """, id, y));
            inst.append(String.format(
                    Locale.ROOT,
                    "    bnncim_synth_%1$s s_%1$s (%n        .clk(clk), .en(%1$s_en), .mode(%1$s_mode), .x(%1$s_x), "
                            + ".y(%1$s_y));%n",
                    id));
        }
        if (p.probabilities().length > 0) {
            mods.append("""

                    // the stochastic-scale unit (exactly one on the chip)
                    module bnncim_synth_stochastic_unit (
                        input  wire        clk,
                        input  wire        load,
                        input  wire [31:0] seed,
                        input  wire        draw,
                        input  wire [31:0] p_thr,
                        output wire        z
                    );
                        bnncim_stochastic_unit u_stochastic (
                            .clk(clk), .load(load), .seed(seed), .draw(draw), .p_thr(p_thr), .z(z));
                    endmodule
                    """);
            ports.append("""
                        input  wire                  sd_load,
                        input  wire [31:0]           sd_seed,
                        input  wire                  sd_draw,
                        input  wire [31:0]           sd_p_thr,
                        output wire                  sd_z,
                    """);
            inst.append("    bnncim_synth_stochastic_unit s_stochastic (.clk(clk), .load(sd_load), .seed(sd_seed), "
                    + ".draw(sd_draw),\n        .p_thr(sd_p_thr), .z(sd_z));\n");
        }
        mods.append("""

                // the adder datapath after the crossbars: one lane per logical column (bnncim_accumulate.v)
                module bnncim_synth_accumulate (
                    input  wire [LCOLS*CW-1:0]    cnt,
                    input  wire [CW-1:0]          active,
                    input  wire [PL_W-1:0]        plane,
                    input  wire                   neg,
                    input  wire [LCOLS*ACC_W-1:0] a,
                    output wire [LCOLS*ACC_W-1:0] y
                );
                `include "bnncim_params.vh"
                    bnncim_accumulate #(.LCOLS(LCOLS), .CW(CW), .ACC_W(ACC_W), .PL_W(PL_W)) u_accumulate (
                        .cnt(cnt), .active(active), .plane(plane), .neg(neg), .a(a), .y(y));
                endmodule
                """);
        ports.append("""
                    input  wire [LCOLS*CW-1:0]    acc_cnt,
                    input  wire [CW-1:0]          acc_active,
                    input  wire [PL_W-1:0]        acc_plane,
                    input  wire                   acc_neg,
                    input  wire [LCOLS*ACC_W-1:0] acc_a,
                    output wire [LCOLS*ACC_W-1:0] acc_y,
                """);
        inst.append("    bnncim_synth_accumulate s_accumulate (.cnt(acc_cnt), .active(acc_active), .plane(acc_plane),\n"
                + "        .neg(acc_neg), .a(acc_a), .y(acc_y));\n");
        return String.format(Locale.ROOT, """
                // %1$s: generated by bnncim (compile --synth) for model '%2$s'. Not part of the chip: the top
                // Yosys synthesizes to count the periphery's cells. It holds each comparator bank of bnncim_top, with
                // the same parameters, the stochastic-scale unit (when the model draws bits) and the adder datapath,
                // each in a wrapper module whose name the statistics use; their ports are the top's. The crossbars and
                // bnncim_top's controller, accumulator and activation registers are not in it (docs/verilog.md,
                // "Synthesis cross-check").
                module %3$s (
                %4$s    input  wire                  clk
                );
                `include "bnncim_params.vh"
                %5$sendmodule
                %6$s""", WRAPPER, m.graph().name(), TOP, ports, inst, mods);
    }

    /**
     * {@value #SCRIPT}: reads the design (the crossbar as a black box), synthesizes {@value #TOP} with its hierarchy
     * kept, turns enable flip-flops into a flip-flop and a multiplexer (so that the CMOS transistor estimate counts
     * every cell), and writes the statistics.
     */
    public static String script() {
        StringBuilder s = new StringBuilder();
        s.append("# ")
                .append(SCRIPT)
                .append(": generated by bnncim (compile --synth). Run in this folder: yosys -l ")
                .append(LOG)
                .append(' ')
                .append(SCRIPT)
                .append('\n');
        s.append("# the crossbars are analog macros: a black box (ports only)\n");
        s.append("read_verilog -lib ").append(VerilogBackend.CROSSBAR_SOURCE).append('\n');
        s.append("# deferred: only the modules ").append(TOP).append(" instantiates are elaborated\n");
        s.append("read_verilog -defer ").append(WRAPPER);
        for (String f : VerilogBackend.DESIGN_SOURCES)
            if (!f.equals(VerilogBackend.CROSSBAR_SOURCE)) s.append(' ').append(f);
        s.append('\n');
        s.append("synth -top ").append(TOP).append('\n');
        s.append("dffunmap\n");
        s.append("# no top attribute: stat prints per-module figures only, which bnncim sums over the hierarchy\n");
        s.append("setattr -mod -unset top\n");
        s.append("tee -q -o ").append(STAT).append(" stat -json -tech cmos\n");
        s.append("stat -tech cmos\n");
        return s.toString();
    }
}
