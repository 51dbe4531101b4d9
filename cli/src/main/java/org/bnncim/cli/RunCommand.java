package org.bnncim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bnncim.backends.sim.Program;
import org.bnncim.compiler.driver.Loaded;
import org.bnncim.compiler.driver.Metrics;
import org.bnncim.compiler.driver.ModelOutput;
import org.bnncim.compiler.driver.PixelArrays;
import org.bnncim.compiler.driver.PixelMaps;
import org.bnncim.compiler.driver.SimSettings;
import org.bnncim.io.Inputs;
import org.bnncim.io.Npy;
import org.bnncim.ir.BnncimException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run inputs on the CIM simulator: class, confidence and uncertainty per example.",
            "OUT/ is a compiled folder (program.bnc); an .onnx model is compiled on the fly.",
            "-o Y.npy writes logits [N,C] (deterministic) or mean probabilities [N,C] (with --samples), and "
                    + "beside it, named for what they hold: Y-logits.npy, the model's raw output ([N,C] "
                    + "deterministic, [N,T,C] with --samples: every pass), and Y-probs.npy, the mean probabilities "
                    + "[N,C], all float32.",
            "Segmentation models (per-pixel output [C,H,W]) print a summary per example (share of pixels "
                    + "predicted foreground, mean confidence and entropies); -o Y.npy writes the mean probability "
                    + "[N,C,H,W] (C=1: the foreground probability) and beside it Y-entropy.npy, "
                    + "Y-expected-entropy.npy, Y-mutual-info.npy [N,H,W] float32 (nats) and Y-class.npy [N,H,W] "
                    + "uint8."
        })
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OUT/|MODEL.onnx")
    Path target;

    @Option(
            names = "--input",
            required = true,
            paramLabel = "X.npy",
            description = "Inputs: uint8 images (read as x/255) or float32.")
    Path input;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "Y.npy",
            description = "Write outputs as float32 .npy.")
    Path output;

    @Option(
            names = "--save-samples",
            paramLabel = "S.npy",
            description = "Write every pass's outputs [N,T,C] (segmentation: [N,T,C,H,W]) as float32 .npy.")
    Path saveSamples;

    @Option(names = "--quiet", description = "Do not print one line per example.")
    boolean quiet;

    @Mixin
    SimOptions sim;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        sim.refuseCompileOptionsFor(target);
        SimSettings settings = sim.settings();
        Program p = Loaded.program(target, sim.modelOptions.toOptions(), sim.archOptions.architecture());
        Loaded.refuseIdentityDropout(target, p, settings.samples());
        int per = p.graph().inputs().get(0).shape().size();
        Inputs.Batch data = Inputs.read(input, per);
        ModelOutput kind = ModelOutput.of(p.graph());
        if (kind.pixels() && output != null && !output.getFileName().toString().endsWith(".npy")) {
            throw new BnncimException("-o " + output + ": the per-pixel maps are named after a file ending in .npy");
        }
        float[][][] y = settings.simulator(p)
                .run(data.examples(), settings.samples(), settings.bitSource(p, data.size()), settings.threads(), null);
        PrintWriter out = spec.commandLine().getOut();
        if (kind.pixels()) pixels(y, kind, settings, out);
        else classes(y, kind, settings, out);
        if (saveSamples != null) {
            int n = y.length,
                    t = Math.max(1, settings.samples()),
                    c = p.graph().output().type().shape().size();
            float[] all = new float[n * t * c];
            for (int i = 0; i < n; i++)
                for (int k = 0; k < t; k++) System.arraycopy(y[i][k], 0, all, (i * t + k) * c, c);
            int[] dims = p.graph().output().type().shape().dims();
            int[] shape = new int[dims.length + 2];
            shape[0] = n;
            shape[1] = t;
            System.arraycopy(dims, 0, shape, 2, dims.length);
            Npy.write(saveSamples, Npy.NpyArray.ofFloat(shape, all));
        }
        out.flush();
        return Main.OK;
    }

    private void classes(float[][][] y, ModelOutput kind, SimSettings settings, PrintWriter out) {
        int n = y.length, c = y.length == 0 ? 0 : y[0][0].length;
        float[] flat = new float[n * c];
        for (int i = 0; i < n; i++) {
            Metrics.Predictive pr = Metrics.predictive(y[i], kind);
            for (int j = 0; j < c; j++) flat[i * c + j] = settings.samples() == 0 ? y[i][0][j] : (float) pr.mean()[j];
            if (!quiet) {
                out.printf(
                        Locale.ROOT,
                        "%d: class %d  confidence %.4f  entropy %.4f%s%n",
                        i,
                        pr.predicted(),
                        pr.confidence(),
                        pr.predictiveEntropy(),
                        settings.samples() == 0
                                ? ""
                                : String.format(
                                        Locale.ROOT,
                                        "  expected_entropy %.4f  mutual_info %.4f",
                                        pr.expectedEntropy(),
                                        pr.mutualInformation()));
            }
        }
        if (output != null) {
            Npy.write(output, Npy.NpyArray.ofFloat(new int[] {n, c}, flat));
            int k2 = kind.classes(); // a single-logit model has two classes [1-p, p]
            float[] probs = new float[n * k2];
            for (int i = 0; i < n; i++) {
                double[] m = Metrics.predictive(y[i], kind).mean();
                for (int j = 0; j < k2; j++) probs[i * k2 + j] = (float) m[j];
            }
            int t = settings.samples();
            float[] raw = new float[n * Math.max(1, t) * c];
            for (int i = 0; i < n; i++)
                for (int k = 0; k < Math.max(1, t); k++)
                    System.arraycopy(y[i][k], 0, raw, (i * Math.max(1, t) + k) * c, c);
            Npy.write(sibling("-logits"), Npy.NpyArray.ofFloat(t == 0 ? new int[] {n, c} : new int[] {n, t, c}, raw));
            Npy.write(sibling("-probs"), Npy.NpyArray.ofFloat(new int[] {n, k2}, probs));
        }
    }

    /** {@code Y<suffix>.npy} beside {@code -o Y.npy} (or {@code Y<suffix>.npy} after any other name). */
    private Path sibling(String suffix) {
        String name = output.getFileName().toString();
        String stem = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        return output.resolveSibling(stem + suffix + ".npy");
    }

    /** Per-pixel models: a summary line per example; -o writes the probability and uncertainty maps. */
    private void pixels(float[][][] y, ModelOutput kind, SimSettings settings, PrintWriter out) {
        List<PixelMaps> maps = new ArrayList<>(y.length);
        for (int i = 0; i < y.length; i++) {
            PixelMaps m = PixelMaps.of(y[i], kind);
            maps.add(m);
            if (saveSamples == null) y[i] = null; // the maps are all that is left to write
            if (quiet) continue;
            out.printf(
                    Locale.ROOT,
                    "%d: foreground %.4f  confidence %.4f  entropy %.4f%s%n",
                    i,
                    m.foreground(),
                    m.meanConfidence(),
                    m.meanEntropy(),
                    settings.samples() == 0
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    "  expected_entropy %.4f  mutual_info %.4f",
                                    m.meanExpectedEntropy(),
                                    m.meanMutualInformation()));
        }
        if (output != null && !maps.isEmpty()) PixelArrays.write(output, maps);
    }
}
