package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.report.ReportHtml;
import org.bnncim.compiler.report.ReportJson;
import org.bnncim.compiler.report.ReportText;
import org.bnncim.compiler.testing.DecoderGraphs;
import org.bnncim.compiler.testing.ResidualGraphs;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.bnncim.ir.mapping.MappedModel;
import org.junit.jupiter.api.Test;

/**
 * The encoder-decoder's cost, worked out by hand from the default architecture (256x256 complementary crossbars: every
 * layer is one piece, all on one crossbar; cell read 0.1 V squared x (1/5 kOhm + 1/10 kOhm) / 2 x 2 ns = 0.003 pJ, two
 * cells a weight; 8 rows per read, each read of a column one 4-bit SAR conversion of (0.7213 x 4 + 3.3041) uW x 5
 * ns = 0.0309465 pJ, 8 columns per converter; threshold 0.02 pJ and 0.5 ns; buffer 0.05 pJ and 0.3 µm² a bit; psum 16
 * bits, adder 0.003 pJ a bit; read pulse 2 ns; fp32 op 1 pJ and 1 ns; 16
 * lanes of 5000 µm²) on {@link DecoderGraphs#unet}. The transposed conv (8 -> 3 channels, 3x3, stride 2, 6x6 ->
 * 12x12) drives 2312 rows over its 144 positions (DecoderMappingTest counts them by tap).
 */
class DecoderCostTest {
    private static MappedModel mapped(boolean softmax) {
        return ResidualGraphs.map(DecoderGraphs.unet(softmax), ArchitectureLoader.defaults());
    }

    private static CostReport report(boolean softmax) {
        return CostModel.evaluate(mapped(softmax), 10);
    }

    private static CostReport.Layer layer(CostReport r, String name) {
        return r.layers().stream()
                .filter(l -> l.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void theTransposedConvReadsOnlyItsDrivenRows() {
        CostReport.Layer dec = layer(report(true), "dec");
        assertEquals("conv_transpose", dec.kind());
        Map<String, Double> br = dec.energyBreakdownPj();
        // 2312 driven rows x 3 columns x 2 cells x 0.003 pJ (zero-insertion would read 72 x 144 rows: 186.624 pJ)
        assertEquals(41.616, br.get("cells"), 1e-9);
        // every position reads the piece's 72 rows in 9 reads of 8: 144 x 3 x 9 conversions
        assertEquals(3888 * 0.0309465, br.get("converters"), 1e-9);
        // one piece per column, a bipolar input: only the 8 adds joining each column's 9 reads, each 8 bits wide
        // (a sum of 72 terms of +-1 reaches +-72: 7 bits and a sign)
        assertEquals(144 * 3 * 8 * 8 * 0.003, br.get("adder_trees"), 1e-9);
        // one comparator per output: 3 x 144 x 0.02
        assertEquals(8.64, br.get("thresholds"), 1e-9);
        // the driven inputs (2312 bits) read, 3 x 144 bipolar outputs written
        assertEquals((2312 + 432) * 0.05, br.get("buffers"), 1e-9);
        assertEquals(0, br.get("transfers"), 1e-12);
        // each driven row's word line once per position: 2312 x 0.04 pJ
        assertEquals(92.48, br.get("wordline_drivers"), 1e-9);
        assertEquals(41.616 + 92.48 + 3888 * 0.0309465 + 82.944 + 8.64 + 137.2, dec.energyPj(), 1e-9);
        // 144 positions x 9 reads, each a 2 ns pulse then 3 columns converted in turn (5 ns each), then the comparator
        assertEquals(144 * 9 * (2 + 3 * 5) + 0.5, dec.latencyNs(), 1e-9);
        assertTrue(dec.scaleDropout());
        assertEquals(1, dec.stochasticBit());
        assertEquals("threshold (2 sets + expectation)", dec.periphery());
    }

    @Test
    void upsamplingAndSkipBufferingAreDataMovementInThePeriphery() {
        CostReport r = report(true);
        assertEquals(
                List.of(
                        "pool max_pool periphery logic",
                        "up resize periphery buffers",
                        "cat concat periphery buffers",
                        "out pixel_softmax digital unit"),
                r.digital().stream()
                        .map(d -> d.name() + " " + d.kind() + " " + d.runsOn())
                        .toList());
        CostReport.Digital up = r.digital().get(1), cat = r.digital().get(2);
        // 4 x 6 x 6 = 144 bipolar elements read and written: 288 bits; 144 / 16 lanes = 9 cycles of 1 ns
        assertEquals(144, up.outputs());
        assertEquals(0, up.ops());
        assertEquals(288, up.bufferBits());
        assertEquals(14.4, up.energyPj(), 1e-9);
        assertEquals(9, up.latencyNs(), 1e-12);
        // the skip e1 (4 x 6 x 6 bits) is written into the skip buffer once and read once; u is the one made last
        assertEquals(144, cat.shortcutBits());
        assertEquals(288, cat.bufferBits());
        assertEquals(14.4, cat.energyPj(), 1e-9);
        assertEquals(0, cat.latencyNs(), 1e-12);
        assertTrue(cat.detail().contains("skip e1 buffered (144 bits"), cat.detail());
        assertEquals(Map.of("buffers", 14.4), Map.copyOf(cat.energyBreakdownPj()));
    }

    @Test
    void aMaxPoolOfActivationsIsComparesInThePeriphery() {
        CostReport r = report(true);
        CostReport.Digital pool = r.digital().get(0);
        // e1 is 4 x 6 x 6 bipolar; 2x2 windows give 4 x 3 x 3 = 36 outputs, each the max of 4 taps: 3 compares of
        // one bit, 108 x 0.003 pJ; a tree of depth log2(4) = 2 adder stages of 0.5 ns
        assertEquals("periphery logic", pool.runsOn());
        assertEquals(36, pool.outputs());
        assertEquals(108 * 0.003, pool.energyPj(), 1e-12);
        assertEquals(1.0, pool.latencyNs(), 1e-12);
        assertEquals(Map.of("adder_trees", 108 * 0.003), Map.copyOf(pool.energyBreakdownPj()));
        assertEquals(108 * 0.003, r.peripheryLogicEnergyPj(), 1e-12);
        double layerAdders = r.layers().stream()
                .mapToDouble(l -> l.energyBreakdownPj().get("adder_trees"))
                .sum();
        assertEquals(
                layerAdders + 108 * 0.003, r.deterministic().energyBreakdownPj().get("adder_trees"), 1e-12);
        assertTrue(ReportText.render(r).contains("pool: 108 compares of 1-bit values"), ReportText.render(r));
        // and the layer table names it in the periphery of the layer it pools
        assertTrue(
                layer(r, "enc1").periphery().endsWith("; max pool pool (periphery logic)"),
                layer(r, "enc1").periphery());
    }

    @Test
    void thePerPixelActivationsRunInTheDigitalUnit() {
        CostReport.Digital softmax = report(true).digital().get(3);
        // 2 classes x 144 pixels: 3 ops per element + a divide per pixel = 864 + 144; 1008 / 16 = 63 cycles; 288
        // floats in and out
        assertEquals(288, softmax.outputs());
        assertEquals(1008, softmax.ops());
        assertEquals(2 * 288 * 32, softmax.bufferBits());
        assertEquals(1008 + 921.6, softmax.energyPj(), 1e-9);
        assertEquals(63, softmax.latencyNs(), 1e-12);
        CostReport sig = report(false);
        assertEquals(
                List.of("pool", "up", "cat", "out"),
                sig.digital().stream().map(CostReport.Digital::name).toList());
        CostReport.Digital sigmoid = sig.digital().get(3);
        // 144 elements x 3 ops (exp, add, divide) = 432, 27 cycles; 144 floats in and out
        assertEquals("sigmoid", sigmoid.kind());
        assertEquals(432, sigmoid.ops());
        assertEquals(432 + 2 * 144 * 32 * 0.05, sigmoid.energyPj(), 1e-9);
        assertEquals(27, sigmoid.latencyNs(), 1e-12);
        // the head's scale is its float tail (1 op per output); the softmax is not part of it
        CostReport.Layer head = layer(report(true), "head");
        assertEquals("digital fp32 (1 ops/output)", head.periphery());
        assertEquals(2 * 144 * 1.0, head.energyBreakdownPj().get("digital"), 1e-9);
        // 3 x 144 bits in, 2 x 144 psums out, each 3 bits (a sum of 3 terms of +-1: 2 bits and a sign)
        assertEquals((432 + 864) * 0.05, head.energyBreakdownPj().get("buffers"), 1e-9);
        // 144 positions, one read of 3 rows: 2 ns, 2 columns converted in turn; then the scale's fp32 op
        assertEquals(144 * (2 + 2 * 5) + 1, head.latencyNs(), 1e-9);
    }

    @Test
    void totalsSplitAcrossCrossbarsDigitalUnitAndPeripheryBuffers() {
        CostReport r = report(true);
        assertEquals(1929.6, r.digitalEnergyPj(), 1e-9);
        assertEquals(63, r.digitalLatencyNs(), 1e-12);
        assertEquals(28.8, r.peripheryEnergyPj(), 1e-9);
        assertEquals(9, r.peripheryLatencyNs(), 1e-12);
        // the max pool's 108 one-bit compares (0.324 pJ) in a tree of depth 2 (1 ns)
        assertEquals(
                r.crossbarEnergyPj()
                        + 1929.6
                        + 28.8
                        + 0.324
                        + r.deterministic().energyBreakdownPj().get("leakage"),
                r.deterministic().energyPj(),
                1e-6);
        assertEquals(r.crossbarLatencyNs() + 72 + 1, r.deterministic().latencyNs(), 1e-6);
        double layerBuffers = r.layers().stream()
                .mapToDouble(l -> l.energyBreakdownPj().get("buffers"))
                .sum();
        assertEquals(layerBuffers + 28.8, r.deterministic().energyBreakdownPj().get("buffers"), 1e-9);
        // area: activation buffers twice the largest activation (the head's 2 x 144 psums of 3 bits) plus the skip
        // buffer's 144 bits; the digital unit's 16 lanes
        assertEquals(
                (2 * 864 + 144) * 0.3 / 1e6,
                r.deterministic().areaBreakdownMm2().get("buffers"),
                1e-12);
        assertEquals(16 * 5000 / 1e6, r.deterministic().areaBreakdownMm2().get("digital"), 1e-12);
        // Scale-Dropout on enc1 (4 x 36 outputs) and dec (3 x 144): one unit, the baseline one per neuron
        assertEquals(
                List.of("bit 0 -> enc1 (p=0.2)", "bit 1 -> dec (p=0.3)"),
                r.schedule().stream().map(CostReport::scheduleText).toList());
        assertEquals(144 + 432, r.baselineStochasticUnits());
    }

    @Test
    void nestedSkipsShareTheSkipBufferWhileBothWait() {
        // a (made first) waits for cat2, b for cat1 inside it: both 16-bit maps are live from b to cat1
        ElemType bip = ElemType.BIPOLAR;
        int[] id = {0, 1, 2, 3};
        List<Node> n = List.of(
                new Node.Sign("s0", "x", v("a", bip, 1, 4, 4)),
                new DecoderNode.Resize("r1", "a", v("b", bip, 1, 4, 4), id, id),
                new DecoderNode.Resize("r2", "b", v("d", bip, 1, 4, 4), id, id),
                new DecoderNode.Concat("cat1", List.of("d", "b"), v("e", bip, 2, 4, 4)),
                new DecoderNode.Concat("cat2", List.of("e", "a"), v("f", bip, 3, 4, 4)));
        Graph g = new Graph("nested", List.of(v("x", ElemType.FLOAT32, 1, 4, 4)), n, List.of("f"), Map.of());
        CostReport r = CostModel.evaluate(ResidualGraphs.map(g, ArchitectureLoader.defaults()), 1);
        assertEquals(
                List.of("r1 0", "r2 0", "cat1 16", "cat2 16"),
                r.digital().stream().map(d -> d.name() + " " + d.shortcutBits()).toList());
        // no crossbar layer, so no activation buffer: the skip buffer alone, 32 bits of 0.3 µm²; no digital unit
        assertEquals(32 * 0.3 / 1e6, r.deterministic().areaBreakdownMm2().get("buffers"), 1e-15);
        assertEquals(0, r.deterministic().areaBreakdownMm2().get("digital"), 1e-15);
        // identity resizes still move their 16 elements: 32 bits, one 1 ns cycle each
        assertEquals(32 * 0.05, r.digital().get(0).energyPj(), 1e-12);
        assertEquals(1, r.digital().get(0).latencyNs(), 1e-12);
        assertEquals(
                4 * 32 * 0.05 + r.deterministic().energyBreakdownPj().get("leakage"),
                r.deterministic().energyPj(),
                1e-12);
    }

    private static Value v(String name, ElemType e, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims)));
    }

    @Test
    void reportsShowWhereEachRowRuns() throws Exception {
        MappedModel m = mapped(true);
        CostReport r = CostModel.evaluate(m, 10);
        String text = ReportText.render(r);
        assertTrue(text.contains("periphery buffers 28.80 pJ"), text);
        assertTrue(text.contains("up: address generation x2: 144 elements read and written at 1 bit(s)"), text);
        JsonNode json = new ObjectMapper().readTree(ReportJson.render(r));
        assertEquals("crossbar", json.get("layers").get(2).get("runs_on").asText());
        assertEquals("conv_transpose", json.get("layers").get(2).get("kind").asText());
        assertEquals(
                "periphery buffers",
                json.get("digital_nodes").get(1).get("runs_on").asText());
        assertEquals(144, json.get("digital_nodes").get(2).get("shortcut_bits").asInt());
        assertEquals(
                28.8,
                json.get("split_one_pass")
                        .get("periphery_buffers")
                        .get("energy_pj")
                        .asDouble(),
                1e-9);
        assertEquals(
                1929.6,
                json.get("split_one_pass").get("digital_unit").get("energy_pj").asDouble(),
                1e-9);
        String html = ReportHtml.render(r, m);
        assertTrue(html.contains("periphery buffers"), "html");
        assertTrue(html.contains("conv_transpose"), "html");
    }
}
