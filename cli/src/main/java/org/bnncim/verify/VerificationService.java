package org.bnncim.verify;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.driver.Metrics;
import org.bnncim.compiler.frontend.OnnxFiles;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.io.Inputs;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.oracle.OrtReference;
import org.bnncim.oracle.ReferenceForm;

/**
 * Verification against ONNX Runtime: the model's reference form (standard ONNX ops) and the compiled program run on
 * the same inputs and the same stochastic bits, pass by pass; the first disagreement stops the run and is returned,
 * located by layer and channel against bnncim's reference interpreter. Lives apart from the compiler because it needs
 * ONNX Runtime. Returns a result; prints nothing.
 */
public final class VerificationService {
    /** Inputs drawn when the request names none. */
    public static final int RANDOM_INPUTS = 64;

    private static final int ORT_THREADS = 2, ORT_BATCH = 256;

    private VerificationService() {}

    /**
     * @param input     inputs (.npy); null for {@link #RANDOM_INPUTS} seeded random 8-bit images
     * @param samples   Monte-Carlo passes per example, besides the deterministic pass
     * @param seed      seed of the random inputs and of the stochastic bits
     * @param limit     verify only the first {@code limit} inputs; null for all
     * @param layers    also compare every layer of the simulator with the reference interpreter
     * @param tolerance relative tolerance on logits
     */
    public record Request(
            Path model,
            Path input,
            Architecture arch,
            int samples,
            long seed,
            Integer limit,
            boolean layers,
            double tolerance,
            long maxBytes) {
        public Request {
            if (samples < 0) throw new IllegalArgumentException("samples must be >= 0, got " + samples);
        }

        public Request(
                Path model,
                Path input,
                Architecture arch,
                int samples,
                long seed,
                Integer limit,
                boolean layers,
                double tolerance) {
            this(model, input, arch, samples, seed, limit, layers, tolerance, OnnxImporter.Options.DEFAULT_MAX_BYTES);
        }
    }

    /**
     * @param passes         Monte-Carlo passes run per example (0 when the model has no stochastic bits)
     * @param maxDiff        largest |logit difference| seen before the end or the mismatch
     * @param stochasticBits bits per pass (one per Scale-Dropout layer)
     * @param layerChecks    passes whose every layer matched the interpreter; empty without {@code layers}
     * @param ties           pre-activations exactly 0, where the chip's sign(0)=+1 and ONNX Runtime's Sign(0)=0 differ
     * @param nearTies       real-valued sign inputs within float32 rounding of 0 (the reference interpreter's error
     *                       bound of the float sums that made them) that ONNX Runtime sums in another order
     * @param mismatch       the first disagreement; empty when the model verified
     */
    public record Result(
            Path model,
            int examples,
            int passes,
            double maxDiff,
            int stochasticBits,
            OptionalInt layerChecks,
            int ties,
            int nearTies,
            Optional<Mismatch> mismatch) {
        public boolean verified() {
            return mismatch.isEmpty();
        }
    }

    /** One pass of one example; pass -1 is the deterministic pass. */
    public record Pass(int example, int pass) {
        @Override
        public String toString() {
            return "example " + example + (pass < 0 ? " (deterministic pass)" : " pass " + pass);
        }
    }

    /** The first node whose value differs between the simulator and the reference interpreter. */
    public record LayerDifference(
            String node, String op, int channel, int element, double simulator, double reference) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%s (%s) channel %d element %d: %s vs %s",
                    node,
                    op,
                    channel,
                    element,
                    simulator,
                    reference);
        }
    }

    /** Why a pass failed; {@link #message()} is what the command prints. */
    public sealed interface Mismatch permits OutputMismatch, ClassMismatch, LayerMismatch {
        Pass where();

        String message();
    }

    /**
     * A logit beyond the tolerance. {@code firstLayer} locates it when the simulator already differs from the
     * interpreter; otherwise the difference is in import/folding, float rounding, or a sign(0) tie ({@code ties} so
     * far).
     */
    public record OutputMismatch(
            Pass where,
            int output,
            float simulator,
            float reference,
            Optional<LayerDifference> firstLayer,
            int ties,
            int nearTies)
            implements Mismatch {
        @Override
        public String message() {
            String head = String.format(
                    Locale.ROOT,
                    "%s: output %d is %s on the simulator, %s in ONNX Runtime",
                    where,
                    output,
                    simulator,
                    reference);
            if (firstLayer.isPresent())
                return head + "; first diverging layer (simulator vs reference interpreter): " + firstLayer.get();
            if (ties > 0)
                return head + "; the compiled model agrees with bnncim's reference: " + ties
                        + " sign(0) tie(s) seen, where the chip's sign(0)=+1 differs from ONNX Runtime's Sign(0)=0";
            if (nearTies > 0)
                return head + "; the compiled model agrees with bnncim's reference: " + nearTies + " real-valued "
                        + "sign input(s) lay within float32 rounding of 0, where ONNX Runtime's sum order decides";
            return head + "; the simulator equals bnncim's reference interpreter, "
                    + "so the difference is in import/folding or float rounding";
        }
    }

    /** Logits within tolerance but a different predicted class. */
    public record ClassMismatch(Pass where, int simulator, int reference, int nearTies) implements Mismatch {
        @Override
        public String message() {
            String head = where + ": predicted class " + simulator + " but ONNX Runtime predicts " + reference;
            return nearTies == 0
                    ? head
                    : head + " (" + nearTies + " real-valued sign input(s) within float32 rounding of 0 so far)";
        }
    }

    /** With {@code layers}: logits agree but an inner layer differs from the interpreter. */
    public record LayerMismatch(Pass where, LayerDifference layer) implements Mismatch {
        @Override
        public String message() {
            return where + ": simulator and reference interpreter differ at " + layer;
        }
    }

    public static Result verify(Request r) {
        OnnxMl.ModelProto proto = OnnxFiles.read(r.model());
        var options = new OnnxImporter.Options(false, false, 255, r.maxBytes());
        Graph unfolded = OnnxImporter.importModel(proto, r.model(), options);
        var compiled = Compiler.compile(unfolded, new Compiler.Options(options, r.arch(), 1, Set.of()), s -> {});
        Graph mapped = compiled.graph();
        Program program = Program.of(compiled.mapped());
        int[] shape = mapped.inputs().get(0).shape().dims();
        int per = mapped.inputs().get(0).shape().size();
        if (r.input() == null && 4L * per * RANDOM_INPUTS > r.maxBytes()) {
            throw new BnncimException(r.model() + ": " + RANDOM_INPUTS + " random inputs of " + per + " values take "
                    + 4L * per * RANDOM_INPUTS + " bytes, beyond the --max-mb cap of " + (r.maxBytes() >> 20)
                    + " MiB; give --input with fewer examples or raise --max-mb");
        }
        float[][] x =
                r.input() != null ? Inputs.read(r.input(), per).examples() : randomImages(RANDOM_INPUTS, per, r.seed());
        int n = r.limit() == null ? x.length : Math.min(r.limit(), x.length);
        Simulator sim = new Simulator(program, Faults.NONE, r.seed());
        ReferenceInterpreter folded = new ReferenceInterpreter(mapped), raw = new ReferenceInterpreter(unfolded);
        BitSource bits = BitSource.counterBased(program.model(), r.seed(), 0);
        int bitCount = program.stochasticBits();
        float[] flat = new float[n * per];
        for (int i = 0; i < n; i++) System.arraycopy(x[i], 0, flat, i * per, per);
        double maxDiff = 0;
        int ties = 0, nearTies = 0, layerChecks = 0;
        int passes = bitCount == 0 ? 0 : r.samples();
        try (OrtReference det = new OrtReference(
                        ReferenceForm.convert(proto, ReferenceForm.Mode.EXPECTATION)
                                .toByteArray(),
                        ORT_THREADS);
                OrtReference mc = passes == 0
                        ? null
                        : new OrtReference(
                                ReferenceForm.convert(proto, ReferenceForm.Mode.BITS)
                                        .toByteArray(),
                                ORT_THREADS)) {
            for (int t = -1; t < passes; t++) {
                boolean[][] z = new boolean[n][];
                for (int i = 0; i < n; i++) z[i] = t < 0 ? null : bits.bits(i, t);
                float[][] ref = t < 0
                        ? det.runBatched(flat, shape, n, null, ORT_BATCH)
                        : mc.runBatched(flat, shape, n, z, ORT_BATCH);
                for (int i = 0; i < n; i++) {
                    Bits b = z[i] == null ? null : Bits.ofScale(z[i]);
                    ReferenceInterpreter.Trace unfoldedPass = raw.run(x[i], b);
                    ties += unfoldedPass.signZeroTies();
                    nearTies += unfoldedPass.nearTies();
                    float[] mine = sim.output(x[i], z[i], i, Math.max(0, t));
                    Pass where = new Pass(i, t);
                    Mismatch m = null;
                    for (int c = 0; c < mine.length && m == null; c++) {
                        double d = Math.abs(mine[c] - ref[i][c]);
                        maxDiff = Math.max(maxDiff, d);
                        if (d > r.tolerance() * Math.max(1, Math.abs(ref[i][c]))
                                || Float.isNaN(mine[c]) != Float.isNaN(ref[i][c])) {
                            Optional<LayerDifference> layer = firstLayerDifference(
                                    mapped, sim.pass(x[i], z[i], i, Math.max(0, t)), folded.run(x[i], b));
                            m = new OutputMismatch(where, c, mine[c], ref[i][c], layer, ties, nearTies);
                        }
                    }
                    if (m == null && Metrics.argmax(mine) != Metrics.argmax(ref[i])) {
                        m = new ClassMismatch(where, Metrics.argmax(mine), Metrics.argmax(ref[i]), nearTies);
                    }
                    if (m == null && r.layers()) {
                        Optional<LayerDifference> diff = firstLayerDifference(
                                mapped, sim.pass(x[i], z[i], i, Math.max(0, t)), folded.run(x[i], b));
                        if (diff.isPresent()) m = new LayerMismatch(where, diff.get());
                        else layerChecks++;
                    }
                    if (m != null) return result(r, n, passes, maxDiff, bitCount, layerChecks, ties, nearTies, m);
                }
            }
        }
        return result(r, n, passes, maxDiff, bitCount, layerChecks, ties, nearTies, null);
    }

    private static Result result(
            Request r,
            int n,
            int passes,
            double maxDiff,
            int bits,
            int layerChecks,
            int ties,
            int nearTies,
            Mismatch m) {
        return new Result(
                r.model(),
                n,
                passes,
                maxDiff,
                bits,
                r.layers() ? OptionalInt.of(layerChecks) : OptionalInt.empty(),
                ties,
                nearTies,
                Optional.ofNullable(m));
    }

    /** The first node whose value differs, with the channel and both numbers; empty if all agree. */
    public static Optional<LayerDifference> firstLayerDifference(
            Graph g, Simulator.Trace sim, ReferenceInterpreter.Trace ref) {
        for (Node n : g.nodes()) {
            double[] a = sim.get(n.output().name()), b = ref.get(n.output().name());
            int per = n.output().shape().perChannel();
            for (int j = 0; j < a.length; j++) {
                if (Double.compare(a[j], b[j]) != 0) {
                    return Optional.of(new LayerDifference(n.name(), n.opName(), j / per, j, a[j], b[j]));
                }
            }
        }
        return Optional.empty();
    }

    /** Seeded random 8-bit images (values k/255, what the chip's 8-bit input reads exactly). */
    public static float[][] randomImages(int n, int per, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][per];
        for (float[] row : x) for (int j = 0; j < per; j++) row[j] = r.nextInt(256) / 255f;
        return x;
    }
}
