package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.report.ReportHtml;
import org.bnncim.compiler.report.ReportJson;
import org.bnncim.compiler.report.ReportText;
import org.bnncim.compiler.testing.ResidualGraphs;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.MappedModel;
import org.junit.jupiter.api.Test;

/**
 * The digital datapath's cost, worked out by hand from the default architecture (fp32 op 1 pJ and 1 ns, buffer
 * 0.05 pJ and 0.3 µm² per bit, digital unit 5000 µm² a lane, 16 lanes) on {@link ResidualGraphs#residual}: a 3→4
 * channel 3x3 stem on 9x9 (pad 1), two shortcut sums, a 3x3/2 average pool (pad 1, 9→5) and a 100→10 classifier.
 * Along one 9-wide axis a padded 3x3 kernel has 7·3 + 2·2 = 25 taps inside; the 3x3/2 pool along 9→5 has 2+3+3+3+2
 * = 13.
 */
class ResidualCostTest {
    private static CostReport report() {
        MappedModel m = ResidualGraphs.map(ResidualGraphs.residual(true), ArchitectureLoader.defaults());
        return CostModel.evaluate(m, 10);
    }

    @Test
    void everyDigitalNodeIsARowWithItsHandCount() {
        CostReport r = report();
        assertEquals(
                List.of(
                        "stem conv",
                        "sign0 sign",
                        "add1 add",
                        "sign1 sign",
                        "pool avg_pool",
                        "add2 add",
                        "sign2 sign",
                        "fc dense"),
                r.digital().stream().map(d -> d.name() + " " + d.kind()).toList());
        for (CostReport.Digital d : r.digital()) assertEquals("digital unit", d.runsOn());
        CostReport.Digital stem = r.digital().get(0),
                sign0 = r.digital().get(1),
                add1 = r.digital().get(2),
                pool = r.digital().get(4),
                add2 = r.digital().get(5),
                sign2 = r.digital().get(6),
                fc = r.digital().get(7);
        // stem: 25 x 25 taps x 4 out x 3 in channels = 7500 MACs (2 ops each) + 324 bias adds; 7824 issue slots / 16
        // lanes = 489; buffers: 243 + 324 floats in and out, 108 weights + 4 biases
        assertEquals(7500, stem.macs());
        assertEquals(15324, stem.ops());
        assertEquals((243 + 324 + 112) * 32, stem.bufferBits());
        assertEquals(15324 + 21728 * 0.05, stem.energyPj(), 1e-9);
        assertEquals(489, stem.latencyNs(), 1e-12);
        // sign0: 324 compares of computed floats; 324 floats in, 324 bits out
        assertEquals(324, sign0.ops());
        assertEquals(324 + (324 * 32 + 324) * 0.05, sign0.energyPj(), 1e-9);
        assertEquals(21, sign0.latencyNs(), 1e-12);
        // add1: 324 sums; reads n1 (float) and the bipolar shortcut b0, which is also written to the shortcut buffer
        assertEquals(324, add1.shortcutBits());
        assertEquals(324 * 32 * 2 + 324 * 2, add1.bufferBits());
        assertEquals(324 + 21384 * 0.05, add1.energyPj(), 1e-9);
        assertEquals(21, add1.latencyNs(), 1e-12); // ceil(324 / 16)
        // pool: 13 x 13 taps x 4 channels = 676 adds and divides; 324 bipolar bits in, 100 floats out
        assertEquals(676, pool.ops());
        assertEquals(676 + (324 + 3200) * 0.05, pool.energyPj(), 1e-9);
        assertEquals(43, pool.latencyNs(), 1e-12);
        // add2: the pooled float shortcut (100 x 32 bits) is buffered
        assertEquals(3200, add2.shortcutBits());
        assertEquals(100 + 12800 * 0.05, add2.energyPj(), 1e-9);
        assertEquals(7, add2.latencyNs(), 1e-12);
        // sign2: 100 compares; 100 floats in, 100 bits out
        assertEquals(100 + (3200 + 100) * 0.05, sign2.energyPj(), 1e-9);
        assertEquals(7, sign2.latencyNs(), 1e-12);
        // fc: 1000 MACs + 10 bias adds; 1010 slots / 16 = 64; weights and biases 1010 x 32 bits
        assertEquals(2010, fc.ops());
        assertEquals(2010 + (100 + 320 + 32320) * 0.05, fc.energyPj(), 1e-9);
        assertEquals(64, fc.latencyNs(), 1e-12);
    }

    @Test
    void aFloatMaxPoolIsADigitalRowAndAnIntegerOneIsNot() {
        CostReport r =
                CostModel.evaluate(ResidualGraphs.map(ResidualGraphs.stemPool(), ArchitectureLoader.defaults()), 1);
        assertEquals(
                List.of("mpool max_pool", "sign0 sign"),
                r.digital().stream().map(d -> d.name() + " " + d.kind()).toList());
        CostReport.Digital p = r.digital().get(0);
        assertEquals("mpool max_pool", p.name() + " " + p.kind());
        // 13 x 13 taps x 4 channels compares; 324 floats in, 100 floats out
        assertEquals(676, p.ops());
        assertEquals(676 + (324 + 100) * 32 * 0.05, p.energyPj(), 1e-9);
        assertEquals(43, p.latencyNs(), 1e-12);
        assertEquals(
                List.of(),
                CostModel.evaluate(ResidualGraphs.map(ResidualGraphs.plain(), ArchitectureLoader.defaults()), 1)
                        .digital()
                        .stream()
                        .map(CostReport.Digital::name)
                        .toList());
    }

    @Test
    void anAffineChainOutsideACrossbarTailIsARowOfItsOwn() {
        CostReport r = CostModel.evaluate(
                ResidualGraphs.map(ResidualGraphs.affineAfterAdd(), ArchitectureLoader.defaults()), 1);
        assertEquals(
                List.of("add add", "act affine", "sign sign"),
                r.digital().stream().map(d -> d.name() + " " + d.kind()).toList());
        CostReport.Digital act = r.digital().get(1);
        // two steps (bias, PReLU) on 324 elements: 648 fp32 ops and issue slots (41 ns on 16 lanes); 324 floats in
        // and out
        assertEquals(648, act.ops());
        assertEquals("fp32 add, prelu per element", act.detail());
        assertEquals(648 + 2 * 324 * 32 * 0.05, act.energyPj(), 1e-9);
        assertEquals(41, act.latencyNs(), 1e-12);
        // the crossbar layer's tail starts after its popcount: nothing before it counts there
        assertEquals("none", r.layers().get(0).periphery());
    }

    @Test
    void totalsSplitBetweenCrossbarsAndTheDigitalUnit() {
        CostReport r = report();
        Architecture a = ArchitectureLoader.defaults();
        double digital = 16410.4 + 858.6 + 1393.2 + 858.6 + 852.2 + 740 + 265 + 3647;
        assertEquals(digital, r.digitalEnergyPj(), 1e-6);
        assertEquals(489 + 21 + 21 + 21 + 43 + 7 + 7 + 64, r.digitalLatencyNs(), 1e-9);
        assertEquals(
                r.crossbarEnergyPj()
                        + digital
                        + r.deterministic().energyBreakdownPj().get("leakage"),
                r.deterministic().energyPj(),
                1e-6);
        assertEquals(r.crossbarLatencyNs() + 673, r.deterministic().latencyNs(), 1e-6);
        // the binary convs keep Scale-Dropout and the affine as their float tail (1 + 3 ops per output); the Add ends
        // it
        assertEquals("digital fp32 (4 ops/output)", r.layers().get(0).periphery());
        assertEquals(
                4.0 * 4 * 81 * a.energy().digitalFloatOp(),
                r.layers().get(0).energyBreakdownPj().get("digital"));
        // area: 16 lanes + SRAM for 3584 + 32320 weight bits; buffers: two activations of 4 x 81 psums and the
        // 3200-bit shortcut, a psum of 36 binary rows (|sum| <= 36 < 2^6) being 7 bits
        assertEquals(
                (16 * 5000 + 35904 * 0.3) / 1e6,
                r.deterministic().areaBreakdownMm2().get("digital"),
                1e-12);
        assertEquals(
                (2 * 4 * 81 * 7 + 3200) * 0.3 / 1e6,
                r.deterministic().areaBreakdownMm2().get("buffers"),
                1e-12);
        // Monte-Carlo passes run the digital datapath every pass
        assertEquals(
                10 * (r.crossbarEnergyPj() + digital),
                r.mc().energyPj()
                        - r.mc().energyBreakdownPj().get("stochastic")
                        - r.mc().energyBreakdownPj().get("leakage"),
                1e-4);
    }

    @Test
    void theReportsShowTheDigitalRowsAndTheSplit() {
        CostReport r = report();
        String text = ReportText.render(r), json = ReportJson.render(r), html = ReportHtml.render(r, null);
        assertTrue(text.contains("digital node"), text);
        assertTrue(text.matches("(?s).*\\nadd1 +add +digital unit +324 +0 +324 .*"), text);
        assertTrue(text.contains("add2: fp32 add, shortcut p buffered (3200 bits)"), text);
        assertTrue(text.contains("digital unit (16 fp32 lanes) 25025.00 pJ"), text);
        assertTrue(json.contains("\"digital_nodes\""), json);
        assertTrue(json.contains("\"runs_on\" : \"crossbar\""), json);
        assertTrue(json.contains("\"runs_on\" : \"digital unit\""), json);
        assertTrue(json.contains("\"split_one_pass\""), json);
        assertTrue(html.contains("Digital datapath (16 fp32 lanes)"), html);
        assertTrue(html.contains("<td class=\"l\">fc</td><td class=\"l\">dense</td><td class=\"l\">digital unit</td>"));
        // a model without a digital datapath shows none of it
        String plain = ReportJson.render(
                CostModel.evaluate(ResidualGraphs.map(ResidualGraphs.plain(), ArchitectureLoader.defaults()), 10));
        assertFalse(plain.contains("digital_nodes") || plain.contains("\"runs_on\" : \"digital unit\""), plain);
    }
}
