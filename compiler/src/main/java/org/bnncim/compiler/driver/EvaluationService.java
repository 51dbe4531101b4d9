package org.bnncim.compiler.driver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicReferenceArray;
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
     * @param oodSets      out-of-distribution image sets (folders or files), each evaluated and named on its own
     * @param limit        evaluate only the first {@code limit} examples; null for all
     */
    public record Request(
            Path model,
            OnnxImporter.Options importOptions,
            Architecture arch,
            Path dataset,
            List<Path> oodSets,
            Integer limit,
            Engine engine,
            SimSettings sim) {
        public Request {
            oodSets = List.copyOf(oodSets);
        }

        /** One OOD set, or none ({@code ood} null). */
        public Request(
                Path model,
                OnnxImporter.Options importOptions,
                Architecture arch,
                Path dataset,
                Path ood,
                Integer limit,
                Engine engine,
                SimSettings sim) {
            this(model, importOptions, arch, dataset, ood == null ? List.of() : List.of(ood), limit, engine, sim);
        }

        /** The first OOD set, or null. */
        public Path ood() {
            return oodSets.isEmpty() ? null : oodSets.get(0);
        }

        public Request withSim(SimSettings s) {
            return new Request(model, importOptions, arch, dataset, oodSets, limit, engine, s);
        }
    }

    /**
     * OOD detection: AUROC of predictive entropy (and of mutual information), in-distribution versus the OOD set.
     *
     * @param name how outputs name the set (see {@link EvalData#names})
     */
    public record Ood(
            Path images, int examples, double auroc, double meanEntropy, String name, double aurocMutualInformation) {}

    /**
     * @param images                 the image file actually read from the dataset
     * @param meanExpectedEntropy    and {@code meanMutualInformation}: present with Monte-Carlo passes only
     * @param data                   the in-distribution set's per-example results
     * @param oodData                each OOD set's, in the order of {@code oods}
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
            List<Ood> oods,
            EvalData.Scored data,
            List<EvalData.Scored> oodData) {
        /** The first OOD set's detection, if any. */
        public Optional<Ood> ood() {
            return oods.stream().findFirst();
        }
    }

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
        List<Path> oodFiles = new ArrayList<>();
        List<Inputs.Batch> oodBatches = new ArrayList<>();
        long total = n;
        for (Path o : r.oodSets()) {
            Path f = Inputs.datasetFiles(o, false)[0];
            oodFiles.add(f);
            oodBatches.add(Inputs.read(f, per));
            total += oodBatches.getLast().size();
        }
        List<Path> named = new ArrayList<>(List.of(r.dataset()));
        named.addAll(r.oodSets());
        List<String> names = EvalData.names(named);
        int[] points = EvalData.points(sim.samples());
        progress.start(total);
        int[] lab = Arrays.copyOf(labels, n);
        EvalData.Scored id = EvalData.scored(
                names.get(0),
                files[0],
                predict(p, x, r.engine(), sim, progress, y -> EvalData.example(y, output, points)),
                lab,
                points);
        Metrics.Predictive[] preds = id.preds();
        double[] ent = id.entropy(), mi = id.mutualInformation();
        List<EvalData.Scored> oodData = new ArrayList<>();
        List<Ood> oods = new ArrayList<>();
        for (int k = 0; k < oodFiles.size(); k++) {
            EvalData.Scored o = EvalData.scored(
                    names.get(k + 1),
                    oodFiles.get(k),
                    predict(
                            p,
                            oodBatches.get(k).examples(),
                            r.engine(),
                            sim,
                            progress,
                            y -> EvalData.example(y, output, points)),
                    null,
                    points);
            oodData.add(o);
            double[] oent = o.entropy();
            oods.add(new Ood(
                    oodFiles.get(k),
                    oent.length,
                    Metrics.auroc(ent, oent),
                    Arrays.stream(oent).average().orElse(0),
                    o.name(),
                    Metrics.auroc(mi, o.mutualInformation())));
        }
        boolean mc = sim.samples() > 0;
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
                        ? OptionalDouble.of(
                                Arrays.stream(id.expectedEntropy()).average().orElse(0))
                        : OptionalDouble.empty(),
                mc ? OptionalDouble.of(Arrays.stream(mi).average().orElse(0)) : OptionalDouble.empty(),
                List.copyOf(oods),
                id,
                List.copyOf(oodData));
    }

    /**
     * Runs every example (all its passes) on the chosen engine and summarises each example's outputs (one row per
     * pass) as soon as they exist, keeping only the summaries: the simulator streams its results, so per-pixel
     * models never hold every pass of every example. {@code summary} runs on several threads at once.
     */
    static <T> List<T> predict(
            Program p, float[][] x, Engine engine, SimSettings sim, Progress progress, Function<float[][], T> summary) {
        // each index is set once, from whichever thread computed it; the array publishes them to this thread
        AtomicReferenceArray<T> out = new AtomicReferenceArray<>(x.length);
        if (engine == Engine.sim) {
            sim.simulator(p).stream(x, sim.samples(), sim.bitSource(p, x.length), sim.threads(), (i, passes) -> {
                out.set(i, summary.apply(passes));
                progress.step();
            });
            return list(out);
        }
        ReferenceInterpreter interp = new ReferenceInterpreter(p.graph());
        BitSource bits = sim.bitSource(p, x.length); // the same bits the simulator engine would draw (counter or LFSR)
        IntStream.range(0, x.length).parallel().forEach(i -> {
            float[][] outputs = new float[Math.max(1, sim.samples())][];
            for (int t = 0; t < outputs.length; t++) {
                outputs[t] = interp.output(x[i], sim.samples() == 0 ? null : Bits.ofScale(bits.bits(i, t)));
            }
            out.set(i, summary.apply(outputs));
            progress.step();
        });
        return list(out);
    }

    private static <T> List<T> list(AtomicReferenceArray<T> a) {
        List<T> l = new ArrayList<>(a.length());
        for (int i = 0; i < a.length(); i++) l.add(a.get(i));
        return l;
    }
}
