package org.bnncim.backends.verilog;

import java.util.Locale;

/**
 * The float datapath's arithmetic as Verilog-2005 functions, bit-exact with the simulator's Java {@code float} and
 * {@code double} operations (docs/verilog.md, "Float datapath units"). {@link #functions()} is {@value #FUNCTIONS},
 * meant to be {@code `include}d inside the module that calls the functions (Verilog-2005 has no package to hold
 * them); {@link #alu()} is {@value #ALU}, one combinational unit that computes any {@link Op}, which the test drives
 * and Verilator lints. binary32 and binary64 come from one template, so the two formats share every line of
 * rounding logic: binary64 is needed because the simulator's average pool and integer scaling compute in double.
 */
public final class VerilogFloat {
    private VerilogFloat() {}

    public static final String FUNCTIONS = "bnncim_fp32.vh";
    public static final String ALU = "bnncim_fp_alu.v";

    /** Width of the ALU's opcode. */
    public static final int OP_W = 5;

    /**
     * An operation of the ALU: its opcode is the ordinal. The operands are {@code a} and {@code b} (binary32 and
     * int32 in the low 32 bits); comparisons give 0 or 1. Each is the Java expression named, on x86 HotSpot.
     */
    public enum Op {
        /** {@code a + b}, float. */
        ADD32("fp32_add(a[31:0], b[31:0])", 32),
        /** {@code a - b}, float. */
        SUB32("fp32_sub(a[31:0], b[31:0])", 32),
        /** {@code a * b}, float. */
        MUL32("fp32_mul(a[31:0], b[31:0])", 32),
        /** {@code a / b}, float (an affine step's DIV). */
        DIV32("fp32_div(a[31:0], b[31:0])", 32),
        /** {@code a < b}, float. */
        LT32("fp32_lt(a[31:0], b[31:0])", 1),
        /** {@code a <= b}, float. */
        LE32("fp32_le(a[31:0], b[31:0])", 1),
        /** {@code a > b}, float. */
        GT32("fp32_gt(a[31:0], b[31:0])", 1),
        /** {@code a >= b}, float. */
        GE32("fp32_ge(a[31:0], b[31:0])", 1),
        /** {@code Math.max(a, b)}, float. */
        MAX32("fp32_max(a[31:0], b[31:0])", 32),
        /** {@code Math.min(a, b)}, float. */
        MIN32("fp32_min(a[31:0], b[31:0])", 32),
        /** {@code a >= 0 ? a : b * a}: an affine step's PRELU with slope b. */
        PRELU32("fp32_prelu(a[31:0], b[31:0])", 32),
        /** {@code a >= 0}: the Sign node's +1. */
        SIGN32("fp32_sign(a[31:0])", 1),
        /** {@code (float) a}, a an int. */
        I2F32("fp32_from_i32(a[31:0])", 32),
        /** {@code (float) (a * b)}, a an int and b a double: {@code TensorType.toReal} of a stored integer. */
        REAL32("fp32_real(a[31:0], b)", 32),
        /** {@code (double) a}, a a float. */
        F2D("fp32_to_fp64(a[31:0])", 64),
        /** {@code (float) a}, a a double. */
        D2F("fp64_to_fp32(a)", 32),
        /** {@code (double) a}, a an int. */
        I2F64("fp64_from_i32(a[31:0])", 64),
        /** {@code a + b}, double. */
        ADD64("fp64_add(a, b)", 64),
        /** {@code a * b}, double. */
        MUL64("fp64_mul(a, b)", 64),
        /** {@code a / b}, double. */
        DIV64("fp64_div(a, b)", 64);

        private final String call;
        private final int width;

        Op(String call, int width) {
            this.call = call;
            this.width = width;
        }

        /** Bits of the result, in the low bits of the ALU's output: 64 (binary64), 32 (binary32) or 1 (a test). */
        public int width() {
            return width;
        }
    }

    /** The text of {@value #FUNCTIONS}. */
    public static String functions() {
        return HEADER
                + format("fp32", 8, 23)
                + format("fp64", 11, 52)
                + FP32_ONLY
                        .replace("@P32@", Integer.toString(pad(23) - 53))
                        .replace("@P64@", Integer.toString(pad(52) - 24));
    }

    /** The text of {@value #ALU}. */
    public static String alu() {
        StringBuilder cases = new StringBuilder();
        for (Op op : Op.values()) {
            String y = op.width == 64 ? op.call : "{" + (64 - op.width) + "'d0, " + op.call + "}";
            cases.append(String.format(Locale.ROOT, "            %d'd%d: y = %s;%n", OP_W, op.ordinal(), y));
        }
        return ALU_TEXT.replace("@OPW@", Integer.toString(OP_W)).replace("@CASES@", cases.toString());
    }

    /** Width the rounding function takes: room for a full product and the shifts that the rounding makes. */
    private static int pad(int m) {
        return 2 * (m + 1) + 8;
    }

    /** The functions of one format, E exponent and M fraction bits. */
    private static String format(String p, int e, int m) {
        int w = 1 + e + m, np = pad(m), bias = (1 << (e - 1)) - 1;
        String dnan = w + "'h" + (w == 32 ? "ffc00000" : "fff8000000000000");
        return TEMPLATE.replace("@DNAN@", dnan)
                .replace("@PACKLZ@", leadingZeros("fp_x", np, "                "))
                .replace("@SIGLZ@", leadingZeros("fp_x", m + 1, "                "))
                .replace("@P@", p)
                .replace("@W1@", Integer.toString(w - 1))
                .replace("@W2@", Integer.toString(w - 2))
                .replace("@E@", Integer.toString(e))
                .replace("@EMAX@", Integer.toString((1 << e) - 1))
                .replace("@EPAD@", Integer.toString(16 - e))
                .replace("@M@", Integer.toString(m))
                .replace("@M1@", Integer.toString(m - 1))
                .replace("@M2@", Integer.toString(m - 2))
                .replace("@MP2@", Integer.toString(m + 2))
                .replace("@MP3@", Integer.toString(m + 3))
                .replace("@MP4@", Integer.toString(m + 4))
                .replace("@MP5@", Integer.toString(m + 5))
                .replace("@M2P1@", Integer.toString(2 * m + 1))
                .replace("@BIAS@", Integer.toString(bias))
                .replace("@BM@", Integer.toString(bias + m))
                .replace("@NP1@", Integer.toString(np - 1))
                .replace("@KEEP@", Integer.toString(np - 1 - m))
                .replace("@GUARD@", Integer.toString(np - 2 - m))
                .replace("@REST@", Integer.toString(np - 3 - m))
                .replace("@ADDPAD@", Integer.toString(np - m - 5))
                .replace("@DIVPAD@", Integer.toString(np - m - 4))
                .replace("@MULPAD@", Integer.toString(np - 2 * m - 2))
                .replace("@SIGPAD@", Integer.toString(np - m - 1))
                .replace("@IPAD@", Integer.toString(np - 32))
                .replace("@SUMPAD@", Integer.toString(14));
    }

    /**
     * A leading-zero count of {@code var} (width bits) that shifts the leading one to the top: one stage per power
     * of two, so it is log-depth logic and a simulator runs a handful of statements, not one per bit.
     */
    private static String leadingZeros(String var, int width, String indent) {
        StringBuilder s = new StringBuilder();
        for (int k = Integer.highestOneBit(width - 1); k >= 1; k >>= 1) {
            s.append(String.format(
                    Locale.ROOT,
                    "%sif (%s[%d -: %d] == %d'd0) begin %s = %s << %d; fp_lz = fp_lz + 16'sd%d; end%n",
                    indent,
                    var,
                    width - 1,
                    k,
                    k,
                    var,
                    var,
                    k,
                    k));
        }
        return s.toString();
    }

    private static final String HEADER = """
            // bnncim_fp32.vh: generated by bnncim. IEEE-754 binary32 and binary64 arithmetic, bit-exact with the
            // simulator's Java float and double operations on x86 HotSpot: round to nearest, ties to even, no
            // fused multiply-add, subnormals kept (never flushed), signed zeros as IEEE 754 gives them.
            // NaN: an invalid operation on non-NaN operands (inf - inf, 0 * inf, 0 / 0, inf / inf) gives the x86
            // default NaN (sign set, quiet: fp32 ffc00000, fp64 fff8000000000000), which is what Java computes
            // there; a NaN operand comes out quieted with its sign and payload (the first one if both are NaN,
            // where Java itself is not deterministic); max and min return the NaN operand unchanged, as Math.max
            // and Math.min do. Include this file inside the module that calls the functions. Every function is
            // combinational (loops have constant bounds) and none keeps state between calls.
            """;

    private static final String TEMPLATE = """

            // ---- @P@: @E@-bit exponent, @M@-bit fraction

            function @P@_is_nan(input [@W2@:0] fp_m);
                @P@_is_nan = (&fp_m[@W2@:@M@]) & (|fp_m[@M1@:0]);
            endfunction

            function @P@_is_inf(input [@W2@:0] fp_m);
                @P@_is_inf = (&fp_m[@W2@:@M@]) & ~(|fp_m[@M1@:0]);
            endfunction

            function @P@_is_zero(input [@W2@:0] fp_m);
                @P@_is_zero = ~(|fp_m);
            endfunction

            // the significand with its hidden bit: a finite a is +-sig * 2^exp
            function [@M@:0] @P@_sig(input [@W2@:0] fp_m);
                @P@_sig = {|fp_m[@W2@:@M@], fp_m[@M1@:0]};
            endfunction

            // the weight of the significand's last bit; a subnormal has the smallest normal exponent
            function signed [15:0] @P@_exp(input [@E@-1:0] fp_f);
                @P@_exp = $signed({@EPAD@'d0, fp_f}) + ((|fp_f) ? 16'sd0 : 16'sd1) - 16'sd@BM@;
            endfunction

            function [@W1@:0] @P@_quiet(input [@W1@:0] fp_a);
                @P@_quiet = fp_a | {{@E@+1{1'b0}}, 1'b1, {@M1@{1'b0}}};
            endfunction

            // ties to even of (sig + d) * 2^e with sign s, where 0 <= d < 1 and d > 0 iff sticky. A sticky
            // caller keeps the leading one of sig at bit @M@+1 or above, so d lies below the guard bit
            function [@W1@:0] @P@_round(input fp_s, input signed [15:0] fp_e, input [@NP1@:0] fp_sig, input fp_sticky);
                reg [@NP1@:0] fp_x, fp_y;
                reg signed [15:0] fp_lz, fp_be, fp_sh, fp_ex;
                reg [@MP2@-1:0] fp_r;
                reg [@M@+15:0] fp_sum;
                reg fp_g, fp_rest;
                begin
                    fp_x = fp_sig;
                    fp_lz = 16'sd0;
            @PACKLZ@
                    // biased exponent of the leading one; below 1 the result is subnormal: shift right so the
                    // last kept bit weighs 2^(1 - bias - @M@), and past @MP2@ bits nothing is left but zero
                    fp_be = fp_e + (16'sd@NP1@ - fp_lz) + 16'sd@BIAS@;
                    if (fp_be >= 16'sd1) fp_sh = 16'sd0;
                    else if (16'sd1 - fp_be > 16'sd@MP2@) fp_sh = 16'sd@MP2@;
                    else fp_sh = 16'sd1 - fp_be;
                    fp_y = fp_x >> fp_sh;
                    fp_g = fp_y[@GUARD@];
                    // a bit below the guard before the shift stays below it after
                    fp_rest = (|fp_y[@REST@:0]) | (|fp_x[@REST@:0]) | fp_sticky;
                    fp_r = {1'b0, fp_y[@NP1@:@KEEP@]} + {{@M@+1{1'b0}}, fp_g & (fp_rest | fp_y[@KEEP@])};
                    // exponent field + significand with its hidden bit: a carry out of rounding, and a
                    // subnormal rounding up to the smallest normal, both land in the exponent by themselves
                    fp_ex = (fp_be >= 16'sd1) ? fp_be - 16'sd1 : 16'sd0;
                    fp_sum = {fp_ex, @M@'d0} + {@SUMPAD@'d0, fp_r};
                    if (~(|fp_sig)) @P@_round = {fp_s, {@W1@{1'b0}}};
                    else if (fp_sum >= {16'd@EMAX@, @M@'d0}) @P@_round = {fp_s, {@E@{1'b1}}, {@M@{1'b0}}};
                    else @P@_round = {fp_s, fp_sum[@W2@:0]};
                end
            endfunction

            function [@W1@:0] @P@_add(input [@W1@:0] fp_a, input [@W1@:0] fp_b);
                reg [@W1@:0] fp_hi, fp_lo;
                reg [@MP4@:0] fp_sa, fp_sb, fp_sum;
                reg signed [15:0] fp_d;
                reg fp_st;
                begin
                    if (fp_b[@W2@:0] > fp_a[@W2@:0]) begin
                        fp_hi = fp_b;
                        fp_lo = fp_a;
                    end else begin
                        fp_hi = fp_a;
                        fp_lo = fp_b;
                    end
                    // three bits below the significand (guard, round, sticky) and one above for the carry;
                    // what the alignment shifts out of the smaller operand only counts as sticky
                    fp_d = @P@_exp(fp_hi[@W2@:@M@]) - @P@_exp(fp_lo[@W2@:@M@]);
                    if (fp_d > 16'sd@MP5@) fp_d = 16'sd@MP5@;
                    fp_sa = {1'b0, @P@_sig(fp_hi[@W2@:0]), 3'b000};
                    fp_sb = {1'b0, @P@_sig(fp_lo[@W2@:0]), 3'b000};
                    fp_st = |(fp_sb & ~({@MP5@{1'b1}} << fp_d));
                    fp_sb = fp_sb >> fp_d;
                    // subtracting the sticky makes the remainder below the last bit positive again
                    if (fp_hi[@W1@] == fp_lo[@W1@]) fp_sum = fp_sa + fp_sb;
                    else fp_sum = fp_sa - fp_sb - {{@MP4@{1'b0}}, fp_st};
                    if (@P@_is_nan(fp_a[@W2@:0])) @P@_add = @P@_quiet(fp_a);
                    else if (@P@_is_nan(fp_b[@W2@:0])) @P@_add = @P@_quiet(fp_b);
                    else if (@P@_is_inf(fp_a[@W2@:0]) & @P@_is_inf(fp_b[@W2@:0]) & (fp_a[@W1@] ^ fp_b[@W1@]))
                        @P@_add = @DNAN@;
                    else if (@P@_is_inf(fp_hi[@W2@:0])) @P@_add = fp_hi;
                    else if (@P@_is_zero(fp_hi[@W2@:0])) @P@_add = {fp_a[@W1@] & fp_b[@W1@], {@W1@{1'b0}}};
                    // exact cancellation is +0 in round to nearest
                    else if (~(|fp_sum) & ~fp_st) @P@_add = {@W1@+1{1'b0}};
                    else @P@_add = @P@_round(fp_hi[@W1@], @P@_exp(fp_hi[@W2@:@M@]) - 16'sd3,
                                             {@ADDPAD@'d0, fp_sum}, fp_st);
                end
            endfunction

            // a - b; a NaN b keeps its sign, as x86's subtraction does
            function [@W1@:0] @P@_sub(input [@W1@:0] fp_a, input [@W1@:0] fp_b);
                if (@P@_is_nan(fp_b[@W2@:0]) & ~@P@_is_nan(fp_a[@W2@:0])) @P@_sub = @P@_quiet(fp_b);
                else @P@_sub = @P@_add(fp_a, {~fp_b[@W1@], fp_b[@W2@:0]});
            endfunction

            function [@W1@:0] @P@_mul(input [@W1@:0] fp_a, input [@W1@:0] fp_b);
                reg [@M2P1@:0] fp_prod;
                reg fp_s, fp_ai, fp_bi, fp_az, fp_bz;
                begin
                    fp_s = fp_a[@W1@] ^ fp_b[@W1@];
                    fp_ai = @P@_is_inf(fp_a[@W2@:0]);
                    fp_bi = @P@_is_inf(fp_b[@W2@:0]);
                    fp_az = @P@_is_zero(fp_a[@W2@:0]);
                    fp_bz = @P@_is_zero(fp_b[@W2@:0]);
                    fp_prod = {{@M@+1{1'b0}}, @P@_sig(fp_a[@W2@:0])} * {{@M@+1{1'b0}}, @P@_sig(fp_b[@W2@:0])};
                    if (@P@_is_nan(fp_a[@W2@:0])) @P@_mul = @P@_quiet(fp_a);
                    else if (@P@_is_nan(fp_b[@W2@:0])) @P@_mul = @P@_quiet(fp_b);
                    else if ((fp_ai & fp_bz) | (fp_az & fp_bi)) @P@_mul = @DNAN@;
                    else if (fp_ai | fp_bi) @P@_mul = {fp_s, {@E@{1'b1}}, {@M@{1'b0}}};
                    else @P@_mul = @P@_round(fp_s, @P@_exp(fp_a[@W2@:@M@]) + @P@_exp(fp_b[@W2@:@M@]),
                                             {@MULPAD@'d0, fp_prod}, 1'b0);
                end
            endfunction

            // leading zeros of a significand (a subnormal's), to normalise it before dividing
            function signed [15:0] @P@_sig_lz(input [@M@:0] fp_sig);
                reg [@M@:0] fp_x;
                reg signed [15:0] fp_lz;
                begin
                    fp_x = fp_sig;
                    fp_lz = 16'sd0;
            @SIGLZ@
                    @P@_sig_lz = fp_lz;
                end
            endfunction

            function [@W1@:0] @P@_div(input [@W1@:0] fp_a, input [@W1@:0] fp_b);
                reg [@M@:0] fp_na, fp_nb;
                reg [@MP3@:0] fp_q;
                reg [@M@+1:0] fp_r;
                reg signed [15:0] fp_la, fp_lb;
                reg fp_s, fp_ai, fp_bi, fp_az, fp_bz;
                integer fp_i;
                begin
                    fp_s = fp_a[@W1@] ^ fp_b[@W1@];
                    fp_la = @P@_sig_lz(@P@_sig(fp_a[@W2@:0]));
                    fp_lb = @P@_sig_lz(@P@_sig(fp_b[@W2@:0]));
                    fp_na = @P@_sig(fp_a[@W2@:0]) << fp_la;
                    fp_nb = @P@_sig(fp_b[@W2@:0]) << fp_lb;
                    // restoring division of two significands in [1, 2): @MP4@ quotient bits, the first one or
                    // two of them leading, so two or more lie below the last kept bit; the remainder is sticky
                    fp_q = {@MP4@{1'b0}};
                    fp_r = {1'b0, fp_na};
                    for (fp_i = 0; fp_i < @MP4@; fp_i = fp_i + 1) begin
                        if (fp_r >= {1'b0, fp_nb}) begin
                            fp_q = {fp_q[@MP2@:0], 1'b1};
                            fp_r = fp_r - {1'b0, fp_nb};
                        end else begin
                            fp_q = {fp_q[@MP2@:0], 1'b0};
                        end
                        fp_r = fp_r << 1;
                    end
                    fp_ai = @P@_is_inf(fp_a[@W2@:0]);
                    fp_bi = @P@_is_inf(fp_b[@W2@:0]);
                    fp_az = @P@_is_zero(fp_a[@W2@:0]);
                    fp_bz = @P@_is_zero(fp_b[@W2@:0]);
                    if (@P@_is_nan(fp_a[@W2@:0])) @P@_div = @P@_quiet(fp_a);
                    else if (@P@_is_nan(fp_b[@W2@:0])) @P@_div = @P@_quiet(fp_b);
                    else if ((fp_ai & fp_bi) | (fp_az & fp_bz)) @P@_div = @DNAN@;
                    else if (fp_ai | fp_bz) @P@_div = {fp_s, {@E@{1'b1}}, {@M@{1'b0}}};
                    else if (fp_az | fp_bi) @P@_div = {fp_s, {@W1@{1'b0}}};
                    else @P@_div = @P@_round(fp_s, @P@_exp(fp_a[@W2@:@M@]) - fp_la - @P@_exp(fp_b[@W2@:@M@]) + fp_lb
                                             - 16'sd@MP3@, {@DIVPAD@'d0, fp_q}, |fp_r);
                end
            endfunction

            // (@P@) i for a 32-bit two's complement i
            function [@W1@:0] @P@_from_i32(input [31:0] fp_i);
                @P@_from_i32 = @P@_round(fp_i[31], 16'sd0, {@IPAD@'d0, fp_i[31] ? ~fp_i + 32'd1 : fp_i}, 1'b0);
            endfunction
            """;

    private static final String FP32_ONLY = """

            // ---- conversions between the formats (x86's: a NaN keeps its sign and top payload bits, quieted)

            function [63:0] fp32_to_fp64(input [31:0] fp_a);
                if (fp32_is_nan(fp_a[30:0])) fp32_to_fp64 = {fp_a[31], 11'h7ff, 1'b1, fp_a[21:0], 29'd0};
                else if (fp32_is_inf(fp_a[30:0])) fp32_to_fp64 = {fp_a[31], 11'h7ff, 52'd0};
                else fp32_to_fp64 = fp64_round(fp_a[31], fp32_exp(fp_a[30:23]), {@P64@'d0, fp32_sig(fp_a[30:0])}, 1'b0);
            endfunction

            function [31:0] fp64_to_fp32(input [63:0] fp_a);
                if (fp64_is_nan(fp_a[62:0])) fp64_to_fp32 = {fp_a[63], 8'hff, 1'b1, fp_a[50:29]};
                else if (fp64_is_inf(fp_a[62:0])) fp64_to_fp32 = {fp_a[63], 8'hff, 23'd0};
                else fp64_to_fp32 = fp32_round(fp_a[63], fp64_exp(fp_a[62:52]), {@P32@'d0, fp64_sig(fp_a[62:0])}, 1'b0);
            endfunction

            // TensorType.toReal: (float) (i * scale), the product in double
            function [31:0] fp32_real(input [31:0] fp_i, input [63:0] fp_scale);
                fp32_real = fp64_to_fp32(fp64_mul(fp64_from_i32(fp_i), fp_scale));
            endfunction

            // ---- binary32 comparisons, as Java's operators: false when either side is NaN, -0 equal to +0

            // an order-preserving code of a non-NaN float, -0 just below +0
            function [31:0] fp32_key(input [31:0] fp_a);
                fp32_key = fp_a[31] ? ~fp_a : {1'b1, fp_a[30:0]};
            endfunction

            function fp32_lt(input [31:0] fp_a, input [31:0] fp_b);
                fp32_lt = ~fp32_is_nan(fp_a[30:0]) & ~fp32_is_nan(fp_b[30:0])
                        & ~(fp32_is_zero(fp_a[30:0]) & fp32_is_zero(fp_b[30:0])) & (fp32_key(fp_a) < fp32_key(fp_b));
            endfunction

            function fp32_le(input [31:0] fp_a, input [31:0] fp_b);
                fp32_le = ~fp32_is_nan(fp_a[30:0]) & ~fp32_is_nan(fp_b[30:0])
                        & ((fp32_is_zero(fp_a[30:0]) & fp32_is_zero(fp_b[30:0])) | (fp32_key(fp_a) <= fp32_key(fp_b)));
            endfunction

            function fp32_gt(input [31:0] fp_a, input [31:0] fp_b);
                fp32_gt = fp32_lt(fp_b, fp_a);
            endfunction

            function fp32_ge(input [31:0] fp_a, input [31:0] fp_b);
                fp32_ge = fp32_le(fp_b, fp_a);
            endfunction

            // Math.max and Math.min: -0 below +0, a NaN operand returned as it is
            function [31:0] fp32_max(input [31:0] fp_a, input [31:0] fp_b);
                if (fp32_is_nan(fp_a[30:0])) fp32_max = fp_a;
                else if (fp32_is_nan(fp_b[30:0])) fp32_max = fp_b;
                else fp32_max = fp32_key(fp_a) >= fp32_key(fp_b) ? fp_a : fp_b;
            endfunction

            function [31:0] fp32_min(input [31:0] fp_a, input [31:0] fp_b);
                if (fp32_is_nan(fp_a[30:0])) fp32_min = fp_a;
                else if (fp32_is_nan(fp_b[30:0])) fp32_min = fp_b;
                else fp32_min = fp32_key(fp_a) <= fp32_key(fp_b) ? fp_a : fp_b;
            endfunction

            // the Sign node's +1 (x >= 0: -0 gives +1, NaN gives -1)
            function fp32_sign(input [31:0] fp_x);
                fp32_sign = fp32_ge(fp_x, 32'd0);
            endfunction

            // an affine PRELU step: x >= 0 ? x : k * x
            function [31:0] fp32_prelu(input [31:0] fp_x, input [31:0] fp_k);
                fp32_prelu = fp32_ge(fp_x, 32'd0) ? fp_x : fp32_mul(fp_k, fp_x);
            endfunction
            """;

    private static final String ALU_TEXT = """
            // bnncim_fp_alu.v: generated by bnncim. One combinational float unit over the functions of
            // bnncim_fp32.vh: op selects the operation (VerilogFloat.Op, in order); binary32 and int32 operands
            // and results in the low 32 bits, binary64 in all 64, comparisons as 0 or 1.
            module bnncim_fp_alu (
                input  wire [@OPW@-1:0] op,
                input  wire [63:0] a,
                input  wire [63:0] b,
                output reg  [63:0] y
            );
            `include "bnncim_fp32.vh"

                always @* begin
                    case (op)
            @CASES@            default: y = 64'd0;
                    endcase
                end
            endmodule
            """;
}
