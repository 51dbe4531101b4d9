package org.bnncim.backends.verilog;

import java.util.Locale;
import org.bnncim.backends.sim.kernels.PoolGeometry;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Node;
import org.bnncim.ir.ScaleBit;

/**
 * The digital unit's Verilog: its constants in bnncim_params.vh, its buffers, and the controller's S_DIG (one
 * element of one op per cycle, with the bit-exact float32 functions of bnncim_fp32.vh) and S_FSTORE (a layer's
 * popcounts kept per output position for the float nodes that read them).
 */
final class VerilogDigitalRtl {
    private VerilogDigitalRtl() {}

    /** DG_SIZE (elements per op), DG_0 / DG_N (the ops that run after each layer) and every op's constants. */
    static void params(StringBuilder s, VerilogModel m) {
        VerilogDigital d = m.digital();
        if (!d.active()) return;
        int n = d.ops().size(), layers = m.layers().size();
        s.append("\n// digital unit (docs/verilog.md): float32 ops in graph order, one element per cycle;"
                        + " after layer\n")
                .append("// l's reads (and its popcounts kept) run ops DG_0[l] .. DG_0[l] + DG_N[l] - 1\n");
        s.append("localparam N_DOPS = ").append(n).append(";\n");
        long[] size = new long[n], first = new long[layers], count = new long[layers];
        java.util.Arrays.fill(first, -1);
        for (VerilogDigital.Op op : d.ops()) {
            size[op.index()] = op.size();
            if (first[op.after()] < 0) first[op.after()] = op.index();
            count[op.after()]++;
        }
        for (int l = 0; l < layers; l++) if (first[l] < 0) first[l] = 0;
        s.append("localparam [N_DOPS*32-1:0] DG_SIZE = ")
                .append(VerilogBackend.pack(size, 32))
                .append(";\n");
        s.append("localparam [N_LAYERS*32-1:0] DG_0 = ")
                .append(VerilogBackend.pack(first, 32))
                .append(";\n");
        s.append("localparam [N_LAYERS*32-1:0] DG_N = ")
                .append(VerilogBackend.pack(count, 32))
                .append(";\n");
        for (VerilogDigital.Op op : d.ops()) {
            s.append(String.format(
                    Locale.ROOT,
                    "// op %d: %s (ONNX %s), %d elements%n",
                    op.index(),
                    op.node().opName(),
                    op.node().name(),
                    op.size()));
            switch (op.node()) {
                case Node.Affine a -> {
                    for (int i = 0; i < a.steps().size(); i++) {
                        AffineStep st = a.steps().get(i);
                        float[] c = new float[st.c().length];
                        for (int k = 0; k < c.length; k++) c[k] = st.constant(k);
                        constant(s, "D" + op.index() + "_S" + i, c);
                    }
                }
                case Node.ScaleDropout sd -> {
                    int ch = op.size() / op.per();
                    ScaleBit[] z = {ScaleBit.EXPECTATION, ScaleBit.KEPT, ScaleBit.DROPPED};
                    String[] names = {"EXP", "KEPT", "DROP"};
                    for (int i = 0; i < 3; i++) {
                        float[] c = new float[ch];
                        for (int k = 0; k < ch; k++) c[k] = sd.factor(k, z[i]);
                        constant(s, "D" + op.index() + "_" + names[i], c);
                    }
                }
                default -> {}
            }
        }
    }

    private static void constant(StringBuilder s, String name, float[] c) {
        long[] v = new long[c.length];
        for (int k = 0; k < c.length; k++) v[k] = Float.floatToRawIntBits(c[k]) & 0xffffffffL;
        s.append("localparam [")
                .append(c.length * 32)
                .append("-1:0] ")
                .append(name)
                .append(" = ")
                .append(VerilogBackend.pack(v, 32))
                .append(";\n");
    }

    /** The buffers: one float32 memory per op, a bit map per Sign, kept popcounts, the host's words. */
    static String buffers(VerilogModel m) {
        VerilogDigital d = m.digital();
        if (!d.active()) return "";
        StringBuilder s = new StringBuilder("    // the digital unit's buffers: float32 words in CHW order\n");
        int out = m.floatOutput() ? d.opOf(m.chipOutput().name()) : -1;
        for (VerilogDigital.Op op : d.ops()) {
            if (op.index() == out) continue;
            if (op.sign()) {
                s.append(String.format(
                        Locale.ROOT,
                        "    reg [%d-1:0] smap%d; // %s: bipolar map (1 = +1)%n",
                        op.size(),
                        op.index(),
                        op.node().name()));
            } else {
                s.append(String.format(
                        Locale.ROOT,
                        "    reg [31:0] fv%d [0:%d]; // %s%n",
                        op.index(),
                        op.size() - 1,
                        op.node().name()));
            }
        }
        for (VerilogModel.Layer l : m.layers()) {
            if (!d.kept().contains(l.index())) continue;
            s.append(String.format(
                    Locale.ROOT,
                    "    reg [31:0] pv%d [0:%d]; // %s's popcounts, c*P + pos%n",
                    l.index(),
                    l.outSize() - 1,
                    l.ident()));
        }
        if (d.hostWords() > 0) s.append("    reg [FIN_N*32-1:0] finp; // the host's float32 words\n");
        s.append("    reg [31:0] dop, de, dend; // the op, its element, the op after the running group\n");
        s.append("    reg        dout;          // the group ends the pass\n");
        return s.toString();
    }

    /** The element-reading functions (average pools). */
    static String functions(VerilogModel m) {
        StringBuilder s = new StringBuilder();
        for (VerilogDigital.Op op : m.digital().ops()) {
            if (!(op.node() instanceof Node.AvgPool a)) continue;
            PoolGeometry g = m.digital().pool(op);
            String in = String.format(
                    Locale.ROOT, op.reads().get(0), "(fp_c * " + g.h() + " + fp_iy) * " + g.w() + " + fp_ix");
            // Pooling.average: a double sum from +0 in window order, divided by the count, rounded to float once
            s.append(String.format(
                    Locale.ROOT,
                    """
                        function [31:0] avg%1$d(input [31:0] fp_o);
                            integer fp_c, fp_oy, fp_ox, fp_i, fp_j, fp_iy, fp_ix, fp_n;
                            reg [63:0] fp_sum;
                            begin
                                fp_c = fp_o / %2$d;
                                fp_oy = (fp_o / %3$d) %% %4$d;
                                fp_ox = fp_o %% %3$d;
                                fp_sum = 64'd0;
                                fp_n = 0;
                                for (fp_i = 0; fp_i < %5$d; fp_i = fp_i + 1)
                                    for (fp_j = 0; fp_j < %6$d; fp_j = fp_j + 1) begin
                                        fp_iy = fp_oy * %7$d - %8$d + fp_i;
                                        fp_ix = fp_ox * %9$d - %10$d + fp_j;
                                        if (fp_iy >= 0 && fp_iy < %11$d && fp_ix >= 0 && fp_ix < %12$d) begin
                                            fp_sum = fp64_add(fp_sum, fp32_to_fp64(%13$s));
                                            fp_n = fp_n + 1;
                                        end else if (%14$d != 0 && fp_iy < %15$d && fp_ix < %16$d) begin
                                            fp_n = fp_n + 1;
                                        end
                                    end
                                avg%1$d = fp64_to_fp32(fp64_div(fp_sum, fp64_from_i32(fp_n)));
                            end
                        endfunction
                    """,
                    op.index(),
                    g.oh() * g.ow(),
                    g.ow(),
                    g.oh(),
                    g.kh(),
                    g.kw(),
                    g.strideY(),
                    g.padTop(),
                    g.strideX(),
                    g.padLeft(),
                    g.h(),
                    g.w(),
                    in,
                    a.countIncludePad() ? 1 : 0,
                    g.h() + g.padBottom(),
                    g.w() + g.padRight()));
        }
        return s.toString();
    }

    /** The value of element {@code de} of an op. */
    private static String value(VerilogDigital.Op op) {
        String ch = "(de / " + op.per() + ")";
        String x = op.reads().isEmpty()
                ? ""
                : String.format(Locale.ROOT, op.reads().get(0), "de");
        return switch (op.node()) {
            case Node.Affine a -> {
                for (int i = 0; i < a.steps().size(); i++) {
                    AffineStep st = a.steps().get(i);
                    String k = "D" + op.index() + "_S" + i + (st.c().length == 1 ? "" : "[" + ch + "*32 +: 32]");
                    x = switch (st.op()) {
                        case MUL -> "fp32_mul(" + x + ", " + k + ")";
                        case ADD -> "fp32_add(" + x + ", " + k + ")";
                        case SUB -> "fp32_sub(" + x + ", " + k + ")";
                        case RSUB -> "fp32_sub(" + k + ", " + x + ")";
                        case DIV -> "fp32_div(" + x + ", " + k + ")";
                        case MAX -> "fp32_max(" + x + ", " + k + ")";
                        case MIN -> "fp32_min(" + x + ", " + k + ")";
                        case PRELU -> "fp32_prelu(" + x + ", " + k + ")";
                    };
                }
                yield x;
            }
            case DigitalNode.Add a ->
                "fp32_add(" + x + ", " + String.format(Locale.ROOT, op.reads().get(1), "de") + ")";
            case Node.ScaleDropout sd -> {
                String d = "D" + op.index() + "_", at = "[" + ch + "*32 +: 32]";
                yield "fp32_mul(" + x + ", !mc ? " + d + "EXP" + at + " : zbits[" + op.bit() + "] ? " + d + "DROP" + at
                        + " : " + d + "KEPT" + at + ")";
            }
            case Node.AvgPool a -> "avg" + op.index() + "(de)";
            case Node.Sign s -> "fp32_sign(" + x + ")";
            default -> throw new IllegalStateException(op.node().opName());
        };
    }

    /** The controller states S_DIG and S_FSTORE. */
    static String states(VerilogModel m) {
        VerilogDigital d = m.digital();
        if (!d.active()) return "";
        int out = m.floatOutput() ? d.opOf(m.chipOutput().name()) : -1;
        StringBuilder cases = new StringBuilder();
        for (VerilogDigital.Op op : d.ops()) {
            String v = value(op);
            String w =
                    op.sign() ? "smap" + op.index() + "[de] <= " + v + ";" : "fv" + op.index() + "[de] <= " + v + ";";
            // nothing on the chip reads its output: only the output words hold it
            if (op.index() == out) w = "outv[de*32 +: 32] <= " + v + ";";
            cases.append("                        ")
                    .append(op.index())
                    .append(": ")
                    .append(w)
                    .append('\n');
        }
        StringBuilder keep = new StringBuilder();
        for (VerilogModel.Layer l : m.layers()) {
            if (!d.kept().contains(l.index())) continue;
            keep.append(String.format(
                    Locale.ROOT,
                    "                        %d: for (j = 0; j < %d; j = j + 1)"
                            + " pv%d[j*%d + pos] <= acc[j*ACC_W +: ACC_W];%n",
                    l.index(),
                    l.n(),
                    l.index(),
                    l.positions()));
        }
        return """
                            S_FSTORE: begin
                                // a layer whose popcounts float nodes read keeps every position's
                                case (st_layer)
                @KEEP@                        default: ;
                                endcase
                                if (pos + 32'd1 < L_P[st_layer*32 +: 32]) begin
                                    pos <= pos + 32'd1;
                                    pc <= L_PC0[st_layer*32 +: PC_W];
                                    state <= S_DRIVE;
                                end else state <= S_FIN;
                            end
                            S_DIG: begin
                                // the digital unit: element de of op dop
                                case (dop)
                @CASES@                        default: ;
                                endcase
                                if (de + 32'd1 < DG_SIZE[dop*32 +: 32]) de <= de + 32'd1;
                                else begin
                                    de <= 32'd0;
                                    dop <= dop + 32'd1;
                                    if (dop + 32'd1 == dend) state <= dout ? S_OUT : S_DRIVE;
                                end
                            end
                """.replace("@KEEP@", keep.toString()).replace("@CASES@", cases.toString());
    }

    /** FIN's next state: the ops after the layer, if any. */
    static String finNext(VerilogModel m, String outLayer) {
        String old = "state <= st_layer == " + outLayer + " ? S_OUT : S_DRIVE;";
        if (!m.digital().active()) return old;
        return """
                if (DG_N[st_layer*32 +: 32] != 32'd0) begin
                                                    dop <= DG_0[st_layer*32 +: 32];
                                                    dend <= DG_0[st_layer*32 +: 32] + DG_N[st_layer*32 +: 32];
                                                    dout <= st_layer == @OUT@;
                                                    de <= 32'd0;
                                                    state <= S_DIG;
                                                end else @OLD@""".replace("@OUT@", outLayer).replace("@OLD@", old);
    }

    /** The layers whose popcounts go to S_FSTORE. */
    static String keptLayers(VerilogModel m) {
        StringBuilder s = new StringBuilder();
        for (int l : m.digital().kept().stream().sorted().toList())
            s.append(" || st_layer == ").append(l);
        return s.length() == 0 ? "1'b0" : s.substring(4);
    }
}
