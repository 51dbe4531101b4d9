package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;

/**
 * docs/cost-model.md, "Where the default architecture sits": a 256 x 256 binary layer with a bipolar input costs, with
 * the default architecture, an efficiency inside the published binary STT-MRAM CIM range (22.4 TOPS/W for a 28 nm
 * silicon macro to 340.8 TOPS/W for a 14 nm one), counting a multiply-accumulate as 2 operations.
 */
class DefaultEfficiencyTest {
    @Test
    void aBinaryLayerSitsInsideThePublishedRange() {
        var r = Compiler.compile(
                        Paths.testdata("models/mlp-sd.onnx"),
                        new Compiler.Options(OnnxImporter.Options.DEFAULT, ArchitectureLoader.defaults(), 20, Set.of()),
                        s -> {})
                .report();
        CostReport.Layer l = r.layers().get(1);
        assertEquals(256, l.k());
        assertEquals(256, l.n());
        assertEquals(1, l.inputBits());
        double topsPerWatt = 2.0 * l.k() * l.n() * l.positions() / l.energyPj(); // ops per pJ = TOPS/W
        assertTrue(topsPerWatt > 22.4 && topsPerWatt < 340.8, "TOPS/W " + topsPerWatt);
        assertEquals(140, topsPerWatt, 1, "the figure docs/cost-model.md quotes");
    }
}
