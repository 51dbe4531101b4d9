package org.bnncim.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bnncim.ir.BnncimException;
import org.bnncim.oracle.ReferenceForm.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Builds small models with every construct the reference form rewrites, runs them in ONNX Runtime and compares
 * against the arithmetic written out by hand below (plain loops, no shared code with the converter).
 */
class ReferenceFormTest {

    // ---------------------------------------------------------------- the dense model

    static final int IN = 3;
    static final int C = 4;
    static final float X_SCALE = 2f;
    /** Real-valued weights: BipolarQuant turns them into sign(w) with sign(0) = +1. */
    static final float[] W_RAW = {0.3f, -0.7f, 0.0f, 1.5f, -0.2f, 0.4f, -0.9f, 0.1f, 0.8f, 0.6f, -0.5f, -0.3f};

    static final float[] SCALE = {1.5f, 0.5f, -2f, 3f};
    static final float[] DROPPED = {1f, 0.25f, 1f, -1f};
    static final float P = 0.25f;
    static final float[] GAMMA = {1f, -0.5f, 2f, 0.75f};
    static final float[] BETA = {0.5f, 1f, -1f, 2f};
    static final float[] MEAN = {1f, -1f, 0.5f, -3f};
    static final float[] VAR = {4f, 1f, 0.25f, 9f};
    static final float EPS = 1e-5f;

    /** x -> BipolarQuant(scale 2) -> MatMul(BipolarQuant(W_raw, 1)) -> ScaleDropout -> BN -> Sign. */
    static ModelProto denseModel(long opset, boolean withDropped) {
        OnnxBuilder b = new OnnxBuilder("dense")
                .opset(opset)
                .opset("onnx.brevitas", 1)
                .opset("ai.bnncim", 1)
                .input("x", DataType.FLOAT, "N", IN)
                .initializer("x_scale", new int[0], X_SCALE)
                .initializer("one", new int[0], 1f)
                .initializer("W_raw", new int[] {IN, C}, W_RAW)
                .initializer("s", new int[] {C}, SCALE)
                .initializer("gamma", new int[] {C}, GAMMA)
                .initializer("beta", new int[] {C}, BETA)
                .initializer("mean", new int[] {C}, MEAN)
                .initializer("var", new int[] {C}, VAR);
        if (withDropped) {
            b.initializer("d", new int[] {C}, DROPPED);
        }
        return b.node("BipolarQuant", "bq_x")
                .domain("onnx.brevitas")
                .inputs("x", "x_scale")
                .outputs("xb")
                .end()
                .node("BipolarQuant", "bq_w")
                .domain("onnx.brevitas")
                .inputs("W_raw", "one")
                .outputs("Wb")
                .end()
                .node("MatMul", "mm")
                .inputs("xb", "Wb")
                .outputs("h")
                .end()
                .node("ScaleDropout", "sd")
                .domain("ai.bnncim")
                .inputs(withDropped ? new String[] {"h", "s", "d"} : new String[] {"h", "s"})
                .outputs("hs")
                .attr("p", P)
                .attr("axis", 1)
                .end()
                .node("BatchNormalization", "bn")
                .inputs("hs", "gamma", "beta", "mean", "var")
                .outputs("a")
                .attr("epsilon", EPS)
                .end()
                .node("Sign", "sign")
                .inputs("a")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", C)
                .build();
    }

    static final float[][] EXAMPLES = {{0.5f, -1f, 0f}, {-0.25f, -3f, 2f}};

    /** By hand: the pre-Sign activation of the dense model for one example and one effective scale vector. */
    static float[] denseByHand(float[] x, float[] effScale) {
        float[] xb = new float[IN];
        for (int i = 0; i < IN; i++) xb[i] = (x[i] >= 0 ? 1f : -1f) * X_SCALE;
        float[] a = new float[C];
        for (int c = 0; c < C; c++) {
            float h = 0;
            for (int i = 0; i < IN; i++) h += xb[i] * (W_RAW[i * C + c] >= 0 ? 1f : -1f);
            float hs = h * effScale[c];
            a[c] = (float) (GAMMA[c] * (hs - MEAN[c]) / Math.sqrt(VAR[c] + EPS) + BETA[c]);
        }
        return a;
    }

    static float[] sign(float[] a) {
        float[] s = new float[a.length];
        for (int i = 0; i < a.length; i++) s[i] = Math.signum(a[i]);
        return s;
    }

    @ParameterizedTest
    @ValueSource(longs = {9, 13, 21})
    void denseBitsMatchHandComputationForBothBitValuesInOneBatch(long opset) {
        for (boolean withDropped : new boolean[] {true, false}) {
            ReferenceForm.Result r =
                    new ReferenceForm(Mode.BITS).exposeValues(List.of("a")).convert(denseModel(opset, withDropped));
            assertEquals(List.of("z_0"), r.zInputs());
            assertEquals(List.of("sd"), r.scaleDropoutNodes());
            assertEquals(1, r.model().getOpsetImportCount(), "custom-domain imports removed");
            assertEquals(opset, r.model().getOpsetImport(0).getVersion());
            ValueInfoProto z = r.model().getGraph().getInputList().stream()
                    .filter(v -> v.getName().equals("z_0"))
                    .findFirst()
                    .orElseThrow();
            assertEquals(DataType.BOOL_VALUE, z.getType().getTensorType().getElemType());
            assertEquals("N", z.getType().getTensorType().getShape().getDim(0).getDimParam());
            assertEquals(1, z.getType().getTensorType().getShape().getDim(1).getDimValue());

            // rows: example 0 kept, example 0 dropped, example 1 kept, example 1 dropped
            int n = 4;
            float[] batch = new float[n * IN];
            boolean[][] bits = new boolean[n][1];
            for (int i = 0; i < n; i++) {
                System.arraycopy(EXAMPLES[i / 2], 0, batch, i * IN, IN);
                bits[i][0] = i % 2 == 1;
            }
            float[] dropped = withDropped ? DROPPED : new float[] {1, 1, 1, 1};
            try (OrtReference ort = new OrtReference(r.toByteArray(), 1)) {
                assertEquals(List.of("x", "z_0"), ort.inputNames());
                assertEquals(List.of("x"), ort.dataInputNames());
                assertEquals(1, ort.bitCount());
                assertEquals(List.of("y", "a"), ort.outputNames());
                Map<String, float[][]> out = ort.run("x", batch, new int[] {IN}, n, bits, null);
                for (int i = 0; i < n; i++) {
                    float[] want = denseByHand(EXAMPLES[i / 2], bits[i][0] ? dropped : SCALE);
                    assertArrayEquals(want, out.get("a")[i], 1e-4f, "pre-sign row " + i);
                    assertArrayEquals(sign(want), out.get("y")[i], "row " + i);
                }
                // dropping must actually change something, or the test proves nothing about the bit
                assertTrue(!java.util.Arrays.equals(out.get("a")[0], out.get("a")[1]));
                assertArrayEquals(out.get("y"), ort.run(batch, new int[] {IN}, n, bits));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {9, 17})
    void denseExpectationMatchesHandComputation(long opset) {
        ReferenceForm.Result r = new ReferenceForm(Mode.EXPECTATION)
                .exposeValues(List.of("a", "hs"))
                .convert(denseModel(opset, true));
        assertEquals(List.of(), r.zInputs());
        float[] eff = new float[C];
        for (int c = 0; c < C; c++) eff[c] = (1 - P) * SCALE[c] + P * DROPPED[c];
        try (OrtReference ort = new OrtReference(r.toByteArray(), 2)) {
            assertEquals(List.of("x"), ort.inputNames());
            float[] batch = new float[2 * IN];
            System.arraycopy(EXAMPLES[0], 0, batch, 0, IN);
            System.arraycopy(EXAMPLES[1], 0, batch, IN, IN);
            Map<String, float[][]> out = ort.runBatched("x", batch, new int[] {IN}, 2, null, List.of("a", "y"), 1);
            for (int i = 0; i < 2; i++) {
                float[] want = denseByHand(EXAMPLES[i], eff);
                assertArrayEquals(want, out.get("a")[i], 1e-4f);
                assertArrayEquals(sign(want), out.get("y")[i]);
            }
        }
    }

    // ---------------------------------------------------------------- the conv model

    static final int CI = 2, H = 3, W = 3, CO = 4, K = 2, HO = H - K + 1, WO = W - K + 1;

    static float[] convWeights() {
        float[] w = new float[CO * CI * K * K];
        for (int i = 0; i < w.length; i++) w[i] = ((i * 7 + 3) % 5) < 2 ? -1f : 1f;
        return w;
    }

    static ModelProto convModel() {
        return new OnnxBuilder("conv")
                .opset(13)
                .opset("qonnx.custom_op.general", 1)
                .opset("ai.bnncim", 1)
                .input("x", DataType.FLOAT, "N", CI, H, W)
                .initializer("one", new int[0], 1f)
                .initializer("w", new int[] {CO, CI, K, K}, convWeights())
                .initializer("s", new int[] {CO}, SCALE)
                .initializer("d", new int[] {CO}, DROPPED)
                .node("BipolarQuant", "bq")
                .domain("qonnx.custom_op.general")
                .inputs("x", "one")
                .outputs("xb")
                .end()
                .node("Conv", "conv")
                .inputs("xb", "w")
                .outputs("h")
                .attrInts("kernel_shape", K, K)
                .end()
                .node("ScaleDropout", "sd")
                .domain("ai.bnncim")
                .inputs("h", "s", "d")
                .outputs("y")
                .attr("p", P)
                .end()
                .output("y", DataType.FLOAT, "N", CO, HO, WO)
                .build();
    }

    static float[] convByHand(float[] x, boolean drop) {
        float[] w = convWeights();
        float[] y = new float[CO * HO * WO];
        for (int co = 0; co < CO; co++) {
            for (int oh = 0; oh < HO; oh++) {
                for (int ow = 0; ow < WO; ow++) {
                    float acc = 0;
                    for (int ci = 0; ci < CI; ci++) {
                        for (int kh = 0; kh < K; kh++) {
                            for (int kw = 0; kw < K; kw++) {
                                float v = x[(ci * H + oh + kh) * W + ow + kw];
                                acc += (v >= 0 ? 1f : -1f) * w[((co * CI + ci) * K + kh) * K + kw];
                            }
                        }
                    }
                    y[(co * HO + oh) * WO + ow] = acc * (drop ? DROPPED[co] : SCALE[co]);
                }
            }
        }
        return y;
    }

    @Test
    void convBitsBroadcastAlongChannels() {
        ReferenceForm.Result r = ReferenceForm.convert(convModel(), Mode.BITS);
        ValueInfoProto z = r.model().getGraph().getInput(r.model().getGraph().getInputCount() - 1);
        assertEquals("z_0", z.getName());
        assertEquals(4, z.getType().getTensorType().getShape().getDimCount());
        int per = CI * H * W;
        int n = 3;
        float[] batch = new float[n * per];
        for (int i = 0; i < batch.length; i++) batch[i] = ((i * 13) % 7) - 3f;
        boolean[][] bits = {{false}, {true}, {false}};
        try (OrtReference ort = new OrtReference(r.toByteArray(), 1)) {
            float[][] out = ort.runBatched(batch, new int[] {CI, H, W}, n, bits, 2);
            for (int i = 0; i < n; i++) {
                float[] x = java.util.Arrays.copyOfRange(batch, i * per, (i + 1) * per);
                assertArrayEquals(convByHand(x, bits[i][0]), out[i], 1e-6f, "example " + i);
            }
        }
    }

    // ---------------------------------------------------------------- structure, determinism, errors

    @Test
    void outputIsDeterministicAndUntouchedModelsStayByteIdentical() throws IOException {
        ModelProto m = denseModel(13, true);
        assertArrayEquals(
                ReferenceForm.convert(m, Mode.BITS).toByteArray(),
                ReferenceForm.convert(ModelProto.parseFrom(m.toByteArray()), Mode.BITS)
                        .toByteArray());
        ModelProto plain = new OnnxBuilder("plain")
                .opset(11)
                .input("x", DataType.FLOAT, "N", 2)
                .node("Relu", "r")
                .inputs("x")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
        assertArrayEquals(
                plain.toByteArray(), ReferenceForm.convert(plain, Mode.BITS).toByteArray());
    }

    @Test
    void numbersScaleDropoutNodesInTopologicalOrder() {
        // file order lists the second layer first; bits follow data flow, not file order
        ModelProto m = new OnnxBuilder("two")
                .opset(13)
                .opset("ai.bnncim", 1)
                .input("x", DataType.FLOAT, "N", 2)
                .initializer("s", new int[] {2}, 2f, 3f)
                .node("ScaleDropout", "second")
                .domain("ai.bnncim")
                .inputs("h", "s")
                .outputs("y")
                .attr("p", 0.5f)
                .end()
                .node("ScaleDropout", "first")
                .domain("ai.bnncim")
                .inputs("x", "s")
                .outputs("h")
                .attr("p", 0.5f)
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
        ReferenceForm.Result r = ReferenceForm.convert(m, Mode.BITS);
        assertEquals(List.of("first", "second"), r.scaleDropoutNodes());
        try (OrtReference ort = new OrtReference(r.toByteArray(), 1)) {
            float[][] y =
                    ort.run(new float[] {1, 1, 1, 1}, new int[] {2}, 2, new boolean[][] {{false, true}, {true, true}});
            assertArrayEquals(new float[] {2, 3}, y[0]); // x*s, then dropped (ones)
            assertArrayEquals(new float[] {1, 1}, y[1]);
        }
    }

    /** IR version 3 (old exporters): every initializer, including the ones we add, must also be a graph input. */
    @Test
    void irVersion3ModelsWithInitializersAsInputs(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        ModelProto dense = denseModel(9, true);
        ModelProto.Builder b = dense.toBuilder().setIrVersion(3);
        var g = b.getGraphBuilder();
        for (var t : dense.getGraph().getInitializerList()) {
            Object[] dims = t.getDimsList().toArray();
            g.addInput(OnnxBuilder.tensorInfo(t.getName(), DataType.FLOAT, dims));
        }
        Path file = tmp.resolve("ir3.onnx");
        OnnxBuilder.write(file, b.build().toByteArray());
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(file));
        ReferenceForm.Result r = ReferenceForm.convert(m, Mode.BITS);
        var inputs = r.model().getGraph().getInputList().stream()
                .map(ValueInfoProto::getName)
                .toList();
        for (var t : r.model().getGraph().getInitializerList()) {
            assertTrue(inputs.contains(t.getName()), t.getName() + " must be listed as input in IR 3");
        }
        try (OrtReference ort = OrtReference.load(writeTo(tmp.resolve("ir3_ref.onnx"), r), 1)) {
            assertEquals(List.of("x"), ort.dataInputNames());
            float[][] y = ort.run(EXAMPLES[1], new int[] {IN}, 1, new boolean[][] {{true}});
            assertArrayEquals(sign(denseByHand(EXAMPLES[1], DROPPED)), y[0]);
        }
    }

    private static Path writeTo(Path file, ReferenceForm.Result r) {
        OnnxBuilder.write(file, r.toByteArray());
        return file;
    }

    @Test
    void ortReferenceChecksItsArguments() {
        ReferenceForm.Result r = ReferenceForm.convert(denseModel(13, true), Mode.BITS);
        try (OrtReference ort = new OrtReference(r.toByteArray(), 1)) {
            assertThrows(IllegalArgumentException.class, () -> ort.run(EXAMPLES[0], new int[] {IN}, 1, null));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> ort.run(EXAMPLES[0], new int[] {IN}, 1, new boolean[][] {{true, false}}));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> ort.run(EXAMPLES[0], new int[] {IN}, 2, new boolean[][] {{true}, {true}}));
            // both entry points name an output the model does not have
            assertThrows(
                    IllegalArgumentException.class,
                    () -> ort.run(
                            "x",
                            EXAMPLES[0],
                            new int[] {IN},
                            1,
                            new boolean[][] {{true, true}},
                            java.util.List.of("nope")));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> ort.runBatched(
                            "x",
                            EXAMPLES[0],
                            new int[] {IN},
                            1,
                            new boolean[][] {{true, true}},
                            java.util.List.of("nope"),
                            4));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> ort.runBatched("x", EXAMPLES[0], new int[] {IN}, -1, null, null, 4));
        }
        assertThrows(BnncimException.class, () -> new OrtReference(new byte[] {1, 2, 3}, 1));
    }

    @Test
    void unknownCustomOpIsNamed() {
        ModelProto m = new OnnxBuilder("q")
                .opset(13)
                .opset("qonnx.custom_op.general", 1)
                .input("x", DataType.FLOAT, "N", 2)
                .initializer("s", new int[0], 1f)
                .node("Quant", "quant_7")
                .domain("qonnx.custom_op.general")
                .inputs("x", "s")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
        BnncimException e = assertThrows(BnncimException.class, () -> ReferenceForm.convert(m, Mode.BITS));
        assertTrue(
                e.getMessage().contains("quant_7")
                        && e.getMessage().contains("Quant")
                        && e.getMessage().contains("qonnx.custom_op.general"),
                e.getMessage());
    }

    @Test
    void undecidableRankIsNamed() {
        ModelProto m = new OnnxBuilder("u")
                .opset(13)
                .opset("ai.bnncim", 1)
                .input("x", DataType.FLOAT) // declared without a shape
                .initializer("s", new int[] {2}, 2f, 3f)
                .node("Relu", "r")
                .inputs("x")
                .outputs("h")
                .end()
                .node("ScaleDropout", "sd_rank")
                .domain("ai.bnncim")
                .inputs("h", "s")
                .outputs("y")
                .attr("p", 0.5f)
                .end()
                .output("y", DataType.FLOAT)
                .build();
        // an input without any shape field has no rank; rebuild it like that
        ModelProto noShape = m.toBuilder()
                .setGraph(m.getGraph().toBuilder().setInput(0, OnnxBuilder.unshapedValueInfo("x", DataType.FLOAT)))
                .build();
        BnncimException e = assertThrows(BnncimException.class, () -> ReferenceForm.convert(noShape, Mode.BITS));
        assertTrue(e.getMessage().contains("sd_rank") && e.getMessage().contains("ScaleDropout"), e.getMessage());
    }

    // ---------------------------------------------------------------- a real export

    static Path tfc() {
        Path root = Path.of(System.getProperty("bnncim.root", ".."))
                .toAbsolutePath()
                .normalize();
        return root.resolve("testdata/models/qonnx-tfc/TFC_1W1A.onnx");
    }

    @Test
    void tfcConvertsAndRunsOnZeroInput() throws IOException {
        Path p = tfc();
        assumeTrue(Files.isRegularFile(p), "TFC model not found at " + p);
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(p));
        ReferenceForm.Result r = ReferenceForm.convert(m, Mode.BITS);
        assertEquals(List.of(), r.zInputs());
        assertTrue(r.model().getGraph().getNodeList().stream()
                .allMatch(n -> n.getDomain().isEmpty()));
        assertArrayEquals(
                r.toByteArray(), ReferenceForm.convert(m, Mode.EXPECTATION).toByteArray());
        try (OrtReference ort = new OrtReference(r.toByteArray(), 1)) {
            assertEquals(List.of("0"), ort.inputNames(), "initializers listed as inputs are not fed");
            int n = 3;
            float[][] y = ort.runBatched(new float[n * 784], null, n, null, 256);
            assertEquals(n, y.length);
            for (float[] row : y) {
                assertEquals(10, row.length);
                for (float v : row) assertTrue(Float.isFinite(v));
                assertArrayEquals(y[0], row);
            }
        }
    }

    /**
     * The rank of the first MatMul's output in TFC is only known through the dynamic flatten
     * (Shape, Gather, Unsqueeze, Concat, Reshape); a ScaleDropout spliced in there must still convert.
     */
    @Test
    void tfcWithScaleDropoutAfterFirstLayer() throws IOException {
        Path p = tfc();
        assumeTrue(Files.isRegularFile(p), "TFC model not found at " + p);
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(p));
        var g = m.getGraph().toBuilder();
        int bn = -1;
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOpType().equals("BatchNormalization")) {
                bn = i;
                break;
            }
        }
        String h = g.getNode(bn).getInput(0);
        g.setNode(bn, g.getNode(bn).toBuilder().setInput(0, h + "_sd"));
        float[] two = new float[64];
        java.util.Arrays.fill(two, 2f);
        g.addInitializer(OnnxBuilder.floatTensor("sd_scale", new int[] {64}, two));
        g.addNode(
                bn,
                ai.onnx.proto.OnnxMl.NodeProto.newBuilder()
                        .setOpType("ScaleDropout")
                        .setDomain("ai.bnncim")
                        .setName("sd_tfc")
                        .addInput(h)
                        .addInput("sd_scale")
                        .addOutput(h + "_sd")
                        .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder()
                                .setName("p")
                                .setF(0.1f)
                                .setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.FLOAT)));
        ModelProto withSd = m.toBuilder()
                .setGraph(g)
                .addOpsetImport(ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder()
                        .setDomain("ai.bnncim")
                        .setVersion(1))
                .build();
        ReferenceForm.Result r = ReferenceForm.convert(withSd, Mode.BITS);
        assertEquals(List.of("z_0"), r.zInputs());
        assertEquals(1, r.model().getOpsetImportCount());

        float[] x = new float[784];
        for (int i = 0; i < x.length; i++) x[i] = (i % 11) / 10f;
        float[] original;
        try (OrtReference ort =
                new OrtReference(ReferenceForm.convert(m, Mode.BITS).toByteArray(), 1)) {
            original = ort.run(x, new int[] {1, 28, 28}, 1, null)[0];
        }
        try (OrtReference ort = new OrtReference(r.toByteArray(), 1)) {
            // dropped scale defaults to ones: with the bit set the model is the original one
            assertArrayEquals(original, ort.run(x, new int[] {1, 28, 28}, 1, new boolean[][] {{true}})[0]);
            float[] kept = ort.run(x, new int[] {1, 28, 28}, 1, new boolean[][] {{false}})[0];
            assertTrue(!java.util.Arrays.equals(original, kept), "scale 2 before BN must change the output");
        }
    }
}
