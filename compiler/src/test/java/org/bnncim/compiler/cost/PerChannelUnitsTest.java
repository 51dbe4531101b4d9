package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.report.ReportJson;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/**
 * Issue #23, item 5: the per-neuron MC-Dropout baseline with its units time-shared per channel, reported beside the
 * per-neuron figure. cnn-sd's Scale-Dropout layers are convolutions and one dense layer: per neuron the baseline
 * needs channels x positions units, per channel only the channels, each drawing its positions one after another.
 */
class PerChannelUnitsTest {
    @Test
    void aConvolutionsMaskIsDrawnByOneUnitPerChannel() {
        Architecture a = ArchitectureLoader.defaults();
        CostReport r = Compiler.compile(
                        Paths.root().resolve("testdata/models/cnn-sd.onnx"),
                        new Compiler.Options(OnnxImporter.Options.DEFAULT, a, 20, Set.of()),
                        s -> {})
                .report();
        int channels = 0, neurons = 0, positions = 0;
        for (CostReport.Layer l : r.layers()) {
            if (!l.scaleDropout()) continue;
            channels += l.n();
            neurons += l.n() * l.positions();
            positions += l.positions();
        }
        assertTrue(positions > channels / 2, "cnn-sd has convolutions among its Scale-Dropout layers");
        CostReport.PerChannel pc = r.baselinePerChannel();
        assertEquals(neurons, r.baselineStochasticUnits());
        assertEquals(channels, pc.units());
        double um2 = channels * (a.area().stochasticUnit() + a.area().maskGate())
                + neurons * a.area().bufferPerBit();
        assertEquals(um2 * 1e-6, pc.areaMm2(), 1e-12);
        assertEquals((positions - 1) * a.latency().stochasticBit(), pc.extraLatencyNsPerPass(), 1e-9);
        assertTrue(r.baselinePerChannelAreaMm2() < r.baselineMcDropout().areaMm2());
        assertTrue(ReportJson.render(r).contains("\"per_channel\""));
    }

    @Test
    void denseLayersHaveOnePositionSoNothingIsDrawnInSequence() {
        CostReport r = KbitCostTest.report();
        assertEquals(8, r.baselinePerChannel().units());
        assertEquals(0.0, r.baselinePerChannel().extraLatencyNsPerPass());
    }
}
