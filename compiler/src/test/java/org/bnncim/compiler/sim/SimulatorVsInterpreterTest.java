package org.bnncim.compiler.sim;

import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.ProgramCodec;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.frontend.ScaleDropoutAgainstOrtTest;
import org.bnncim.compiler.testing.Models;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The simulator, computing from crossbar cells, equals the reference interpreter at every value of every pass. */
class SimulatorVsInterpreterTest {
    static Graph mapped(Graph imported, Architecture a) {
        return Compiler.compile(imported, new Compiler.Options(OnnxImporter.Options.DEFAULT, a, 4, 0, Set.of()), s -> { }).graph();
    }

    static void assertSameEverywhere(Graph g, float[][] inputs, int samples, String what) {
        // through the program file, as `bnncim run` would load it
        Program p = ProgramCodec.decode(ProgramCodec.encode(Program.of(g)), what);
        Simulator sim = new Simulator(p, Faults.NONE, 1);
        ReferenceInterpreter ref = new ReferenceInterpreter(g);
        BitSource bits = BitSource.counterBased(g, 7, 0);
        for (int i = 0; i < inputs.length; i++) {
            for (int t = -1; t < samples; t++) {
                boolean[] z = t < 0 ? null : bits.bits(i, t);
                var a = ref.run(inputs[i], z == null ? null : Bits.ofScale(z));
                var b = sim.pass(inputs[i], z, i, Math.max(0, t));
                for (Node n : g.nodes()) {
                    assertArrayEquals(a.get(n.output().name()), b.get(n.output().name()),
                            what + ": " + n.name() + " example " + i + " pass " + t);
                }
            }
        }
    }

    @Test
    void everyModelAtThreeCrossbarSizes() {
        Random r = new Random(11);
        for (Path model : Models.all()) {
            Graph imported = OnnxImporter.importFile(model, new OnnxImporter.Options(false, false, 255));
            int per = imported.inputs().get(0).shape().size();
            float[][] x = new float[6][per];
            for (float[] row : x) for (int j = 0; j < per; j++) row[j] = r.nextInt(256) / 255f;
            for (int size : new int[] {64, 128, 256}) {
                for (var enc : Architecture.WeightEncoding.values()) {
                    Architecture a = ArchitectureLoader.defaults().withCrossbar(size, size).withEncoding(enc);
                    assertSameEverywhere(mapped(imported, a), x, 3, model.getFileName() + "@" + size + enc);
                }
            }
        }
    }

    @Test
    void scaleDropoutDenseAndPaddedConvModels() {
        Random r = new Random(13);
        var dense = OnnxImporter.importModel(ScaleDropoutAgainstOrtTest.denseModel(new Random(3)), "dense", OnnxImporter.Options.DEFAULT);
        var conv = OnnxImporter.importModel(ScaleDropoutAgainstOrtTest.convModel(new Random(5)), "conv", OnnxImporter.Options.DEFAULT);
        float[][] xd = new float[20][16], xc = new float[20][36];
        for (float[] row : xd) for (int j = 0; j < 16; j++) row[j] = (float) r.nextGaussian();
        for (float[] row : xc) for (int j = 0; j < 36; j++) row[j] = r.nextInt(256) / 255f;
        for (int size : new int[] {8, 16, 64}) {
            Architecture a = ArchitectureLoader.defaults().withCrossbar(size, size);
            assertSameEverywhere(mapped(dense, a), xd, 4, "dense@" + size);
            assertSameEverywhere(mapped(conv, a), xc, 4, "conv@" + size);
        }
    }

    @Test
    void sameSeedSameOutputsWhateverTheThreadCount() {
        var conv = OnnxImporter.importModel(ScaleDropoutAgainstOrtTest.convModel(new Random(5)), "conv", OnnxImporter.Options.DEFAULT);
        Graph g = mapped(conv, ArchitectureLoader.defaults().withCrossbar(16, 16));
        Random r = new Random(1);
        float[][] x = new float[50][36];
        for (float[] row : x) for (int j = 0; j < 36; j++) row[j] = r.nextInt(256) / 255f;
        Simulator sim = new Simulator(Program.of(g), new Faults(0.01, 0.001, 0.05), 3);
        BitSource bits = BitSource.counterBased(g, 3, 0.05);
        float[][][] one = sim.run(x, 8, bits, 1, null);
        float[][][] four = sim.run(x, 8, bits, 4, null);
        assertEquals(one.length, four.length);
        for (int i = 0; i < one.length; i++) for (int t = 0; t < 8; t++) assertArrayEquals(one[i][t], four[i][t]);
    }

    @Test
    void sharingWorkBetweenPassesGivesTheNaiveResults() {
        var dense = OnnxImporter.importModel(ScaleDropoutAgainstOrtTest.denseModel(new Random(3)), "dense", OnnxImporter.Options.DEFAULT);
        Graph g = mapped(dense, ArchitectureLoader.defaults().withCrossbar(8, 8));
        Random r = new Random(2);
        float[][] x = new float[30][16];
        for (float[] row : x) for (int j = 0; j < 16; j++) row[j] = (float) r.nextGaussian();
        Simulator sim = new Simulator(Program.of(g), Faults.NONE, 5);
        BitSource bits = BitSource.counterBased(g, 5, 0);
        float[][][] shared = sim.run(x, 16, bits, 2, null);
        for (int i = 0; i < x.length; i++) {
            for (int t = 0; t < 16; t++) assertArrayEquals(sim.output(x[i], bits.bits(i, t), i, t), shared[i][t], "example " + i + " pass " + t);
        }
    }
}
