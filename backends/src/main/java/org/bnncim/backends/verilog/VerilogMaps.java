package org.bnncim.backends.verilog;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bnncim.backends.sim.kernels.ConvGeometry;
import org.bnncim.backends.sim.kernels.PoolGeometry;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Node;

/**
 * The feature-map periphery of bnncim_top: the buffers that hold every comparator bank's output map (and its max
 * pool), the gather network that puts a layer's input slice on the word lines (a convolution's window at one output
 * position in the weight matrix's im2col row order, a transposed convolution's scatter read backwards), the address
 * generation of flattens, resizes and skip concatenations, and the max-pool units. Each layer's geometry is written
 * into its own case as literal constants, so every loop has constant bounds (synthesizable).
 */
final class VerilogMaps {
    private VerilogMaps() {}

    /** The buffer of layer l's comparator output map: plane b at [b*size +: size]. */
    static String map(VerilogModel.Layer l) {
        return "map" + l.index();
    }

    static String pooled(VerilogModel.Layer l) {
        return "pmap" + l.index();
    }

    /** reg declarations of every map buffer. */
    static String buffers(VerilogModel m) {
        StringBuilder s = new StringBuilder();
        for (VerilogModel.Layer l : m.layers()) {
            if (l.threshold() == null) continue;
            s.append(String.format(
                    Locale.ROOT,
                    "    reg [%d-1:0] %s; // %s's output map: %d plane(s) of %d%n",
                    l.outPlanes() * l.outSize(),
                    map(l),
                    l.thresholdIdent(),
                    l.outPlanes(),
                    l.outSize()));
            if (l.pool() != null) {
                s.append(String.format(
                        Locale.ROOT,
                        "    reg [%d-1:0] %s; // its max pool: %d plane(s) of %d%n",
                        l.outPlanes() * l.pooledSize(),
                        pooled(l),
                        l.outPlanes(),
                        l.pooledSize()));
            }
        }
        return s.toString();
    }

    /**
     * gather(layer, at, plane, k0, klen): {en, val} for rows 0..ROWS-1, row r holding input k0 + r of the layer (bit
     * plane {@code plane}) at output position {@code at}; en = 0 past klen, where the window covers padding or no
     * scattered input lands (an undriven word line contributes nothing, as ONNX zero padding), and where the
     * MC-Dropout bank dropped the neuron. Called in the DRIVE cycle, so it reads the buffers as they are then.
     */
    static String gather(VerilogModel m) {
        List<String> helpers = new ArrayList<>();
        StringBuilder s = new StringBuilder();
        StringBuilder cases = new StringBuilder();
        for (VerilogModel.Layer l : m.layers()) {
            cases.append(String.format(Locale.ROOT, "                %d: // %s%n", l.index(), l.ident()));
            cases.append("                    for (r = 0; r < ROWS; r = r + 1) if (r < klen) begin\n");
            cases.append("                        k = k0 + r;\n");
            String idx;
            String indent = "                        ";
            ConvGeometry g = l.conv();
            if (g == null) {
                idx = "k";
            } else {
                cases.append(String.format(Locale.ROOT, """
                                                ci = k / %1$d;
                                                ky = (k / %2$d) %% %3$d;
                                                kx = k %% %2$d;
                                """, g.kh() * g.kw(), g.kw(), g.kh()));
                if (!l.transposed()) {
                    cases.append(String.format(
                            Locale.ROOT,
                            """
                                                    iy = (at / %1$d) * %2$d - %3$d + ky * %4$d;
                                                    ix = (at %% %1$d) * %5$d - %6$d + kx * %7$d;
                                                    if (iy >= 0 && iy < %8$d && ix >= 0 && ix < %9$d) begin
                                    """,
                            g.ow(),
                            g.strideY(),
                            g.padTop(),
                            g.dilationY(),
                            g.strideX(),
                            g.padLeft(),
                            g.dilationX(),
                            g.h(),
                            g.w()));
                } else {
                    // the input whose scatter lands on (oy, ox) through tap (ky, kx): oy = iy*s - pad + ky*dil
                    cases.append(String.format(
                            Locale.ROOT,
                            """
                                                    iy = (at / %1$d) + %2$d - ky * %3$d;
                                                    ix = (at %% %1$d) + %4$d - kx * %5$d;
                                                    if (iy >= 0 && iy %% %6$d == 0 && iy / %6$d < %8$d
                                                            && ix >= 0 && ix %% %7$d == 0 && ix / %7$d < %9$d) begin
                                                        iy = iy / %6$d;
                                                        ix = ix / %7$d;
                                    """,
                            g.ow(),
                            g.padTop(),
                            g.dilationY(),
                            g.padLeft(),
                            g.dilationX(),
                            g.strideY(),
                            g.strideX(),
                            g.h(),
                            g.w()));
                }
                idx = "(ci * " + g.h() + " + iy) * " + g.w() + " + ix";
                indent = "                            ";
            }
            String en = l.drop() == null ? "1'b1" : "!" + l.ident() + "_dz[" + idx + "]";
            cases.append(indent).append("en[r] = ").append(en).append(";\n");
            cases.append(indent)
                    .append("val[r] = ")
                    .append(lookup(m, l.input(), "plane", idx, helpers))
                    .append(";\n");
            if (g != null) cases.append("                        end\n");
            cases.append("                    end\n");
        }
        boolean conv = m.layers().stream().anyMatch(l -> l.conv() != null);
        for (String h : helpers) s.append(h);
        s.append("    function [2*ROWS-1:0] gather(input [31:0] layer, ")
                .append(conv ? "input [31:0] at, " : "")
                .append("input [31:0] plane, input [31:0] k0, input [31:0] klen);\n");
        s.append(conv ? "        integer r, k, ci, ky, kx, iy, ix;\n" : "        integer r, k;\n");
        s.append("""
                        reg [ROWS-1:0] en, val;
                        begin
                            en = {ROWS{1'b0}};
                            val = {ROWS{1'b0}};
                            case (layer)
                """);
        s.append(cases);
        s.append("""
                                default: ;
                            endcase
                            gather = {en, val};
                        end
                    endfunction
                """);
        return s.toString();
    }

    /** The DRIVE cycle's call of {@link #gather}: a dense-only chip has no output positions to pass. */
    static String gatherCall(VerilogModel m) {
        boolean conv = m.layers().stream().anyMatch(l -> l.conv() != null);
        return "gather(st_layer, " + (conv ? "pos, " : "") + "st_plane, st_k0, st_klen)";
    }

    /**
     * The Verilog expression of element {@code idx} (plane {@code plane}) of a source; resizes become helper
     * functions (their row and column tables).
     */
    private static String lookup(
            VerilogModel m, VerilogModel.Source src, String plane, String idx, List<String> helpers) {
        return switch (src) {
            case VerilogModel.Source.Chip c -> "inp[" + plane + "*IN_K + " + idx + "]";
            case VerilogModel.Source.Bank(int l) ->
                map(m.layers().get(l)) + "[" + plane + "*" + m.layers().get(l).outSize() + " + " + idx + "]";
            case VerilogModel.Source.Signed(int op) ->
                "smap" + op + "[" + plane + "*" + m.digital().ops().get(op).size() + " + " + idx + "]";
            case VerilogModel.Source.Pooled(int l) ->
                pooled(m.layers().get(l)) + "[" + plane + "*"
                        + m.layers().get(l).pooledSize() + " + " + idx + "]";
            case VerilogModel.Source.Resized r -> {
                String f = "resize" + helpers.size();
                helpers.add(resize(f, r));
                yield lookup(m, r.src(), plane, f + "(" + idx + ")", helpers);
            }
            case VerilogModel.Source.Concat c -> {
                StringBuilder e = new StringBuilder("(");
                int at = 0;
                for (int i = 0; i < c.parts().size(); i++) {
                    String part = lookup(m, c.parts().get(i), plane, "(" + idx + ") - " + at, helpers);
                    at += c.sizes()[i];
                    if (i == c.parts().size() - 1) e.append(part);
                    else
                        e.append("(")
                                .append(idx)
                                .append(") < ")
                                .append(at)
                                .append(" ? ")
                                .append(part)
                                .append(" : ");
                }
                yield e.append(")").toString();
            }
        };
    }

    /** A nearest-neighbour resize as address generation: output element idx to the source element it copies. */
    private static String resize(String name, VerilogModel.Source.Resized r) {
        int oh = r.rows().length, ow = r.cols().length;
        StringBuilder rows = new StringBuilder(), cols = new StringBuilder();
        for (int i = 0; i < oh; i++)
            rows.append(String.format(Locale.ROOT, "                %d: y = %d;%n", i, r.rows()[i]));
        for (int j = 0; j < ow; j++)
            cols.append(String.format(Locale.ROOT, "                %d: x = %d;%n", j, r.cols()[j]));
        return String.format(Locale.ROOT, """
                    // resize [c, %1$d, %2$d] -> [c, %3$d, %4$d]: the source row and column of each output one
                    function [31:0] %5$s(input [31:0] idx);
                        integer c, y, x;
                        begin
                            c = idx / %6$d;
                            y = 0;
                            x = 0;
                            case ((idx / %4$d) %% %3$d)
                %7$s                default: ;
                            endcase
                            case (idx %% %4$d)
                %8$s                default: ;
                            endcase
                            %5$s = (c * %1$d + y) * %2$d + x;
                        end
                    endfunction
                """, r.h(), r.w(), oh, ow, name, oh * ow, rows, cols);
    }

    /**
     * pool_L(x): the max pool after layer l's comparators over its output map (CHW, plane b at [b*size +: size]);
     * window elements over padding are skipped, as in the simulator. A bipolar map is one plane (1 = +1, so the max
     * is an OR); a k-bit map compares BITS-bit values, signed for a signed activation.
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
                    function [%16$d-1:0] pool_%11$s(input [%17$d-1:0] x);
                        integer c, oy, ox, wy, wx, iy, ix, bq;
                        reg [%12$d-1:0] best, v;
                        reg any;
                        begin
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
                                                        v[bq] = x[bq*%18$d + (c * %7$d + iy) * %8$d + ix];
                                                    if (!any || %15$s) best = v;
                                                    any = 1'b1;
                                                end
                                            end
                                        for (bq = 0; bq < %12$d; bq = bq + 1)
                                            pool_%11$s[bq*%19$d + (c * %9$d + oy) * %10$d + ox] = best[bq];
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
                gt,
                bits * l.pooledSize(),
                bits * l.outSize(),
                l.outSize(),
                l.pooledSize());
    }

    /**
     * decode(map): the chip's output map as OUT_N signed 32-bit values, the integers the simulator holds: a bipolar
     * element +1 or -1, a k-bit one its value (two's complement for a signed activation).
     */
    static String decode(VerilogModel.Layer l) {
        int bits = l.outPlanes(), size = l.outSize();
        if (!(l.threshold() instanceof Node.MultiThreshold t)) {
            return String.format(Locale.ROOT, """
                        // the chip's output: %1$s's bipolar map as signed 32-bit values (+1 or -1)
                        function [OUT_N*ACC_W-1:0] decode_out(input [%2$d-1:0] x);
                            integer i;
                            for (i = 0; i < %2$d; i = i + 1) decode_out[i*ACC_W +: ACC_W] = x[i] ? 32'sd1 : -32'sd1;
                        endfunction
                    """, l.thresholdIdent(), size);
        }
        boolean signed = t.output().elem().kind() == ElemType.Kind.INT;
        String ext = signed ? "{{(32-" + bits + "){v[" + (bits - 1) + "]}}, v}" : "{{(32-" + bits + "){1'b0}}, v}";
        return String.format(Locale.ROOT, """
                    // the chip's output: %1$s's k-bit map as signed 32-bit values
                    function [OUT_N*ACC_W-1:0] decode_out(input [%2$d-1:0] x);
                        integer i, b;
                        reg [%3$d-1:0] v;
                        begin
                            for (i = 0; i < %4$d; i = i + 1) begin
                                for (b = 0; b < %3$d; b = b + 1) v[b] = x[b*%4$d + i];
                                decode_out[i*ACC_W +: ACC_W] = %5$s;
                            end
                        end
                    endfunction
                """, l.thresholdIdent(), bits * size, bits, size, ext);
    }
}
