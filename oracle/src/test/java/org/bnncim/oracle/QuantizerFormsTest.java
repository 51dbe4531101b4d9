package org.bnncim.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import org.junit.jupiter.api.Test;

/**
 * The reference forms of QONNX {@code Quant} and FINN's k-bit {@code MultiThreshold}, run in ONNX Runtime, against
 * values worked out by hand from QONNX's definitions (q = x / scale + zeropt, clamp, round, (q - zeropt) * scale;
 * out_scale * #{x >= t} + out_bias).
 */
class QuantizerFormsTest {
    private static final String Q = "qonnx.custom_op.general";

    private static ModelProto quant(int n, float scale, float bits, long signed, long narrow, String mode) {
        return new OnnxBuilder("quant")
                .opset(13)
                .opset(Q, 1)
                .input("x", DataType.FLOAT, "N", n)
                .initializer("s", new int[0], scale)
                .initializer("z", new int[0], 0f)
                .initializer("b", new int[0], bits)
                .node("Quant", "q")
                .domain(Q)
                .inputs("x", "s", "z", "b")
                .outputs("y")
                .attr("signed", signed)
                .attr("narrow", narrow)
                .attr("rounding_mode", mode)
                .end()
                .output("y", DataType.FLOAT, "N", n)
                .build();
    }

    private static float[] run(ModelProto m, float[] x) {
        try (OrtReference ort = new OrtReference(
                ReferenceForm.convert(m, ReferenceForm.Mode.BITS).toByteArray(), 1)) {
            return ort.run(x, new int[] {x.length}, 1, new boolean[1][0])[0];
        }
    }

    private static void check(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 0f, what + " element " + i);
    }

    @Test
    void everyRoundingModeOfASigned4BitQuant() {
        float[] x = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, -0.7f, 0.7f, 9f, -9f};
        // clamp to [-8, 7] first (9 -> 7, -9 -> -8), then round
        Object[][] cases = {
            {"ROUND", new float[] {-2, -2, -0f, 0, 2, 2, -1, 1, 7, -8}}, // half to even
            {"HALF_EVEN", new float[] {-2, -2, -0f, 0, 2, 2, -1, 1, 7, -8}},
            {"CEIL", new float[] {-2, -1, -0f, 1, 2, 3, -0f, 1, 7, -8}},
            {"FLOOR", new float[] {-3, -2, -1, 0, 1, 2, -1, 0, 7, -8}},
            {"UP", new float[] {-3, -2, -1, 1, 2, 3, -1, 1, 7, -8}}, // away from zero
            {"DOWN", new float[] {-2, -1, 0, 0, 1, 2, 0, 0, 7, -8}}, // toward zero
            {"ROUND_TO_ZERO", new float[] {-2, -1, 0, 0, 1, 2, 0, 0, 7, -8}},
            {"HALF_UP", new float[] {-3, -2, -1, 1, 2, 3, -1, 1, 7, -8}}, // ties away from zero
            {"HALF_DOWN", new float[] {-2, -1, 0, 0, 1, 2, -1, 1, 7, -8}}, // ties toward zero
        };
        for (Object[] c : cases) {
            String mode = (String) c[0];
            check((float[]) c[1], run(quant(x.length, 1f, 4, 1, 0, mode), x), mode);
        }
    }

    private static ModelProto trunc(int n, float scale, float inBits, float outBits, String mode) {
        OnnxBuilder b = new OnnxBuilder("trunc")
                .opset(13)
                .opset(Q, 1)
                .input("x", DataType.FLOAT, "N", n)
                .initializer("s", new int[0], scale)
                .initializer("z", new int[0], 0f)
                .initializer("ib", new int[0], inBits)
                .initializer("ob", new int[0], outBits);
        var node =
                b.node("Trunc", "t").domain(Q).inputs("x", "s", "z", "ib", "ob").outputs("y");
        if (mode != null) node = node.attr("rounding_mode", mode);
        return node.end().output("y", DataType.FLOAT, "N", n).build();
    }

    @Test
    void truncRoundsHalfToEvenThenDropsLowBitsWithItsMode() {
        // scale 0.5: x / 0.5 = 13, 14.5, 15.5, -13, -2.5 -> half to even 13, 14, 16, -13, -2; 8 bits to 6: / 4 =
        // 3.25, 3.5, 4, -3.25, -0.5
        float[] x = {6.5f, 7.25f, 7.75f, -6.5f, -1.25f};
        // FLOOR (the default): 3, 3, 4, -4, -1 -> times 0.5
        check(new float[] {1.5f, 1.5f, 2f, -2f, -0.5f}, run(trunc(5, 0.5f, 8, 6, null), x), "FLOOR");
        // ROUND: 3, 4, 4, -3, -0 -> times 0.5
        check(new float[] {1.5f, 2f, 2f, -1.5f, -0f}, run(trunc(5, 0.5f, 8, 6, "ROUND"), x), "ROUND");
        // CEIL: 4, 4, 4, -3, -0
        check(new float[] {2f, 2f, 2f, -1.5f, -0f}, run(trunc(5, 0.5f, 8, 6, "CEIL"), x), "CEIL");
    }

    @Test
    void unsignedNarrowWithAScaleAndTheBipolarOneBitCase() {
        // scale 0.5, unsigned narrow 2-bit: [0, 2]; x / 0.5 = -2, 0.4, 0.5, 1.5, 2.5, 6 -> clamp 0, 0.4, 0.5, 1.5, 2,
        // 2 -> half to even 0, 0, 0, 2, 2, 2 -> times 0.5
        float[] x = {-1f, 0.2f, 0.25f, 0.75f, 1.25f, 3f};
        check(new float[] {0, 0, 0, 1, 1, 1}, run(quant(6, 0.5f, 2, 0, 1, "ROUND"), x), "unsigned narrow");
        // signed 1-bit: +scale where x / scale >= 0 (0 included), else -scale
        float[] y = {-1f, -0f, 0f, 0.1f};
        check(new float[] {-0.5f, 0.5f, 0.5f, 0.5f}, run(quant(4, 0.5f, 1, 1, 1, "ROUND"), y), "bipolar");
    }

    @Test
    void kbitMultiThresholdCountsPerChannel() {
        // channel 0 thresholds -1, 0, 1; channel 1: 0.5, 0.5, 2; out = 0.5 * count - 1
        ModelProto m = new OnnxBuilder("mt")
                .opset(13)
                .opset("finn.custom_op.general", 1)
                .input("x", DataType.FLOAT, "N", 2)
                .initializer("t", new int[] {2, 3}, -1f, 0f, 1f, 0.5f, 0.5f, 2f)
                .node("MultiThreshold", "mt")
                .domain("finn.custom_op.general")
                .inputs("x", "t")
                .outputs("y")
                .attr("out_scale", 0.5f)
                .attr("out_bias", -1f)
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
        float[][] xs = {{0f, 0.5f}, {-2f, 2f}, {1f, 0.49f}, {-1f, 7f}};
        float[][] want = {{0f, 0f}, {-1f, 0.5f}, {0.5f, -1f}, {-0.5f, 0.5f}};
        try (OrtReference ort = new OrtReference(
                ReferenceForm.convert(m, ReferenceForm.Mode.BITS).toByteArray(), 1)) {
            for (int i = 0; i < xs.length; i++) {
                check(want[i], ort.run(xs[i], new int[] {2}, 1, new boolean[1][0])[0], "example " + i);
            }
        }
    }

    @Test
    void kbitMultiThresholdOnNhwcDataCountsOnTheLastAxis() {
        // x [N, 1, 2, 2] NHWC: channel c is the last axis; channel 0 thresholds 0, 1, 2; channel 1: -2, -1, 0
        ModelProto m = new OnnxBuilder("mt_nhwc")
                .opset(13)
                .opset("finn.custom_op.general", 1)
                .input("x", DataType.FLOAT, "N", 1, 2, 2)
                .initializer("t", new int[] {2, 3}, 0f, 1f, 2f, -2f, -1f, 0f)
                .node("MultiThreshold", "mt")
                .domain("finn.custom_op.general")
                .inputs("x", "t")
                .outputs("y")
                .attr("data_layout", "NHWC")
                .end()
                .output("y", DataType.FLOAT, "N", 1, 2, 2)
                .build();
        // pixel 0: (c0 1.5, c1 -1.5) -> 2, 1; pixel 1: (c0 -1, c1 0) -> 0, 3
        float[] x = {1.5f, -1.5f, -1f, 0f};
        try (OrtReference ort = new OrtReference(
                ReferenceForm.convert(m, ReferenceForm.Mode.BITS).toByteArray(), 1)) {
            check(new float[] {2, 1, 0, 3}, ort.run(x, new int[] {1, 2, 2}, 1, new boolean[1][0])[0], "NHWC");
        }
    }
}
