package org.bnncim.compiler.driver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Program;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.io.Inputs;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;

/**
 * Evaluation on a labelled dataset: accuracy, NLL, calibration and uncertainty, on the CIM simulator or on the
 * reference interpreter, and optionally OOD detection by predictive entropy. Returns numbers, prints nothing.
 */
public final class EvaluationService {
    private EvaluationService() {}

    /** Which engine produces the logits; spelled as on the command line ({@code --engine sim|interp}). */
    public enum Engine {
        /** The CIM simulator: the compiled program, with device faults if any. */
        sim,
        /** bnncim's reference interpreter on the mapped graph: no faults, the same stochastic bits. */
        interp
    }

    /**
     * @param model        a compiled folder (OUT/ with program.bnc) or an ONNX model compiled on the fly
     * @param importOptions and {@code arch}: how an ONNX model is compiled (a compiled folder carries its own)
     * @param dataset      folder with images and labels, or one *images.npy / *labels.npy pair
     * @param ood          out-of-distribution images (folder or file), or null
     * @param limit        evaluate only the first {@code limit} examples; null for all
     */
    public record Request(
            Path model,
            OnnxImporter.Options importOptions,
            Architecture arch,
            Path dataset,
            Path ood,
            Integer limit,
            Engine engine,
            SimSettings sim) {}

    /** OOD detection: AUROC of predictive entropy, in-distribution versus the OOD images. */
    public record Ood(Path images, int examples, double auroc, double meanEntropy) {}

    /**
     * @param images                 the image file actually read from the dataset
     * @param meanExpectedEntropy    and {@code meanMutualInformation}: present with Monte-Carlo passes only
     */
    public record Result(
            Path model,
            Path images,
            int examples,
            Engine engine,
            SimSettings sim,
            double accuracy,
            double nll,
            double ece,
            double meanEntropy,
            OptionalDouble meanExpectedEntropy,
            OptionalDouble meanMutualInformation,
            Optional<Ood> ood) {}

    /** Progress of a long evaluation; {@link #step()} may be called from several threads at once. */
    public interface Progress {
        Progress NONE = new Progress() {
            @Override
            public void start(long total) {}

            @Override
            public void step() {}
        };

        /** Called once, when the number of examples (in-distribution plus OOD) is known. */
        void start(long total);

        void step();
    }

    /** Calibration bins of the expected calibration error. */
    public static final int ECE_BINS = 15;

    /** The program a request evaluates (compiled on the fly from an ONNX model). */
    public static Program load(Request r) {
        if (r.engine() == Engine.interp && r.sim().faults().any())
            throw new BnncimException("--faults needs --engine sim");
        return Loaded.program(r.model(), r.importOptions(), r.arch());
    }

    /** Evaluates a classifier; a per-pixel model is refused (see {@link SegmentationEvaluation}). */
    public static Result evaluate(Request r, Progress progress) {
        return evaluate(r, load(r), progress);
    }

    public static Result evaluate(Request r, Program p, Progress progress) {
        SimSettings sim = r.sim();
        ModelOutput output = ModelOutput.of(p.graph());
        if (output.pixels()) {
            throw new BnncimException(r.model() + ": per-pixel output "
                    + p.graph().output().type().shape()
                    + " is a segmentation model: evaluate it with SegmentationEvaluation");
        }
        int per = p.graph().inputs().get(0).shape().size();
        Path[] files = Inputs.datasetFiles(r.dataset(), true);
        Inputs.Batch data = Inputs.read(files[0], per);
        int[] labels = Inputs.labels(files[1], data.size(), output.classes());
        int n = r.limit() == null ? data.size() : Math.max(0, Math.min(r.limit(), data.size()));
        if (n == 0) throw new BnncimException(files[0] + ": no examples to evaluate");
        float[][] x = Arrays.copyOf(data.examples(), n);
        Path oodFile = r.ood() == null ? null : Inputs.datasetFiles(r.ood(), false)[0];
        Inputs.Batch oodData = oodFile == null ? null : Inputs.read(oodFile, per);
        progress.start(n + (oodData == null ? 0 : oodData.size()));
        Metrics.Predictive[] preds = predict(p, x, r.engine(), sim, progress, y -> Metrics.predictive(y, output))
                .toArray(Metrics.Predictive[]::new);
        Metrics.Predictive[] oodPreds = oodData == null
                ? null
                : predict(p, oodData.examples(), r.engine(), sim, progress, y -> Metrics.predictive(y, output))
                        .toArray(Metrics.Predictive[]::new);

        int[] lab = Arrays.copyOf(labels, n);
        double[] ent = Arrays.stream(preds)
                .mapToDouble(Metrics.Predictive::predictiveEntropy)
                .toArray();
        boolean mc = sim.samples() > 0;
        Optional<Ood> ood = Optional.empty();
        if (oodPreds != null) {
            double[] oent = Arrays.stream(oodPreds)
                    .mapToDouble(Metrics.Predictive::predictiveEntropy)
                    .toArray();
            ood = Optional.of(new Ood(
                    oodFile,
                    oent.length,
                    Metrics.auroc(ent, oent),
                    Arrays.stream(oent).average().orElse(0)));
        }
        return new Result(
                r.model(),
                files[0],
                n,
                r.engine(),
                sim,
                Metrics.accuracy(preds, lab),
                Metrics.nll(preds, lab),
                Metrics.ece(preds, lab, ECE_BINS),
                Arrays.stream(ent).average().orElse(0),
                mc
                        ? OptionalDouble.of(Arrays.stream(preds)
                                .mapToDouble(Metrics.Predictive::expectedEntropy)
                                .average()
                                .orElse(0))
                        : OptionalDouble.empty(),
                mc
                        ? OptionalDouble.of(Arrays.stream(preds)
                                .mapToDouble(Metrics.Predictive::mutualInformation)
                                .average()
                                .orElse(0))
                        : OptionalDouble.empty(),
                ood);
    }

    /**
     * Runs every example (all its passes) on the chosen engine and summarises each example's outputs (one row per
     * pass) as soon as they exist, so that per-pixel models need not keep every pass of every example.
     */
    static <T> List<T> predict(
            Program p, float[][] x, Engine engine, SimSettings sim, Progress progress, Function<float[][], T> summary) {
        List<T> out = new ArrayList<>(Collections.nCopies(x.length, null));
        if (engine == Engine.sim) {
            float[][][] y =
                    sim.simulator(p).run(x, sim.samples(), sim.bitSource(p, x.length), sim.threads(), progress::step);
            for (int i = 0; i < x.length; i++) {
                out.set(i, summary.apply(y[i]));
                y[i] = null;
            }
            return out;
        }
        ReferenceInterpreter interp = new ReferenceInterpreter(p.graph());
        BitSource bits = sim.bitSource(p, x.length); // the same bits the simulator engine would draw (counter or LFSR)
        IntStream.range(0, x.length).parallel().forEach(i -> {
            float[][] outputs = new float[Math.max(1, sim.samples())][];
            for (int t = 0; t < outputs.length; t++) {
                outputs[t] = interp.output(x[i], sim.samples() == 0 ? null : Bits.ofScale(bits.bits(i, t)));
            }
            T s = summary.apply(outputs);
            synchronized (out) {
                out.set(i, s);
            }
            progress.step();
        });
        return out;
    }
}
