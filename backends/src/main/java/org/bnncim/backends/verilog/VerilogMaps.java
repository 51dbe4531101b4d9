package org.bnncim.backends.verilog;

import java.util.Locale;
import org.bnncim.backends.sim.kernels.ConvGeometry;
import org.bnncim.backends.sim.kernels.PoolGeometry;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Node;

/**
 * The feature-map periphery of bnncim_top: the gather network that puts a layer's input slice on the word lines
 * (a convolution's window at one output position, in the weight matrix's im2col row order) and the max-pool units
 * between layers. Each layer's geometry is written into its own case as literal constants, so every loop has
 * constant bounds (synthesizable) and nothing is computed from a run-time table.
 */
final class VerilogMaps {
    private VerilogMaps() {}

    /**
     * gather(layer, pos, plane, k0, klen, inp, act): {en, val} for rows 0..ROWS-1, row r holding input k0 + r of
     * the layer (bit plane {@code plane}); en = 0 past klen and where the window covers padding (an undriven word
     * line contributes nothing, as ONNX zero padding). Layer 0 reads the chip input, the others the activation
     * buffer.
     */
    static String gather(VerilogModel m) {
        boolean conv = m.layers().stream().anyMatch(l -> l.conv() != null);
        StringBuilder masks = new StringBuilder(), maskArgs = new StringBuilder();
        for (VerilogModel.Layer l : m.layers()) {
            if (l.drop() == null) continue;
            masks.append(",\n                                 input [")
                    .append(l.inSize())
                    .append("-1:0] ");
            masks.append("dm_").append(l.ident());
            maskArgs.append(", ").append(l.ident()).append("_dz");
        }
        StringBuilder s = new StringBuilder();
        s.append("    function [2*ROWS-1:0] gather(input [31:0] layer, ")
                .append(conv ? "input [31:0] at, " : "")
                .append("input [31:0] plane,\n")
                .append("                                 input [31:0] k0, input [31:0] klen, input [IN_BUS-1:0] xi,\n")
                .append("                                 input [ACT_W-1:0] xa")
                .append(masks)
                .append(");\n")
                .append(conv ? "        integer r, k, ci, ky, kx, iy, ix;\n" : "        integer r, k;\n");
        s.append("""
                        reg [ROWS-1:0] en, val;
                        begin
                            en = {ROWS{1'b0}};
                            val = {ROWS{1'b0}};
                            case (layer)
                """);
        for (VerilogModel.Layer l : m.layers()) {
            String src = l.index() == 0 ? "xi[plane*IN_K + " : "xa[plane*ACT_K + ";
            // a dropped neuron's word line stays undriven (MC-Dropout's 0)
            String on = l.drop() == null ? "1'b1" : "!dm_" + l.ident() + "[";
            s.append(String.format(Locale.ROOT, "                %d: // %s%n", l.index(), l.ident()));
            s.append("                    for (r = 0; r < ROWS; r = r + 1) if (r < klen) begin\n");
            s.append("                        k = k0 + r;\n");
            ConvGeometry g = l.conv();
            if (g == null) {
                s.append("                        en[r] = ")
                        .append(l.drop() == null ? on : on + "k]")
                        .append(";\n");
                s.append("                        val[r] = ").append(src).append("k];\n");
            } else {
                s.append(String.format(
                        Locale.ROOT,
                        """
                                                ci = k / %1$d;
                                                ky = (k / %2$d) %% %3$d;
                                                kx = k %% %2$d;
                                                iy = (at / %4$d) * %5$d - %6$d + ky * %7$d;
                                                ix = (at %% %4$d) * %8$d - %9$d + kx * %10$d;
                                                if (iy >= 0 && iy < %11$d && ix >= 0 && ix < %12$d) begin
                                                    en[r] = %14$s;
                                                    val[r] = %13$s(ci * %11$d + iy) * %12$d + ix];
                                                end
                                """,
                        g.kh() * g.kw(),
                        g.kw(),
                        g.kh(),
                        g.ow(),
                        g.strideY(),
                        g.padTop(),
                        g.dilationY(),
                        g.strideX(),
                        g.padLeft(),
                        g.dilationX(),
                        g.h(),
                        g.w(),
                        src,
                        l.drop() == null ? on : on + "(ci * " + g.h() + " + iy) * " + g.w() + " + ix]"));
            }
            s.append("                    end\n");
        }
        s.append("""
                                default: ;
                            endcase
                            gather = {en, val};
                        end
                    endfunction
                """);
        String at = conv ? "pos, " : "";
        s.append("    wire [2*ROWS-1:0] gathered = gather(st_layer, " + at + "st_plane, st_k0, st_klen, inp, act"
                + maskArgs + ");\n");
        return s.toString();
    }

    /**
     * pool_L(x): the max pool after layer l's comparators over its output map (CHW, plane b at [b*ACT_K +:
     * ACT_K]); window elements over padding are skipped, as in the simulator. A bipolar map is one plane (1 = +1,
     * so the max is an OR); a k-bit map compares BITS-bit values, signed for a signed activation.
     */
    static String pool(VerilogModel.Layer l) {
        PoolGeometry g = l.pool();
        int bits = l.outPlanes();
        boolean signed = l.threshold() instanceof Node.MultiThreshold t
                && t.output().elem().kind() == ElemType.Kind.INT;
        String gt = signed ? "$signed(v) > $signed(best)" : "v > best";
        return String.format(
                Locale.ROOT,
                """
                    // max pool after %1$s: %2$dx%3$d window, strides %4$dx%5$d, %6$dx%7$dx%8$d -> %6$dx%9$dx%10$d
                    function [ACT_W-1:0] pool_%11$s(input [ACT_W-1:0] x);
                        integer c, oy, ox, wy, wx, iy, ix, bq;
                        reg [%12$d-1:0] best, v;
                        reg any;
                        begin
                            pool_%11$s = x; // the part past the pooled map is never read
                            for (c = 0; c < %6$d; c = c + 1)
                                for (oy = 0; oy < %9$d; oy = oy + 1)
                                    for (ox = 0; ox < %10$d; ox = ox + 1) begin
                                        any = 1'b0;
                                        best = {%12$d{1'b0}};
                                        for (wy = 0; wy < %2$d; wy = wy + 1)
                                            for (wx = 0; wx < %3$d; wx = wx + 1) begin
                                                iy = oy * %4$d - %13$d + wy;
                                                ix = ox * %5$d - %14$d + wx;
                                                if (iy >= 0 && iy < %7$d && ix >= 0 && ix < %8$d) begin
                                                    for (bq = 0; bq < %12$d; bq = bq + 1)
                                                        v[bq] = x[bq*ACT_K + (c * %7$d + iy) * %8$d + ix];
                                                    if (!any || %15$s) best = v;
                                                    any = 1'b1;
                                                end
                                            end
                                        for (bq = 0; bq < %12$d; bq = bq + 1)
                                            pool_%11$s[bq*ACT_K + (c * %9$d + oy) * %10$d + ox] = best[bq];
                                    end
                        end
                    endfunction
                """,
                l.thresholdIdent(),
                g.kh(),
                g.kw(),
                g.strideY(),
                g.strideX(),
                g.channels(),
                g.h(),
                g.w(),
                g.oh(),
                g.ow(),
                l.ident(),
                bits,
                g.padTop(),
                g.padLeft(),
                gt);
    }
}
