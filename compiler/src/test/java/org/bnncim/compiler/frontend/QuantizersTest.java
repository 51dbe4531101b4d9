package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bnncim.compiler.frontend.Quantizers.Rounding;
import org.junit.jupiter.api.Test;

/**
 * QONNX quantizers on constants. Every expected number is worked out by hand from QONNX's definition (quant.py:
 * q = x / scale + zeropt, clamp to [min_int, max_int], round, (q - zeropt) * scale; bipolar_quant.py; trunc.py),
 * with the float32 steps written out in the comments.
 */
class QuantizersTest {
    private static ConstTensor vec(float... v) {
        return ConstTensor.ofFloat(new long[] {v.length}, v);
    }

    private static final ConstTensor ONE = ConstTensor.scalar(1f), ZERO = ConstTensor.scalar(0f);

    private static float[] quant(float[] x, float s, float bits, boolean signed, boolean narrow, String mode) {
        return Quantizers.quant(vec(x), ConstTensor.scalar(s), ZERO, bits, signed, narrow, Rounding.of(mode))
                .f();
    }

    @Test
    void roundIsHalfToEvenSigned4BitNotNarrow() {
        // scale 0.5: x/s = 0.5, 1.5, 2.5, -0.5, -1.5, 10, -10; clamp to [-8, 7]: 10 -> 7, -10 -> -8;
        // half to even: 0, 2, 2, -0, -2, 7, -8; times 0.5: 0, 1, 1, -0, -1, 3.5, -4
        float[] y = quant(new float[] {0.25f, 0.75f, 1.25f, -0.25f, -0.75f, 5f, -5f}, 0.5f, 4, true, false, "ROUND");
        assertArrayEquals(new float[] {0f, 1f, 1f, -0f, -1f, 3.5f, -4f}, y);
        // HALF_EVEN is QONNX's other name for it
        assertArrayEquals(
                y,
                quant(new float[] {0.25f, 0.75f, 1.25f, -0.25f, -0.75f, 5f, -5f}, 0.5f, 4, true, false, "half_even"));
    }

    @Test
    void ceilUnsigned3BitNotNarrow() {
        // scale 0.5: x/s = 0.5, 1.5, 2.5, -0.5, -1.5, 10, -10; clamp to [0, 7]: 0.5, 1.5, 2.5, 0, 0, 7, 0;
        // ceil: 1, 2, 3, 0, 0, 7, 0; times 0.5: 0.5, 1, 1.5, 0, 0, 3.5, 0
        float[] y = quant(new float[] {0.25f, 0.75f, 1.25f, -0.25f, -0.75f, 5f, -5f}, 0.5f, 3, false, false, "CEIL");
        assertArrayEquals(new float[] {0.5f, 1f, 1.5f, 0f, 0f, 3.5f, 0f}, y);
    }

    @Test
    void floorSigned3BitNarrow() {
        // narrow signed 3 bits is [-3, 3]: 2.7, -2.7, 3.9 -> 3, -3.9 -> -3, -0.2; floor: 2, -3, 3, -3, -1
        float[] y = quant(new float[] {2.7f, -2.7f, 3.9f, -3.9f, -0.2f}, 1f, 3, true, true, "FLOOR");
        assertArrayEquals(new float[] {2f, -3f, 3f, -3f, -1f}, y);
    }

    @Test
    void unsignedNarrowDropsTheTopLevel() {
        // unsigned narrow 2 bits is [0, 2] (max_int = 2^2 - 2): 2.6 -> 2, 3 -> 2, 1.4 -> 1 (ROUND)
        assertArrayEquals(new float[] {2f, 2f, 1f}, quant(new float[] {2.6f, 3f, 1.4f}, 1f, 2, false, true, "ROUND"));
    }

    @Test
    void roundToZeroIsDown() {
        // scale 0.25: x/s = 2.4, -2.4, 0.4 (division by a power of two is exact); toward zero: 2, -2, 0;
        // times 0.25: 0.5, -0.5, 0
        float[] y = quant(new float[] {0.6f, -0.6f, 0.1f}, 0.25f, 8, true, false, "ROUND_TO_ZERO");
        assertArrayEquals(new float[] {0.5f, -0.5f, 0f}, y);
        assertArrayEquals(y, quant(new float[] {0.6f, -0.6f, 0.1f}, 0.25f, 8, true, false, "DOWN"));
    }

    @Test
    void halfUpAndHalfDownAndUp() {
        float[] x = {0.5f, -0.5f, 1.5f, -2.5f, 2.4f};
        // sign(x) * floor(|x| + 0.5): 1, -1, 2, -3, 2
        assertArrayEquals(new float[] {1f, -1f, 2f, -3f, 2f}, quant(x, 1f, 8, true, false, "HALF_UP"));
        // sign(x) * ceil(|x| - 0.5): 1*0 = 0, -1*0 = -0, 1, -2, ceil(1.9) = 2
        assertArrayEquals(new float[] {0f, -0f, 1f, -2f, 2f}, quant(x, 1f, 8, true, false, "HALF_DOWN"));
        // sign(x) * ceil(|x|): 1, -1, 2, -3, 3
        assertArrayEquals(new float[] {1f, -1f, 2f, -3f, 3f}, quant(x, 1f, 8, true, false, "UP"));
    }

    @Test
    void evaluatedInFloat32LikeQonnx() {
        // float32: 0.7f / 0.1f rounds to exactly 7.0 (in float64 it is 6.99999978); FLOOR keeps 7, and
        // 7 * 0.1f rounds to 0.7f again. A float64 evaluation would give 6 * 0.1 = 0.6.
        assertArrayEquals(new float[] {0.7f}, quant(new float[] {0.7f}, 0.1f, 8, true, false, "FLOOR"));
    }

    @Test
    void perChannelScaleAndZeroPoint() {
        // x [2, 3], scale and zero point [2, 1]: row 0 s = 0.5, z = 1; row 1 s = 2, z = -1; unsigned 2 bits [0, 3]
        // row 0: x/s = 0.4, -2, 2.6; + 1 = 1.4, -1, 3.6; clamp 1.4, 0, 3; round 1, 0, 3; - 1 = 0, -1, 2; * 0.5
        // row 1: x/s = 1.5, -2, 0.45; - 1 = 0.5, -3, -0.55; clamp 0.5, 0, 0; round 0, 0, 0; + 1 = 1, 1, 1; * 2
        ConstTensor x = ConstTensor.ofFloat(new long[] {2, 3}, new float[] {0.2f, -1f, 1.3f, 3f, -4f, 0.9f});
        ConstTensor s = ConstTensor.ofFloat(new long[] {2, 1}, new float[] {0.5f, 2f});
        ConstTensor z = ConstTensor.ofFloat(new long[] {2, 1}, new float[] {1f, -1f});
        ConstTensor y = Quantizers.quant(x, s, z, 2, false, false, Rounding.ROUND);
        assertArrayEquals(new long[] {2, 3}, y.dims());
        assertArrayEquals(new float[] {0f, -0.5f, 1f, 2f, 2f, 2f}, y.f());
    }

    @Test
    void oneBitQuantizers() {
        // signed 1 bit is QONNX's bipolar case whatever narrow says: q = x/s >= 0 ? 1 : -1, times s = 2
        float[] x = {0.3f, -0.3f, 0f};
        assertArrayEquals(new float[] {2f, -2f, 2f}, quant(x, 2f, 1, true, false, "ROUND"));
        assertArrayEquals(new float[] {2f, -2f, 2f}, quant(x, 2f, 1, true, true, "ROUND"));
        // unsigned 1 bit, not narrow: clamp to [0, 1], round: 0.4 -> 0, 0.6 -> 1, -3 -> 0, 7 -> 1
        assertArrayEquals(
                new float[] {0f, 1f, 0f, 1f}, quant(new float[] {0.4f, 0.6f, -3f, 7f}, 1f, 1, false, false, "ROUND"));
        // unsigned narrow 1 bit is [0, 0]: everything 0
        assertArrayEquals(new float[] {0f, 0f}, quant(new float[] {0.6f, 7f}, 1f, 1, false, true, "ROUND"));
    }

    @Test
    void bipolarQuantWithPerChannelScale() {
        // +s where x >= 0 else -s; rows scaled by 0.5 and 3
        ConstTensor x = ConstTensor.ofFloat(new long[] {2, 2}, new float[] {1f, -1f, -2f, 0f});
        ConstTensor s = ConstTensor.ofFloat(new long[] {2, 1}, new float[] {0.5f, 3f});
        assertArrayEquals(
                new float[] {0.5f, -0.5f, -3f, 3f}, Quantizers.bipolar(x, s).f());
    }

    @Test
    void truncDividesByTwoToTheDroppedBits() {
        // 8 -> 6 bits: trunc scale 2^2 = 4; round(x/s) = 13, -13, 7; / 4 = 3.25, -3.25, 1.75; FLOOR: 3, -4, 1;
        // (q - 0) * 1
        ConstTensor y = Quantizers.trunc(vec(13f, -13f, 7f), ONE, ZERO, 8, 6, Rounding.FLOOR);
        assertArrayEquals(new float[] {3f, -4f, 1f}, y.f());
        // scale 0.5: 6.5 / 0.5 = 13 -> 3.25 -> FLOOR 3 -> * 0.5 = 1.5; zero point 2: 13 + 2 = 15 -> 3.75 -> ROUND 4
        // -> (4 - 2) * 0.5 = 1
        assertArrayEquals(
                new float[] {1.5f},
                Quantizers.trunc(vec(6.5f), ConstTensor.scalar(0.5f), ZERO, 8, 6, Rounding.FLOOR)
                        .f());
        assertArrayEquals(
                new float[] {1f},
                Quantizers.trunc(vec(6.5f), ConstTensor.scalar(0.5f), ConstTensor.scalar(2f), 8, 6, Rounding.ROUND)
                        .f());
    }

    @Test
    void unknownRoundingModeIsNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Rounding.of("STOCHASTIC"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("STOCHASTIC"));
    }

    @Test
    void levelThresholdsOfASigned2BitRoundQuantizerByHand() {
        // scale 1, levels -2 .. 1; rint is half to even: rint(-1.5) = -2, rint(-0.5) = -0, rint(0.5) = 0, so level -1
        // starts just above -1.5, level 0 at -0.5 itself, level 1 just above 0.5
        float[] t = Quantizers.levelThresholds(1f, 0f, 2, true, false, Rounding.of("ROUND"));
        assertArrayEquals(new float[] {Math.nextUp(-1.5f), -0.5f, Math.nextUp(0.5f)}, t);
        // HALF_UP: sign(q) * floor(|q| + 0.5): -1.5 -> -2, -0.5 -> -1, 0.5 -> 1. In float32 the level-0 boundary is
        // not nextUp(-0.5) = -(0.5 - 2^-25): |q| + 0.5 = 1 - 2^-25 lies halfway between 1 - 2^-24 and 1 and rounds
        // to even, 1, so that q still gives -1; the boundary is -(0.5 - 2^-24), whose sum 1 - 2^-24 is exact. For the
        // same reason level 1 starts below 0.5, at 0.5 - 2^-25 (floor(1) = 1)
        t = Quantizers.levelThresholds(1f, 0f, 2, true, false, Rounding.of("HALF_UP"));
        assertArrayEquals(new float[] {Math.nextUp(-1.5f), -(0.5f - 0x1p-24f), 0.5f - 0x1p-25f}, t);
        // unsigned narrow 2-bit FLOOR, scale 0.25: levels 0 .. 2 at x / 0.25 >= 1, 2
        t = Quantizers.levelThresholds(0.25f, 0f, 2, false, true, Rounding.of("FLOOR"));
        assertArrayEquals(new float[] {0.25f, 0.5f}, t);
    }

    /** The thresholds count exactly QONNX's level for every float32 tried, in every mode (one implementation). */
    @Test
    void levelThresholdsCountTheQuantizerLevelExactly() {
        java.util.Random r = new java.util.Random(1);
        for (String mode : new String[] {"ROUND", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN"}) {
            for (int bits = 2; bits <= 4; bits++) {
                for (int v = 0; v < 4; v++) {
                    boolean signed = v != 1, narrow = v >= 2;
                    float s = v == 3 ? 0.3f : 0.5f, z = v == 3 ? (signed ? 1f : 0f) : 0f;
                    Rounding m = Rounding.of(mode);
                    float lo = Quantizers.minInt(signed, narrow, bits), hi = Quantizers.maxInt(signed, narrow, bits);
                    float[] t = Quantizers.levelThresholds(s, z, bits, signed, narrow, m);
                    for (int i = 0; i < 4000; i++) {
                        float x = i < 2000 ? (r.nextInt(81) - 40) * s / 4 : (float) (r.nextGaussian() * 8 * s);
                        for (float y : new float[] {x, Math.nextUp(x), Math.nextDown(x)}) {
                            int n = 0;
                            for (float th : t) if (y >= th) n++;
                            int want = (int) (Quantizers.quantInt(y, s, z, lo, hi, m) - lo);
                            org.junit.jupiter.api.Assertions.assertEquals(want, n, mode + " " + bits + " x=" + y);
                        }
                    }
                }
            }
        }
    }
}
