package org.bnncim.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bnncim.oracle.ReferenceForm.Mode;
import org.bnncim.oracle.SharedConstantModels.Form;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Constants reached through Identity chains, Constant nodes, shared initializers and initializers listed as graph
 * inputs: the reference form of each spelling runs in ONNX Runtime and computes exactly what the same numbers as
 * plain initializers compute, in expectation mode and for every bit pattern.
 */
class SharedConstantsTest {
    private static final int N = 16;
    private static final int[] SHAPE = {SharedConstantModels.IN};

    private static float[] inputs() {
        Random r = new Random(7);
        float[] x = new float[N * SharedConstantModels.IN];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    void expectationEqualsTheBaseline(Form form) {
        ReferenceForm.Result r = ReferenceForm.convert(SharedConstantModels.model(form), Mode.EXPECTATION);
        ReferenceForm.Result base = ReferenceForm.convert(SharedConstantModels.baseline(form), Mode.EXPECTATION);
        assertTrue(r.zInputs().isEmpty());
        assertNoMultiplyByTheUnitScale(r.model());
        try (OrtReference ort = new OrtReference(r.toByteArray(), 1);
                OrtReference want = new OrtReference(base.toByteArray(), 1)) {
            assertEquals(List.of("x"), ort.inputNames(), "initializers listed as inputs are not fed");
            float[] x = inputs();
            assertArrayEquals(want.run(x, SHAPE, N, null), ort.run(x, SHAPE, N, null));
        }
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    void everyBitPatternEqualsTheBaseline(Form form) {
        ReferenceForm.Result r = ReferenceForm.convert(SharedConstantModels.model(form), Mode.BITS);
        ReferenceForm.Result base = ReferenceForm.convert(SharedConstantModels.baseline(form), Mode.BITS);
        assertEquals(List.of("z_0", "z_1"), r.zInputs());
        assertEquals(List.of("sd1", "sd2"), r.scaleDropoutNodes());
        assertNoMultiplyByTheUnitScale(r.model());
        try (OrtReference ort = new OrtReference(r.toByteArray(), 1);
                OrtReference want = new OrtReference(base.toByteArray(), 1)) {
            assertEquals(List.of("x", "z_0", "z_1"), ort.inputNames(), "initializers listed as inputs are not fed");
            float[] x = inputs();
            float[][][] out = new float[4][][];
            for (int pattern = 0; pattern < 4; pattern++) {
                boolean[][] z = new boolean[N][2];
                for (boolean[] row : z) {
                    row[0] = (pattern & 1) != 0;
                    row[1] = (pattern & 2) != 0;
                }
                out[pattern] = ort.run(x, SHAPE, N, z);
                assertArrayEquals(want.run(x, SHAPE, N, z), out[pattern], "bits " + pattern);
            }
            for (int pattern = 1; pattern < 4; pattern++) {
                assertFalse(Arrays.deepEquals(out[0], out[pattern]), "the bits of pattern " + pattern + " matter");
            }
        }
    }

    /** A constant scale of 1 on the input BipolarQuant is recognised through the spelling and left out. */
    private static void assertNoMultiplyByTheUnitScale(ModelProto m) {
        for (NodeProto n : m.getGraph().getNodeList()) {
            assertFalse(n.getName().startsWith("bq_x/scale"), "unit scale multiplied: " + n);
        }
    }

    /**
     * Conv layers: the reference form reshapes each layer's [C] scale to [C, 1, 1]; one initializer shared by two
     * layers (directly and through Identity) gets one reshape per layer and computes what two separate copies do.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void sharedConvScaleIsReshapedPerLayer(Mode mode) {
        float[] s = {1.5f, -0.5f, 2f, 0.75f};
        float[] d = {1f, 2f, 0.5f, 1f};
        ModelProto shared = convPair(true, s, d), separate = convPair(false, s, d);
        ReferenceForm.Result r = ReferenceForm.convert(shared, mode);
        int n = 3;
        float[] x = new float[n * 2 * 3 * 3];
        Random rnd = new Random(9);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        try (OrtReference ort = new OrtReference(r.toByteArray(), 1);
                OrtReference want =
                        new OrtReference(ReferenceForm.convert(separate, mode).toByteArray(), 1)) {
            int patterns = mode == Mode.BITS ? 4 : 1;
            for (int pattern = 0; pattern < patterns; pattern++) {
                boolean[][] z = null;
                if (mode == Mode.BITS) {
                    z = new boolean[n][2];
                    for (boolean[] row : z) {
                        row[0] = (pattern & 1) != 0;
                        row[1] = (pattern & 2) != 0;
                    }
                }
                int[] shape = {2, 3, 3};
                assertArrayEquals(want.run(x, shape, n, z), ort.run(x, shape, n, z), "bits " + pattern);
            }
        }
    }

    /** x [N,2,3,3] -> Conv 1x1 -> ScaleDropout -> Conv 1x1 -> ScaleDropout; the scales shared or two copies. */
    private static ModelProto convPair(boolean shared, float[] s, float[] d) {
        float[] w1 = new float[4 * 2], w2 = new float[4 * 4];
        for (int i = 0; i < w1.length; i++) w1[i] = i % 3 == 0 ? -1f : 1f;
        for (int i = 0; i < w2.length; i++) w2[i] = i % 5 < 2 ? -1f : 1f;
        OnnxBuilder b = new OnnxBuilder("conv_pair")
                .opset(13)
                .opset("ai.bnncim", 1)
                .input("x", DataType.FLOAT, "N", 2, 3, 3)
                .initializer("w1", new int[] {4, 2, 1, 1}, w1)
                .initializer("w2", new int[] {4, 4, 1, 1}, w2)
                .initializer("s", new int[] {4}, s)
                .initializer("d", new int[] {4}, d);
        if (shared) {
            b.node("Identity", "Identity_0", List.of("s"), List.of("s2"))
                    .node("Identity", "Identity_1", List.of("d"), List.of("d2"));
        } else {
            b.initializer("s2", new int[] {4}, s).initializer("d2", new int[] {4}, d);
        }
        return b.node("Conv", "conv1", List.of("x", "w1"), List.of("c1"))
                .node("ScaleDropout", "sd1")
                .domain("ai.bnncim")
                .inputs("c1", "s", "d")
                .outputs("h1")
                .attr("p", 0.25f)
                .end()
                .node("Conv", "conv2", List.of("h1", "w2"), List.of("c2"))
                .node("ScaleDropout", "sd2")
                .domain("ai.bnncim")
                .inputs("c2", shared ? "s" : "s2", "d2")
                .outputs("y")
                .attr("p", 0.5f)
                .end()
                .output("y", DataType.FLOAT, "N", 4, 3, 3)
                .build();
    }

    /** BipolarQuant's scale as a Constant value_int (int64) or through Identity: Mul needs a float32 copy. */
    @ParameterizedTest
    @ValueSource(strings = {"value_int", "identity"})
    void nonUnitBipolarQuantScaleThroughAConstantOrAnIdentity(String spelling) {
        OnnxBuilder b = new OnnxBuilder("bq")
                .opset(13)
                .opset("qonnx.custom_op.general", 1)
                .input("x", DataType.FLOAT, "N", 3);
        if (spelling.equals("value_int")) {
            b.node("Constant", "c").outputs("k").attr("value_int", 2L).end();
        } else {
            b.initializer("k0", new int[0], 2f).node("Identity", "id", List.of("k0"), List.of("k"));
        }
        ModelProto m = b.node("BipolarQuant", "bq")
                .domain("qonnx.custom_op.general")
                .inputs("x", "k")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 3)
                .build();
        try (OrtReference ort =
                new OrtReference(ReferenceForm.convert(m, Mode.EXPECTATION).toByteArray(), 1)) {
            assertArrayEquals(
                    new float[][] {{2f, -2f, 2f}}, ort.run(new float[] {0.5f, -1f, 0f}, new int[] {3}, 1, null));
        }
    }
}
