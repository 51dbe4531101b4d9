package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;

class OnnxImporterTest {
    private static Graph load(OnnxMl.ModelProto m) {
        return OnnxImporter.importModel(m, "test", OnnxImporter.Options.DEFAULT);
    }

    @Test
    void sharedWeightsThroughIdentityAndTypedFloatData() {
        // exporters deduplicate identical initializers with Identity nodes, and some store float_data, not raw_data
        OnnxMl.TensorProto w = OnnxMl.TensorProto.newBuilder()
                .setName("W")
                .setDataType(1)
                .addDims(3)
                .addDims(3)
                .addAllFloatData(java.util.List.of(1f, -1f, 1f, -1f, 1f, 1f, 1f, 1f, -1f))
                .build();
        OnnxMl.ModelProto m = new OnnxBuilder("shared")
                .opset(11)
                .input("x", DataType.FLOAT, 1, 3)
                .initializer(w)
                .node("Identity", "id")
                .inputs("W")
                .outputs("W2")
                .end()
                .node("Sign", "s0")
                .inputs("x")
                .outputs("a")
                .end()
                .node("MatMul", "mm1")
                .inputs("a", "W")
                .outputs("h")
                .end()
                .node("Sign", "s1")
                .inputs("h")
                .outputs("b")
                .end()
                .node("MatMul", "mm2")
                .inputs("b", "W2")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, 1, 3)
                .build();
        Graph g = load(m);
        var dense = g.nodesOf(Node.BinaryDense.class);
        assertEquals(2, dense.size());
        assertEquals(dense.get(0).weights(), dense.get(1).weights());
        assertEquals(-1, dense.get(0).weights().get(0, 1));
        assertEquals(-1, dense.get(0).weights().get(2, 2));
    }

    @Test
    void gemmWithTransposedWeightsAndBias() {
        OnnxMl.ModelProto m = new OnnxBuilder("gemm")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer("B", new int[] {2, 4}, 1, 1, -1, -1, 1, -1, 1, -1)
                .initializer("C", new int[] {2}, 0.5f, -0.25f)
                .node("Sign", "s")
                .inputs("x")
                .outputs("a")
                .end()
                .node("Gemm", "fc")
                .inputs("a", "B", "C")
                .outputs("y")
                .attr("transB", 1L)
                .attr("alpha", 2f)
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build();
        Graph g = load(m);
        Node.BinaryDense d = g.nodesOf(Node.BinaryDense.class).get(0);
        assertEquals(4, d.weights().rows());
        assertEquals(2, d.weights().cols());
        assertEquals(-1, d.weights().get(2, 0)); // B[0][2]
        assertEquals(-1, d.weights().get(1, 1)); // B[1][1]
        Node.Affine a = g.nodesOf(Node.Affine.class).get(0);
        assertEquals(2, a.steps().size());
        assertEquals(2f * 3 + 0.5f, a.apply(3, 0));
    }

    @Test
    void undefinedValuesAndCyclesAreUserErrors() {
        OnnxMl.ModelProto undefined = new OnnxBuilder("u")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4)
                .node("Sign", "s")
                .inputs("nowhere")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 4)
                .build();
        var e = assertThrows(BnncimException.class, () -> load(undefined));
        assertTrue(e.getMessage().contains("'s'") && e.getMessage().contains("nowhere"), e.getMessage());
        OnnxMl.ModelProto cycle = new OnnxBuilder("c")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4)
                .node("Sign", "s1")
                .inputs("b")
                .outputs("a")
                .end()
                .node("Sign", "s2")
                .inputs("a")
                .outputs("b")
                .end()
                .output("b", DataType.FLOAT, "N", 4)
                .build();
        e = assertThrows(BnncimException.class, () -> load(cycle));
        assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    }

    @Test
    void unsupportedOpsetAndInputs() {
        OnnxMl.ModelProto old = new OnnxBuilder("old")
                .opset(7)
                .input("x", DataType.FLOAT, "N", 4)
                .node("Sign", "s")
                .inputs("x")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 4)
                .build();
        var e = assertThrows(BnncimException.class, () -> load(old));
        assertTrue(e.getMessage().contains("opset 7"), e.getMessage());
        OnnxMl.ModelProto dynamic = new OnnxBuilder("dyn")
                .opset(13)
                .input("x", DataType.FLOAT, "N", "F")
                .node("Sign", "s")
                .inputs("x")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", "F")
                .build();
        e = assertThrows(BnncimException.class, () -> load(dynamic));
        assertTrue(e.getMessage().contains("dynamic"), e.getMessage());
    }
}
