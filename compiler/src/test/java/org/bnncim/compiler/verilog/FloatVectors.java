package org.bnncim.compiler.verilog;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bnncim.backends.verilog.VerilogFloat.Op;

/**
 * Operand pairs for the float units ({@link org.bnncim.backends.verilog.VerilogFloat}) and the answers Java gives
 * for them. Random bit patterns alone almost never hit the cases where rounding goes wrong (ties, cancellation,
 * subnormal results, the edge of overflow), so most pairs are built to land on one of those.
 */
final class FloatVectors {
    private FloatVectors() {}

    /** One vector: the operation and its two operands as the ALU takes them (binary32 and int32 in the low bits). */
    record Vec(Op op, long a, long b) {
        /** One line of the testbench's hex file: the opcode, then a and b, 16 digits each. */
        String hex() {
            return String.format(Locale.ROOT, "%02x%016x%016x", op.ordinal(), a, b);
        }
    }

    /** Floats at the edges: zeros, subnormals, normal limits, overflow, rounding ties of 1, inf and NaNs. */
    static final int[] EDGE32 = {
        0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x00000002, 0x00000003, 0x00200000, 0x00400000,
        0x007fffff, 0x807fffff, 0x00800000, 0x80800000, 0x00800001, 0x00ffffff, 0x01000000, 0x7f7fffff,
        0xff7fffff, 0x7f7ffffe, 0x7f000000, 0x7effffff, 0x3f800000, 0xbf800000, 0x3f800001, 0x3f7fffff,
        0x40000000, 0x3f000000, 0x3fc00000, 0x40400000, 0x33800000, 0xb3800000, 0x33000000, 0x34000000,
        0x33800001, 0x4b800000, 0x4b7fffff, 0x0d800000, 0x72800000, 0x5f800000, 0x1f800000, 0x40490fdb,
        0x3eaaaaab, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff812345, 0x7fc12345
    };

    static final long[] EDGE64 = {
        0L,
        0x8000000000000000L,
        1L,
        0x8000000000000001L,
        3L,
        0x000fffffffffffffL,
        0x0010000000000000L,
        0x8010000000000000L,
        0x0010000000000001L,
        0x7fefffffffffffffL,
        0xffefffffffffffffL,
        0x7fe0000000000000L,
        0x3ff0000000000000L,
        0xbff0000000000000L,
        0x3ff0000000000001L,
        0x3fefffffffffffffL,
        0x4000000000000000L,
        0x3fe0000000000000L,
        0x3ca0000000000000L,
        0x3c90000000000000L,
        0x3ca0000000000001L,
        0x4340000000000000L,
        0x400921fb54442d18L,
        0x3fd5555555555555L,
        0x4060600000000000L,
        0x3f70101010101010L,
        0x47efffffe0000000L,
        0x47efffffe0000001L,
        0x47efffffdfffffffL,
        0x36a0000000000000L,
        0x3690000000000000L,
        0x3698000000000000L,
        0x36a8000000000000L,
        0x380fffffe0000000L,
        0x3810000000000000L,
        0x7ff0000000000000L,
        0xfff0000000000000L,
        0x7ff8000000000000L,
        0xfff8000000000000L,
        0x7ff0000000000001L,
        0xfff0000123456789L
    };

    static final int[] EDGE_INT = {
        0,
        1,
        -1,
        2,
        -2,
        Integer.MAX_VALUE,
        Integer.MIN_VALUE,
        Integer.MIN_VALUE + 1,
        Integer.MAX_VALUE - 1,
        (1 << 24) - 1,
        1 << 24,
        (1 << 24) + 1,
        (1 << 24) + 2,
        (1 << 24) + 3,
        -(1 << 24) - 1,
        -(1 << 24) - 3,
        (1 << 25) + 2,
        (1 << 25) + 6,
        (1 << 25) + 1,
        0x7fffffc0,
        0x7fffff80,
        0x7fffffbf,
        196,
        -576,
        288
    };

    /**
     * Every edge pair for each operation, then {@code perOp} generated pairs per operation (a quarter of them for
     * the binary64 ones, which the float datapath only needs for the average pool and integer scaling).
     */
    static List<Vec> generate(long seed, int perOp) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Vec> v = new ArrayList<>();
        for (Op op : Op.values()) {
            edges(op, v);
            int n = op.width() == 64 || op == Op.D2F || op == Op.REAL32 ? perOp / 4 : perOp;
            for (int i = 0; i < n; i++) v.add(random(op, r, i));
        }
        return v;
    }

    private static void edges(Op op, List<Vec> v) {
        switch (op) {
            case I2F32, I2F64 -> {
                for (int i : EDGE_INT) v.add(new Vec(op, u32(i), 0));
            }
            case REAL32 -> {
                for (int i : EDGE_INT) for (long s : EDGE64) v.add(new Vec(op, u32(i), s));
            }
            case SIGN32, F2D -> {
                for (int a : EDGE32) v.add(new Vec(op, u32(a), 0));
            }
            case D2F -> {
                for (long a : EDGE64) v.add(new Vec(op, a, 0));
            }
            case ADD64, MUL64, DIV64 -> {
                for (long a : EDGE64) for (long b : EDGE64) v.add(new Vec(op, a, b));
            }
            default -> {
                for (int a : EDGE32) for (int b : EDGE32) v.add(new Vec(op, u32(a), u32(b)));
            }
        }
    }

    private static Vec random(Op op, SplittableRandom r, int i) {
        return switch (op) {
            case I2F32, I2F64 -> new Vec(op, u32(int32(r)), 0);
            case REAL32 -> new Vec(op, u32(int32(r)), scale(r));
            case SIGN32, F2D -> new Vec(op, u32(float32(r)), 0);
            case D2F -> new Vec(op, narrowing(r), 0);
            case ADD64, MUL64, DIV64 -> {
                long[] p = pair64(op, r, i);
                yield new Vec(op, p[0], p[1]);
            }
            default -> {
                int[] p = pair32(op, r, i);
                yield new Vec(op, u32(p[0]), u32(p[1]));
            }
        };
    }

    // ------------------------------------------------------------------------------------------- binary32

    /** One float of a random kind: a bit pattern, a normal number, a datapath-sized one, a short significand. */
    static int float32(SplittableRandom r) {
        int s = r.nextInt(2) << 31;
        return switch (r.nextInt(6)) {
            case 0 -> r.nextInt();
            case 1 -> s | (1 + r.nextInt(254)) << 23 | r.nextInt(1 << 23);
            case 2 -> s | (117 + r.nextInt(21)) << 23 | r.nextInt(1 << 23);
            case 3 -> s | (1 + r.nextInt(254)) << 23 | shortFraction(r, 23);
            case 4 -> s | r.nextInt(1 << 23) >>> r.nextInt(23); // subnormal, of any size
            default -> EDGE32[r.nextInt(EDGE32.length)];
        };
    }

    /** A fraction with only its top few bits random: sums and products of such numbers are often exact or ties. */
    private static int shortFraction(SplittableRandom r, int bits) {
        int t = r.nextInt(bits + 1);
        return t == 0 ? 0 : (r.nextInt(1 << t)) << (bits - t);
    }

    /**
     * Operands that stress the operation: kind 0 random patterns, 1 random normals, 2 datapath-sized values,
     * 3 cancellation, 4 mixed magnitudes and add/sub ties, 5 results near underflow, 6 near overflow, 7 short
     * significands, 8 equal or adjacent operands (comparisons), or zeros and infinities (invalid operations).
     */
    private static int[] pair32(Op op, SplittableRandom r, int i) {
        int a = float32(r), b = float32(r);
        switch (i % 9) {
            case 0 -> {
                a = r.nextInt();
                b = r.nextInt();
            }
            case 1 -> {
                a = (r.nextInt(2) << 31) | (1 + r.nextInt(254)) << 23 | r.nextInt(1 << 23);
                b = (r.nextInt(2) << 31) | (1 + r.nextInt(254)) << 23 | r.nextInt(1 << 23);
            }
            case 2 -> {
                a = (r.nextInt(2) << 31) | (117 + r.nextInt(21)) << 23 | r.nextInt(1 << 23);
                b = (r.nextInt(2) << 31) | (117 + r.nextInt(21)) << 23 | r.nextInt(1 << 23);
            }
            case 3 -> {
                // a + b with b = -(a moved by a few ulps): massive cancellation, exact zero
                int near = (a & 0x7fffffff) + r.nextInt(7) - 3;
                b = (~a & 0x80000000) | (near & 0x7fffffff);
                if (op == Op.SUB32) b ^= 0x80000000;
            }
            case 4 -> {
                // b a power-of-two-ish fraction of a: d = 24 or 25 puts b at half an ulp (a tie)
                int ea = (a >>> 23) & 0xff;
                int d = r.nextInt(4) == 0 ? 24 + r.nextInt(2) : r.nextInt(40);
                int eb = Math.max(0, Math.min(254, ea - d));
                int frac = r.nextInt(3) == 0 ? 0 : shortFraction(r, 23);
                b = (r.nextInt(2) << 31) | eb << 23 | frac;
            }
            case 5 -> {
                // exponents whose product or quotient lands around the subnormal range
                int ea = 1 + r.nextInt(150);
                int target = -30 + r.nextInt(34); // biased exponent of the result
                int eb = op == Op.DIV32 ? ea - target + 127 : target - ea + 127;
                a = (r.nextInt(2) << 31) | ea << 23 | r.nextInt(1 << 23);
                b = (r.nextInt(2) << 31) | Math.max(0, Math.min(254, eb)) << 23 | r.nextInt(1 << 23);
                if (op == Op.ADD32 || op == Op.SUB32) b = (r.nextInt(2) << 31) | r.nextInt(1 << 24);
            }
            case 6 -> {
                int ea = 100 + r.nextInt(155);
                int target = 250 + r.nextInt(8);
                int eb = op == Op.DIV32 ? ea - target + 127 : target - ea + 127;
                a = (r.nextInt(2) << 31) | Math.min(254, ea) << 23 | r.nextInt(1 << 23);
                b = (r.nextInt(2) << 31) | Math.max(1, Math.min(254, eb)) << 23 | r.nextInt(1 << 23);
                if (op == Op.ADD32 || op == Op.SUB32)
                    b = (a & 0x80000000) | (253 + r.nextInt(2)) << 23 | r.nextInt(1 << 23);
            }
            case 7 -> {
                a = (r.nextInt(2) << 31) | (110 + r.nextInt(36)) << 23 | shortFraction(r, 23);
                b = (r.nextInt(2) << 31) | (110 + r.nextInt(36)) << 23 | shortFraction(r, 23);
            }
            default -> {
                b = r.nextInt(2) == 0 ? a : a + r.nextInt(3) - 1;
                if (r.nextInt(8) == 0) b ^= 0x80000000;
                if (r.nextInt(2) == 0) {
                    // zeros and infinities against each other and against anything: the invalid operations
                    int[] special = {0, 0x80000000, 0x7f800000, 0xff800000};
                    a = special[r.nextInt(4)];
                    if (r.nextInt(2) == 0) b = special[r.nextInt(4)];
                    if (r.nextInt(2) == 0) {
                        int t = a;
                        a = b;
                        b = t;
                    }
                }
            }
        }
        return new int[] {a, b};
    }

    // ------------------------------------------------------------------------------------------- binary64

    /** A double of a random kind, including the widened floats and partial sums of the average pool. */
    static long float64(SplittableRandom r) {
        long s = (long) r.nextInt(2) << 63;
        return switch (r.nextInt(7)) {
            case 0 -> r.nextLong();
            case 1 -> s | (1L + r.nextInt(2046)) << 52 | (r.nextLong() >>> 12);
            case 2 -> s | (1003L + r.nextInt(41)) << 52 | (r.nextLong() >>> 12);
            case 3 -> Double.doubleToRawLongBits(Float.intBitsToFloat(float32(r)));
            case 4 -> {
                double sum = 0;
                for (int k = r.nextInt(12); k > 0; k--) sum += Float.intBitsToFloat(float32(r));
                yield Double.doubleToRawLongBits(sum);
            }
            case 5 -> s | (r.nextLong() >>> 12 + r.nextInt(52));
            default -> EDGE64[r.nextInt(EDGE64.length)];
        };
    }

    private static long[] pair64(Op op, SplittableRandom r, int i) {
        long a = float64(r), b = float64(r);
        switch (i % 6) {
            case 0 -> {
                // the average pool: a sum of widened floats divided by the window's element count
                if (op == Op.DIV64) b = Double.doubleToRawLongBits(1 + r.nextInt(256));
            }
            case 1 -> {
                long near = (a & Long.MAX_VALUE) + r.nextInt(7) - 3;
                b = (~a & Long.MIN_VALUE) | (near & Long.MAX_VALUE);
            }
            case 2 -> {
                long ea = (a >>> 52) & 0x7ff;
                long d = r.nextInt(4) == 0 ? 53 + r.nextInt(2) : r.nextInt(70);
                long eb = Math.max(0, Math.min(2046, ea - d));
                b = ((long) r.nextInt(2) << 63) | eb << 52 | (r.nextInt(2) == 0 ? 0 : r.nextLong() >>> 12);
            }
            case 3 -> {
                long ea = 1 + r.nextInt(1100);
                long target = -60 + r.nextInt(64);
                long eb = op == Op.DIV64 ? ea - target + 1023 : target - ea + 1023;
                a = ((long) r.nextInt(2) << 63) | ea << 52 | (r.nextLong() >>> 12);
                b = ((long) r.nextInt(2) << 63) | Math.max(0, Math.min(2046, eb)) << 52 | (r.nextLong() >>> 12);
            }
            case 4 -> {
                long ea = 1000 + r.nextInt(1047);
                long target = 2040 + r.nextInt(12);
                long eb = op == Op.DIV64 ? ea - target + 1023 : target - ea + 1023;
                a = ((long) r.nextInt(2) << 63) | Math.min(2046, ea) << 52 | (r.nextLong() >>> 12);
                b = ((long) r.nextInt(2) << 63) | Math.max(1, Math.min(2046, eb)) << 52 | (r.nextLong() >>> 12);
            }
            default -> {
                a = shortDouble(r);
                b = shortDouble(r);
            }
        }
        return new long[] {a, b};
    }

    /** A double near 1 whose significand has only a few leading bits: its sums and products are often ties. */
    private static long shortDouble(SplittableRandom r) {
        int t = r.nextInt(53);
        long frac = t == 0 ? 0 : r.nextLong() >>> 64 - t << 52 - t;
        return ((long) r.nextInt(2) << 63) | (1000L + r.nextInt(48)) << 52 | frac;
    }

    /** A double that narrows to a float near a rounding boundary: a float plus about half its ulp, or anything. */
    private static long narrowing(SplittableRandom r) {
        if (r.nextInt(4) == 0) return float64(r);
        if (r.nextInt(3) == 0) {
            // a float subnormal: the kept bits, then the guard bit, a run of zeros and one far bit that only the
            // bits shifted out on the way to the subnormal's position still show
            long lead = -150 + r.nextInt(26);
            long frac = (long) r.nextInt(1 << 12) << 40 | 1L << 28 + r.nextInt(24) | 1L << r.nextInt(20);
            return (long) r.nextInt(2) << 63 | (lead + 1023) << 52 | frac & 0xfffffffffffffL;
        }
        float f = Float.intBitsToFloat(float32(r) & 0x7fffffff);
        if (Float.isNaN(f) || Float.isInfinite(f)) return Double.doubleToRawLongBits(f);
        double half = Math.ulp(f) / 2;
        double d = (double) f + half;
        long bits = Double.doubleToRawLongBits(d) + r.nextInt(5) - 2;
        if (r.nextInt(4) == 0) bits = Double.doubleToRawLongBits(f) + (r.nextLong() >>> 35) - (1L << 28);
        return bits | ((long) r.nextInt(2) << 63);
    }

    private static int int32(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt();
            case 1 -> r.nextInt(1153) - 576; // popcount sums
            case 2 -> (r.nextInt(2) == 0 ? 1 : -1) * ((1 << (24 + r.nextInt(7))) + r.nextInt(256));
            default -> EDGE_INT[r.nextInt(EDGE_INT.length)];
        };
    }

    /** A per-tensor scale: 1, 1/255 or another positive double, sometimes any bit pattern. */
    private static long scale(SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> Double.doubleToRawLongBits(1.0);
            case 1 -> Double.doubleToRawLongBits(1.0 / 255);
            case 2 -> Double.doubleToRawLongBits(1.0 / (1 + r.nextInt(1000)));
            case 3 -> Double.doubleToRawLongBits(r.nextDouble() * 16);
            default -> float64(r);
        };
    }

    // ------------------------------------------------------------------------------------------- answers

    /** What Java computes for the vector, as the ALU returns it. */
    static long expect(Vec v) {
        float fa = Float.intBitsToFloat((int) v.a()), fb = Float.intBitsToFloat((int) v.b());
        double da = Double.longBitsToDouble(v.a()), db = Double.longBitsToDouble(v.b());
        int ia = (int) v.a();
        return switch (v.op()) {
            case ADD32 -> f(fa + fb);
            case SUB32 -> f(fa - fb);
            case MUL32 -> f(fa * fb);
            case DIV32 -> f(fa / fb);
            case LT32 -> fa < fb ? 1 : 0;
            case LE32 -> fa <= fb ? 1 : 0;
            case GT32 -> fa > fb ? 1 : 0;
            case GE32 -> fa >= fb ? 1 : 0;
            case MAX32 -> f(Math.max(fa, fb));
            case MIN32 -> f(Math.min(fa, fb));
            case PRELU32 -> f(fa >= 0 ? fa : fb * fa);
            case SIGN32 -> fa >= 0 ? 1 : 0;
            case I2F32 -> f((float) ia);
            case REAL32 -> f((float) (ia * db));
            case F2D -> Double.doubleToRawLongBits(fa);
            case D2F -> f((float) da);
            case I2F64 -> Double.doubleToRawLongBits(ia);
            case ADD64 -> Double.doubleToRawLongBits(da + db);
            case MUL64 -> Double.doubleToRawLongBits(da * db);
            case DIV64 -> Double.doubleToRawLongBits(da / db);
        };
    }

    /**
     * Whether the unit's answer is right: the same bits as Java's, except where both operands are NaN. There Java
     * itself is not deterministic (the interpreter and compiled code propagate different operands), and the unit
     * documents that it returns the first one: quieted by arithmetic, as it is by max and min.
     */
    static boolean matches(Vec v, long got, long want) {
        if (got == want) return true;
        boolean wide = v.op() == Op.ADD64 || v.op() == Op.MUL64 || v.op() == Op.DIV64;
        if (wide) return nan64(v.a()) && nan64(v.b()) && got == (v.a() | 1L << 51);
        if (!nan32(v.a()) || !nan32(v.b())) return false;
        return switch (v.op()) {
            case ADD32, SUB32, MUL32, DIV32 -> got == (v.a() | 1L << 22);
            case MAX32, MIN32 -> got == v.a();
            // k * x: the slope is the first operand
            case PRELU32 -> got == (v.b() | 1L << 22);
            default -> false;
        };
    }

    static boolean nan32(long a) {
        return Float.isNaN(Float.intBitsToFloat((int) a));
    }

    static boolean nan64(long a) {
        return Double.isNaN(Double.longBitsToDouble(a));
    }

    private static long f(float x) {
        return Integer.toUnsignedLong(Float.floatToRawIntBits(x));
    }

    private static long u32(int x) {
        return Integer.toUnsignedLong(x);
    }
}
