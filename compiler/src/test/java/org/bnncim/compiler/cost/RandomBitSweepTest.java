package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.report.ReportJson;
import org.bnncim.compiler.report.ReportText;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/**
 * Issue #23, item 4: both savings against the energy of a random bit. By hand on {@link KbitCostTest}'s model (one
 * Scale-Dropout layer of 8 neurons, T = 10): Scale-Dropout draws 1 bit per pass, the baseline 8 bits, each with a
 * mask gate of 0.005 pJ; at 0.02 pJ a bit that is 0.2 pJ against 8 x 0.025 x 10 = 2 pJ, a module saving of 10x.
 */
class RandomBitSweepTest {
    @Test
    void theSweepPricesTheBitsAtEachEnergyAndKeepsEverythingElse() {
        CostReport r = KbitCostTest.report();
        Architecture a = ArchitectureLoader.defaults();
        List<Double> bits =
                r.bitCostSweep().stream().map(CostReport.BitCost::bitPj).toList();
        assertEquals(List.of(0.02, 0.1, 0.3, 1.0), bits, "the default's 0.3 pJ is one of the four");
        CostReport.BitCost low = r.bitCostSweep().get(0);
        assertEquals(0.2, low.modulePj(), 1e-12);
        assertEquals(8 * (0.02 + a.energy().maskGate()) * 10, low.baselineModulePj(), 1e-12);
        assertEquals(10.0, low.moduleRatio(), 1e-9);
        // the architecture's own point is the report's comparison
        CostReport.BitCost own = r.bitCostSweep().get(2);
        assertTrue(own.architectures() && !low.architectures());
        assertEquals(r.mc().energyPj(), own.totalPj(), 1e-9);
        assertEquals(r.baselineMcDropout().energyPj(), own.baselineTotalPj(), 1e-9);
        // everything but the bits is the same at every point
        for (CostReport.BitCost b : r.bitCostSweep()) {
            assertEquals(r.mc().energyPj() - own.modulePj(), b.totalPj() - b.modulePj(), 1e-9);
            assertEquals(
                    r.baselineMcDropout().energyPj() - own.baselineModulePj(),
                    b.baselineTotalPj() - b.baselineModulePj(),
                    1e-9);
        }
    }

    @Test
    void allThreeReportsShowIt() {
        CostReport r = KbitCostTest.report();
        assertTrue(ReportText.render(r).contains("Savings against the energy of a random bit (T=10"));
        assertTrue(ReportJson.render(r).contains("\"random_bit_sweep\""));
    }
}
