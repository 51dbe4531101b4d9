package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.report.ReportJson;
import org.bnncim.compiler.report.ReportText;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/**
 * Issue #23, item 5: leakage and activity as architecture parameters, and the random bit's write/reset/read parts, by
 * hand on {@link KbitCostTest}'s model with the default architecture (100 uW/mm^2 of periphery, half of a
 * bit-serial plane's rows driven, split 0.45/0.45/0.10).
 */
class ActivityCostTest {
    @Test
    void thePeripheryLeaksOverEachRunsLatency() {
        CostReport r = KbitCostTest.report();
        Architecture a = ArchitectureLoader.defaults();
        for (CostReport.Totals t : new CostReport.Totals[] {
            r.deterministic(),
            r.mc(),
            r.baselineMcDropout(),
            r.montecarlo().scheduled(),
            r.montecarlo().baselineScheduled()
        }) {
            double periphery = t.areaMm2() - t.areaBreakdownMm2().get("cells");
            // uW x ns = fJ
            double want = 100 * periphery * t.latencyNs() * 1e-3;
            assertEquals(want, t.energyBreakdownPj().get("leakage"), 1e-9);
            double parts = t.energyBreakdownPj().values().stream()
                    .mapToDouble(Double::doubleValue)
                    .sum();
            assertEquals(parts, t.energyPj(), 1e-6, "the total is its parts, leakage included");
        }
        assertEquals(100.0, a.activity().leakageUwPerMm2());
    }

    @Test
    void aBitSerialLayerDrivesHalfItsRowsAndTheBipolarOneAll() {
        CostReport r = KbitCostTest.report();
        Architecture a = ArchitectureLoader.defaults();
        double cell = a.cellsPerWeight() * a.cellReadPj();
        // fc0 reads a u2 input (2 planes), fc2 a bipolar one (every row, once)
        assertEquals(
                0.5 * 2 * 16 * 8 * cell, r.layers().get(0).energyBreakdownPj().get("cells"), 1e-9);
        assertEquals(4 * 2 * cell, r.layers().get(2).energyBreakdownPj().get("cells"), 1e-9);
        assertEquals(
                0.5 * 2 * 16 * a.energy().wordlineDrive(),
                r.layers().get(0).energyBreakdownPj().get("wordline_drivers"),
                1e-9);
    }

    @Test
    void theSweepSplitsEachBitIntoWriteResetAndRead() {
        CostReport r = KbitCostTest.report();
        for (CostReport.BitCost b : r.bitCostSweep()) {
            assertEquals(0.45 * b.bitPj(), b.writePj(), 1e-12);
            assertEquals(0.45 * b.bitPj(), b.resetPj(), 1e-12);
            assertEquals(0.10 * b.bitPj(), b.readPj(), 1e-12);
        }
        assertTrue(ReportText.render(r).contains("0.135/0.135/0.030"), "the 0.3 pJ row's parts");
        assertTrue(ReportJson.render(r).contains("\"reset_pj\""));
    }
}
