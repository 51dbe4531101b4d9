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
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.bnncim.ir.Window;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/**
 * Issue #19, item 6: the input interface and max pools are costed and listed under their layer; issue #23: the adds of
 * a row-split bit-serial layer. Figures by hand from the default architecture: an 8-bit input of 2x4x4 elements is
 * 256 bits written into the input buffer; a binarized 2x4x4 input is 32 compares, 32 bits written, and 2
 * comparators (one per channel) of area.
 */
class InputInterfaceCostTest {
    private static Value v(String name, ElemType e, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims), 1));
    }

    private static CostReport report(Node input) {
        Node conv = new Node.BinaryConv(
                "conv",
                "in",
                v("c", ElemType.INT32, 3, 4, 4),
                BitMatrix.of(18, 3, (k, n) -> (k + n) % 3 == 0),
                2,
                3,
                3,
                new int[] {1, 1},
                new int[] {1, 1, 1, 1},
                new int[] {1, 1});
        Node pool = new Node.MaxPool(
                "pool",
                "c",
                v("p", ElemType.INT32, 3, 2, 2),
                new Window(new int[] {2, 2}, new int[] {2, 2}, new int[4]));
        Graph g = new Graph(
                "io", List.of(v("x", ElemType.FLOAT32, 2, 4, 4)), List.of(input, conv, pool), List.of("p"), Map.of());
        return CostModel.evaluate(ResidualGraphs.map(g, ArchitectureLoader.defaults()), 1);
    }

    private static CostReport.Digital row(CostReport r, String name) {
        return r.digital().stream()
                .filter(d -> d.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void anEightBitInputIsItsWordsWrittenIntoTheInputBuffer() {
        Architecture a = ArchitectureLoader.defaults();
        CostReport r = report(new Node.InputQuantize("in", "x", v("in", ElemType.uint(8), 2, 4, 4), 8, 255));
        CostReport.Digital in = row(r, "in");
        assertEquals(CostReport.Digital.PERIPHERY_LOGIC, in.runsOn());
        assertEquals(32 * 8, in.bufferBits());
        assertEquals(256 * a.energy().bufferPerBit(), in.energyPj(), 1e-12);
        assertEquals(0, in.latencyNs());
        assertEquals(List.of("in", "pool"), r.layers().get(0).peripheryOps());
        // the one-pass totals include it: buffers gain its 256 bits
        assertTrue(r.deterministic().energyBreakdownPj().get("buffers") >= in.energyPj());
    }

    @Test
    void aBinarizedInputIsOneCompareAndOneBitPerElementAndAComparatorPerChannel() {
        Architecture a = ArchitectureLoader.defaults();
        CostReport quantized = report(new Node.InputQuantize("in", "x", v("in", ElemType.uint(8), 2, 4, 4), 8, 255));
        CostReport r = report(new Node.InputBinarize(
                "in", "x", v("in", ElemType.BIPOLAR, 2, 4, 4), new float[] {0.5f}, new boolean[] {true}));
        CostReport.Digital in = row(r, "in");
        assertEquals(32 * a.energy().threshold() + 32 * a.energy().bufferPerBit(), in.energyPj(), 1e-12);
        assertEquals(a.latency().threshold(), in.latencyNs(), 1e-12);
        // the layer's own comparators are none (a max pool of popcounts ends the graph): only the input's 2
        double thresholdArea = r.deterministic().areaBreakdownMm2().get("thresholds")
                - quantized.deterministic().areaBreakdownMm2().get("thresholds");
        assertEquals(2 * a.area().thresholdUnit() / 1e6, thresholdArea, 1e-15);
    }

    @Test
    void aRowSplitBitSerialLayerNeedsBitsTimesPiecesMinusOneAddsPerOutput() {
        // 600 rows of 8-bit input on 256-row crossbars: 3 row pieces, 8 planes, so 24 partial sums and 23 adds per
        // output (issue #23: the count was (3 - 1) + (8 - 1) = 9)
        Architecture a = ArchitectureLoader.defaults();
        Node in = new Node.InputQuantize("in", "x", v("in", ElemType.uint(8), 600), 8, 255);
        Node fc = new Node.BinaryDense(
                "fc", "in", v("y", ElemType.INT32, 4), BitMatrix.of(600, 4, (k, n) -> k % 2 == n % 2));
        Graph g = new Graph("rows", List.of(v("x", ElemType.FLOAT32, 600)), List.of(in, fc), List.of("y"), Map.of());
        CostReport r = CostModel.evaluate(ResidualGraphs.map(g, a), 1);
        CostReport.Layer l = r.layers().get(0);
        assertEquals(3, l.rowTiles());
        // every add is 19 bits wide: 600 x 255 = 153,000 needs 18 bits and a sign (issue #23: the word was 16)
        // and each column of a piece joins its partial reads of 8 rows: the pieces of 256, 256 and 88 rows take 32,
        // 32 and 11 reads, so 31 + 31 + 10 adds per column, for 4 columns and 8 bit planes
        assertEquals(8, a.rowsPerRead());
        assertEquals(
                (4 * 23 + 8 * 4 * (31 + 31 + 10)) * 19 * a.energy().adderPerBit(),
                l.energyBreakdownPj().get("adder_trees"),
                1e-9);
    }

    @Test
    void theLayerTablesListThePeripheryRowsUnderTheirLayer() {
        CostReport r = report(new Node.InputQuantize("in", "x", v("in", ElemType.uint(8), 2, 4, 4), 8, 255));
        String text = ReportText.render(r);
        int conv = text.indexOf("\nconv "), in = text.indexOf("\n  + in "), pool = text.indexOf("\n  + pool ");
        assertTrue(conv >= 0 && in > conv && pool > in, text);
        assertTrue(ReportJson.render(r).contains("\"periphery_ops\" : [ \"in\", \"pool\" ]"), ReportJson.render(r));
    }
}
