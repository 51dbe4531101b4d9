package org.bnncim.backends.verilog;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bnncim.backends.rng.Lfsr32;
import org.bnncim.backends.sim.Program;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarImages;

/**
 * Writes a program as Verilog-2005 that Icarus Verilog and Verilator simulate and Verilator lints: one crossbar
 * module instance per programmed crossbar (cells from a {@code $readmemh} image), comparator banks with their
 * threshold sets, the single LFSR stochastic-scale unit, a micro-programmed controller and a streaming top, plus a
 * testbench (run.sh runs it under either simulator). The
 * datapath is exactly the simulator's arithmetic, so outputs and stochastic bits can be compared bit for bit
 * (docs/verilog.md).
 */
public final class VerilogBackend {
    private VerilogBackend() {}

    /**
     * @param inputs  examples for the testbench (null: none; the testbench then only elaborates)
     * @param samples Monte-Carlo passes per example in the testbench (0: one deterministic pass)
     * @param seed    the stochastic unit's seed (folded to 32 bits as {@link Lfsr32} does)
     */
    public record Options(float[][] inputs, int samples, long seed) {
        public static final Options NONE = new Options(null, 0, 0);
    }

    /** The testbench module's file: simulators compile it with {@link #DESIGN_SOURCES}. */
    public static final String TESTBENCH = "tb_top.v";

    /** The chip's top module. */
    public static final String TOP_MODULE = "bnncim_top";

    /** The crossbar macro's file (a black box to synthesis). */
    public static final String CROSSBAR_SOURCE = "bnncim_crossbar.v";

    /**
     * Every Verilog module file of the chip, top first: run.sh, the lint command (docs/verilog.md), the tests and
     * {@code --synth} all read this list, so a new module file is added here and nowhere else ({@link #generate}
     * refuses to write a {@code .v} file missing from it).
     */
    public static final List<String> DESIGN_SOURCES = List.of(
            "bnncim_top.v",
            CROSSBAR_SOURCE,
            "bnncim_threshold.v",
            "bnncim_multi_threshold.v",
            "bnncim_stochastic_unit.v",
            VerilogDropout.FILE,
            VerilogAccumulate.FILE);

    /** What a simulator compiles: the testbench, then {@link #DESIGN_SOURCES}. */
    public static List<String> simulationSources() {
        List<String> all = new ArrayList<>();
        all.add(TESTBENCH);
        all.addAll(DESIGN_SOURCES);
        return List.copyOf(all);
    }

    /** Accumulators are Java ints in the simulator; the same width keeps wrap-around identical. */
    static final int ACC_W = 32;
    /** Width of one micro-program field. */
    static final int FIELD_W = 32;

    public static Map<String, byte[]> generate(Program p, Options o) {
        VerilogModel m = VerilogModel.of(p);
        Architecture a = p.mapping().arch();
        Map<String, byte[]> files = new LinkedHashMap<>();
        put(files, "bnncim_params.vh", VerilogParams.render(p, m));
        put(files, CROSSBAR_SOURCE, crossbar(a));
        put(files, "bnncim_threshold.v", THRESHOLD);
        put(files, "bnncim_multi_threshold.v", MULTI_THRESHOLD);
        put(
                files,
                "bnncim_stochastic_unit.v",
                STOCHASTIC
                        .replace("@ADVANCE32@", ADVANCE32)
                        .replace("@ZERO@", hex32(Lfsr32.ZERO_SEED_STATE))
                        .replace("@TAPS@", hex32(Lfsr32.TAPS)));
        put(files, VerilogDropout.FILE, VerilogDropout.module());
        put(files, VerilogAccumulate.FILE, VerilogAccumulate.module());
        put(files, "bnncim_top.v", VerilogTop.render(p, m));
        if (m.digital().active()) put(files, VerilogFloat.FUNCTIONS, VerilogFloat.functions());
        int examples = o.inputs() == null ? 0 : o.inputs().length;
        put(files, TESTBENCH, testbench(examples, o.samples(), o.seed()));
        for (CrossbarImages.Image img : p.crossbars()) put(files, "xb_" + img.id() + ".hex", image(img, a));
        if (o.inputs() != null) {
            VerilogReference.Expected e = VerilogReference.run(p, o.inputs(), o.samples(), o.seed());
            put(files, "inputs.hex", e.inputsHex());
            put(files, "expected_outputs.txt", e.outputs());
            put(files, "expected_bits.txt", e.bits());
        }
        put(files, "run.sh", RUN_SH.replace("@SOURCES@", String.join(" ", simulationSources())));
        for (String name : files.keySet()) {
            if (name.endsWith(".v") && !name.equals(TESTBENCH) && !DESIGN_SOURCES.contains(name))
                throw new IllegalStateException(name + " is not in VerilogBackend.DESIGN_SOURCES");
        }
        return files;
    }

    /** The 32-bit value the Verilog unit is seeded with: {@link Lfsr32}'s folding of a 64-bit seed. */
    public static int seedState(long seed) {
        return new Lfsr32(seed).state();
    }

    private static void put(Map<String, byte[]> files, String name, String text) {
        files.put(name, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Bits needed to hold 0..max. */
    static int bitsFor(long max) {
        return Math.max(1, 64 - Long.numberOfLeadingZeros(max));
    }

    /** A sized hex literal holding v[0] in the least significant w bits, v[1] above it, and so on. */
    static String pack(long[] v, int w) {
        BigInteger acc = BigInteger.ZERO;
        BigInteger mask = BigInteger.ONE.shiftLeft(w).subtract(BigInteger.ONE);
        for (int i = v.length - 1; i >= 0; i--)
            acc = acc.shiftLeft(w).or(BigInteger.valueOf(v[i]).and(mask));
        return (long) v.length * w + "'h" + acc.toString(16);
    }

    private static String hex32(int v) {
        return String.format(Locale.ROOT, "32'h%08x", v);
    }

    // ------------------------------------------------------------------------------------------ crossbar

    /** One line per physical column (bit line); row r is bit r, so the first hex digit holds the last rows. */
    static String image(CrossbarImages.Image img, Architecture a) {
        int digits = (a.rows() + 3) / 4;
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < a.cols(); c++) {
            char[] line = new char[digits];
            for (int d = 0; d < digits; d++) {
                int nib = 0;
                for (int b = 0; b < 4; b++) {
                    int r = d * 4 + b;
                    if (r < a.rows() && img.bit(r, c)) nib |= 1 << b;
                }
                line[digits - 1 - d] = Character.forDigit(nib, 16);
            }
            s.append(line).append('\n');
        }
        return s.toString();
    }

    private static String crossbar(Architecture a) {
        boolean comp = a.encoding() == Architecture.WeightEncoding.COMPLEMENTARY;
        int pw = Integer.highestOneBit(a.rows() - 1) << 1;
        if (pw < a.rows()) pw = a.rows();
        StringBuilder pop = new StringBuilder();
        for (int sh = 1; sh < pw; sh <<= 1) {
            BigInteger mask = BigInteger.ZERO;
            for (int i = 0; i < pw; i++) if ((i / sh) % 2 == 0) mask = mask.setBit(i);
            pop.append("            x = (x & ")
                    .append(pw)
                    .append("'h")
                    .append(mask.toString(16))
                    .append(") + ((x >> ")
                    .append(sh)
                    .append(") & ")
                    .append(pw)
                    .append("'h")
                    .append(mask.toString(16))
                    .append(");\n");
        }
        String sense = comp ? "(val & cells[2*c]) | (~val & cells[2*c+1])" : "~(val ^ cells[c])";
        return CROSSBAR.replace("@ROWS@", Integer.toString(a.rows()))
                .replace("@COLS@", Integer.toString(a.cols()))
                .replace("@LCOLS@", Integer.toString(a.logicalCols()))
                .replace("@CW@", Integer.toString(bitsFor(a.rows())))
                .replace("@PW@", Integer.toString(pw))
                .replace("@PAD@", pw == a.rows() ? "v" : "{" + (pw - a.rows()) + "'b0, v}")
                .replace("@POPCOUNT@", pop.toString())
                .replace("@SENSE@", sense)
                .replace(
                        "@ENCODING@",
                        comp
                                ? "complementary encoding: weight c is the column pair (2c: w, 2c+1: not w); "
                                        + "a driven row matches\n"
                                        + "// when its value selects the set cell of the pair "
                                        + "(x = +1 reads 2c, x = -1 reads 2c+1)"
                                : "single encoding: weight c is column c; "
                                        + "a driven row matches when the cell equals the input bit;\n"
                                        + "// the last column is the shared reference column");
    }

    private static final String CROSSBAR = """
            // bnncim_crossbar.v: generated by bnncim. One @ROWS@ x @COLS@ MTJ crossbar with its sense amplifiers.
            // The cells load from IMAGE ($readmemh, one line per physical column, row r = bit r). \
            On a read strobe every
            // logical column latches the number of driven rows (wl_en) whose cell matches the row's input (wl_val:
            // 1 = +1), and `active` latches the number of driven rows (the dummy column); the layer's contribution is
            // 2*match_cnt - active. Undriven rows (padding, other pieces, zero bits of a bit plane) contribute nothing.
            // @ENCODING@.
            module bnncim_crossbar #(
                parameter IMAGE = "xb_0.hex"
            ) (
                input  wire                   clk,
                input  wire                   rd,
                input  wire [@ROWS@-1:0]           wl_en,
                input  wire [@ROWS@-1:0]           wl_val,
                output reg  [@LCOLS@*@CW@-1:0]      match_cnt,
                output reg  [@CW@-1:0]              active
            );
                reg [@ROWS@-1:0] cells [0:@COLS@-1];
                initial $readmemh(IMAGE, cells);

                // a column's counter as an adder tree: log2(@PW@) levels of pairwise sums (SWAR)
                function [@CW@-1:0] popcount(input [@ROWS@-1:0] v);
                    reg [@PW@-1:0] x;
                    begin
                        x = @PAD@;
            @POPCOUNT@            popcount = x[@CW@-1:0];
                    end
                endfunction

                // every column's sense amplifier; one update of `match_cnt` per read
                function [@LCOLS@*@CW@-1:0] sense_all(input [@ROWS@-1:0] en, input [@ROWS@-1:0] val);
                    integer c;
                    begin
                        sense_all = {@LCOLS@*@CW@{1'b0}};
                        for (c = 0; c < @LCOLS@; c = c + 1)
                            sense_all[c*@CW@ +: @CW@] = popcount(en & (@SENSE@));
                    end
                endfunction

                always @(posedge clk) begin
                    if (rd) begin
                        active <= popcount(wl_en);
                        match_cnt <= sense_all(wl_en, wl_val);
                    end
                end
            endmodule
            """;

    private static final String THRESHOLD = """
            // bnncim_threshold.v: generated by bnncim. A layer's comparator bank: per channel an integer threshold
            // and a direction bit (GE: +1 when x >= t, else +1 when x <= t). A Scale-Dropout layer holds three sets:
            // EXP (deterministic pass, the expectation), KEPT and DROP (selected by the stochastic bit).
            // mode: 0 = EXP, 1 = KEPT, 2 = DROP. Output bit 1 = +1. Latches on en.
            module bnncim_threshold #(
                parameter N = 1,
                parameter W = 32,
                parameter [N*W-1:0] T_EXP = 0,
                parameter [N-1:0]   GE_EXP = 0,
                parameter [N*W-1:0] T_KEPT = 0,
                parameter [N-1:0]   GE_KEPT = 0,
                parameter [N*W-1:0] T_DROP = 0,
                parameter [N-1:0]   GE_DROP = 0
            ) (
                input  wire           clk,
                input  wire           en,
                input  wire [1:0]     mode,
                input  wire [N*W-1:0] x,
                output reg  [N-1:0]   y
            );
                function fire(input [W-1:0] v, input [W-1:0] t, input ge);
                    fire = ge ? ($signed(v) >= $signed(t)) : ($signed(v) <= $signed(t));
                endfunction

                integer c;
                always @(posedge clk) begin
                    if (en) begin
                        for (c = 0; c < N; c = c + 1)
                            y[c] <= mode == 2'd2 ? fire(x[c*W +: W], T_DROP[c*W +: W], GE_DROP[c])
                                  : mode == 2'd1 ? fire(x[c*W +: W], T_KEPT[c*W +: W], GE_KEPT[c])
                                  :                fire(x[c*W +: W], T_EXP[c*W +: W], GE_EXP[c]);
                    end
                end
            endmodule
            """;

    private static final String MULTI_THRESHOLD = """
            // bnncim_multi_threshold.v: generated by bnncim. A k-bit activation's comparator bank: per neuron STEPS
            // integer thresholds and one direction bit (GE: a comparator fires when x >= t, else when x <= t), ordered
            // so that comparator i+1 fires only if i does (a thermometer code). The neuron's value is BASE + (the
            // comparators that fire), BITS bits two's complement, written as bit planes: bit b of neuron c at
            // y[b*N + c], the order the next layer reads them bit-serially. Sets and mode as in bnncim_threshold
            // (0 = EXP, 1 = KEPT, 2 = DROP). Latches on en.
            module bnncim_multi_threshold #(
                parameter N = 1,
                parameter STEPS = 1,
                parameter BITS = 1,
                parameter W = 32,
                parameter integer BASE = 0,
                parameter [N*STEPS*W-1:0] T_EXP = 0,
                parameter [N-1:0]         GE_EXP = 0,
                parameter [N*STEPS*W-1:0] T_KEPT = 0,
                parameter [N-1:0]         GE_KEPT = 0,
                parameter [N*STEPS*W-1:0] T_DROP = 0,
                parameter [N-1:0]         GE_DROP = 0
            ) (
                input  wire              clk,
                input  wire              en,
                input  wire [1:0]        mode,
                input  wire [N*W-1:0]    x,
                output reg  [BITS*N-1:0] y
            );
                function fire(input [W-1:0] v, input [W-1:0] t, input ge);
                    fire = ge ? ($signed(v) >= $signed(t)) : ($signed(v) <= $signed(t));
                endfunction

                // one neuron: BASE + the number of its comparators that fire (the thermometer code's count)
                function [BITS-1:0] level(input [W-1:0] v, input [STEPS*W-1:0] t, input ge);
                    integer i, n;
                    begin
                        n = BASE;
                        for (i = 0; i < STEPS; i = i + 1)
                            if (fire(v, t[i*W +: W], ge)) n = n + 1;
                        level = n[BITS-1:0];
                    end
                endfunction

                // every neuron with the selected set, as bit planes
                function [BITS*N-1:0] planes(input [1:0] m, input [N*W-1:0] xs);
                    integer c, b;
                    reg [BITS-1:0] v;
                    begin
                        planes = {BITS*N{1'b0}};
                        for (c = 0; c < N; c = c + 1) begin
                            v = m == 2'd2 ? level(xs[c*W +: W], T_DROP[c*STEPS*W +: STEPS*W], GE_DROP[c])
                              : m == 2'd1 ? level(xs[c*W +: W], T_KEPT[c*STEPS*W +: STEPS*W], GE_KEPT[c])
                              :             level(xs[c*W +: W], T_EXP[c*STEPS*W +: STEPS*W], GE_EXP[c]);
                            for (b = 0; b < BITS; b = b + 1) planes[b*N + c] = v[b];
                        end
                    end
                endfunction

                always @(posedge clk) begin
                    if (en) y <= planes(mode, x);
                end
            endmodule
            """;

    /**
     * One draw of the LFSR stand-in (32 Galois shifts with feedback mask @TAPS@) for the Scale-Dropout unit. The
     * MC-Dropout bank writes the same function as parities ({@link VerilogDropout#advance32()}), which elaborates in
     * linear time at tens of thousands of units; the bit-exact tests of both modules pin them to one LFSR.
     */
    static final String ADVANCE32 = """
                function [31:0] advance32(input [31:0] s);
                    integer i;
                    begin
                        advance32 = s;
                        for (i = 0; i < 32; i = i + 1)
                            advance32 = advance32[0] ? ((advance32 >> 1) ^ @TAPS@) : (advance32 >> 1);
                    end
                endfunction
            """.stripTrailing();

    private static final String STOCHASTIC = """
            // bnncim_stochastic_unit.v: generated by bnncim. The chip's single stochastic-scale unit. The MTJ random
            // source is modelled behaviourally by the 32-bit Galois LFSR of bnncim's simulator (polynomial
            // x^32 + x^22 + x^2 + x + 1, feedback mask @TAPS@): every draw advances it 32 steps and compares the new
            // state with p as 32-bit fixed point (p_thr = round(p * 2^32)); z = 1 means the scale is dropped. Seed 0
            // would lock the register, so it loads @ZERO@ instead. The state runs on across examples and passes.
            module bnncim_stochastic_unit (
                input  wire        clk,
                input  wire        load,
                input  wire [31:0] seed,
                input  wire        draw,
                input  wire [31:0] p_thr,
                output wire        z
            );
                reg [31:0] state;

            @ADVANCE32@

                wire [31:0] next = advance32(state);
                assign z = next < p_thr;

                always @(posedge clk) begin
                    if (load) state <= seed == 32'd0 ? @ZERO@ : seed;
                    else if (draw) state <= next;
                end
            endmodule
            """;

    // ------------------------------------------------------------------------------------------ testbench

    /**
     * tb_top.v for {@code examples} lines of inputs.hex (the chip inputs, see {@link VerilogReference#inputHex}), as
     * {@link #generate} writes it: for callers that compute the chip inputs and expected outputs themselves.
     */
    public static String testbench(int examples, int samples, long seed) {
        int seedState = seedState(seed);
        return TB.replace("@EXAMPLES@", Integer.toString(examples))
                .replace("@MEM@", Integer.toString(Math.max(1, examples)))
                .replace("@SAMPLES@", Integer.toString(samples))
                .replace("@SEED@", String.format(Locale.ROOT, "%08x", seedState));
    }

    private static final String TB = """
            // tb_top.v: generated by bnncim. Streams the examples of inputs.hex (one line per example, the chip
            // input bus in hex) through bnncim_top and writes, per output beat, "example beat v0 v1 ..." (the last
            // layer's popcounts, signed decimal) to outputs.txt and "example beat bits count" (bit 0 first, '-' for a
            // deterministic pass; count: the passes that drew those bits) to bits.txt. Plusargs: +examples=N
            // +samples=T +seed=HEX (the unit's 32-bit seed state). Runs under Icarus Verilog and `verilator --binary
            // --timing`; `verilator --lint-only -Wall --timing` prints nothing for it (the waivers below are the
            // header's constants the chip uses and the testbench does not, and the clock's blocking assignment).
            `timescale 1ns/1ps
            module tb_top;
            /* verilator lint_off UNUSEDPARAM */
            `include "bnncim_params.vh"
            /* verilator lint_on UNUSEDPARAM */
                localparam TB_MEM = @MEM@;

                reg clk = 1'b0;
                /* verilator lint_off BLKSEQ */
                always #5 clk = ~clk;
                /* verilator lint_on BLKSEQ */

                reg rst = 1'b1;
                reg [31:0] seed;
                reg [15:0] samples;
                reg in_valid = 1'b0;
                reg [IN_BUS-1:0] in_data = {IN_BUS{1'b0}};
                wire in_ready, out_valid, out_last;
                wire [OUT_N*ACC_W-1:0] out_data;
                wire [SB_W-1:0] out_bits;
                wire [15:0] out_count;
                reg [IN_BUS-1:0] mem [0:TB_MEM-1];
                reg done;
                integer examples, e, t, i, fo, fb, passes, step;
                /* verilator lint_off UNUSEDSIGNAL */
                integer s32; // +samples: its low 16 bits
                /* verilator lint_on UNUSEDSIGNAL */

                bnncim_top dut (
                    .clk(clk), .rst(rst), .cfg_seed(seed), .cfg_samples(samples),
                    .in_valid(in_valid), .in_ready(in_ready), .in_data(in_data),
                    .out_valid(out_valid), .out_ready(1'b1), .out_data(out_data), .out_bits(out_bits),
                    .out_count(out_count), .out_last(out_last));

                initial begin
                    if (!$value$plusargs("examples=%d", examples)) examples = @EXAMPLES@;
                    if (!$value$plusargs("samples=%d", s32)) s32 = @SAMPLES@;
                    if (!$value$plusargs("seed=%h", seed)) seed = 32'h@SEED@;
                    samples = s32[15:0];
                    if (examples > TB_MEM) examples = TB_MEM;
                    if (examples > 0) $readmemh("inputs.hex", mem);
                    fo = $fopen("outputs.txt", "w");
                    fb = $fopen("bits.txt", "w");
                    passes = samples == 16'd0 ? 1 : {16'd0, samples};
                    step = examples < 10 ? 1 : examples / 10;
                    repeat (2) @(negedge clk);
                    rst = 1'b0;
                    for (e = 0; e < examples; e = e + 1) begin
                        @(negedge clk);
                        in_data = mem[e];
                        in_valid = 1'b1;
                        while (!in_ready) @(negedge clk);
                        @(negedge clk);
                        in_valid = 1'b0;
                        done = 1'b0;
                        for (t = 0; !done; t = t + 1) begin
                            while (!out_valid) @(negedge clk);
                            $fwrite(fo, "%0d %0d", e, t);
                            for (i = 0; i < OUT_N; i = i + 1) $fwrite(fo, " %0d", $signed(out_data[i*ACC_W +: ACC_W]));
                            $fwrite(fo, "\\n");
                            $fwrite(fb, "%0d %0d ", e, t);
                            if (samples == 0 || N_SBITS == 0) $fwrite(fb, "-");
                            else for (i = 0; i < N_SBITS; i = i + 1) $fwrite(fb, "%0d", out_bits[i]);
                            $fwrite(fb, " %0d\\n", out_count);
                            done = out_last;
                            @(negedge clk);
                        end
                        // a long simulation shows it is alive: every tenth of the examples
                        if ((e + 1) % step == 0 || e + 1 == examples)
                            $display("tb_top: example %0d of %0d", e + 1, examples);
                    end
                    $fclose(fo);
                    $fclose(fb);
                    $display("tb_top: %0d example(s), %0d pass(es) each", examples, passes);
                    $finish;
                end
            endmodule
            """;

    private static final String RUN_SH = """
            #!/bin/sh
            # Simulates the generated chip on inputs.hex and compares with the simulator's expected_outputs.txt /
            # expected_bits.txt (written by `bnncim compile --tb-input`). Simulator: Verilator (verilator --binary,
            # which needs make and a C++ compiler; it builds into obj_dir/ first, then runs much faster than Icarus)
            # when it is installed, else Icarus Verilog; BNNCIM_SIM=icarus or BNNCIM_SIM=verilator picks one.
            # Extra arguments go to the simulation (e.g. +examples=10). Exit 0: outputs and bits match; 1: they
            # differ; 2: an input or a tool is missing, or BNNCIM_SIM names no simulator; anything else: the
            # simulator's build or run failed (its own exit code).
            cd "$(dirname "$0")" || exit 2
            for f in inputs.hex expected_outputs.txt expected_bits.txt; do
              if [ ! -f "$f" ]; then
                echo "run.sh: $f not found: compile with --target verilog --tb-input X.npy to write the testbench" \\
                  "inputs and the simulator's expected outputs" >&2
                exit 2
              fi
            done
            have() { command -v "$1" >/dev/null 2>&1; }
            cxx="${CXX:-g++}"
            cxx="${cxx%% *}"
            sim="${BNNCIM_SIM:-}"
            hint_icarus="install Icarus Verilog (Debian: apt-get install iverilog)"
            if [ -z "$sim" ]; then
              if have verilator && have make && have "$cxx"; then sim=verilator; else sim=icarus; fi
              hint_icarus="$hint_icarus, or Verilator with make and g++"
            fi
            case "$sim" in
              icarus) tools="iverilog vvp"; hint="$hint_icarus" ;;
              verilator) tools="verilator make $cxx"
                hint="verilator --binary needs Verilator 5, make and a C++ compiler"
                hint="$hint (Debian: apt-get install verilator make g++)" ;;
              *) echo "run.sh: BNNCIM_SIM=$sim: not a simulator (icarus or verilator)" >&2; exit 2 ;;
            esac
            for tool in $tools; do
              if ! have "$tool"; then
                echo "run.sh: $tool not found: $hint" >&2
                exit 2
              fi
            done
            rm -f outputs.txt bits.txt
            set -e
            if [ "$sim" = verilator ]; then
              echo "run.sh: simulator: Verilator (BNNCIM_SIM=icarus picks Icarus Verilog)"
              echo "run.sh: building the chip and its testbench with verilator --binary into obj_dir/" \\
                "(log: obj_dir/build.log)"
              mkdir -p obj_dir
              verilator --binary --timing -Wno-fatal --Mdir obj_dir --top-module tb_top -o tb_top \\
                @SOURCES@ >obj_dir/build.log 2>&1 || { rc=$?; tail -n 30 obj_dir/build.log >&2; exit $rc; }
              grep '^%Warning' obj_dir/build.log >&2 || true
              echo "run.sh: simulating (progress every tenth of the examples)"
              obj_dir/tb_top "$@"
            else
              echo "run.sh: simulator: Icarus Verilog (BNNCIM_SIM=verilator picks Verilator)"
              echo "run.sh: compiling the chip and its testbench with iverilog"
              iverilog -g2005 -o tb_top.vvp @SOURCES@
              echo "run.sh: simulating with vvp (progress every tenth of the examples)"
              vvp -n tb_top.vvp "$@"
            fi
            set +e
            if cmp outputs.txt expected_outputs.txt && cmp bits.txt expected_bits.txt; then
              echo "verilog: outputs and stochastic bits match the simulator ($sim)"
            else
              echo "run.sh: the Verilog differs from the simulator (first difference above)" >&2
              exit 1
            fi
            """;
}
