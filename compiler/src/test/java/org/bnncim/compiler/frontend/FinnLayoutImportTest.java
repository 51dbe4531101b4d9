package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import java.util.function.UnaryOperator;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;

/**
 * FINN's NHWC layouts in the importer: what imports (and to which IR), and the one-line refusals of what does not,
 * each naming the node and the accepted alternative. ONNX Runtime agreement is in cli's FinnFormsCorpusTest.
 */
class FinnLayoutImportTest {
    private static Graph imports(OnnxMl.ModelProto m) {
        return OnnxImporter.importModel(m, "finn.onnx", OnnxImporter.Options.DEFAULT);
    }

    private static String refused(OnnxMl.ModelProto m, String... parts) {
        var e = assertThrows(BnncimException.class, () -> imports(m));
        String msg = e.getMessage();
        assertFalse(msg.contains("\n"), "one line: " + msg);
        for (String p : parts) assertTrue(msg.contains(p), "'" + p + "' in: " + msg);
        return msg;
    }

    /** x [3, 5, 7] -> Sign -> Conv 4x3x3 (pad 1) -> Transpose(0,2,3,1): an NHWC [5, 7, 4] tensor. */
    private static FinnFormModels nhwc() {
        return FinnFormModels.start("layouts", 3, 3, 5, 7).sign().conv(4, 3, 1).toNhwc();
    }

    private static final UnaryOperator<OnnxBuilder.NodeBuilder> NONE = b -> b;

    @Test
    void transposePairIsNoIrNodeAndFlattenReordersTheMatMulRows() {
        Graph g = imports(nhwc().threshold(true)
                .toNchw()
                .conv(2, 3, 1)
                .toNhwc()
                .threshold(false)
                .flatten(false)
                .matmul(3)
                .build());
        assertTrue(g.nodes().stream().noneMatch(n -> n.opName().toLowerCase().contains("transpose")), g.toString());
        assertEquals(
                2, g.nodes().stream().filter(n -> n instanceof Node.BinaryConv).count());
        assertEquals(
                1, g.nodes().stream().filter(n -> n instanceof Node.BinaryDense).count());
    }

    @Test
    void wrongPermOnAnNhwcTensorIsRefused() {
        refused(
                nhwc().transpose(0, 2, 1, 3).build(),
                "node 'transpose",
                "(Transpose)",
                "perm [0, 2, 1, 3]",
                "only perm [0, 3, 1, 2]");
    }

    @Test
    void nhwcTensorIntoConvIsRefused() {
        refused(
                nhwc().threshold(true).conv(2, 3, 0).build(),
                "(Conv)",
                "an NHWC tensor",
                "insert Transpose(perm 0,3,1,2) before this node");
    }

    @Test
    void standardMaxPoolOnNhwcIsRefused() {
        refused(
                nhwc().threshold(true)
                        .then("MaxPool", null, b -> b.attrInts("kernel_shape", 2, 2), new int[] {2, 3, 4})
                        .build(),
                "(MaxPool)",
                "insert Transpose(perm 0,3,1,2)");
    }

    @Test
    void batchNormOnNhwcIsRefusedButARank1ChannelConstantIsReadOnTheLastAxis() {
        var m = nhwc();
        for (String p : new String[] {"g", "b", "mu", "var"}) m.builder().initializer(p, new int[] {4}, 1f, 2f, 3f, 4f);
        refused(
                m.then("BatchNormalization", null, NONE, new int[] {5, 7, 4}, "g", "b", "mu", "var")
                        .build(),
                "(BatchNormalization)",
                "insert Transpose(perm 0,3,1,2) before this node");
        var c = nhwc();
        c.builder().initializer("scale", new int[] {4}, 1f, -2f, 3f, 0.5f);
        Graph g = imports(c.then("Mul", null, NONE, new int[] {5, 7, 4}, "scale")
                .threshold(true)
                .toNchw()
                .build());
        var mul = g.nodes().stream()
                .filter(n -> n instanceof Node.Affine a && a.steps().get(0).op() == org.bnncim.ir.AffineStep.Op.MUL)
                .map(n -> (Node.Affine) n)
                .findFirst()
                .orElseThrow();
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                new float[] {1f, -2f, 3f, 0.5f}, mul.steps().get(0).c());
    }

    @Test
    void maxPoolNhwcOnNchwDataIsRefused() {
        refused(
                FinnFormModels.start("p", 1, 3, 5, 5)
                        .sign()
                        .conv(2, 3, 1)
                        .threshold(true)
                        .then(
                                "MaxPoolNHWC",
                                FinnFormModels.FINN,
                                b -> b.attrInts("kernel_shape", 2, 2).attrInts("strides", 2, 2),
                                new int[] {2, 2, 5})
                        .build(),
                "(finn.custom_op.general::MaxPoolNHWC)",
                "not an NHWC tensor",
                "use MaxPool on NCHW data");
    }

    @Test
    void reshapeOfNhwcOtherThanTheFlattenIsRefused() {
        var m = nhwc().threshold(true);
        m.builder().initializerInt64("shp", new int[] {3}, -1, 5, 28);
        refused(
                m.then("Reshape", null, NONE, new int[] {5, 28}, "shp").build(),
                "(Reshape)",
                "to [1, 5, 28]",
                "flatten to [N, H*W*C] feeding a MatMul/Gemm");
    }

    @Test
    void flattenedNhwcIntoSoftmaxIsRefused() {
        refused(
                nhwc().threshold(true)
                        .flatten(false)
                        .then("Softmax", null, NONE, new int[] {140})
                        .build(),
                "(Softmax)",
                "flattened in HWC order",
                "Transpose(perm 0,3,1,2) before the Flatten");
    }

    @Test
    void nhwcGraphOutputIsRefused() {
        refused(nhwc().threshold(true).build(), "is an NHWC tensor", "Transpose(perm 0,3,1,2)");
    }

    @Test
    void perChannelThresholdsWithNchwLayoutOnNhwcDataAreRefused() {
        var m = nhwc();
        m.builder().initializer("T", new int[] {4, 1}, 0f, 1f, 2f, 3f);
        refused(
                m.then(
                                "MultiThreshold",
                                FinnFormModels.FINN,
                                b -> b.attr("out_scale", 2f).attr("out_bias", -1f),
                                new int[] {5, 7, 4},
                                "T")
                        .toNchw()
                        .build(),
                "(finn.custom_op.general::MultiThreshold)",
                "set data_layout \"NHWC\"");
    }

    @Test
    void perFeatureThresholdsOnAFlattenedNhwcTensorAreRefused() {
        refused(
                nhwc().threshold(true)
                        .flatten(true)
                        .mulAdd(false)
                        .threshold(true)
                        .build(),
                "(finn.custom_op.general::MultiThreshold)",
                "flattened in HWC order",
                "use one shared threshold");
    }

    @Test
    void scalarMulAfterTheBinarizerFeedingAMatMulSaysWhatToMove() {
        var m = FinnFormModels.start("s", 2, 8).threshold(false);
        m.builder().initializer("half", new int[0], 0.5f);
        refused(
                m.then("Mul", null, NONE, new int[] {8}, "half").matmul(3).build(),
                "(MatMul)",
                "the bipolar output",
                "scaled or shifted by 'mul",
                "move that Mul/Add past this layer");
    }

    @Test
    void aTransposeThatKeepsTheDataOrderStaysAReshapeForOtherReaders() {
        // [1, 4, 1, 1] -> Transpose(0,2,3,1) -> [1, 1, 1, 4]: as before views, Squeeze and the output read a reshape
        var m = FinnFormModels.start("pixel", 4, 4, 1, 1).sign().toNhwc();
        m.builder().initializerInt64("axes", new int[] {2}, 1, 2);
        Graph g = imports(
                m.then("Squeeze", null, NONE, new int[] {4}, "axes").matmul(3).build());
        assertEquals(
                1, g.nodes().stream().filter(n -> n instanceof Node.BinaryDense).count());
        Graph out = imports(
                FinnFormModels.start("pixel", 4, 4, 1, 1).sign().toNhwc().build());
        assertEquals(
                java.util.List.of(1, 1, 4),
                java.util.Arrays.stream(
                                out.value(out.outputs().get(0)).type().shape().dims())
                        .boxed()
                        .toList());
    }

    @Test
    void shapeOfAnNhwcTensorIsItsOnnxShape() {
        var m = nhwc().threshold(true);
        String x = m.current();
        m.builder().node("Shape", "shape").inputs(x).outputs("s").end();
        Graph g = imports(m.then("Reshape", null, NONE, new int[] {5, 7, 4}, "s")
                .toNchw()
                .conv(2, 3, 1)
                .build());
        assertEquals(
                2, g.nodes().stream().filter(n -> n instanceof Node.BinaryConv).count());
    }

    @Test
    void perChannelMulAddOnNhwcFoldsBeforeTheThreshold() {
        Graph g = imports(nhwc().mulAdd(true).threshold(true).toNchw().build());
        assertTrue(g.nodes().stream().anyMatch(n -> n instanceof Node.Affine), g.toString());
    }
}
