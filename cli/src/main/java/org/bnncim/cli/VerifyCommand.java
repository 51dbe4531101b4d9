package org.bnncim.cli;

import ai.onnx.proto.OnnxMl;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.io.Inputs;
import org.bnncim.compiler.driver.Metrics;
import org.bnncim.compiler.frontend.OnnxFiles;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.oracle.OrtReference;
import org.bnncim.oracle.ReferenceForm;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Run ONNX Runtime (on the reference form) and the CIM simulator on the same inputs and the same",
                "stochastic bits, pass by pass. Exit 1 on any mismatch, naming the first diverging layer and channel."})
final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx")
    Path model;

    @Option(names = "--input", paramLabel = "X.npy", description = "Inputs (default: 64 seeded random 8-bit images).")
    Path input;

    @Option(names = "--samples", defaultValue = "8", paramLabel = "T", description = "MC passes per example, besides the deterministic pass (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of inputs and stochastic bits (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--limit", paramLabel = "N", description = "Verify only the first N inputs.")
    Integer limit;

    @Option(names = "--layers", description = "Also compare every layer of the simulator with the reference interpreter.")
    boolean layers;

    @Option(names = "--tolerance", defaultValue = "1e-5", description = "Relative tolerance on logits (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @picocli.CommandLine.Mixin
    ArchOptions archOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (samples < 0) throw new BnncimException("--samples must be >= 0");
        OnnxMl.ModelProto proto = OnnxFiles.read(model);
        var options = OnnxImporter.Options.DEFAULT;
        Graph unfolded = OnnxImporter.importModel(proto, model.toString(), options);
        var a = archOptions.architecture();
        var compiled = Compiler.compile(unfolded, new Compiler.Options(options, a, 1, seed, Set.of()), s -> { });
        Graph mapped = compiled.graph();
        Program program = Program.of(compiled.mapped());
        int[] shape = mapped.inputs().get(0).shape().dims();
        int per = mapped.inputs().get(0).shape().size();
        float[][] x = input != null ? Inputs.read(input, per).examples() : randomImages(64, per, seed);
        int n = limit == null ? x.length : Math.min(limit, x.length);
        PrintWriter out = spec.commandLine().getOut();
        Simulator sim = new Simulator(program, org.bnncim.backends.sim.Faults.NONE, seed);
        ReferenceInterpreter folded = new ReferenceInterpreter(mapped), raw = new ReferenceInterpreter(unfolded);
        BitSource bits = BitSource.counterBased(program.model(), seed, 0);
        int bitCount = program.stochasticBits();
        int[] oshape = new int[shape.length + 1];
        oshape[0] = 1;
        System.arraycopy(shape, 0, oshape, 1, shape.length);
        float[] flat = new float[n * per];
        for (int i = 0; i < n; i++) System.arraycopy(x[i], 0, flat, i * per, per);
        double maxDiff = 0;
        int ties = 0, layerChecks = 0;
        int passes = bitCount == 0 ? 0 : samples;
        try (OrtReference det = new OrtReference(ReferenceForm.convert(proto, ReferenceForm.Mode.EXPECTATION).toByteArray(), 2);
             OrtReference mc = passes == 0 ? null : new OrtReference(ReferenceForm.convert(proto, ReferenceForm.Mode.BITS).toByteArray(), 2)) {
            for (int t = -1; t < passes; t++) {
                boolean[][] z = new boolean[n][];
                for (int i = 0; i < n; i++) z[i] = t < 0 ? null : bits.bits(i, t);
                float[][] ref = t < 0 ? det.runBatched(flat, shape, n, null, 256) : mc.runBatched(flat, shape, n, z, 256);
                for (int i = 0; i < n; i++) {
                    Bits b = z[i] == null ? null : Bits.ofScale(z[i]);
                    ties += raw.run(x[i], b).signZeroTies();
                    float[] mine = sim.output(x[i], z[i], i, Math.max(0, t));
                    String where = "example " + i + (t < 0 ? " (deterministic pass)" : " pass " + t);
                    for (int c = 0; c < mine.length; c++) {
                        double d = Math.abs(mine[c] - ref[i][c]);
                        maxDiff = Math.max(maxDiff, d);
                        if (d > tolerance * Math.max(1, Math.abs(ref[i][c])) || Float.isNaN(mine[c]) != Float.isNaN(ref[i][c])) {
                            throw new Main.MismatchException(mismatch(where, c, mine[c], ref[i][c], sim, folded, x[i], z[i], i, t, ties));
                        }
                    }
                    if (Metrics.argmax(mine) != Metrics.argmax(ref[i])) {
                        throw new Main.MismatchException(where + ": predicted class " + Metrics.argmax(mine) + " but ONNX Runtime predicts " + Metrics.argmax(ref[i]));
                    }
                    if (layers) {
                        String diff = firstLayerDifference(mapped, sim.pass(x[i], z[i], i, Math.max(0, t)), folded.run(x[i], b));
                        if (diff != null) throw new Main.MismatchException(where + ": simulator and reference interpreter differ at " + diff);
                        layerChecks++;
                    }
                }
            }
        }
        out.printf(Locale.ROOT, "verified %s: %d example(s) x (1 deterministic + %d MC) passes against ONNX Runtime; max |logit diff| %.3g, argmax identical%n",
                model.getFileName(), n, passes, maxDiff);
        if (bitCount > 0) out.printf(Locale.ROOT, "stochastic bits: %d per pass (one per Scale-Dropout layer), same bits fed to both%n", bitCount);
        if (layers) out.printf(Locale.ROOT, "every layer equal to the reference interpreter in %d pass(es)%n", layerChecks);
        if (ties > 0) {
            out.printf(Locale.ROOT, "warning: %d pre-activation value(s) were exactly 0: the chip's sign(0)=+1 differs from ONNX Runtime's Sign(0)=0 there%n", ties);
        }
        out.flush();
        return Main.OK;
    }

    private String mismatch(String where, int c, float mine, float ref, Simulator sim, ReferenceInterpreter folded, float[] x,
                            boolean[] z, int i, int t, int ties) {
        String head = String.format(Locale.ROOT, "%s: output %d is %s on the simulator, %s in ONNX Runtime", where, c, mine, ref);
        Graph g = sim.program().graph();
        String layer = firstLayerDifference(g, sim.pass(x, z, i, Math.max(0, t)), folded.run(x, z == null ? null : Bits.ofScale(z)));
        if (layer != null) return head + "; first diverging layer (simulator vs reference interpreter): " + layer;
        if (ties > 0) return head + "; the compiled model agrees with bnncim's reference: " + ties
                + " sign(0) tie(s) seen, where the chip's sign(0)=+1 differs from ONNX Runtime's Sign(0)=0";
        return head + "; the simulator equals bnncim's reference interpreter, so the difference is in import/folding or float rounding";
    }

    /** The first node whose value differs, with the channel and both numbers; null if all agree. */
    static String firstLayerDifference(Graph g, Simulator.Trace sim, ReferenceInterpreter.Trace ref) {
        for (Node n : g.nodes()) {
            double[] a = sim.get(n.output().name()), b = ref.get(n.output().name());
            int per = n.output().shape().perChannel();
            for (int j = 0; j < a.length; j++) {
                if (Double.compare(a[j], b[j]) != 0) {
                    return String.format(Locale.ROOT, "%s (%s) channel %d element %d: %s vs %s", n.name(), n.opName(), j / per, j, a[j], b[j]);
                }
            }
        }
        return null;
    }

    /** Seeded random 8-bit images (values k/255, what the chip's 8-bit input reads exactly). */
    static float[][] randomImages(int n, int per, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][per];
        for (float[] row : x) for (int j = 0; j < per; j++) row[j] = r.nextInt(256) / 255f;
        return x;
    }
}
