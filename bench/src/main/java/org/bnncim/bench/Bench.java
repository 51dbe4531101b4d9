package org.bnncim.bench;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.ProgramCodec;
import org.bnncim.backends.sim.ProgramListing;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.cost.CostModel;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxFiles;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.passes.Pass;
import org.bnncim.compiler.passes.PassManager;
import org.bnncim.compiler.report.ReportHtml;
import org.bnncim.compiler.report.ReportJson;
import org.bnncim.compiler.report.ReportMeta;
import org.bnncim.compiler.report.ReportText;
import org.bnncim.io.Npy;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.oracle.OrtReference;
import org.bnncim.oracle.ReferenceForm;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The benchmarks of docs/benchmarks.md, each against a peer measured in the same process:
 * <ul>
 *   <li>{@code compile MODEL...}: {@code Compiler.compile} + {@code Compiler.outputs} vs ONNX Runtime session
 *       creation on the model's reference form, and the floor of the compile on one core (reading and hashing
 *       the model file);</li>
 *   <li>{@code throughput MODEL...}: simulator inferences/s (deterministic and Monte-Carlo) vs ONNX Runtime
 *       inference;</li>
 *   <li>{@code scaling MODEL}: compile time (cold and warm) and peak memory of one model, meant for a fresh JVM;</li>
 *   <li>{@code limit MODEL...}: simulator binary MACs/s vs a JMH popcount microbenchmark;</li>
 *   <li>{@code phases MODEL...}: CPU time of each compile stage (where the time goes).</li>
 * </ul>
 * Every number is the median of {@code --runs} interleaved runs after {@code --warmup} discarded ones. Output is one
 * Markdown table per command on stdout; progress goes to stderr.
 */
public final class Bench {
    private int runs = 5;
    private int warmup = 2;
    private int threads = 2;
    private int batch = 1000;
    private int samples = 32;
    /** Examples of the Monte-Carlo run (a prefix of the batch); 0 = the whole batch. */
    private int mcBatch = 0;

    private final List<Path> models = new ArrayList<>();

    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println(
                    "usage: Bench compile|throughput|scaling|limit|phases [--runs N] [--warmup N] [--threads N]"
                            + " [--batch N] [--samples T] [--mc-batch N] MODEL.onnx...");
            System.exit(2);
        }
        Bench b = new Bench();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> b.runs = Integer.parseInt(args[++i]);
                case "--warmup" -> b.warmup = Integer.parseInt(args[++i]);
                case "--threads" -> b.threads = Integer.parseInt(args[++i]);
                case "--batch" -> b.batch = Integer.parseInt(args[++i]);
                case "--samples" -> b.samples = Integer.parseInt(args[++i]);
                case "--mc-batch" -> b.mcBatch = Integer.parseInt(args[++i]);
                default -> b.models.add(Path.of(args[i]));
            }
        }
        switch (args[0]) {
            case "compile" -> b.compile();
            case "throughput" -> b.throughput();
            case "scaling" -> b.scaling();
            case "phases" -> b.phases();
            case "limit" -> b.limit();
            default -> throw new IllegalArgumentException("unknown benchmark " + args[0]);
        }
    }

    // ------------------------------------------------------------------------------------------ compile

    private void compile() throws Exception {
        System.out.println("| model | binary weights | compile ms | "
                + "ORT session ms (no opt) | ratio | ORT session ms (all opt) | ratio "
                + "| ORT session from the file ms (all opt) | ratio "
                + "| read + SHA-256 ms | its ratio (all opt) "
                + "| compile CPU ms | ORT CPU ms (no opt) | CPU ratio |");
        System.out.println(
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (Path m : models) {
            Compiler.Options o = options(m);
            byte[] ref = referenceForm(m);
            // the compile starts from the model file; ONNX Runtime is also timed from a file (its reference form
            // written out once, so it is in the page cache as the model is), not only from bytes in memory
            Path refFile = Files.createTempFile("bnncim-bench-ref", ".onnx");
            Files.write(refFile, ref);
            long weights = weights(OnnxImporter.importFile(m, o.importOptions()));
            long[] c = new long[runs],
                    s0 = new long[runs],
                    s1 = new long[runs],
                    sf = new long[runs],
                    fl = new long[runs],
                    cc = new long[runs],
                    cs0 = new long[runs];
            for (int r = -warmup; r < runs; r++) {
                long cpu = cpu();
                long tc = time(() ->
                        Compiler.outputs(Compiler.compile(m, o, s -> {}), true).size());
                long tcc = cpu() - cpu;
                cpu = cpu();
                long t0 = session(() -> new OrtReference(ref, threads, false));
                long tcs0 = cpu() - cpu;
                long t1 = session(() -> new OrtReference(ref, threads, true));
                long tf = session(() -> new OrtReference(refFile, threads, true)); // ORT reads the file
                // the floor of any compile that records the file's SHA-256 (report.json) on one core: reading the
                // file and hashing it, nothing else
                long tfl = time(() -> ReportMeta.sha256(OnnxFiles.bytes(m)).length());
                if (r >= 0) {
                    c[r] = tc;
                    s0[r] = t0;
                    s1[r] = t1;
                    sf[r] = tf;
                    fl[r] = tfl;
                    cc[r] = tcc;
                    cs0[r] = tcs0;
                }
                System.err.printf(
                        Locale.ROOT,
                        "%s run %d: compile %.1f ms (CPU %.1f), ORT %.1f (CPU %.1f) / %.1f ms%n",
                        name(m),
                        r,
                        tc / 1e6,
                        tcc / 1e6,
                        t0 / 1e6,
                        tcs0 / 1e6,
                        t1 / 1e6);
            }
            Files.delete(refFile);
            double mc = median(c) / 1e6, m0 = median(s0) / 1e6, m1 = median(s1) / 1e6, mf = median(sf) / 1e6;
            double mfl = median(fl) / 1e6;
            double mcc = median(cc) / 1e6, mcs = median(cs0) / 1e6;
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %,d | %.1f | %.1f | %.2f× | %.1f | %.2f× | %.1f | %.2f× | %.1f | %.2f× "
                            + "| %.1f | %.1f | %.2f× |%n",
                    name(m),
                    weights,
                    mc,
                    m0,
                    mc / m0,
                    m1,
                    mc / m1,
                    mf,
                    mc / mf,
                    mfl,
                    mfl / m1,
                    mcc,
                    mcs,
                    mcc / mcs);
        }
    }

    /** CPU time of the calling thread: robust against other processes on a loaded machine (GC threads excluded). */
    private static long cpu() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** Session creation only: the session is closed outside the timed region by the caller's next step. */
    private static long session(java.util.function.Supplier<OrtReference> open) {
        long t0 = System.nanoTime();
        OrtReference ort = open.get();
        long t = System.nanoTime() - t0;
        ort.close();
        return t;
    }

    /** Where compile time goes: each stage of Compiler.compile + Compiler.outputs timed on its own (median, CPU ms). */
    private void phases() throws Exception {
        List<String> names = new ArrayList<>();
        List<long[]> times = new ArrayList<>();
        for (Path m : models) {
            Compiler.Options o = options(m);
            List<Pass> passes = Compiler.passes(o.arch());
            String[] stages = new String[passes.size() + 8];
            long[][] t = new long[stages.length][runs];
            for (int r = -warmup; r < runs; r++) {
                int i = 0;
                long c0 = cpu();
                PassManager.State state = PassManager.State.of(OnnxImporter.importFile(m, o.importOptions()));
                long[] at = new long[stages.length + 1];
                at[i] = cpu() - c0;
                stages[i++] = "import";
                for (Pass p : passes) {
                    c0 = cpu();
                    state = PassManager.apply(state, p);
                    at[i] = cpu() - c0;
                    stages[i++] = p.name() + " + verify";
                }
                MappedModel g = new MappedModel(state.graph(), state.mapping());
                c0 = cpu();
                CostReport report = CostModel.evaluate(g, o.samples());
                at[i] = cpu() - c0;
                stages[i++] = "cost model";
                c0 = cpu();
                Program prog = Program.of(g);
                at[i] = cpu() - c0;
                stages[i++] = "Program.of (crossbar images)";
                c0 = cpu();
                ProgramCodec.encode(prog);
                at[i] = cpu() - c0;
                stages[i++] = "ProgramCodec.encode";
                c0 = cpu();
                ProgramListing.render(prog);
                at[i] = cpu() - c0;
                stages[i++] = "program.txt";
                c0 = cpu();
                ReportText.render(report);
                ReportJson.render(report);
                at[i] = cpu() - c0;
                stages[i++] = "report.txt + report.json";
                c0 = cpu();
                ReportHtml.render(report, g);
                at[i] = cpu() - c0;
                stages[i++] = "report.html";
                if (r >= 0) for (int k = 0; k < i; k++) t[k][r] = at[k];
                if (r == -warmup) names.clear();
                if (names.isEmpty()) names.addAll(Arrays.asList(stages).subList(0, i));
            }
            long[] med = new long[names.size()];
            for (int k = 0; k < med.length; k++) med[k] = (long) median(t[k]);
            times.add(med);
        }
        StringBuilder head = new StringBuilder("| stage (CPU ms, median) |");
        StringBuilder sep = new StringBuilder("| --- |");
        for (Path m : models) {
            head.append(' ').append(name(m)).append(" |");
            sep.append(" ---: |");
        }
        System.out.println(head);
        System.out.println(sep);
        for (int k = 0; k < names.size(); k++) {
            StringBuilder row = new StringBuilder("| " + names.get(k) + " |");
            for (long[] med : times) row.append(String.format(Locale.ROOT, " %.1f |", med[k] / 1e6));
            System.out.println(row);
        }
    }

    // --------------------------------------------------------------------------------------- throughput

    private void throughput() throws Exception {
        System.out.printf(
                "| model | binary MACs/example | ORT det. inf/s | "
                        + "sim det. inf/s | ratio | sim MC T=%d inf/s | ratio vs ORT det. |%n",
                samples);
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (Path m : models) {
            Compiler.Options o = options(m);
            MappedModel mapped = Compiler.compile(m, o, s -> {}).mapped();
            Graph g = mapped.graph();
            Simulator sim = new Simulator(Program.of(mapped), Faults.NONE, 0);
            BitSource bits = BitSource.counterBased(mapped, 0, 0);
            float[][] inputs = inputs(g, batch);
            float[] flat = flatten(inputs);
            float[][] mcInputs = mcBatch > 0 && mcBatch < inputs.length ? Arrays.copyOf(inputs, mcBatch) : inputs;
            try (OrtReference ort = new OrtReference(referenceForm(m), threads, true)) {
                long[] tOrt = new long[runs], tDet = new long[runs], tMc = new long[runs];
                for (int r = -warmup; r < runs; r++) {
                    long a = time(() -> ort.runBatched(flat, null, inputs.length, null, inputs.length).length);
                    long d = time(() -> sim.run(inputs, 0, bits, threads, null).length);
                    long mc = time(() -> sim.run(mcInputs, samples, bits, threads, null).length);
                    if (r >= 0) {
                        tOrt[r] = a;
                        tDet[r] = d;
                        tMc[r] = mc;
                    }
                    System.err.printf(
                            Locale.ROOT,
                            "%s run %d: ORT %.0f ms, sim det %.0f ms, sim MC %.0f ms%n",
                            name(m),
                            r,
                            a / 1e6,
                            d / 1e6,
                            mc / 1e6);
                }
                double ortRate = rate(tOrt, batch), det = rate(tDet, batch), mc = rate(tMc, mcInputs.length);
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %,d | %,.1f | %,.1f | %.2f× | %,.1f%s | %.2f× |%n",
                        name(m),
                        macs(mapped),
                        ortRate,
                        det,
                        det / ortRate,
                        mc,
                        mcInputs.length < batch ? " (" + mcInputs.length + " ex.)" : "",
                        mc / ortRate);
            }
        }
    }

    private static double rate(long[] t, int examples) {
        return examples / (median(t) / 1e9);
    }

    /** MNIST digits for 784-pixel models (what they were made for), seeded random pixels otherwise. */
    static float[][] inputs(Graph g, int n) {
        int size = g.inputs().get(0).type().shape().size();
        Path mnist = root().resolve("testdata/mnist/test-1000-images.npy");
        float[][] x = new float[n][size];
        if (size == 784 && Files.exists(mnist)) {
            byte[] px = Npy.read(mnist).data();
            int have = px.length / 784;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 784; j++) x[i][j] = (px[(i % have) * 784 + j] & 0xFF) / 255f;
            }
            return x;
        }
        SplittableRandom r = new SplittableRandom(7);
        for (float[] row : x) {
            for (int j = 0; j < size; j++) row[j] = r.nextInt(256) / 255f;
        }
        return x;
    }

    private static float[] flatten(float[][] rows) {
        int per = rows[0].length;
        float[] f = new float[rows.length * per];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, f, i * per, per);
        return f;
    }

    /**
     * Logical binary multiply-accumulates of one deterministic pass: K x N per output position of every crossbar layer.
     */
    static long macs(MappedModel g) {
        long s = 0;
        for (LayerMap l : g.mapping().layers()) s += (long) l.k() * l.n() * l.positions();
        return s;
    }

    // ------------------------------------------------------------------------------------------ scaling

    private void scaling() throws Exception {
        Path m = models.get(0);
        Compiler.Options o = options(m);
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .toList();
        long[] t = new long[runs], cpu = new long[runs], gc = new long[runs];
        long peak = 0, weights = 0;
        double cold = 0;
        for (int r = 0; r < runs; r++) {
            System.gc();
            heap.forEach(MemoryPoolMXBean::resetPeakUsage);
            long g0 = gcMillis(), c0 = cpu(), t0 = System.nanoTime();
            Compiler.Compiled c = Compiler.compile(m, o, s -> {});
            Compiler.outputs(c, true);
            t[r] = System.nanoTime() - t0;
            cpu[r] = cpu() - c0;
            gc[r] = gcMillis() - g0;
            if (r == 0) {
                cold = t[r] / 1e6;
                weights = weights(c.graph());
            }
            long p = 0;
            for (MemoryPoolMXBean b : heap) p += b.getPeakUsage().getUsed();
            peak = Math.max(peak, p);
            System.err.printf(
                    Locale.ROOT,
                    "%s run %d: %.0f ms (CPU %.0f, GC %d), heap peak %d MB%n",
                    name(m),
                    r,
                    t[r] / 1e6,
                    cpu[r] / 1e6,
                    gc[r],
                    p >> 20);
        }
        long[] warm = Arrays.copyOfRange(t, 1, t.length), warmCpu = Arrays.copyOfRange(cpu, 1, cpu.length);
        long[] warmGc = Arrays.copyOfRange(gc, 1, gc.length);
        double w = warm.length == 0 ? cold : median(warm) / 1e6;
        double wc = warmCpu.length == 0 ? cpu[0] / 1e6 : median(warmCpu) / 1e6;
        System.out.printf(
                Locale.ROOT,
                "| %s | %,d | %,d | %.0f | %.0f | %.0f | %.0f | %.0f | %d | %d |%n",
                name(m),
                weights,
                Files.size(m),
                cold,
                w,
                wc,
                wc / (weights / 1e6),
                warmGc.length == 0 ? gc[0] : median(warmGc),
                peak >> 20,
                vmHwm() >> 20);
    }

    /** Time all collectors spent collecting (pauses and, for G1, concurrent cycles as the JVM reports them). */
    private static long gcMillis() {
        long s = 0;
        for (var b : ManagementFactory.getGarbageCollectorMXBeans()) s += Math.max(0, b.getCollectionTime());
        return s;
    }

    /** The process's peak resident set (heap, metaspace, code, native buffers), from /proc; 0 elsewhere. */
    static long vmHwm() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (Exception e) {
            return 0;
        }
        return 0;
    }

    // -------------------------------------------------------------------------------------------- limit

    private void limit() throws Exception {
        List<String> rows = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        for (Path m : models) {
            MappedModel mapped = Compiler.compile(m, options(m), s -> {}).mapped();
            Graph g = mapped.graph();
            Simulator sim = new Simulator(Program.of(mapped), Faults.NONE, 0);
            BitSource bits = BitSource.counterBased(mapped, 0, 0);
            float[][] inputs = inputs(g, batch);
            long[] t = new long[runs];
            for (int r = -warmup; r < runs; r++) {
                long d = time(() -> sim.run(inputs, 0, bits, threads, null).length);
                if (r >= 0) t[r] = d;
            }
            double macsPerSec = macs(mapped) * (double) batch / (median(t) / 1e9);
            rates.add(macsPerSec);
            rows.add(name(m));
            System.err.printf(Locale.ROOT, "%s: %.3g binary MACs/s%n", name(m), macsPerSec);
        }
        // JMH forks its own JVM with this classpath; the measured run follows the simulator runs above
        var opts = new OptionsBuilder()
                .include(PopcountBench.class.getName())
                .forks(1)
                .threads(threads)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(5)
                .measurementTime(TimeValue.seconds(1))
                .build();
        double popMacs = 0;
        System.out.println();
        for (RunResult rr : new Runner(opts).run()) {
            // ops/s of one call, each call covering PopcountBench.MACS_PER_OP binary MACs; the faster kernel is the
            // limit
            double macs = rr.getPrimaryResult().getScore() * PopcountBench.MACS_PER_OP;
            System.out.printf(
                    Locale.ROOT,
                    "JMH %s, %d threads: %.3g binary MACs/s (%.3g ops/s +- %.2g)%n",
                    rr.getParams().getBenchmark(),
                    threads,
                    macs,
                    rr.getPrimaryResult().getScore(),
                    rr.getPrimaryResult().getScoreError());
            popMacs = Math.max(popMacs, macs);
        }
        System.out.printf(Locale.ROOT, "popcount limit (the faster kernel): %.3g binary MACs/s%n%n", popMacs);
        System.out.println(
                "| model | simulator binary MACs/s (det., " + threads + " threads) | share of popcount limit |");
        System.out.println("| --- | ---: | ---: |");
        for (int i = 0; i < rows.size(); i++) {
            System.out.printf(
                    Locale.ROOT, "| %s | %.3g | %.2f %% |%n", rows.get(i), rates.get(i), 100 * rates.get(i) / popMacs);
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** Default architecture with enough chips for the model (the default chip holds 16.8 M weights). */
    static Compiler.Options options(Path m) {
        Architecture a = ArchitectureLoader.defaults();
        long w = weights(OnnxImporter.importFile(m, OnnxImporter.Options.DEFAULT));
        long perChip = (long) a.crossbarsPerChip() * a.rows() * a.logicalCols();
        int chips = (int) Math.max(1, Math.ceil(2.0 * w / perChip));
        return new Compiler.Options(OnnxImporter.Options.DEFAULT, a.withChips(chips), 20, Set.of());
    }

    static long weights(Graph g) {
        long w = 0;
        for (Node n : g.nodes()) {
            if (n instanceof Node.BinaryDense d)
                w += (long) d.weights().rows() * d.weights().cols();
            if (n instanceof Node.BinaryConv c)
                w += (long) c.weights().rows() * c.weights().cols();
        }
        return w;
    }

    private static byte[] referenceForm(Path m) throws Exception {
        ModelProto p = ModelProto.parseFrom(Files.readAllBytes(m));
        return ReferenceForm.convert(p, ReferenceForm.Mode.EXPECTATION).toByteArray();
    }

    private static long time(LongSupplier work) {
        long t0 = System.nanoTime();
        long sink = work.getAsLong();
        long t = System.nanoTime() - t0;
        if (sink == Long.MIN_VALUE) System.err.print("");
        return t;
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    static String name(Path m) {
        String f = m.getFileName().toString();
        return f.endsWith(".onnx") ? f.substring(0, f.length() - 5) : f;
    }

    private static Path root() {
        return Path.of(System.getProperty("bnncim.root", "."));
    }
}
