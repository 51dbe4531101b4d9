package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;

/** The residual importer's smaller forms, checked on the IR it writes. */
class ResidualImportTest {
    private static Graph load(OnnxBuilder b) {
        return OnnxImporter.importModel(b.build(), "t", OnnxImporter.Options.DEFAULT);
    }

    @Test
    void clipWithOpset9AttributesIsMaxThenMin() {
        Graph g = load(new OnnxBuilder("clip")
                .opset(9)
                .input("x", DataType.FLOAT, "N", 4)
                .node("Clip", "hardtanh")
                .inputs("x")
                .outputs("y")
                .attr("min", -0.5f)
                .attr("max", 2f)
                .end()
                .output("y", DataType.FLOAT, "N", 4));
        Node.Affine a = g.nodesOf(Node.Affine.class).get(0);
        assertEquals(
                List.of(
                        new AffineStep(AffineStep.Op.MAX, new float[] {-0.5f}),
                        new AffineStep(AffineStep.Op.MIN, new float[] {2f})),
                a.steps());
    }

    @Test
    void reluAndLeakyReluAreAffineSteps() {
        Graph g = load(new OnnxBuilder("relu")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4)
                .node("Relu", "r")
                .inputs("x")
                .outputs("h")
                .end()
                .node("LeakyRelu", "l")
                .inputs("h")
                .outputs("y")
                .attr("alpha", 0.25f)
                .end()
                .output("y", DataType.FLOAT, "N", 4));
        // Canonicalize fuses the two elementwise nodes into one affine, steps in order
        assertEquals(
                List.of(
                        new AffineStep(AffineStep.Op.MAX, new float[] {0f}),
                        new AffineStep(AffineStep.Op.PRELU, new float[] {0.25f})),
                g.nodesOf(Node.Affine.class).get(0).steps());
    }

    @Test
    void globalAveragePoolIsAFullWindowAvgPool() {
        Graph g = load(new OnnxBuilder("gap")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 2, 5, 3)
                .node("GlobalAveragePool", "gap")
                .inputs("x")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2, 1, 1));
        Node.AvgPool p = g.nodesOf(Node.AvgPool.class).get(0);
        assertEquals(List.of(5, 3), List.of(p.kernel()[0], p.kernel()[1]));
        assertEquals(
                List.of(2, 1, 1),
                java.util.Arrays.stream(p.output().shape().dims()).boxed().toList());
    }

    @Test
    void scaleDropoutOfABinarizedTensorIsRefused() {
        String msg = assertThrows(
                        BnncimException.class,
                        () -> load(new OnnxBuilder("sdb")
                                .opset(13)
                                .opset("ai.bnncim", 1)
                                .input("x", DataType.FLOAT, "N", 4)
                                .initializer("s", new int[] {4}, 1f, 2f, 3f, 4f)
                                .node("Sign", "sg")
                                .inputs("x")
                                .outputs("b")
                                .end()
                                .node("ScaleDropout", "sd")
                                .domain("ai.bnncim")
                                .inputs("b", "s")
                                .outputs("y")
                                .attr("p", 0.5f)
                                .end()
                                .output("y", DataType.FLOAT, "N", 4)))
                .getMessage();
        assertTrue(msg.contains("'sd'") && msg.contains("bias/affine chain"), msg);
    }
}
