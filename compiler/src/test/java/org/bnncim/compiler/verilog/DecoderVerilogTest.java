package org.bnncim.compiler.verilog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encoder-decoder graphs in Verilog: a U-Net with a skip concatenation, a nearest-neighbour upsampling, a strided
 * transposed convolution (padded, so some taps land nowhere), a max pool and a per-pixel convolution head whose
 * popcount map the chip hands over, run by Icarus against the reference interpreter; what stays unsupported is
 * refused in one line naming the node.
 */
class DecoderVerilogTest {
    @TempDir
    Path tmp;

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
    @Tag("slow")
    void aUNetMatchesTheReferenceInterpreter() throws Exception {
        // 32 x 32 crossbars: the transposed convolution's 72 window rows split over three pieces
        var m = ResidualGraphs.map(
                DecoderGraphs.unet(false), ArchitectureLoader.defaults().withCrossbar(32, 32));
        VerilogKbitTest.runAndCompare(m, tmp.resolve("unet"), new Random(31));
    }

    @Test
    void aSigmoidBetweenCrossbarLayersIsNamed() {
        List<Node> n = new ArrayList<>();
        n.add(new Node.InputBinarize("bin", "x", v("b", ElemType.BIPOLAR, 16), new float[] {0}, new boolean[] {true}));
        n.add(dense("fc", "b", "y", 16, 4));
        n.add(new DecoderNode.Sigmoid("mid", "y", v("p", ElemType.FLOAT32, 4)));
        n.add(new Node.Sign("sign", "p", v("s", ElemType.BIPOLAR, 4)));
        n.add(dense("fc2", "s", "z", 4, 2));
        Graph g = new Graph("mid", List.of(v("x", ElemType.FLOAT32, 16)), n, List.of("z"), Map.of());
        assertEquals("Verilog backend: a sigmoid is not supported (node mid)", refusal(g));
    }

    @Test
    void anUpsamplingOfPopcountsIsNamed() {
        List<Node> n = new ArrayList<>();
        n.add(new Node.InputBinarize(
                "bin", "x", v("b", ElemType.BIPOLAR, 2, 3, 3), new float[] {0}, new boolean[] {true}));
        n.add(new Node.Reshape("flat", "b", v("f", ElemType.BIPOLAR, 18)));
        n.add(dense("fc", "f", "y", 18, 18));
        n.add(new Node.Reshape("map", "y", v("ym", ElemType.INT32, 2, 3, 3)));
        int[] up = {0, 0, 1, 1, 2, 2};
        n.add(new DecoderNode.Resize("up", "ym", v("u", ElemType.INT32, 2, 6, 6), up, up));
        n.add(new Node.Sign("sign", "u", v("s", ElemType.BIPOLAR, 2, 6, 6)));
        n.add(new Node.Reshape("flat2", "s", v("sf", ElemType.BIPOLAR, 72)));
        n.add(dense("fc2", "sf", "z", 72, 4));
        Graph g = new Graph("up", List.of(v("x", ElemType.FLOAT32, 2, 3, 3)), n, List.of("z"), Map.of());
        assertEquals(
                "Verilog backend: a reshape of popcounts (before the comparators) is not supported (node map)",
                refusal(g));
    }
}
