package org.bnncim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bnncim.backends.sim.Program;
import org.bnncim.compiler.driver.Loaded;
import org.bnncim.compiler.driver.Metrics;
import org.bnncim.compiler.driver.SimSettings;
import org.bnncim.io.Inputs;
import org.bnncim.io.Npy;
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
            "-o writes logits [N,C] (deterministic) or mean probabilities [N,C] (with --samples)."
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
            description = "Write every pass's outputs [N,T,C] as float32 .npy.")
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
        int per = p.graph().inputs().get(0).shape().size();
        Inputs.Batch data = Inputs.read(input, per);
        float[][][] y = settings.simulator(p)
                .run(data.examples(), settings.samples(), settings.bitSource(p, data.size()), settings.threads(), null);
        PrintWriter out = spec.commandLine().getOut();
        int n = data.size(), c = y.length == 0 ? 0 : y[0][0].length;
        float[] flat = new float[n * c];
        for (int i = 0; i < n; i++) {
            Metrics.Predictive pr = Metrics.predictive(y[i]);
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
        if (output != null) Npy.write(output, Npy.NpyArray.ofFloat(new int[] {n, c}, flat));
        if (saveSamples != null) {
            int t = Math.max(1, settings.samples());
            float[] all = new float[n * t * c];
            for (int i = 0; i < n; i++)
                for (int k = 0; k < t; k++) System.arraycopy(y[i][k], 0, all, (i * t + k) * c, c);
            Npy.write(saveSamples, Npy.NpyArray.ofFloat(new int[] {n, t, c}, all));
        }
        out.flush();
        return Main.OK;
    }
}
