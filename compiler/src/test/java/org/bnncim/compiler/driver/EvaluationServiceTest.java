package org.bnncim.compiler.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.bnncim.backends.sim.Faults;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Test;

/** The evaluation service called directly, as a wrapper or a script would: numbers in records, no text to parse. */
class EvaluationServiceTest {
    private static EvaluationService.Request request(
            Path model, Integer limit, EvaluationService.Engine engine, SimSettings sim, Path ood) {
        return new EvaluationService.Request(
                model,
                OnnxImporter.Options.DEFAULT,
                ArchitectureLoader.defaults(),
                Paths.testdata("mnist"),
                ood,
                limit,
                engine,
                sim);
    }

    private static SimSettings deterministic() {
        return new SimSettings(0, 0, BitModel.counter, Faults.NONE, 2);
    }

    @Test
    void deterministicRunOnTfcWithOod() {
        AtomicLong total = new AtomicLong(), steps = new AtomicLong();
        var progress = new EvaluationService.Progress() {
            @Override
            public void start(long n) {
                total.set(n);
            }

            @Override
            public void step() {
                steps.incrementAndGet();
            }
        };
        var r = EvaluationService.evaluate(
                request(
                        Paths.tfc(),
                        100,
                        EvaluationService.Engine.sim,
                        deterministic(),
                        Paths.testdata("ood/noise-200-images.npy")),
                progress);
        assertEquals(100, r.examples());
        assertTrue(
                r.images().getFileName().toString().endsWith("images.npy"),
                r.images().toString());
        assertTrue(r.accuracy() > 0.9, "TFC is a good MNIST model: " + r.accuracy());
        assertTrue(r.nll() > 0 && r.ece() >= 0 && r.meanEntropy() > 0, r.toString());
        assertTrue(
                r.meanExpectedEntropy().isEmpty() && r.meanMutualInformation().isEmpty(),
                "no MC passes, no MC metrics");
        var ood = r.ood().orElseThrow();
        assertEquals(200, ood.examples());
        assertTrue(ood.auroc() > 0.5 && ood.meanEntropy() > r.meanEntropy(), ood.toString());
        assertEquals(300, total.get());
        assertEquals(300, steps.get(), "one step per example, in-distribution and OOD");
    }

    @Test
    void simulatorAndInterpreterAgreeAndMonteCarloAddsItsMetrics() {
        Path model = Paths.testdata("models/mlp-sd.onnx");
        SimSettings mc = new SimSettings(3, 7, BitModel.counter, Faults.NONE, 2);
        var sim = EvaluationService.evaluate(
                request(model, 50, EvaluationService.Engine.sim, mc, null), EvaluationService.Progress.NONE);
        var interp = EvaluationService.evaluate(
                request(model, 50, EvaluationService.Engine.interp, mc, null), EvaluationService.Progress.NONE);
        assertEquals(sim.accuracy(), interp.accuracy());
        assertEquals(sim.nll(), interp.nll(), 1e-9);
        assertTrue(sim.meanMutualInformation().orElseThrow() >= 0
                && sim.meanExpectedEntropy().isPresent());
        assertTrue(sim.ood().isEmpty());
    }

    @Test
    void interpreterHasNoFaultsAndAnEmptySelectionIsRefused() {
        SimSettings faulty = new SimSettings(0, 0, BitModel.counter, new Faults(0.01, 0, 0), 1);
        assertThrows(
                BnncimException.class,
                () -> EvaluationService.evaluate(
                        request(Paths.tfc(), 10, EvaluationService.Engine.interp, faulty, null),
                        EvaluationService.Progress.NONE));
        var e = assertThrows(
                BnncimException.class,
                () -> EvaluationService.evaluate(
                        request(Paths.tfc(), 0, EvaluationService.Engine.sim, deterministic(), null),
                        EvaluationService.Progress.NONE));
        assertTrue(e.getMessage().contains("no examples to evaluate"), e.getMessage());
    }
}
