package org.bnncim.compiler.verilog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.verilog.VerilogBackend;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.testing.DecoderGraphs;
import org.bnncim.compiler.testing.ResidualGraphs;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.junit.jupiter.api.Test;

/** Until Verilog covers encoder-decoder graphs, it refuses them in one line naming the first node it cannot emit. */
class DecoderVerilogTest {
    private static Value v(String name, ElemType e, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims)));
    }

    private static String refusal(Graph g) {
        var m = ResidualGraphs.map(g, ArchitectureLoader.defaults());
        return assertThrows(
                        BnncimException.class,
                        () -> VerilogBackend.generate(Program.of(m), VerilogBackend.Options.NONE))
                .getMessage();
    }

    private static Node.BinaryDense dense(String name, String in, String out, int k, int n) {
        return new Node.BinaryDense(
                name, in, v(out, ElemType.INT32, n), BitMatrix.of(k, n, (r, c) -> (r + c) % 3 == 0));
    }

    @Test
    void anUpsamplingBeforeTheCrossbarsIsNamed() {
        List<Node> n = new ArrayList<>();
        n.add(new Node.InputBinarize(
                "bin", "x", v("b", ElemType.BIPOLAR, 2, 3, 3), new float[] {0}, new boolean[] {true}));
        int[] up = {0, 0, 1, 1, 2, 2};
        n.add(new DecoderNode.Resize("up", "b", v("u", ElemType.BIPOLAR, 2, 6, 6), up, up));
        n.add(new Node.Reshape("flat", "u", v("f", ElemType.BIPOLAR, 72)));
        n.add(dense("fc", "f", "y", 72, 4));
        Graph g = new Graph("up", List.of(v("x", ElemType.FLOAT32, 2, 3, 3)), n, List.of("y"), Map.of());
        assertEquals("Verilog backend: an upsampling (Resize) is not supported (node up)", refusal(g));
    }

    @Test
    void aSigmoidInTheHostTailIsNamed() {
        List<Node> n = new ArrayList<>();
        n.add(new Node.InputBinarize("bin", "x", v("b", ElemType.BIPOLAR, 16), new float[] {0}, new boolean[] {true}));
        n.add(dense("fc", "b", "y", 16, 4));
        n.add(new Node.Affine(
                "real",
                "y",
                v("r", ElemType.FLOAT32, 4),
                List.of(new org.bnncim.ir.AffineStep(org.bnncim.ir.AffineStep.Op.MUL, new float[] {0.5f}))));
        n.add(new DecoderNode.Sigmoid("out", "r", v("p", ElemType.FLOAT32, 4)));
        Graph g = new Graph("tail", List.of(v("x", ElemType.FLOAT32, 16)), n, List.of("p"), Map.of());
        assertEquals("Verilog backend: a sigmoid is not supported (node out)", refusal(g));
    }

    @Test
    void aUNetIsRefusedAtItsFirstNodeInGraphOrder() {
        // its input sign (node #0) already stops the walk, before any decoder node
        assertEquals(
                "Verilog backend: sign before the last crossbar layer is not supported (node sign0)",
                refusal(DecoderGraphs.unet(false)));
    }
}
