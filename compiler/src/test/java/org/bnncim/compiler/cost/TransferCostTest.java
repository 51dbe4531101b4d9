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

/** Partial sums that cross the tile network: energy per bit of their layer's width, time per word moved. */
class TransferCostTest {
    private static Value v(String name, ElemType e, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims), 1));
    }

    @Test
    void aLayerSplitOverThreeTilesMovesTwoPiecesWordsToItsHome() {
        // one crossbar per tile: 600 x 128 weights on 256-row crossbars of 128 weight columns are 3 row pieces, each a
        // crossbar of its own, on 3 tiles; the home tile receives the other two pieces' 128 partial sums (their bit
        // planes already shift-added): 256 words
        Architecture d = ArchitectureLoader.defaults();
        Architecture a = new Architecture(
                d.name(),
                d.rows(),
                d.cols(),
                d.encoding(),
                1,
                d.tilesPerChip(),
                d.chips(),
                d.inputBits(),
                d.energy(),
                d.latency(),
                d.area(),
                d.sensing());
        Node in = new Node.InputQuantize("in", "x", v("in", ElemType.uint(8), 600), 8, 255);
        Node fc = new Node.BinaryDense(
                "fc", "in", v("y", ElemType.INT32, 128), BitMatrix.of(600, 128, (k, n) -> k % 3 == n % 2));
        Graph g = new Graph("t", List.of(v("x", ElemType.FLOAT32, 600)), List.of(in, fc), List.of("y"), Map.of());
        CostReport r = CostModel.evaluate(ResidualGraphs.map(g, a), 1);
        CostReport.Layer l = r.layers().get(0);
        assertEquals(3, l.rowTiles());
        assertEquals(3, l.tilesSpanned());
        // 256 words of 19 bits (600 x 255 < 2^18, and a sign) at 0.1 pJ a bit
        assertEquals(256 * 19 * 0.1, l.energyBreakdownPj().get("transfers"), 1e-9);
        // the same layer on one tile (8 crossbars a tile) moves nothing; the latency differs by 256 words at 1 ns
        CostReport.Layer home =
                CostModel.evaluate(ResidualGraphs.map(g, d), 1).layers().get(0);
        assertEquals(0, home.energyBreakdownPj().get("transfers"), 1e-12);
        assertEquals(256 * d.latency().transferPerWord(), l.latencyNs() - home.latencyNs(), 1e-9);
    }
}
