package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.arch.ReadCheck;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.compiler.testing.ResidualGraphs;
import org.bnncim.ir.BitMatrix;
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
 * docs/cost-model.md, "Calibration": arch/cai-isscc2023.json, matched to Cai et al.'s 28 nm 2 Mb STT-MRAM CIM macro
 * (ISSCC 2023, 22.4-41.5 TOPS/W), costs a bipolar-input binary layer that fills the macro (256 x 8160 weights on its
 * 32 arrays of 256 x 256, one column of each the reference) at the figures the doc works out by hand. A MAC is 2
 * operations; leakage is left out, as in DefaultEfficiencyTest.
 */
class CalibrationTest {
    static final Path FILE = Paths.root().resolve("arch/cai-isscc2023.json");
    static final int K = 256, N = 32 * 255;
    static final double MACS = (double) K * N;

    private static Value v(String name, ElemType e, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims), 1));
    }

    /** x (bipolar, K) -> binary dense K x N -> threshold: one pass of the layer that fills the macro. */
    static CostReport macroLayer(Architecture a) {
        boolean[] ge = new boolean[N];
        Arrays.fill(ge, true);
        List<Node> nodes = List.of(
                new Node.BinaryDense(
                        "fc", "x", v("p", ElemType.INT32, N), BitMatrix.of(K, N, (i, j) -> (i + j) % 3 == 0)),
                new Node.Threshold("t", "p", v("y", ElemType.BIPOLAR, N), new ThresholdSet(new long[N], ge), null));
        Graph g = new Graph("macro", List.of(v("x", ElemType.BIPOLAR, K)), nodes, List.of("y"), Map.of());
        return CostModel.evaluate(ResidualGraphs.map(g, a), 1);
    }

    @Test
    void theFileDescribesA2MbMacroWhoseOneRowReadIsPhysical() {
        Architecture a = ArchitectureLoader.load(FILE);
        assertEquals(2L << 20, a.crossbarCapacity() * a.cellsPerCrossbar(), "2 Mb of cells");
        assertEquals(1, a.rowsPerRead());
        assertEquals(1, a.converterBits());
        // one driven cell at 0.25 V / 3 kOhm through 256 x 0.2 Ohm of bit line: 4.27 mV of the 25 mV allowed
        assertEquals(4.27e-3, a.irDropV(), 5e-6);
        assertEquals(25e-3, a.irDropLimitV(), 1e-12);
        assertNull(ReadCheck.problem(a));
    }

    @Test
    void theMacroLayerCostsWhatTheDocWorksOut() {
        Architecture a = ArchitectureLoader.load(FILE);
        CostReport r = macroLayer(a);
        CostReport.Layer l = r.layers().get(0);
        assertEquals(32, r.crossbarsUsed());
        assertEquals(32, l.pieces());
        Map<String, Double> e = l.energyBreakdownPj();
        // per MAC, in fJ: a cell read 0.25^2 V^2 x (1/3000 + 1/6000) / 2 S x 2.8 ns; a 1-bit conversion
        // (0.7213 + 3.3041) uW x 2 ns; 255 10-bit adds per 256 one-row reads of a column at 3 fJ a bit
        assertEquals(43.75, 1e3 * e.get("cells") / MACS, 1e-9);
        assertEquals(8.0508, 1e3 * e.get("converters") / MACS, 1e-9);
        assertEquals(255.0 / 256 * 10 * 3, 1e3 * e.get("adder_trees") / MACS, 1e-9);
        // per pass, in pJ: 256 rows of 32 arrays driven once, one comparator per output, input and output bits
        assertEquals(256 * 32 * 0.04, e.get("wordline_drivers"), 1e-9);
        assertEquals(N * 0.02, e.get("thresholds"), 1e-9);
        assertEquals((K + N) * 0.05, e.get("buffers"), 1e-9);
        assertEquals(0, e.get("transfers"));
        assertEquals(171_545.5, l.energyPj(), 0.05);
        double fjPerMac = 1e3 * l.energyPj() / MACS;
        double topsPerWatt = 2 * MACS / l.energyPj(); // ops per pJ = TOPS/W
        assertEquals(82.12, fjPerMac, 0.005, "the figure docs/cost-model.md quotes");
        assertEquals(24.35, topsPerWatt, 0.005, "the figure docs/cost-model.md quotes");
        assertTrue(topsPerWatt >= 22.4 && topsPerWatt <= 41.5, "inside the macro's published range");
        // 256 one-row reads, each the 2.8 ns pulse and 8 columns' 2 ns conversions in turn, then the comparator
        assertEquals(256 * (2.8 + 8 * 2) + 0.5, l.latencyNs(), 1e-9);
    }

    @Test
    void theMacrosAreaIsWhatTheDocWorksOut() {
        CostReport.Totals t = macroLayer(ArchitectureLoader.load(FILE)).deterministic();
        Map<String, Double> mm2 = t.areaBreakdownMm2();
        assertEquals(32 * 65_536 * 0.0423e-6, mm2.get("cells"), 1e-12);
        assertEquals(32 * 256 * 1.0e-6, mm2.get("wordline_drivers"), 1e-12);
        assertEquals(32 * 32 * 478 * 0.03e-6, mm2.get("converters"), 1e-12);
        assertEquals(32 * 255 * 10 * 2.0e-6, mm2.get("adder_trees"), 1e-12);
        double arrays = mm2.get("cells") + mm2.get("wordline_drivers") + mm2.get("converters") + mm2.get("adder_trees");
        assertEquals(0.2748, arrays, 5e-5, "the 32 arrays with their periphery");
        assertEquals(N * 40e-6, mm2.get("thresholds"), 1e-12);
        assertEquals(2 * N * 0.3e-6, mm2.get("buffers"), 1e-12);
        assertEquals(0.6061, t.areaMm2(), 5e-5);
        // the periphery's leakage over the pass, left out of the layer's figure: 0.15 % of it
        assertEquals(249.0, t.energyBreakdownPj().get("leakage"), 0.05);
    }

    /** The 256 x 256 layer DefaultEfficiencyTest prices at 936 pJ (140 TOPS/W) with the default architecture. */
    @Test
    void mlpSdsHiddenLayerCostsAsMuchPerMac() {
        var r = Compiler.compile(
                        Paths.testdata("models/mlp-sd.onnx"),
                        new Compiler.Options(OnnxImporter.Options.DEFAULT, ArchitectureLoader.load(FILE), 20, Set.of()),
                        s -> {})
                .report();
        CostReport.Layer l = r.layers().get(1);
        assertEquals(256, l.k());
        assertEquals(256, l.n());
        // two pieces (255 columns and 1, single encoding): 65,536 cell reads and conversions, 256 columns of 255
        // adds, 256 rows of 2 arrays driven, 256 comparators, 512 buffered bits
        assertEquals(
                65_536 * (0.04375 + 0.0080508) + 256 * 255 * 10 * 0.003 + 512 * 0.04 + 256 * 0.02 + 512 * 0.05,
                l.energyPj(),
                1e-6);
        assertEquals(5404.4, l.energyPj(), 0.05);
        assertEquals(24.25, 2.0 * l.k() * l.n() * l.positions() / l.energyPj(), 0.005, "docs/cost-model.md");
    }
}
