package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Set;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.io.Inputs;
import org.junit.jupiter.api.Test;

/**
 * The cost model's expected runs per crossbar layer are what the simulator, following the same compiled schedule,
 * executes on average: mlp-sd (2 bits, p = 0.2) and cnn-sd, T = 20, 300 examples each with its own bits. The
 * expected runs are a closed form; the counts come from the simulator's grouping of real passes.
 */
class ScheduleRunsAgainstSimulatorTest {
    @Test
    void mlpSd() throws Exception {
        check("mlp-sd.onnx");
    }

    @Test
    void cnnSd() throws Exception {
        check("cnn-sd.onnx");
    }

    private static void check(String file) throws Exception {
        int t = 20, n = 300;
        var c = Compiler.compile(
                Paths.testdata("models/" + file),
                new Compiler.Options(OnnxImporter.Options.DEFAULT, ArchitectureLoader.defaults(), t, Set.of()),
                s -> {});
        Program p = Program.of(c.mapped());
        float[][] x = Arrays.copyOf(
                Inputs.read(
                                Paths.testdata("mnist/test-1000-images.npy"),
                                p.graph().inputs().get(0).shape().size())
                        .examples(),
                n);
        Simulator sim = new Simulator(p, Faults.NONE, 1);
        sim.run(x, t, BitSource.counterBased(p.model(), 77, 0), 2, null);
        long[] runs = sim.nodeRuns();
        int checked = 0;
        for (CostReport.Runs r : c.report().montecarlo().runs()) {
            if (!r.runsOn().equals("crossbar layer")) continue;
            int i = 0;
            while (!p.graph().nodes().get(i).name().equals(r.node())) i++;
            double measured = (double) runs[i] / n;
            // a count per example lies in [1, T]: 300 examples put the mean within a few percent
            assertEquals(r.expected(), measured, 0.05 * r.expected() + 0.02, file + " " + r.node());
            checked++;
        }
        assertTrue(checked >= 3, file + ": crossbar layers compared");
    }
}
