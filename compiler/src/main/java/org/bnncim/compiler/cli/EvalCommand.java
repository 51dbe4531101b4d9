package org.bnncim.compiler.cli;

import org.bnncim.compiler.driver.Frontend;
import org.bnncim.compiler.driver.Inputs;
import org.bnncim.compiler.driver.Metrics;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.interp.BitSampler;
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
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Accuracy, NLL, calibration and uncertainty of a model on a labelled dataset (and OOD AUROC).")
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx")
    Path model;

    @Option(names = "--dataset", required = true, paramLabel = "DIR",
            description = "Folder with test-images.npy and test-labels.npy (or one *images.npy / *labels.npy pair).")
    Path dataset;

    @Option(names = "--ood", paramLabel = "DIR", description = "Out-of-distribution images (*images.npy) for AUROC.")
    Path ood;

    @Option(names = "--samples", defaultValue = "0", paramLabel = "T",
            description = "Monte-Carlo passes per example; 0 = one deterministic pass (default).")
    int samples;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the stochastic bits (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N examples.")
    Integer limit;

    @Mixin
    ModelOptions modelOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (samples < 0) throw new BnncimException("--samples must be >= 0");
        Graph g = Frontend.load(model, modelOptions.toOptions());
        int per = g.inputs().get(0).shape().size();
        Path[] files = Inputs.datasetFiles(dataset, true);
        Inputs.Batch data = Inputs.read(files[0], per);
        int[] labels = Inputs.labels(files[1], data.size());
        int n = limit == null ? data.size() : Math.min(limit, data.size());
        Metrics.Predictive[] preds = predict(g, data, n);
        int[] lab = java.util.Arrays.copyOf(labels, n);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "model      %s%n", model);
        out.printf(Locale.ROOT, "dataset    %s (%d examples)%n", files[0], n);
        out.printf(Locale.ROOT, "mode       %s%n", samples == 0 ? "deterministic" : "Monte-Carlo, T=" + samples + ", seed=" + seed);
        out.printf(Locale.ROOT, "accuracy   %.4f%n", Metrics.accuracy(preds, lab));
        out.printf(Locale.ROOT, "nll        %.4f%n", Metrics.nll(preds, lab));
        out.printf(Locale.ROOT, "ece        %.4f%n", Metrics.ece(preds, lab, 15));
        double[] ent = IntStream.range(0, n).mapToDouble(i -> preds[i].predictiveEntropy()).toArray();
        out.printf(Locale.ROOT, "entropy    %.4f (mean predictive)%n", java.util.Arrays.stream(ent).average().orElse(0));
        if (samples > 0) {
            out.printf(Locale.ROOT, "mutual_inf %.4f (mean)%n",
                    IntStream.range(0, n).mapToDouble(i -> preds[i].mutualInformation()).average().orElse(0));
        }
        if (ood != null) {
            Inputs.Batch o = Inputs.read(Inputs.datasetFiles(ood, false)[0], per);
            Metrics.Predictive[] op = predict(g, o, o.size());
            double[] oent = java.util.Arrays.stream(op).mapToDouble(Metrics.Predictive::predictiveEntropy).toArray();
            out.printf(Locale.ROOT, "ood_auroc  %.4f (predictive entropy, %d OOD examples)%n", Metrics.auroc(ent, oent), o.size());
        }
        out.flush();
        return Main.OK;
    }

    private Metrics.Predictive[] predict(Graph g, Inputs.Batch data, int n) {
        ReferenceInterpreter interp = new ReferenceInterpreter(g);
        BitSampler sampler = new BitSampler(g, seed);
        Metrics.Predictive[] preds = new Metrics.Predictive[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            float[][] logits;
            if (samples == 0) {
                logits = new float[][] {interp.output(data.examples()[i], null)};
            } else {
                logits = new float[samples][];
                for (int t = 0; t < samples; t++) logits[t] = interp.output(data.examples()[i], Bits.ofScale(sampler.bits(i, t)));
            }
            preds[i] = Metrics.predictive(logits);
        });
        return preds;
    }
}
