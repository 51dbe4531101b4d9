package org.bnncim.backends.verilog;

import java.util.Locale;
import org.bnncim.backends.sim.Program;
import org.bnncim.ir.mapping.CrossbarImages;

/** bnncim_top.v: the streaming top with one instance per crossbar and one comparator bank per layer. */
final class VerilogTop {
    private VerilogTop() {}

    static String render(Program p, VerilogModel m) {
        StringBuilder inst = new StringBuilder(),
                mux = new StringBuilder(),
                thr = new StringBuilder(),
                act = new StringBuilder(),
                hasThr = new StringBuilder(),
                pools = new StringBuilder(),
                fin = new StringBuilder();
        for (CrossbarImages.Image img : p.crossbars()) {
            int i = img.id();
            inst.append(String.format(Locale.ROOT, """
                        wire [LCOLS*CW-1:0] xb%1$d_matches;
                        wire [CW-1:0] xb%1$d_active;
                        bnncim_crossbar #(.IMAGE("xb_%1$d.hex")) u_xb%1$d (
                            .clk(clk), .rd(rd[%1$d]), .wl_en(wl_en), .wl_val(wl_val),
                            .match_cnt(xb%1$d_matches), .active(xb%1$d_active));
                    """, i));
            mux.append(String.format(
                    Locale.ROOT,
                    "            %d: begin sel_matches = xb%1$d_matches; sel_active = xb%1$d_active; end%n",
                    i));
        }
        for (VerilogModel.Layer l : m.layers()) {
            if (l.threshold() == null) continue;
            String id = l.thresholdIdent();
            if (l.multi()) {
                thr.append(String.format(
                        Locale.ROOT, """
                            // %2$s: k-bit comparators of ONNX node %3$s (bit planes: bit b of neuron c at [b*N + c])
                            wire [%1$s_BITS*%1$s_N-1:0] %1$s_y;
                            wire [1:0] %1$s_mode = !mc ? 2'd0 : (%1$s_SD != 0 && zbits[%1$s_SBIT]) ? 2'd2 : 2'd1;
                            bnncim_multi_threshold #(.N(%1$s_N), .STEPS(%1$s_STEPS), .BITS(%1$s_BITS), .W(ACC_W),
                                .BASE(%1$s_BASE),
                                .T_EXP(%1$s_T_EXP), .GE_EXP(%1$s_GE_EXP), .T_KEPT(%1$s_T_KEPT), .GE_KEPT(%1$s_GE_KEPT),
                                .T_DROP(%1$s_T_DROP), .GE_DROP(%1$s_GE_DROP)) u_%1$s (
                                .clk(clk), .en(state == S_THR && st_layer == %4$d), .mode(%1$s_mode),
                                .x(acc[%1$s_N*ACC_W-1:0]), .y(%1$s_y));
                        """, id, l.ident(), l.threshold().name(), l.index()));
            } else {
                thr.append(String.format(
                        Locale.ROOT, """
                            // %2$s: comparators of ONNX node %3$s
                            wire [%1$s_N-1:0] %1$s_y;
                            wire [1:0] %1$s_mode = !mc ? 2'd0 : (%1$s_SD != 0 && zbits[%1$s_SBIT]) ? 2'd2 : 2'd1;
                            bnncim_threshold #(.N(%1$s_N), .W(ACC_W),
                                .T_EXP(%1$s_T_EXP), .GE_EXP(%1$s_GE_EXP), .T_KEPT(%1$s_T_KEPT), .GE_KEPT(%1$s_GE_KEPT),
                                .T_DROP(%1$s_T_DROP), .GE_DROP(%1$s_GE_DROP)) u_%1$s (
                                .clk(clk), .en(state == S_THR && st_layer == %4$d), .mode(%1$s_mode),
                                .x(acc[%1$s_N*ACC_W-1:0]), .y(%1$s_y));
                        """, id, l.ident(), l.threshold().name(), l.index()));
            }
            act.append(mapWrite(l));
            if (l.pool() != null) {
                pools.append(VerilogMaps.pool(l));
                fin.append(String.format(
                        Locale.ROOT,
                        "                        %d: %s <= pool_%s(%s);%n",
                        l.index(),
                        VerilogMaps.pooled(l),
                        l.ident(),
                        VerilogMaps.map(l)));
            }
            hasThr.append(String.format(Locale.ROOT, " || st_layer == %d", l.index()));
        }
        String layerHasThr = hasThr.length() == 0 ? "1'b0" : hasThr.substring(4);
        VerilogModel.Layer out = m.layers().get(m.layers().size() - 1);
        if (m.mapOutput()) {
            pools.append(VerilogMaps.decode(out));
            fin.append(String.format(
                    Locale.ROOT,
                    "                        %d: outv <= decode_out(%s);%n",
                    out.index(),
                    VerilogMaps.map(out)));
        }
        return TOP.replace("@MODEL@", m.graph().name())
                .replace("@XBARS@", inst.toString())
                .replace("@MUX@", mux.toString())
                .replace("@THRESHOLDS@", thr.toString())
                .replace("@ACT@", act.toString())
                .replace("@DROPOUT@", dropout(m))
                .replace("@FIN@", fin.toString())
                .replace("@POOLS@", pools.toString())
                .replace("@GATHER@", VerilogMaps.gather(m))
                .replace("@BUFFERS@", VerilogMaps.buffers(m) + VerilogDigitalRtl.buffers(m))
                .replace("@FP_INCLUDE@", m.digital().active() ? "`include \"bnncim_fp32.vh\"\n" : "")
                .replace("@FUNCS@", VerilogDigitalRtl.functions(m))
                .replace("@DIG@", VerilogDigitalRtl.states(m))
                .replace("@FIN_NEXT@", VerilogDigitalRtl.finNext(m, Integer.toString(out.index())))
                .replace(
                        "@KEPT@",
                        m.digital().active()
                                ? "    wire layer_kept = " + VerilogDigitalRtl.keptLayers(m)
                                        + "; // its popcounts go to the digital unit\n"
                                : "")
                .replace("@KEEP_OR@", m.digital().active() ? "layer_kept ? S_FSTORE : " : "")
                .replace("@FINP@", m.digital().hostWords() > 0 ? "finp <= in_data[IN_BUS-1:IN_PL];\n" : "")
                .replace("@GATHER_CALL@", VerilogMaps.gatherCall(m))
                .replace(
                        "@OUTV@",
                        m.mapOutput() || m.popMapOutput() || m.floatOutput()
                                ? "    reg [OUT_N*ACC_W-1:0] outv;     // the output map, as signed 32-bit values\n"
                                : "")
                .replace(
                        "@OUT_DATA@",
                        m.mapOutput() || m.popMapOutput() || m.floatOutput() ? "outv" : "acc[OUT_N*ACC_W-1:0]")
                .replace("@POP_STORE@", popStore(m))
                .replace("@PSTORE_STATE@", m.popMapOutput() ? ", S_PSTORE = 5'd14" : "")
                .replace("@DIG_STATES@", m.digital().active() ? ", S_DIG = 5'd15, S_FSTORE = 5'd16" : "")
                .replace("S_PSTORE_OR_OUT", m.popMapOutput() ? "S_PSTORE" : "S_OUT")
                .replace("@OUT_LAYER@", Integer.toString(out.index()))
                .replace("@HAS_THR@", layerHasThr);
    }

    /**
     * S_ACT for layer l: the bank's outputs at the current position into its output map, element {@code c * P + pos}
     * (CHW), plane b at [b*size +: size].
     */
    private static String mapWrite(VerilogModel.Layer l) {
        String y = l.thresholdIdent() + "_y", buf = VerilogMaps.map(l);
        int n = l.n(), p = l.positions();
        if (l.outPlanes() == 1) {
            return String.format(Locale.ROOT, """
                                    %d: for (j = 0; j < %d; j = j + 1) %s[j*%d + pos] <= %s[j];
                    """, l.index(), n, buf, p, y);
        }
        return String.format(Locale.ROOT, """
                                %1$d: begin : w_%2$s
                                    integer pl;
                                    for (pl = 0; pl < %3$d; pl = pl + 1)
                                        for (j = 0; j < %4$d; j = j + 1)
                                            %7$s[pl*%8$d + j*%5$d + pos] <= %6$s[pl*%4$d + j];
                                end
                """, l.index(), l.ident(), l.outPlanes(), n, p, y, buf, l.outSize());
    }

    /**
     * A convolution output layer without comparators hands over every position's popcounts: PSTORE copies them
     * into the output map, element {@code c * P + pos}.
     */
    private static String popStore(VerilogModel m) {
        if (!m.popMapOutput()) return "";
        VerilogModel.Layer l = m.layers().get(m.layers().size() - 1);
        return String.format(Locale.ROOT, """
                                            S_PSTORE: begin
                                                for (j = 0; j < %1$d; j = j + 1)
                                                    outv[(j*%2$d + pos)*ACC_W +: ACC_W] <= acc[j*ACC_W +: ACC_W];
                                                if (pos + 32'd1 < %2$d) begin
                                                    pos <= pos + 32'd1;
                                                    pc <= L_PC0[%3$d*32 +: PC_W];
                                                    state <= S_DRIVE;
                                                end else begin
                                                    pos <= 32'd0;
                                                    state <= S_OUT;
                                                end
                                            end
                        """, l.n(), l.positions(), l.index());
    }

    private static String dropout(VerilogModel m) {
        StringBuilder s = new StringBuilder();
        for (VerilogModel.Layer l : m.layers()) {
            if (l.drop() == null) continue;
            s.append(String.format(Locale.ROOT, """
                        // ONNX %2$s: one unit per neuron of layer %3$d's input
                        wire [%1$s_DU-1:0] %1$s_dz;
                        bnncim_dropout_bank #(.U(%1$s_DU), .U0(%1$s_DU0), .P_THR(%1$s_DTHR)) u_%1$s_drop (
                            .clk(clk), .load(rst), .seed(cfg_seed), .clear(state == S_IDLE && in_valid),
                            .draw(state == S_MASK), .z(%1$s_dz));
                    """, l.ident(), l.drop().name(), l.index()));
        }
        return s.toString();
    }

    private static final String TOP = """
            // bnncim_top.v: generated by bnncim for model '@MODEL@'. Do not edit.
            // Streaming top: one example in (valid/ready, the whole input vector in one beat), then output beats:
            // the last layer's integer popcounts, the stochastic bits they used and how many of the T passes drew
            // those bits (out_count). cfg_samples = 0 runs one deterministic pass (expected thresholds, no draws);
            // T > 0 runs T Monte-Carlo passes by the program's schedule: sorted (MC_SORTED), all T patterns are
            // drawn and counted first and each distinct one runs once, in lexicographic order (bit 0 first), one
            // beat each; otherwise one beat per pass in draw order. Either way a pattern resumes at the first kept
            // stage deeper than its common prefix with the pattern before. rst (synchronous) loads cfg_seed into
            // the unit once; the unit then runs on across examples, drawing N_SBITS bits per pass, the order the
            // simulator's LFSR bit source uses.
            module bnncim_top (
                input  wire                 clk,
                input  wire                 rst,
                input  wire [31:0]          cfg_seed,
                input  wire [15:0]          cfg_samples,
                input  wire                 in_valid,
                output wire                 in_ready,
                input  wire [IN_BUS-1:0]    in_data,
                output wire                 out_valid,
                input  wire                 out_ready,
                output wire [OUT_N*ACC_W-1:0] out_data,
                output wire [SB_W-1:0]      out_bits,
                output wire [15:0]          out_count,
                output wire                 out_last
            );
            `include "bnncim_params.vh"
            @FP_INCLUDE@
                localparam [4:0] S_IDLE = 5'd0, S_DRAW = 5'd1, S_DRIVE = 5'd2, S_SENSE = 5'd3, S_ACC = 5'd4,
                                 S_THR = 5'd5, S_ACT = 5'd6, S_OUT = 5'd7, S_COUNT = 5'd8, S_SCAN = 5'd9,
                                 S_RESUME = 5'd10, S_FIN = 5'd11, S_MASK = 5'd12,
                                 S_READ = 5'd13@PSTORE_STATE@@DIG_STATES@;

                reg [4:0]             state;
                reg [PC_W-1:0]        pc;
                reg [15:0]            passes;
                reg                   mc;
                reg [SBI_W-1:0]       draw_i;
                reg [SB_W-1:0]        zbits;
                reg [IN_PL-1:0]       inp;      // bit planes: plane b at [b*IN_K +: IN_K]
                reg [2*ROWS-1:0]      g;        // the step's gathered input slice: {enable, value}
                reg [31:0]            pos;      // the current output position of a convolution (0 for dense)
                reg                   replay;   // resumed at kept popcounts: position by position, no reads
                reg [31:0]            pbase;    // their first keep_pop word
                reg [MAX_N*ACC_W-1:0] acc;      // the current layer's accumulators
                reg [ROWS-1:0]        wl_en, wl_val;
                reg [N_XBARS-1:0]     rd;
                // the Monte-Carlo schedule: the pattern before, what each resume point keeps, the pattern counters
                reg [SB_W-1:0]        zprev;
                reg                   have_prev;
                reg [15:0]            left, cnt_out, drawn;
                reg [Q_W-1:0]         q;
                reg [15:0]            pcount [0:CNT_N-1];
                reg [MAX_N*ACC_W-1:0] keep_pop [0:PM_D-1];
                integer               j;

                // pattern q of the counter table: bit 0 is its most significant bit, so q counts in lexicographic order
                function [Q_W-1:0] index_of(input [SB_W-1:0] z);
                    integer k;
                    begin
                        index_of = {Q_W{1'b0}};
                        for (k = 0; k < QB; k = k + 1) index_of[QB-1-k] = z[k];
                    end
                endfunction

                function [SB_W-1:0] bits_of(input [Q_W-1:0] x);
                    integer k;
                    begin
                        bits_of = {SB_W{1'b0}};
                        for (k = 0; k < QB; k = k + 1) bits_of[k] = x[QB-1-k];
                    end
                endfunction

                // the first resume point deeper than the leading bits two patterns share (N_BND: none, re-emit)
                function [31:0] resume_at(input [SB_W-1:0] a, input [SB_W-1:0] b);
                    integer k, common, found;
                    begin
                        common = N_SBITS;
                        for (k = N_SBITS - 1; k >= 0; k = k - 1) if (a[k] != b[k]) common = k;
                        found = N_BND;
                        for (k = N_BND - 1; k >= 0; k = k - 1) if (BND_DEPTH[k*32 +: 32] > common) found = k;
                        resume_at = found;
                    end
                endfunction
                wire [31:0] rs   = resume_at(zprev, zbits);
                wire [31:0] rs_i = rs == N_BND ? 32'd0 : rs;   // resume_at gives N_BND when no point is deeper

                // the current micro-program step
                wire [31:0] st_xb    = ST_XB[pc*32 +: 32];
                wire [31:0] st_layer = ST_LAYER[pc*32 +: 32];
                wire [31:0] st_plane = ST_PLANE[pc*32 +: 32];
                wire [31:0] st_k0    = ST_K0[pc*32 +: 32];
                wire [31:0] st_klen  = ST_KLEN[pc*32 +: 32];
                wire [31:0] st_row   = ST_ROW[pc*32 +: 32];
                wire [31:0] st_col   = ST_COL[pc*32 +: 32];
                wire [31:0] st_n0    = ST_N0[pc*32 +: 32];
                wire [31:0] st_nlen  = ST_NLEN[pc*32 +: 32];
                wire        st_first = ST_FIRST[pc*32];
                wire        st_last  = ST_LAST[pc*32];
                wire        st_ser   = ST_SER[pc*32];
                wire        st_neg   = ST_NEG[pc*32];

                // input periphery output -> bit planes (a bipolar input is its own single plane); computed once per
                // accepted example
                function [IN_PL-1:0] to_planes(input [IN_PL-1:0] data);
                    integer b, k;
                    begin
                        for (b = 0; b < IN_BITS; b = b + 1)
                            for (k = 0; k < IN_K; k = k + 1)
                                to_planes[b*IN_K + k] = data[k*IN_BITS + b];
                    end
                endfunction

                // the comparator output maps (and their max pools) every later layer reads
            @BUFFERS@@OUTV@@FUNCS@
                // word-line drivers: the step's input slice (a convolution's window at position pos, im2col
                // order), gathered in DRIVE and moved to the piece's rows in READ; padding, dropped neurons and
                // rows past KLEN stay undriven
            @GATHER@
                wire [ROWS-1:0] slice_en = g[2*ROWS-1:ROWS];
                wire [ROWS-1:0] slice = g[ROWS-1:0];
                wire [ROWS-1:0] drive_val = slice << st_row;
                // a bit-serial read drives only the rows whose bit is 1 (as +1); a bipolar read drives every row
                wire [ROWS-1:0] drive_en = (st_ser ? slice & slice_en : slice_en) << st_row;

                // crossbars, one per programmed image; the step's crossbar gets the read strobe
                wire [N_XBARS-1:0] xb_onehot;
                genvar gx;
                generate
                    for (gx = 0; gx < N_XBARS; gx = gx + 1) begin : g_onehot
                        assign xb_onehot[gx] = st_xb == gx;
                    end
                endgenerate
            @XBARS@
                reg [LCOLS*CW-1:0] sel_matches;
                reg [CW-1:0]       sel_active;
                always @(*) begin
                    sel_matches = {LCOLS*CW{1'b0}};
                    sel_active = {CW{1'b0}};
                    case (st_xb)
            @MUX@            default: ;
                    endcase
                end

                // the adder datapath (bnncim_accumulate.v): lane d adds column st_col+d's contribution to output
                // st_n0+d's accumulator; the shifts only line the step's columns and accumulators up with the lanes
                wire [LCOLS*ACC_W-1:0] acc_sum;
                /* verilator lint_off UNUSEDSIGNAL */ // only the low LCOLS lanes are read
                wire [(MAX_N+LCOLS)*ACC_W-1:0] acc_lanes = {{LCOLS*ACC_W{1'b0}}, acc} >> (st_n0*ACC_W);
                /* verilator lint_on UNUSEDSIGNAL */
                bnncim_accumulate #(.LCOLS(LCOLS), .CW(CW), .ACC_W(ACC_W), .PL_W(PL_W)) u_accumulate (
                    .cnt(sel_matches >> (st_col*CW)), .active(sel_active), .plane(st_plane[PL_W-1:0]),
                    .neg(st_neg), .a(acc_lanes[LCOLS*ACC_W-1:0]), .y(acc_sum));

                // writes one read's sums back to the accumulators of the step's output columns
                function [MAX_N*ACC_W-1:0] acc_add(input [MAX_N*ACC_W-1:0] a, input [LCOLS*ACC_W-1:0] sum);
                    integer d;
                    begin
                        acc_add = a;
                        for (d = 0; d < LCOLS; d = d + 1)
                            if (d < st_nlen) acc_add[(st_n0 + d)*ACC_W +: ACC_W] = sum[d*ACC_W +: ACC_W];
                    end
                endfunction

                // the stochastic-scale unit (exactly one)
                wire sd_z;
                bnncim_stochastic_unit u_stochastic (
                    .clk(clk), .load(rst), .seed(cfg_seed), .draw(state == S_DRAW),
                    .p_thr(SD_P_THR[draw_i*32 +: 32]), .z(sd_z));

                // MC-Dropout units (the per-neuron baseline), one bank per masked layer input
            @DROPOUT@
                // comparator banks
            @THRESHOLDS@
                // max pools on comparator output maps (periphery between layers)
            @POOLS@
                wire layer_has_thr = @HAS_THR@;
            @KEPT@

                assign in_ready  = state == S_IDLE;
                assign out_valid = state == S_OUT;
                assign out_data  = @OUT_DATA@;
                assign out_bits  = mc ? zbits : {SB_W{1'b0}};
                assign out_count = cnt_out;
                assign out_last  = left == cnt_out;

                // controller: steps through the micro-program once per pattern, from the resume point
                always @(posedge clk) begin
                    if (rst) begin
                        state <= S_IDLE;
                        pc <= {PC_W{1'b0}};
                        passes <= 16'd1;
                        mc <= 1'b0;
                        draw_i <= {SBI_W{1'b0}};
                        zbits <= {SB_W{1'b0}};
                        pos <= 32'd0;
                        replay <= 1'b0;
                        pbase <= 32'd0;
                        acc <= {MAX_N*ACC_W{1'b0}};
                        wl_en <= {ROWS{1'b0}};
                        wl_val <= {ROWS{1'b0}};
                        rd <= {N_XBARS{1'b0}};
                        zprev <= {SB_W{1'b0}};
                        have_prev <= 1'b0;
                        left <= 16'd0;
                        cnt_out <= 16'd0;
                        drawn <= 16'd0;
                        q <= {Q_W{1'b0}};
                    end else begin
                        case (state)
                            S_IDLE: if (in_valid) begin
                                inp <= to_planes(in_data[IN_PL-1:0]);
                                @FINP@                                mc <= cfg_samples != 16'd0;
                                passes <= cfg_samples == 16'd0 ? 16'd1 : cfg_samples;
                                pc <= {PC_W{1'b0}};
                                pos <= 32'd0;
                                replay <= 1'b0;
                                draw_i <= {SBI_W{1'b0}};
                                have_prev <= 1'b0;
                                left <= cfg_samples == 16'd0 ? 16'd1 : cfg_samples;
                                cnt_out <= 16'd1;
                                drawn <= 16'd0;
                                q <= {Q_W{1'b0}};
                                for (j = 0; j < CNT_N; j = j + 1) pcount[j] <= 16'd0;
                                if (cfg_samples == 16'd0) state <= S_DRIVE;
                                else if (N_UNITS > 0) state <= S_MASK;
                                else if (N_SBITS > 0) state <= S_DRAW;
                                else if (MC_SORTED != 0) begin
                                    // no bits: one pattern, drawn T times
                                    pcount[0] <= cfg_samples;
                                    state <= S_SCAN;
                                end else state <= S_DRIVE;
                            end
                            S_MASK: begin
                                // every MC-Dropout unit draws its bit for this pass (in parallel)
                                state <= N_SBITS > 0 ? S_DRAW : S_RESUME;
                            end
                            S_DRAW: begin
                                zbits[draw_i] <= sd_z;
                                if (draw_i == LAST_SBIT) begin
                                    draw_i <= {SBI_W{1'b0}};
                                    state <= MC_SORTED != 0 ? S_COUNT : S_RESUME;
                                end else begin
                                    draw_i <= draw_i + 1'b1;
                                end
                            end
                            S_COUNT: begin
                                pcount[index_of(zbits)] <= pcount[index_of(zbits)] + 16'd1;
                                drawn <= drawn + 16'd1;
                                state <= drawn + 16'd1 == passes ? S_SCAN : S_DRAW;
                            end
                            S_SCAN: begin
                                if (pcount[q] != 16'd0) begin
                                    zbits <= bits_of(q);
                                    cnt_out <= pcount[q];
                                    state <= S_RESUME;
                                end else begin
                                    q <= q + 1'b1;
                                end
                            end
                            S_RESUME: begin
                                pos <= 32'd0;
                                if (!have_prev) begin
                                    pc <= {PC_W{1'b0}};
                                    state <= S_DRIVE;
                                end else if (rs == N_BND) begin
                                    state <= S_OUT; // nothing on the chip depends on the bits that differ
                                end else if (BND_KIND[rs_i*32] == 1'b0) begin
                                    // every map before the point holds what this pattern computes too
                                    pc <= BND_PC[rs_i*32 +: PC_W];
                                    state <= S_DRIVE;
                                end else begin
                                    // the layer's popcounts were kept position by position: replay its comparators
                                    acc <= keep_pop[BND_PBASE[rs_i*32 +: 32]];
                                    pbase <= BND_PBASE[rs_i*32 +: 32];
                                    replay <= 1'b1;
                                    pc <= BND_PC[rs_i*32 +: PC_W];
                                    state <= S_THR;
                                end
                            end
                            S_DRIVE: begin
                                if (st_first) acc <= {MAX_N*ACC_W{1'b0}};
                                g <= @GATHER_CALL@;
                                state <= S_READ;
                            end
                            S_READ: begin
                                if (drive_en != {ROWS{1'b0}}) begin
                                    wl_en <= drive_en;
                                    wl_val <= drive_val;
                                    rd <= xb_onehot;
                                    state <= S_SENSE;
                                end else if (!st_last) begin
                                    // no word line driven (a zero bit plane): the read would add 2*0 - 0
                                    pc <= pc + 1'b1;
                                    state <= S_DRIVE;
                                end else begin
                                    state <= layer_has_thr ? S_THR : @KEEP_OR@S_PSTORE_OR_OUT;
                                end
                            end
                            S_SENSE: begin
                                rd <= {N_XBARS{1'b0}};
                                state <= S_ACC;
                            end
                            S_ACC: begin
                                // the layer's adder tree, folded in time: each row-tile piece's partial popcounts
                                // are added to the accumulators of its output columns as the piece is read
                                acc <= acc_add(acc, acc_sum);
                                if (!st_last) begin
                                    pc <= pc + 1'b1;
                                    state <= S_DRIVE;
                                end else begin
                                    state <= layer_has_thr ? S_THR : @KEEP_OR@S_PSTORE_OR_OUT;
                                end
                            end
                            S_THR: begin
                                // a resume point before a layer's comparators keeps its popcounts, a word a position
                                for (j = 0; j < N_BND; j = j + 1)
                                    if (BND_KIND[j*32] == 1'b1 && BND_LAYER[j*32 +: 32] == st_layer)
                                        keep_pop[BND_PBASE[j*32 +: 32] + pos] <= acc;
                                state <= S_ACT;
                            end
                            S_ACT: begin
                                case (st_layer)
            @ACT@                        default: ;
                                endcase
                                if (pos + 32'd1 < L_P[st_layer*32 +: 32]) begin
                                    // the next output position of a convolution
                                    pos <= pos + 32'd1;
                                    if (replay) begin
                                        acc <= keep_pop[pbase + pos + 32'd1];
                                        state <= S_THR;
                                    end else begin
                                        pc <= L_PC0[st_layer*32 +: PC_W];
                                        state <= S_DRIVE;
                                    end
                                end else state <= S_FIN;
                            end
                            S_FIN: begin
                                // the layer's output map is complete: its max pool, or the chip's output
                                case (st_layer)
            @FIN@                        default: ;
                                endcase
                                pos <= 32'd0;
                                replay <= 1'b0;
                                pc <= pc + 1'b1;
                                @FIN_NEXT@
                            end
            @POP_STORE@@DIG@                S_OUT: if (out_ready) begin
                                zprev <= zbits;
                                have_prev <= 1'b1;
                                left <= left - cnt_out;
                                if (left == cnt_out) begin
                                    state <= S_IDLE;
                                end else if (MC_SORTED != 0) begin
                                    q <= q + 1'b1;
                                    state <= S_SCAN;
                                end else begin
                                    state <= N_UNITS > 0 ? S_MASK : N_SBITS > 0 ? S_DRAW : S_RESUME;
                                end
                            end
                            default: state <= S_IDLE;
                        endcase
                    end
                end
            endmodule
            """;
}
