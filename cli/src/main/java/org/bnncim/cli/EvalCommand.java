package org.bnncim.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.io.Inputs;
import org.bnncim.compiler.driver.Metrics;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Accuracy, NLL, calibration and uncertainty on a labelled dataset, on the CIM simulator",
                "(optionally with device faults); OOD detection AUROC by predictive entropy with --ood."})
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OUT/|MODEL.onnx")
    Path model;

    @Option(names = "--dataset", required = true, paramLabel = "DIR",
            description = "Folder with test-images.npy and test-labels.npy (or one *images.npy / *labels.npy pair).")
    Path dataset;

    @Option(names = "--ood", paramLabel = "DIR", description = "Out-of-distribution images (*images.npy) for AUROC.")
    Path ood;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N examples.")
    Integer limit;

    @Option(names = "--engine", defaultValue = "sim", description = "sim (the CIM simulator) or interp (the reference interpreter) (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--progress", negatable = true, description = "Show a progress bar (default: when stderr is a terminal).")
    Boolean progress;

    @Mixin
    SimOptions sim;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!engine.equals("sim") && !engine.equals("interp")) throw new BnncimException("--engine must be sim or interp");
        if (engine.equals("interp") && sim.faults().any()) throw new BnncimException("--faults needs --engine sim");
        Program p = sim.load(model);
        int per = p.graph().inputs().get(0).shape().size();
        Path[] files = Inputs.datasetFiles(dataset, true);
        Inputs.Batch data = Inputs.read(files[0], per);
        int[] labels = Inputs.labels(files[1], data.size());
        int n = limit == null ? data.size() : Math.max(0, Math.min(limit, data.size()));
        if (n == 0) throw new BnncimException(files[0] + ": no examples to evaluate");
        float[][] x = Arrays.copyOf(data.examples(), n);
        Inputs.Batch oodData = ood == null ? null : Inputs.read(Inputs.datasetFiles(ood, false)[0], per);
        boolean bar = progress != null ? progress : System.console() != null;
        long total = (long) (n + (oodData == null ? 0 : oodData.size()));
        Metrics.Predictive[] preds, oodPreds = null;
        try (ProgressBar pb = bar ? new ProgressBarBuilder().setTaskName("eval").setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .setUnit(" ex", 1).build() : null) {
            Runnable tick = pb == null ? null : pb::step;
            preds = predict(p, x, tick);
            if (oodData != null) oodPreds = predict(p, oodData.examples(), tick);
        }
        int[] lab = Arrays.copyOf(labels, n);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "model      %s%n", model);
        out.printf(Locale.ROOT, "dataset    %s (%d examples)%n", files[0], n);
        out.printf(Locale.ROOT, "engine     %s%s%n", engine, sim.faults().any() ? ", faults " + sim.faults() : "");
        out.printf(Locale.ROOT, "mode       %s%n", sim.samples == 0 ? "deterministic" : "Monte-Carlo, T=" + sim.samples + ", seed=" + sim.seed + ", bits=" + sim.bits);
        out.printf(Locale.ROOT, "accuracy   %.4f%n", Metrics.accuracy(preds, lab));
        out.printf(Locale.ROOT, "nll        %.4f%n", Metrics.nll(preds, lab));
        out.printf(Locale.ROOT, "ece        %.4f%n", Metrics.ece(preds, lab, 15));
        double[] ent = Arrays.stream(preds).mapToDouble(Metrics.Predictive::predictiveEntropy).toArray();
        out.printf(Locale.ROOT, "entropy    %.4f (mean predictive)%n", Arrays.stream(ent).average().orElse(0));
        if (sim.samples > 0) {
            out.printf(Locale.ROOT, "exp_entropy %.4f (mean expected)%n", Arrays.stream(preds).mapToDouble(Metrics.Predictive::expectedEntropy).average().orElse(0));
            out.printf(Locale.ROOT, "mutual_inf %.4f (mean)%n", Arrays.stream(preds).mapToDouble(Metrics.Predictive::mutualInformation).average().orElse(0));
        }
        if (oodPreds != null) {
            double[] oent = Arrays.stream(oodPreds).mapToDouble(Metrics.Predictive::predictiveEntropy).toArray();
            out.printf(Locale.ROOT, "ood_auroc  %.4f (predictive entropy, %d OOD examples, mean OOD entropy %.4f)%n",
                    Metrics.auroc(ent, oent), oent.length, Arrays.stream(oent).average().orElse(0));
        }
        out.flush();
        return Main.OK;
    }

    private Metrics.Predictive[] predict(Program p, float[][] x, Runnable tick) {
        Metrics.Predictive[] preds = new Metrics.Predictive[x.length];
        if (engine.equals("sim")) {
            float[][][] y = new Simulator(p, sim.faults(), sim.seed).run(x, sim.samples, sim.bitSource(p, x.length), sim.threads(), tick);
            for (int i = 0; i < x.length; i++) preds[i] = Metrics.predictive(y[i]);
            return preds;
        }
        ReferenceInterpreter interp = new ReferenceInterpreter(p.graph());
        var bits = sim.bitSource(p, x.length); // the same bits the simulator engine would draw (counter or LFSR)
        IntStream.range(0, x.length).parallel().forEach(i -> {
            float[][] logits = new float[Math.max(1, sim.samples)][];
            for (int t = 0; t < logits.length; t++) {
                logits[t] = interp.output(x[i], sim.samples == 0 ? null : Bits.ofScale(bits.bits(i, t)));
            }
            preds[i] = Metrics.predictive(logits);
            if (tick != null) tick.run();
        });
        return preds;
    }
}
