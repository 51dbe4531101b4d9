package org.bnncim.compiler.sweep;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.BitModel;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.driver.Loaded;
import org.bnncim.compiler.driver.Metrics;
import org.bnncim.compiler.driver.ModelOutput;
import org.bnncim.compiler.driver.SimSettings;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.io.Inputs;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.MappedModel;

/**
 * Runs one task: the examples of a range on the simulator, summarised per example. The same code runs in-process and
 * in a Spark executor; each JVM compiles a mapping and reads a dataset once and keeps them for the tasks that follow
 * (tasks arrive in point order, so neighbours share them).
 */
public final class SweepWorker {
    private SweepWorker() {}

    /**
     * Per-example results of a task: the mean class probabilities over the passes ({@code count x classes}, row by
     * row) and the mean entropy of the single passes; or the one-line reason the point cannot run.
     */
    public record TaskResult(
            SweepPlan.Task task, int classes, double[] mean, double[] expectedEntropy, int[] labels, String error)
            implements Serializable {
        static TaskResult failed(SweepPlan.Task t, String error) {
            return new TaskResult(t, 0, new double[0], new double[0], null, error);
        }
    }

    /** A mapping's program (and the mapped graph its cost report comes from), or why it cannot be compiled. */
    record Compiled(MappedModel mapped, Program program, String error) {}

    /** A dataset's examples (after the limit) and labels (null for an OOD set). */
    record Data(float[][] examples, int[] labels) {}

    private static final int MAX_CACHED = 16;
    private static final Map<String, Compiled> PROGRAMS = new ConcurrentHashMap<>();
    private static final Map<String, Data> DATA = new ConcurrentHashMap<>();
    private static final Map<String, Graph> IMPORTED = new ConcurrentHashMap<>();

    /** The architecture of a point: its file (or the default) with the crossbar, encoding and chips overrides. */
    public static Architecture architecture(SweepSpec s, SweepPlan.Point p) {
        String file = s.archs().get(p.arch());
        Architecture a = file == null ? ArchitectureLoader.defaults() : ArchitectureLoader.load(Path.of(file));
        int[] rc = s.crossbars().get(p.crossbar());
        if (rc != null) a = a.withCrossbar(rc[0], rc[1]);
        String e = s.encodings().get(p.encoding());
        if (e != null) a = a.withEncoding(Architecture.WeightEncoding.valueOf(e.toUpperCase(java.util.Locale.ROOT)));
        Integer chips = s.chips().get(p.chips());
        if (chips != null) a = a.withChips(chips);
        return a;
    }

    public static Compiler.Options options(SweepSpec s, SweepPlan.Point p) {
        return new Compiler.Options(
                importOptions(s.models().get(p.model())),
                architecture(s, p),
                s.samples().get(p.samples()),
                Set.of());
    }

    static OnnxImporter.Options importOptions(SweepSpec.Model m) {
        return new OnnxImporter.Options(m.mcDropout(), false, OnnxImporter.Options.DEFAULT.inputLevels());
    }

    public static TaskResult run(SweepSpec s, SweepPlan.Task t) {
        SweepPlan.Point p = t.point();
        Compiled c = program(s, p);
        if (c.error() != null) return TaskResult.failed(t, c.error());
        int samples = s.samples().get(p.samples());
        SweepSpec.Model m = s.models().get(p.model());
        try {
            Loaded.refuseIdentityDropout(Path.of(m.path()), c.program(), samples);
        } catch (BnncimException e) {
            return TaskResult.failed(t, e.getMessage());
        }
        ModelOutput output = ModelOutput.of(c.program().graph());
        int per = c.program().graph().inputs().get(0).shape().size();
        Data d = data(s, m, t.set(), per, output.classes());
        float[][] x = Arrays.copyOfRange(d.examples(), t.first(), t.first() + t.count());
        int k = output.classes();
        double[] mean = new double[t.count() * k], expected = new double[t.count()];
        SimSettings sim = new SimSettings(
                samples,
                s.seeds().get(p.seed()),
                BitModel.counter,
                Faults.parse(s.faults().get(p.faults())),
                1);
        sim.simulator(c.program()).stream(
                x, t.first(), samples, sim.bitSource(c.program(), d.examples().length), 1, (i, passes) -> {
                    double ent = 0;
                    for (float[] y : passes) {
                        double[] pr = output.probabilities(y);
                        ent += Metrics.entropy(pr);
                        for (int j = 0; j < k; j++) mean[i * k + j] += pr[j];
                    }
                    for (int j = 0; j < k; j++) mean[i * k + j] /= passes.length;
                    expected[i] = ent / passes.length;
                });
        int[] labels = d.labels() == null ? null : Arrays.copyOfRange(d.labels(), t.first(), t.first() + t.count());
        return new TaskResult(t, k, mean, expected, labels, null);
    }

    /**
     * Compiles a point's mapping once per JVM, from the model imported once per JVM (passes never modify their
     * input, so every mapping of a model starts from the same graph). Sweep.check has refused per-pixel models.
     */
    static Compiled program(SweepSpec s, SweepPlan.Point p) {
        SweepSpec.Model m = s.models().get(p.model());
        Compiler.Options o = options(s, p);
        String key = m.path() + "|" + stamp(m.path()) + "|" + m.mcDropout() + "|" + o.arch();
        if (PROGRAMS.size() > MAX_CACHED) PROGRAMS.clear();
        return PROGRAMS.computeIfAbsent(key, k -> {
            try {
                MappedModel mapped = Compiler.compile(imported(m), o, msg -> {}).mapped();
                return new Compiled(mapped, Program.of(mapped), null);
            } catch (BnncimException e) {
                return new Compiled(null, null, e.getMessage());
            }
        });
    }

    /** A model as imported, once per JVM; a model that does not import throws (Sweep.check names it). */
    static Graph imported(SweepSpec.Model m) {
        String key = m.path() + "|" + stamp(m.path()) + "|" + m.mcDropout();
        if (IMPORTED.size() > MAX_CACHED) IMPORTED.clear();
        return IMPORTED.computeIfAbsent(key, k -> OnnxImporter.importFile(Path.of(m.path()), importOptions(m)));
    }

    /** The examples (and labels) of set {@code set} of a model, read once per JVM. */
    static Data data(SweepSpec s, SweepSpec.Model m, int set, int per, int classes) {
        String path = set == 0 ? m.dataset() : m.ood().get(set - 1).path();
        String key = path + "|" + stamp(path) + "|" + per + "|" + s.limit() + "|" + (set == 0 ? classes : -1);
        if (DATA.size() > MAX_CACHED) DATA.clear();
        return DATA.computeIfAbsent(key, k -> {
            Path[] files = Inputs.datasetFiles(Path.of(path), set == 0);
            Inputs.Batch b = Inputs.read(files[0], per);
            int n = s.limit() == null ? b.size() : Math.min(s.limit(), b.size());
            float[][] x = Arrays.copyOf(b.examples(), n);
            int[] labels = set == 0 ? Arrays.copyOf(Inputs.labels(files[1], b.size(), classes), n) : null;
            return new Data(x, labels);
        });
    }

    private static String stamp(String path) {
        try {
            Path p = Path.of(path);
            return Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
