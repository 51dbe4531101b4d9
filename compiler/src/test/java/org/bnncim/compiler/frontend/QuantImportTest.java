package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.oracle.OnnxBuilder;
import org.bnncim.oracle.OrtReference;
import org.bnncim.oracle.ReferenceForm;
import org.junit.jupiter.api.Test;

/** QONNX quantizers in whole models: folded on constants, bipolar or refused (one line) on activations. */
class QuantImportTest {
    private static final String Q = "qonnx.custom_op.general";

    private static Graph load(OnnxMl.ModelProto m) {
        return OnnxImporter.importModel(m, "test", OnnxImporter.Options.DEFAULT);
    }

    @Test
    void brevitasGemmWithBiasThroughA4BitQuantImportsAndFolds() {
        // weights: latent floats through a signed narrow 1-bit Quant (QONNX's bipolar case): +1 where >= 0;
        // bias through Identity and a 4-bit signed Quant, scale 0.25 (a Constant node), ROUND:
        // 0.3 / 0.25 = 1.2 -> 1 -> 0.25; -0.8 / 0.25 = -3.2 -> -3 -> -0.75
        OnnxMl.ModelProto m = new OnnxBuilder("brevitas-gemm")
                .opset(13)
                .opset(Q, 1)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer("Wf", new int[] {2, 4}, 0.2f, 0.7f, -0.1f, -3f, 0.4f, -0.5f, 0f, -0.01f)
                .initializer("one", new int[0], 1f)
                .initializer("zp", new int[0], 0f)
                .initializer("bw1", new int[0], 1f)
                .initializer("bw4", new int[0], 4f)
                .initializer("bf", new int[] {2}, 0.3f, -0.8f)
                .node("Constant", "bscale")
                .outputs("sb")
                .attr("value", OnnxBuilder.floatTensor("sb", new int[0], 0.25f))
                .end()
                .node("BipolarQuant", "act")
                .domain(Q)
                .inputs("x", "one")
                .outputs("a")
                .end()
                .node("Quant", "wq")
                .domain(Q)
                .inputs("Wf", "one", "zp", "bw1")
                .outputs("W")
                .attr("signed", 1L)
                .attr("narrow", 1L)
                .attr("rounding_mode", "ROUND")
                .end()
                .node("Identity", "bid")
                .inputs("bf")
                .outputs("bf2")
                .end()
                .node("Quant", "bq")
                .domain(Q)
                .inputs("bf2", "sb", "zp", "bw4")
                .outputs("b")
                .attr("signed", 1L)
                .attr("narrow", 0L)
                .attr("rounding_mode", "ROUND")
                .end()
                .node("Gemm", "fc")
                .inputs("a", "W", "b")
                .outputs("y")
                .attr("transB", 1L)
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
        Graph g = load(m);
        Node.BinaryDense d = g.nodesOf(Node.BinaryDense.class).get(0);
        assertEquals(1, d.weights().get(0, 0)); // Wf[0][0] = 0.2
        assertEquals(-1, d.weights().get(3, 0)); // Wf[0][3] = -3
        assertEquals(1, d.weights().get(2, 1)); // Wf[1][2] = 0 -> +1
        assertEquals(-1, d.weights().get(3, 1)); // Wf[1][3] = -0.01
        Node.Affine a = g.nodesOf(Node.Affine.class).get(0);
        assertEquals(3f + 0.25f, a.apply(3, 0));
        assertEquals(3f - 0.75f, a.apply(3, 1));
        // the reference form quantizes the weights and the bias in ONNX Runtime itself (Div, Add, Min, Max, Round,
        // Sub, Mul; the 1-bit weights through Where(Less)): the same numbers as the import's folding
        ReferenceInterpreter interp = new ReferenceInterpreter(g);
        float[] x = {0.5f, -1f, 2f, -0.25f, -0.5f, 1f, -2f, 0.25f, 1f, 1f, -1f, -1f};
        byte[] ref = ReferenceForm.convert(m, ReferenceForm.Mode.BITS).toByteArray();
        try (OrtReference ort = new OrtReference(ref, 1)) {
            float[][] want = ort.run(x, new int[] {4}, 3, new boolean[3][0]);
            for (int i = 0; i < 3; i++) {
                float[] mine = interp.output(java.util.Arrays.copyOfRange(x, 4 * i, 4 * i + 4), Bits.ofScale());
                assertArrayEquals(want[i], mine, 0f, "example " + i);
            }
        }
    }

    private static OnnxMl.ModelProto actQuant(float bits, long signed, long narrow, float zp, String op) {
        OnnxBuilder b = new OnnxBuilder("act-quant")
                .opset(13)
                .opset(Q, 1)
                .input("x", DataType.FLOAT, "N", 2)
                .initializer("W", new int[] {2, 2}, 1, -1, -1, 1)
                .initializer("sc", new int[0], 1f)
                .initializer("zp", new int[0], zp)
                .initializer("bw", new int[0], bits);
        var n = op.equals("Trunc")
                ? b.initializer("obw", new int[0], 2f)
                        .node("Trunc", "qa")
                        .domain(Q)
                        .inputs("x", "sc", "zp", "bw", "obw")
                : b.node(op, "qa")
                        .domain(Q)
                        .inputs("x", "sc", "zp", "bw")
                        .attr("signed", signed)
                        .attr("narrow", narrow);
        return n.outputs("q")
                .end()
                .node("MatMul", "mm")
                .inputs("q", "W")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
    }

    private static String refusal(OnnxMl.ModelProto m) {
        String msg = assertThrows(BnncimException.class, () -> load(m)).getMessage();
        assertFalse(msg.contains("\n"), msg);
        assertTrue(msg.contains("'qa'"), msg);
        return msg;
    }

    @Test
    void signedOneBitQuantOnActivationsIsTheBipolarBinarizer() {
        for (long narrow : new long[] {1, 0}) { // QONNX's signed 1-bit case ignores narrow
            Graph g = load(actQuant(1, 1, narrow, 0, "Quant"));
            assertEquals(1, g.nodesOf(Node.Sign.class).size());
            assertEquals(1, g.nodesOf(Node.BinaryDense.class).size());
        }
        assertEquals(
                1,
                load(actQuant(1, 1, 1, 0, "IntQuant")).nodesOf(Node.Sign.class).size());
    }

    @Test
    void unsignedOneBitQuantIsAOneBitActivationAndNarrowSaysWhatItProduces() {
        // unsigned, not narrow: {0, 1}·scale, a 1-bit activation the next layer reads in one pass
        Node.Quantize q =
                load(actQuant(1, 0, 0, 0, "Quant")).nodesOf(Node.Quantize.class).get(0);
        assertEquals(1, q.steps());
        assertEquals(0, q.base());
        // narrow: max_int = 2^1 - 1 - 1 = 0, so every value is 0
        String msg = refusal(actQuant(1, 0, 1, 0, "Quant"));
        assertTrue(msg.contains("1-bit unsigned narrow Quant produces {0}·scale"), msg);
        assertTrue(msg.contains("BipolarQuant or a signed 1-bit Quant"), msg);
        assertFalse(msg.contains("multi-bit"), msg);
    }

    @Test
    void signedOneBitQuantWithAZeroPointIsNotBipolar() {
        String msg = refusal(actQuant(1, 1, 1, 1f, "Quant"));
        assertTrue(msg.contains("with a nonzero zero point produces ({-1, +1} - zero point)·scale"), msg);
        assertFalse(msg.contains("multi-bit"), msg);
    }

    @Test
    void multiBitQuantizersOnActivationsBecomeAQuantizeNode() {
        Graph g = load(actQuant(4, 1, 0, 0, "Quant"));
        Node.Quantize q = g.nodesOf(Node.Quantize.class).get(0);
        assertEquals(15, q.steps());
        assertEquals(-8, q.base());
        assertEquals("i4", g.value(q.output().name()).elem().toString());
        g = load(actQuant(3, 0, 1, 0, "IntQuant"));
        q = g.nodesOf(Node.Quantize.class).get(0);
        assertEquals(6, q.steps()); // unsigned narrow: 0 .. 6
        assertEquals(0, q.base());
    }

    @Test
    void quantizersOnActivationsOutsideTheAcceptedFormsAreRefusedWithTheReason() {
        String msg = refusal(actQuant(9, 1, 0, 0, "Quant"));
        assertTrue(msg.contains("bitwidth 9 (signed: {-256, ..., 255}·scale)"), msg);
        assertTrue(msg.contains("activations of 1 to 8 bits"), msg);
        msg = refusal(actQuant(4, 1, 0, 0.5f, "Quant"));
        assertTrue(msg.contains("zero point 0.5; accepted: one integer zero point"), msg);
        msg = refusal(actQuant(8, 1, 0, 0, "Trunc"));
        assertTrue(msg.contains("Trunc of a computed tensor (an accumulator quantized to 2 bits)"), msg);
        assertTrue(msg.contains("Quant (1 to 8 bits) or MultiThreshold"), msg);
    }

    /** x -> 4-bit Quant (scale sc) -> op(const) -> MatMul: what may follow a k-bit activation. */
    private static OnnxMl.ModelProto afterQuant(int[] scDims, float[] sc, String op, int[] kDims, float... k) {
        OnnxBuilder b = new OnnxBuilder("after-quant")
                .opset(13)
                .opset(Q, 1)
                .input("x", DataType.FLOAT, "N", 2)
                .initializer("W", new int[] {2, 2}, 1, -1, -1, 1)
                .initializer("sc", scDims, sc)
                .initializer("zp", new int[0], 0f)
                .initializer("bw", new int[0], 4f)
                .initializer("k", kDims, k)
                .node("Quant", "qa")
                .domain(Q)
                .inputs("x", "sc", "zp", "bw")
                .outputs("q")
                .attr("signed", 0L)
                .attr("narrow", 0L)
                .end();
        return b.node(op, "rescale")
                .inputs("q", "k")
                .outputs("r")
                .end()
                .node("MatMul", "mm")
                .inputs("r", "W")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
    }

    @Test
    void aPositiveScalarMulOrDivReScalesAKbitActivation() {
        Graph g = load(afterQuant(new int[0], new float[] {0.5f}, "Mul", new int[0], 0.25f));
        Node.Reshape r = g.nodesOf(Node.Reshape.class).get(0);
        assertEquals(0.125, r.output().type().scale());
        assertEquals(
                0.125, g.nodesOf(Node.BinaryDense.class).get(0).output().type().scale());
        g = load(afterQuant(new int[0], new float[] {0.5f}, "Div", new int[0], 4f));
        assertEquals(0.125, g.nodesOf(Node.Reshape.class).get(0).output().type().scale());
    }

    @Test
    void perChannelScalesAndNegativeMulsOnKbitActivationsAreRefused() {
        String msg = refusal(afterQuant(new int[] {2}, new float[] {0.5f, 1f}, "Mul", new int[0], 1f));
        assertTrue(msg.contains("per-channel scale (2 values)") && msg.contains("per-tensor (scalar) scale"), msg);
        msg = assertThrows(
                        BnncimException.class,
                        () -> load(afterQuant(new int[0], new float[] {1f}, "Mul", new int[0], -2f)))
                .getMessage();
        assertTrue(msg.contains("'rescale'") && msg.contains("non-positive constant"), msg);
        assertTrue(msg.contains("only one positive scalar re-scales it"), msg);
        msg = assertThrows(
                        BnncimException.class,
                        () -> load(afterQuant(new int[0], new float[] {1f}, "Mul", new int[] {2}, 1f, 2f)))
                .getMessage();
        assertTrue(msg.contains("a per-channel constant"), msg);
        assertFalse(msg.contains("\n"), msg);
    }

    @Test
    void multiBitWeightsRunOnTheDigitalUnit() {
        OnnxMl.ModelProto m = new OnnxBuilder("kbit-weights")
                .opset(13)
                .opset(Q, 1)
                .input("x", DataType.FLOAT, "N", 2)
                .initializer("Wf", new int[] {2, 2}, 0.5f, -1f, 1.5f, 1f)
                .initializer("sc", new int[0], 0.5f)
                .initializer("zp", new int[0], 0f)
                .initializer("bw", new int[0], 4f)
                .node("Quant", "wq")
                .domain(Q)
                .inputs("Wf", "sc", "zp", "bw")
                .outputs("W")
                .end()
                .node("Sign", "s")
                .inputs("x")
                .outputs("a")
                .end()
                .node("MatMul", "mm")
                .inputs("a", "W")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
        // a crossbar cell holds one weight bit: the 4-bit weights make a float32 layer on the digital unit
        Graph g = load(m);
        var d = g.nodesOf(org.bnncim.ir.DigitalNode.FloatDense.class);
        assertEquals(1, d.size());
        assertArrayEquals(new float[] {0.5f, -1f, 1.5f, 1f}, d.get(0).weights());
        assertTrue(g.notes().get("digital_layers").startsWith("mm "), g.notes().toString());
    }
}
