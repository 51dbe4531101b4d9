package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.testing.ResidualGraphs;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/** Writing the weights: a one-time cost, by hand, kept out of every per-pass figure. */
class ProgrammingCostTest {
    private static Value v(String name, ElemType e, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims), 1));
    }

    @Test
    void everyWeightsCellsOnceAndTheBusiestCrossbarsRowsInTurn() {
        Architecture a = ArchitectureLoader.defaults();
        // 600 x 128 weights on 256x256 complementary crossbars (128 weights a row): 3 row pieces of 256, 256 and 88
        // rows, one crossbar each
        Node in = new Node.InputQuantize("in", "x", v("in", ElemType.uint(8), 600), 8, 255);
        Node fc = new Node.BinaryDense(
                "fc", "in", v("y", ElemType.INT32, 128), BitMatrix.of(600, 128, (k, n) -> (k + n) % 3 == 0));
        Graph g = new Graph("t", List.of(v("x", ElemType.FLOAT32, 600)), List.of(in, fc), List.of("y"), Map.of());
        CostReport r = CostModel.evaluate(ResidualGraphs.map(g, a), 20);
        CostReport.Programming w = r.programming();
        // two cells a weight, 1 pJ each; 256 rows on the busiest crossbar, 10 ns each
        assertEquals(600L * 128 * 2, w.cells());
        assertEquals(600.0 * 128 * 2 * a.energy().cellWrite(), w.energyPj(), 1e-6);
        assertEquals(256, w.rows());
        assertEquals(256 * a.latency().rowWrite(), w.timeNs(), 1e-9);
        // in none of the per-pass figures: the one-pass energy is the layer's and its input interface's
        double layers =
                r.layers().stream().mapToDouble(CostReport.Layer::energyPj).sum();
        double digital =
                r.digital().stream().mapToDouble(CostReport.Digital::energyPj).sum();
        assertEquals(
                layers + digital + r.deterministic().energyBreakdownPj().get("leakage"),
                r.deterministic().energyPj(),
                1e-6);
    }
}
