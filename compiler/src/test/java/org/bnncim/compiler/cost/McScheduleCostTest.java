package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.report.ReportJson;
import org.bnncim.compiler.report.ReportText;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/**
 * Issue #23, item 3, by hand on {@link KbitCostTest}'s model (T = 10): fc0 reads the input and runs once; its 2-bit
 * Scale-Dropout bank (bit 0, p = 0.2) and everything after it run once per distinct bit among the 10 passes,
 * E = 2 - 0.2^10 - 0.8^10; the baseline runs them 10 times. The input interface runs once in both. The 10 random
 * bits are drawn either way, and the sorted order adds 2 counters of 16 bits, incremented 10 times and scanned once.
 */
class McScheduleCostTest {
    private static final double E1 = 2 - Math.pow(0.2, 10) - Math.pow(0.8, 10);

    @Test
    void eachRowIsChargedItsExpectedRuns() {
        CostReport r = KbitCostTest.report();
        Architecture a = ArchitectureLoader.defaults();
        CostReport.Schedule sc = r.montecarlo();
        assertEquals("sorted", sc.order());
        assertEquals(1, sc.bits());
        CostReport.Layer fc0 = r.layers().get(0),
                fc1 = r.layers().get(1),
                fc2 = r.layers().get(2);
        double fc0Thr = fc0.energyBreakdownPj().get("thresholds");
        double interface_ =
                r.digital().stream().mapToDouble(CostReport.Digital::energyPj).sum();
        double counters = (2 * 10 + 2) * 16 * a.energy().bufferPerBit();
        double bits = 10 * a.energy().stochasticBit();
        double want = (fc0.energyPj() - fc0Thr)
                + E1 * (fc0Thr + fc1.energyPj() + fc2.energyPj())
                + interface_
                + counters
                + bits;
        // and the periphery's leakage over the scheduled latency, on the schedule's area
        double cellsMm2 = sc.scheduled().areaBreakdownMm2().get("cells");
        want += a.activity().leakageUwPerMm2()
                * (sc.scheduled().areaMm2() - cellsMm2)
                * sc.scheduled().latencyNs()
                * 1e-3;
        assertEquals(want, sc.scheduled().energyPj(), 1e-6);
        double baseBits = r.baselineMcDropout().energyBreakdownPj().get("stochastic");
        double baseWant = (fc0.energyPj() - fc0Thr)
                + 10 * (fc0Thr + fc1.energyPj() + fc2.energyPj())
                + interface_
                + baseBits
                + sc.baselineScheduled().energyBreakdownPj().get("leakage");
        assertEquals(baseWant, sc.baselineScheduled().energyPj(), 1e-6);
        // comparators run at the bank's depth, the reads at the layer's
        double thrNs = a.latency().threshold();
        double digitalNs =
                r.digital().stream().mapToDouble(CostReport.Digital::latencyNs).sum();
        double ns = (fc0.latencyNs() - thrNs) + E1 * (thrNs + fc1.latencyNs() + fc2.latencyNs()) + digitalNs;
        assertEquals(ns, sc.scheduled().latencyNs(), 1e-6);
        // the pattern counters and the popcount of fc0 (8 values of a 16-row sum of 2-bit inputs: 7 bits) are kept
        assertEquals(2 * 16, sc.counterBits());
        assertEquals(8 * PsumWidth.of(16, 2), sc.reuseBufferBits());
        assertEquals(
                r.mc().areaMm2() + (2 * 16 + 8 * PsumWidth.of(16, 2)) * a.area().bufferPerBit() * 1e-6,
                sc.scheduled().areaMm2(),
                1e-12);
    }

    @Test
    void runsAreListedPerRowWithTheBaselines() {
        CostReport r = KbitCostTest.report();
        var runs = r.montecarlo().runs();
        assertEquals("fc0", runs.get(0).node());
        assertEquals(0, runs.get(0).depth());
        assertEquals(1.0, runs.get(0).expected());
        assertEquals(1.0, runs.get(0).baseline());
        assertEquals("fc1", runs.get(1).node());
        assertEquals(1, runs.get(1).depth());
        assertEquals(E1, runs.get(1).expected(), 1e-7); // p is the float 0.2f
        assertEquals(10.0, runs.get(1).baseline());
    }

    @Test
    void theSweepShowsBothWholeInferenceRatios() {
        CostReport r = KbitCostTest.report();
        for (CostReport.BitCost b : r.bitCostSweep()) {
            assertEquals(
                    r.montecarlo().scheduled().energyPj() - r.stochasticEnergyPj(),
                    b.scheduledTotalPj() - b.modulePj(),
                    1e-6);
            assertTrue(b.scheduledTotalRatio() > b.totalRatio(), "reuse helps Scale-Dropout more than the baseline");
        }
        String txt = ReportText.render(r);
        assertTrue(txt.contains("Scale-Dropout MC, scheduled"), txt);
        assertTrue(txt.contains("Monte-Carlo schedule: sorted, 1 stochastic bit(s) per pass"), txt);
        String json = ReportJson.render(r);
        assertTrue(json.contains("\"mc_scheduled\"") && json.contains("\"monte_carlo_schedule\""));
        assertTrue(json.contains("\"whole_inference_scheduled_ratio\""));
    }
}
