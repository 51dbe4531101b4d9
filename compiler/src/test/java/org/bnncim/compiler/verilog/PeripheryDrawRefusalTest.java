package org.bnncim.compiler.verilog;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.verilog.VerilogBackend;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/**
 * Issue #20: the only random draw the chip takes before its first crossbar layer is an MC-Dropout mask on the chip
 * input (a bipolar map the first layer alone reads). Any other draw there would be the host's, once per example, so
 * the Verilog backend refuses it in one line naming the node instead of generating a design that draws elsewhere.
 */
class PeripheryDrawRefusalTest {
    private static final int K = 12, N = 6;

    private static TensorType t(ElemType e, int n) {
        return new TensorType(e, Shape.of(n));
    }

    /** x (float) -> [before] -> fc1 -> th1 -> fc2: {@code before} builds the input periphery. */
    private static Graph chain(List<Node> before, String chipInput) {
        Random r = new Random(5);
        boolean[][] w1 = new boolean[K][N], w2 = new boolean[N][4];
        for (boolean[] row : w1) for (int c = 0; c < N; c++) row[c] = r.nextBoolean();
        for (boolean[] row : w2) for (int c = 0; c < 4; c++) row[c] = r.nextBoolean();
        List<Node> nodes = new ArrayList<>(before);
        nodes.add(new Node.BinaryDense(
                "fc1", chipInput, new Value("a1", t(ElemType.INT32, N)), BitMatrix.of(K, N, (k, c) -> w1[k][c])));
        long[] thr = new long[N];
        boolean[] ge = new boolean[N];
        Arrays.fill(ge, true);
        nodes.add(new Node.Threshold(
                "th1", "a1", new Value("b1", t(ElemType.BIPOLAR, N)), new ThresholdSet(thr, ge), null));
        nodes.add(new Node.BinaryDense(
                "fc2", "b1", new Value("a2", t(ElemType.INT32, 4)), BitMatrix.of(N, 4, (k, c) -> w2[k][c])));
        return new Graph(
                "periphery draws", List.of(new Value("x", t(ElemType.FLOAT32, K))), nodes, List.of("a2"), Map.of());
    }

    private static BnncimException refused(Graph g) {
        Architecture a = ArchitectureLoader.defaults().withCrossbar(16, 16);
        Program p = Program.of(VerilogKbitTest.mapped(g, a));
        return assertThrows(BnncimException.class, () -> VerilogBackend.generate(p, VerilogBackend.Options.NONE));
    }

    @Test
    void aMaskTheFirstLayerDoesNotReadDirectlyIsRefusedNamingIt() {
        // sign -> mask -> sign -> fc1: the mask gates a map a host node reads before the chip does
        Graph g = chain(
                List.of(
                        new Node.Sign("sign", "x", new Value("s", t(ElemType.BIPOLAR, K))),
                        new Node.McDropout("host drop", "s", new Value("sd", t(ElemType.GATED_BIPOLAR, K)), 0.2f),
                        new Node.Sign("resign", "sd", new Value("s2", t(ElemType.BIPOLAR, K)))),
                "s2");
        BnncimException e = refused(g);
        assertTrue(e.getMessage().contains("host drop") && e.getMessage().contains("input periphery"), e.getMessage());
    }

    @Test
    void theChipInputMaskItselfIsAccepted() {
        // the same chain with the mask after the sign: drawn by the chip's dropout bank
        Graph g = chain(
                List.of(
                        new Node.Sign("sign", "x", new Value("s", t(ElemType.BIPOLAR, K))),
                        new Node.McDropout("chip drop", "s", new Value("sd", t(ElemType.GATED_BIPOLAR, K)), 0.2f)),
                "sd");
        Architecture a = ArchitectureLoader.defaults().withCrossbar(16, 16);
        Program p = Program.of(VerilogKbitTest.mapped(g, a));
        String top = new String(
                VerilogBackend.generate(p, VerilogBackend.Options.NONE).get("bnncim_top.v"), StandardCharsets.UTF_8);
        assertTrue(top.contains("bnncim_dropout_bank"), "the chip draws the chip-input mask");
    }
}
