package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.report.ReportJson;
import org.bnncim.compiler.report.ReportText;
import org.bnncim.compiler.testing.ResidualGraphs;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.LevelSet;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/**
 * The cost of k-bit activations, worked out by hand from the default architecture's unit figures: a u2 input on a
 * 16x8 dense layer (2 bit-serial reads), a 2-bit activation with Scale-Dropout banks (3 comparators per neuron, 2
 * output bits buffered), then an 8x4 layer reading it (2 reads) under a bipolar threshold (1 comparator).
 */
class KbitCostTest {
    private static Value v(String name, ElemType e, double scale, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims), scale));
    }

    private static LevelSet bank(int ch, long shift) {
        long[] t = new long[ch * 3];
        for (int c = 0; c < ch; c++) for (int i = 0; i < 3; i++) t[c * 3 + i] = 2L * i - 2 + shift;
        boolean[] ge = new boolean[ch];
        java.util.Arrays.fill(ge, true);
        return new LevelSet(t, ge, 3);
    }

    static CostReport report() {
        ElemType u2 = ElemType.uint(2);
        List<Node> nodes = List.of(
                new Node.Quantize("q", "x", v("q", u2, 0.25, 16), new float[] {0.25f, 0.5f, 0.75f}, 3, 0),
                new Node.BinaryDense(
                        "fc0", "q", v("a0", ElemType.INT32, 0.25, 8), BitMatrix.of(16, 8, (k, n) -> k > n)),
                new Node.MultiThreshold(
                        "mt",
                        "a0",
                        v("h", u2, 0.5, 8),
                        bank(8, 0),
                        new Node.LevelStochastic(0, 0.2f, bank(8, -1), bank(8, 1)),
                        0),
                new Node.BinaryDense("fc1", "h", v("a1", ElemType.INT32, 0.5, 4), BitMatrix.of(8, 4, (k, n) -> k < n)),
                new Node.Threshold(
                        "t",
                        "a1",
                        v("s", ElemType.BIPOLAR, 1, 4),
                        new ThresholdSet(new long[] {0, 1, 2, 3}, new boolean[] {true, true, false, false}),
                        null),
                new Node.BinaryDense("fc2", "s", v("a2", ElemType.INT32, 1, 2), BitMatrix.of(4, 2, (k, n) -> k == n)));
        Graph g = new Graph("k", List.of(v("x", ElemType.FLOAT32, 1, 16)), nodes, List.of("a2"), Map.of());
        return CostModel.evaluate(ResidualGraphs.map(g, ArchitectureLoader.defaults()), 10);
    }

    @Test
    void aKBitActivationCostsStepsComparatorsPerNeuron() {
        CostReport r = report();
        Architecture a = ArchitectureLoader.defaults();
        CostReport.Layer fc0 = r.layers().get(0),
                fc1 = r.layers().get(1),
                fc2 = r.layers().get(2);
        assertEquals(2, fc0.inputBits());
        assertEquals(2, fc1.inputBits());
        assertEquals(1, fc2.inputBits());
        assertEquals("multi-threshold, u2 output, comparators per neuron: 3 (2 banks + expectation)", fc0.periphery());
        assertEquals("threshold", fc1.periphery());
        // 8 neurons x 3 comparators, one evaluation each per pass; 4 neurons x 1 comparator
        double e = a.energy().threshold();
        assertEquals(24 * e, fc0.energyBreakdownPj().get("thresholds"), 1e-9);
        assertEquals(4 * e, fc1.energyBreakdownPj().get("thresholds"), 1e-9);
        // buffers: fc0 reads 16 inputs x 2 bits and writes 8 outputs x 2 bits; fc1 reads 8 x 2, writes 4 x 1
        double b = a.energy().bufferPerBit();
        assertEquals((32 + 16) * b, fc0.energyBreakdownPj().get("buffers"), 1e-9);
        assertEquals((16 + 4) * b, fc1.energyBreakdownPj().get("buffers"), 1e-9);
        // cells: every weight's cells read once per input bit
        double cells = a.cellsPerWeight() * a.cellReadPj();
        // a bit-serial plane drives only the rows whose bit is 1: half of them by the default activity
        assertEquals(
                2 * 16 * 8 * cells * a.activity().bitSerialOnes(),
                fc0.energyBreakdownPj().get("cells"),
                1e-9);
        // area: one threshold unit per comparator, 24 + 4 of them (Scale-Dropout banks share them)
        assertEquals(
                28 * a.area().thresholdUnit() / 1e6,
                r.deterministic().areaBreakdownMm2().get("thresholds"),
                1e-15);
    }

    @Test
    void theReportsShowTheComparatorCount() {
        CostReport r = report();
        String text = ReportText.render(r), json = ReportJson.render(r);
        assertTrue(text.contains("fc0: periphery multi-threshold, u2 output, comparators per neuron: 3"), text);
        assertTrue(text.contains("fc1: 2-bit input applied bit-serially (2 reads per position)"), text);
        assertTrue(json.contains("comparators per neuron: 3"), json);
    }
}
