package org.bnncim.compiler.verilog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.bnncim.backends.sim.kernels.PoolGeometry;
import org.bnncim.backends.sim.kernels.Pooling;
import org.bnncim.backends.verilog.VerilogFloat;
import org.bnncim.backends.verilog.VerilogFloat.Op;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The float units of the Verilog backend ({@link VerilogFloat}) against Java's own float and double arithmetic,
 * bit for bit: every operation on edge pairs and on generated pairs aimed at ties, cancellation, subnormal
 * results and overflow ({@link FloatVectors}), run by Icarus Verilog and by a Verilator-built binary with many
 * more vectors; Verilator {@code -Wall} lints the library clean. iverilog and verilator are required (a missing
 * tool fails, as in {@link VerilogKbitTest}).
 */
class VerilogFloatTest {
    /** Generated pairs per binary32 operation under Icarus (a quarter of that for the binary64 ones). */
    static final int ICARUS_PER_OP = 20_000;
    /** The same under Verilator, whose compiled model runs about fifty times faster. */
    static final int VERILATOR_PER_OP = 100_000;

    @TempDir
    Path tmp;

    @Test
    @Tag("slow")
    void everyOperationMatchesJavaUnderIcarus() throws Exception {
        VerilogKbitTest.requireTool("iverilog");
        List<FloatVectors.Vec> v = FloatVectors.generate(1, ICARUS_PER_OP);
        Path dir = prepare(v);
        VerilogKbitTest.exec(
                dir, List.of("iverilog", "-g2005", "-I.", "-o", "tb_fp.vvp", "tb_fp.v", VerilogFloat.ALU), 120);
        VerilogKbitTest.exec(dir, List.of("vvp", "-n", "tb_fp.vvp"), 300);
        compare(v, dir);
    }

    @Test
    @Tag("slow")
    void everyOperationMatchesJavaUnderVerilatorWithMoreVectors() throws Exception {
        VerilogKbitTest.requireTool("verilator");
        List<FloatVectors.Vec> v = FloatVectors.generate(2, VERILATOR_PER_OP);
        Path dir = prepare(v);
        VerilogKbitTest.exec(
                dir,
                List.of(
                        "verilator",
                        "--binary",
                        "-j",
                        "2",
                        "-I.",
                        "--top-module",
                        "tb_fp",
                        "-o",
                        "tb_fp",
                        "tb_fp.v",
                        VerilogFloat.ALU),
                600);
        VerilogKbitTest.exec(dir, List.of(dir.resolve("obj_dir/tb_fp").toString()), 300);
        compare(v, dir);
    }

    /**
     * The average pool's recipe, composed of the units as the datapath will use them (widen each float, add in
     * double from +0 in window order, divide by the count as a double, narrow), against {@link Pooling#average}
     * itself: a 2x2 window and the 14x14 global pool of resnet-sd.
     */
    @Test
    @Tag("slow")
    void averagePoolRecipeMatchesPoolingUnderIcarus() throws Exception {
        VerilogKbitTest.requireTool("iverilog");
        SplittableRandom r = new SplittableRandom(3);
        for (int k : new int[] {2, 14}) {
            int windows = k == 2 ? 4000 : 400;
            float[] x = new float[windows * k * k];
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < x.length; i++) {
                int bits = r.nextInt(10) == 0
                        ? FloatVectors.float32(r)
                        : (r.nextInt(2) << 31) | (117 + r.nextInt(21)) << 23 | r.nextInt(1 << 23);
                if (FloatVectors.nan32(bits)) bits = 0x7f800000; // Java orders two NaNs as it likes
                x[i] = Float.intBitsToFloat(bits);
                hex.append(String.format(Locale.ROOT, "%08x%n", bits));
            }
            float[] want = Pooling.average(x, new PoolGeometry(windows, k, k, 1, 1, k, k, 1, 1, 0, 0, 0, 0), false);
            Path dir = Files.createTempDirectory(tmp, "pool");
            Files.writeString(dir.resolve(VerilogFloat.FUNCTIONS), VerilogFloat.functions());
            Files.writeString(dir.resolve("pool.hex"), hex);
            Files.writeString(
                    dir.resolve("tb_pool.v"),
                    POOL_TB.replace("@W@", Integer.toString(windows)).replace("@K@", Integer.toString(k * k)));
            VerilogKbitTest.exec(dir, List.of("iverilog", "-g2005", "-I.", "-o", "tb_pool.vvp", "tb_pool.v"), 120);
            VerilogKbitTest.exec(dir, List.of("vvp", "-n", "tb_pool.vvp"), 300);
            List<String> got = Files.readAllLines(dir.resolve("means.hex"));
            assertEquals(windows, got.size());
            for (int w = 0; w < windows; w++) {
                int y = (int) Long.parseLong(got.get(w).trim(), 16);
                assertEquals(Float.floatToRawIntBits(want[w]), y, k + "x" + k + " window " + w);
            }
        }
    }

    private static final String POOL_TB = """
            // tb_pool.v: the mean of each window of K floats of pool.hex, as Pooling.average computes it
            module tb_pool;
            `include "bnncim_fp32.vh"
                reg [31:0] x [0:@W@*@K@-1];
                reg [63:0] sum;
                integer w, e, fd;
                initial begin
                    $readmemh("pool.hex", x);
                    fd = $fopen("means.hex", "w");
                    for (w = 0; w < @W@; w = w + 1) begin
                        sum = 64'd0;
                        for (e = 0; e < @K@; e = e + 1) sum = fp64_add(sum, fp32_to_fp64(x[w*@K@ + e]));
                        $fwrite(fd, "%h\\n", fp64_to_fp32(fp64_div(sum, fp64_from_i32(@K@))));
                    end
                    $fclose(fd);
                    $finish;
                end
            endmodule
            """;

    @Test
    @Tag("slow")
    void libraryLintsClean() throws Exception {
        VerilogKbitTest.requireTool("verilator");
        Files.writeString(tmp.resolve(VerilogFloat.FUNCTIONS), VerilogFloat.functions());
        Files.writeString(tmp.resolve(VerilogFloat.ALU), VerilogFloat.alu());
        String out = VerilogKbitTest.exec(
                tmp,
                List.of("verilator", "--lint-only", "-Wall", "-I.", "--top-module", "bnncim_fp_alu", VerilogFloat.ALU),
                120);
        assertTrue(!out.contains("%Warning") && !out.contains("%Error"), "verilator -Wall:\n" + out);
    }

    @Test
    void everyOperationHasItsCaseAndGenerationIsDeterministic() {
        assertEquals(VerilogFloat.functions(), VerilogFloat.functions());
        String alu = VerilogFloat.alu();
        assertArrayEquals(
                alu.getBytes(StandardCharsets.UTF_8), VerilogFloat.alu().getBytes(StandardCharsets.UTF_8));
        for (Op op : Op.values()) {
            String label = String.format(Locale.ROOT, "%d'd%d: y = ", VerilogFloat.OP_W, op.ordinal());
            assertEquals(1, alu.split(label, -1).length - 1, op + " in\n" + alu);
        }
        assertTrue(Op.values().length <= 1 << VerilogFloat.OP_W);
        // the function each case calls is defined in the library
        String lib = VerilogFloat.functions();
        for (String f : List.of("fp32_add", "fp32_div", "fp32_prelu", "fp64_div", "fp64_to_fp32", "fp32_real"))
            assertTrue(lib.contains("function [") && lib.contains(" " + f + "("), f);
    }

    /** The library, the ALU and a testbench over {@code v} in a fresh folder. */
    private Path prepare(List<FloatVectors.Vec> v) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "fp");
        Files.writeString(dir.resolve(VerilogFloat.FUNCTIONS), VerilogFloat.functions());
        Files.writeString(dir.resolve(VerilogFloat.ALU), VerilogFloat.alu());
        Files.writeString(dir.resolve("tb_fp.v"), testbench(v.size()));
        StringBuilder hex = new StringBuilder(v.size() * 35);
        for (FloatVectors.Vec x : v) hex.append(x.hex()).append('\n');
        Files.writeString(dir.resolve("vectors.hex"), hex);
        return dir;
    }

    /**
     * Every result against Java's, and enough of the hard cases among the answers that the vectors are known to
     * have reached them: rounding ties, subnormal and overflowing results, exact cancellation, invalid operations.
     */
    private static void compare(List<FloatVectors.Vec> v, Path dir) throws IOException {
        List<String> got = Files.readAllLines(dir.resolve("results.hex"));
        assertEquals(v.size(), got.size(), "results written by the testbench");
        Map<Op, Integer> wrong = new EnumMap<>(Op.class);
        List<String> shown = new ArrayList<>();
        int[] seen = new int[Hard.values().length];
        for (int i = 0; i < v.size(); i++) {
            FloatVectors.Vec x = v.get(i);
            long y = Long.parseUnsignedLong(got.get(i).trim(), 16), want = FloatVectors.expect(x);
            if (!FloatVectors.matches(x, y, want)) {
                wrong.merge(x.op(), 1, Integer::sum);
                if (shown.size() < 20)
                    shown.add(String.format(
                            Locale.ROOT, "%s a=%016x b=%016x: unit %016x, Java %016x", x.op(), x.a(), x.b(), y, want));
            }
            for (Hard h : Hard.values()) if (h.in(x, want)) seen[h.ordinal()]++;
        }
        StringBuilder reached = new StringBuilder();
        for (Hard h : Hard.values()) reached.append(' ').append(h).append('=').append(seen[h.ordinal()]);
        System.out.println("VerilogFloatTest: " + v.size() + " vectors, binary32 results reaching" + reached);
        assertTrue(wrong.isEmpty(), "mismatches per operation " + wrong + ", first ones:\n" + String.join("\n", shown));
        for (Hard h : Hard.values())
            assertTrue(seen[h.ordinal()] >= 100, h + ": only " + seen[h.ordinal()] + " vectors reach it");
    }

    /** The cases a float unit most easily gets wrong, by the operation's binary32 result. */
    enum Hard {
        /** The exact sum or product lies halfway between two floats (both are exact in double there). */
        TIE,
        /** A subnormal result from finite operands. */
        SUBNORMAL,
        /** An infinite result from finite operands. */
        OVERFLOW,
        /** x + (-x) and the like: an exact zero from nonzero operands. */
        CANCELLATION,
        /** NaN from non-NaN operands: x86's default NaN. */
        INVALID;

        boolean in(FloatVectors.Vec v, long want) {
            Op op = v.op();
            if (op != Op.ADD32 && op != Op.SUB32 && op != Op.MUL32 && op != Op.DIV32) return false;
            float a = Float.intBitsToFloat((int) v.a()), b = Float.intBitsToFloat((int) v.b());
            float y = Float.intBitsToFloat((int) want);
            boolean finite = Float.isFinite(a) && Float.isFinite(b);
            return switch (this) {
                case TIE -> finite && op != Op.DIV32 && tie(exact(op, a, b), y);
                case SUBNORMAL -> finite && y != 0 && Math.abs(y) < Float.MIN_NORMAL;
                case OVERFLOW -> finite && Float.isInfinite(y);
                case CANCELLATION -> finite && a != 0 && b != 0 && y == 0 && op != Op.MUL32 && op != Op.DIV32;
                case INVALID -> !Float.isNaN(a) && !Float.isNaN(b) && Float.isNaN(y);
            };
        }

        private static double exact(Op op, float a, float b) {
            return switch (op) {
                case ADD32 -> (double) a + b;
                case SUB32 -> (double) a - b;
                default -> (double) a * b;
            };
        }

        /** Whether d, rounded to y, was exactly halfway (a sum of far-apart operands is not exact in double). */
        private static boolean tie(double d, float y) {
            if (Float.isInfinite(y) || Double.isInfinite(d)) return false;
            double half = Math.ulp(y) / 2;
            return Math.abs(d - y) == half && Math.abs(d) != Math.abs(y);
        }
    }

    /** Reads vectors.hex ({opcode, a, b} per line), drives the unit and writes one result per line. */
    static String testbench(int n) {
        return """
                // tb_fp.v: the float unit on every vector of vectors.hex, one result per line of results.hex
                `timescale 1ns / 1ps
                module tb_fp;
                    localparam N = @N@;
                    reg [135:0] vec [0:N-1];
                    reg [7:0] op;
                    reg [63:0] a, b;
                    wire [63:0] y;
                    integer i, fd;
                    bnncim_fp_alu alu (.op(op[@OPW@-1:0]), .a(a), .b(b), .y(y));
                    initial begin
                        $readmemh("vectors.hex", vec);
                        fd = $fopen("results.hex", "w");
                        for (i = 0; i < N; i = i + 1) begin
                            {op, a, b} = vec[i];
                            #1 $fwrite(fd, "%h\\n", y);
                        end
                        $fclose(fd);
                        $finish;
                    end
                endmodule
                """.replace("@N@", Integer.toString(n)).replace("@OPW@", Integer.toString(VerilogFloat.OP_W));
    }
}
