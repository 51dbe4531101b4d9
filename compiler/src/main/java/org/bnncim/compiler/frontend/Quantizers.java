package org.bnncim.compiler.frontend;

import java.util.Locale;
import org.bnncim.compiler.passes.FoldThresholds;

/**
 * QONNX quantizers evaluated on constants, with the semantics of QONNX's reference implementations
 * ({@code qonnx/custom_op/general/quant.py}, {@code bipolar_quant.py}, {@code trunc.py}). QONNX evaluates them in
 * numpy on float32 tensors, so every step here is one float32 operation, and the result is float32 like the
 * constant ONNX Runtime would see after folding.
 */
final class Quantizers {
    private Quantizers() {}

    /** QONNX rounding modes ({@code resolve_rounding_mode}); ROUND_TO_ZERO is Brevitas's name for DOWN. */
    enum Rounding {
        ROUND, // half to even (np.round)
        CEIL,
        FLOOR,
        UP, // away from zero: sign(x) * ceil(|x|)
        DOWN, // toward zero (np.fix)
        HALF_UP, // sign(x) * floor(|x| + 0.5)
        HALF_DOWN; // sign(x) * ceil(|x| - 0.5)

        static Rounding of(String mode) {
            String m = mode.toUpperCase(Locale.ROOT);
            return switch (m) {
                case "ROUND", "HALF_EVEN" -> ROUND;
                case "ROUND_TO_ZERO" -> DOWN;
                default -> {
                    try {
                        yield valueOf(m);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("unknown rounding_mode '" + mode
                                + "' (QONNX knows ROUND, HALF_EVEN, CEIL, FLOOR, UP, DOWN, ROUND_TO_ZERO, HALF_UP, "
                                + "HALF_DOWN)");
                    }
                }
            };
        }

        float apply(float x) {
            return switch (this) {
                case ROUND -> (float) Math.rint(x);
                case CEIL -> (float) Math.ceil(x);
                case FLOOR -> (float) Math.floor(x);
                case UP -> Math.signum(x) * (float) Math.ceil(Math.abs(x));
                case DOWN -> x < 0 ? (float) Math.ceil(x) : (float) Math.floor(x);
                case HALF_UP -> Math.signum(x) * (float) Math.floor(Math.abs(x) + 0.5f);
                case HALF_DOWN -> Math.signum(x) * (float) Math.ceil(Math.abs(x) - 0.5f);
            };
        }
    }

    /** QONNX {@code min_int}: the smallest integer of the quantizer's range, as float32. */
    static float minInt(boolean signed, boolean narrow, float bits) {
        if (!signed) return 0f;
        float half = (float) Math.pow(2, bits - 1f);
        return narrow ? -half + 1f : -half;
    }

    /** QONNX {@code max_int}: the largest integer of the quantizer's range, as float32. */
    static float maxInt(boolean signed, boolean narrow, float bits) {
        if (signed) return (float) Math.pow(2, bits - 1f) - 1f;
        float full = (float) Math.pow(2, bits);
        return narrow ? full - 2f : full - 1f;
    }

    /**
     * QONNX {@code Quant} (and {@code IntQuant}): {@code q = x / scale + zeropt}; a signed 1-bit quantizer gives
     * +1 where q >= 0, else -1 (QONNX's bipolar special case, whatever {@code narrow} says); any other clamps q to
     * [min_int, max_int] and then rounds; the result is {@code (q - zeropt) * scale}. Scale and zero point
     * broadcast against x (per-channel values).
     */
    static ConstTensor quant(
            ConstTensor x,
            ConstTensor scale,
            ConstTensor zeropt,
            float bits,
            boolean signed,
            boolean narrow,
            Rounding rounding) {
        boolean bipolar = bits == 1f && signed;
        float lo = minInt(signed, narrow, bits), hi = maxInt(signed, narrow, bits);
        return map3(x, scale, zeropt, (v, s, z) -> {
            float q = bipolar ? (v / s + z >= 0f ? 1f : -1f) : quantInt(v, s, z, lo, hi, rounding);
            return (q - z) * s;
        });
    }

    /**
     * QONNX's integer step of a multi-bit {@code Quant}, one float32 operation at a time: {@code q = x / scale +
     * zeropt}, clamped to [lo, hi], then rounded. The one implementation of the level function, for constants and
     * for the thresholds of activation quantizers.
     */
    static float quantInt(float v, float s, float z, float lo, float hi, Rounding rounding) {
        float q = v / s + z;
        if (q > hi) q = hi;
        if (q < lo) q = lo;
        return rounding.apply(q);
    }

    /**
     * The exact float32 boundaries of a multi-bit {@code Quant} with one scale and zero point: element {@code i} is
     * the smallest float32 x with {@code quantInt(x) >= min_int + i + 1}, found by binary search over the ordered
     * float32 bit patterns (the level function is monotone: every step is). So {@code #{i : x >= t[i]}} is
     * {@code quantInt(x) - min_int} for every non-NaN float32 x. Levels no float reaches get +infinity.
     */
    static float[] levelThresholds(float s, float z, float bits, boolean signed, boolean narrow, Rounding rounding) {
        float lo = minInt(signed, narrow, bits), hi = maxInt(signed, narrow, bits);
        int steps = (int) (hi - lo);
        float[] t = new float[steps];
        for (int i = 0; i < steps; i++) {
            float level = lo + i + 1;
            int a = FoldThresholds.toKey(Float.NEGATIVE_INFINITY), b = FoldThresholds.toKey(Float.POSITIVE_INFINITY);
            if (quantInt(Float.POSITIVE_INFINITY, s, z, lo, hi, rounding) < level) {
                t[i] = Float.POSITIVE_INFINITY;
                continue;
            }
            while (a < b) { // smallest key in [a, b] whose float reaches the level
                int mid = (int) Math.floorDiv((long) a + b, 2);
                if (quantInt(FoldThresholds.fromKey(mid), s, z, lo, hi, rounding) >= level) b = mid;
                else a = mid + 1;
            }
            t[i] = FoldThresholds.fromKey(a);
        }
        return t;
    }

    /** QONNX {@code BipolarQuant}: {@code +scale} where x >= 0, else {@code -scale} (NaN gives -scale). */
    static ConstTensor bipolar(ConstTensor x, ConstTensor scale) {
        return map3(x, scale, ConstTensor.scalar(0f), (v, s, z) -> (v >= 0f ? 1f : -1f) * s);
    }

    /**
     * QONNX {@code Trunc} with five inputs (x, scale, zeropt, input_bit_width, output_bit_width): {@code q =
     * round_half_even(x / scale + zeropt) / 2^(input_bit_width - output_bit_width)}, rounded with the node's mode
     * (default FLOOR); the result is {@code (q - zeropt) * scale}, exactly as QONNX's {@code trunc} writes it.
     */
    static ConstTensor trunc(
            ConstTensor x, ConstTensor scale, ConstTensor zeropt, float inBits, float outBits, Rounding rounding) {
        float truncScale = (float) Math.pow(2.0, inBits - outBits);
        return map3(x, scale, zeropt, (v, s, z) -> {
            float q = (float) Math.rint(v / s + z);
            q = rounding.apply(q / truncScale);
            return (q - z) * s;
        });
    }

    /** The interval {@code [min_int, max_int]} of a quantizer, for messages: "{0, 1}" or "{-8, ..., 7}". */
    static String levels(boolean signed, boolean narrow, float bits) {
        if (bits == 1f && signed) return "{-1, +1}";
        float lo = minInt(signed, narrow, bits), hi = maxInt(signed, narrow, bits);
        String l = org.bnncim.ir.TextPrinter.number(lo), h = org.bnncim.ir.TextPrinter.number(hi);
        if (lo == hi) return "{" + l + "}";
        if (hi - lo == 1f) return "{" + l + ", " + h + "}";
        return "{" + l + ", ..., " + h + "}";
    }

    @FunctionalInterface
    interface F3 {
        float apply(float x, float scale, float zeropt);
    }

    /** Elementwise over x, scale and zero point, broadcast numpy-style; always a float32 result. */
    static ConstTensor map3(ConstTensor x, ConstTensor s, ConstTensor z, F3 f) {
        long[] d = ConstOps.broadcast(x.dims(), s.dims());
        if (d != null) d = ConstOps.broadcast(d, z.dims());
        if (d == null) {
            throw new IllegalArgumentException("shapes " + x.dimsString() + ", " + s.dimsString() + " and "
                    + z.dimsString() + " do not broadcast");
        }
        ImportBudget.fold(ConstTensor.count(d), 16); // result + three index maps
        int[] ix = ConstOps.indexMap(x.dims(), d),
                is = ConstOps.indexMap(s.dims(), d),
                iz = ConstOps.indexMap(z.dims(), d);
        float[] out = new float[ix.length];
        for (int i = 0; i < out.length; i++) out[i] = f.apply(x.getFloat(ix[i]), s.getFloat(is[i]), z.getFloat(iz[i]));
        return ConstTensor.ofFloat(d, out);
    }
}
