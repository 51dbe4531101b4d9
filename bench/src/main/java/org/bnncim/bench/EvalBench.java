package org.bnncim.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.BitModel;
import org.bnncim.compiler.driver.EvaluationService;
import org.bnncim.compiler.driver.ModelOutput;
import org.bnncim.compiler.driver.PixelMaps;
import org.bnncim.compiler.driver.SegmentationData;
import org.bnncim.compiler.driver.SegmentationEvaluation;
import org.bnncim.compiler.driver.SimSettings;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.io.Inputs;

/**
 * Issue #21, goal 6: how long {@code bnncim eval MODEL --dataset DATA --samples T --threads N} takes on a whole test
 * set, and the process's peak resident set, for one model per JVM so that the peak is that model's:
 *
 * <pre>EvalBench MODEL.onnx --dataset DIR|FILE [--samples 20] [--threads 2] [--limit N] [--arrays]</pre>
 *
 * <p>The default measures {@code EvaluationService.evaluate} (or {@code SegmentationEvaluation.evaluate}) as the
 * command runs it, with the simulator's results streamed into per-example summaries. {@code --arrays} instead runs
 * the former path: {@code Simulator.run} returns every pass of every example, then each example is summarised and
 * its passes dropped; it computes no metrics and exists to show the peak memory the streaming removed.
 *
 * <p>Prints one Markdown row (the header with {@code --header}): examples, eval seconds (one run, data reading and
 * metrics included: at the sizes measured the JIT's warm-up is a small share), examples per second, the peak RSS
 * (VmHWM) and the largest heap occupancy right after a collection, which bounds the live data and, unlike RSS, does not
 * depend on how far the collector let the heap grow. Progress goes to stderr.
 */
public final class EvalBench {
    private EvalBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--header")) {
            System.out.println("| model | path | examples | T | threads | compile s | eval s | inferences/s "
                    + "| RSS peak MB | heap after GC peak MB | quality |");
            System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
            return;
        }
        Path model = null, dataset = null;
        int samples = 20, threads = 2;
        Integer limit = null;
        boolean arrays = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dataset" -> dataset = Path.of(args[++i]);
                case "--samples" -> samples = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--limit" -> limit = Integer.parseInt(args[++i]);
                case "--arrays" -> arrays = true;
                default -> model = Path.of(args[i]);
            }
        }
        if (model == null || dataset == null) {
            System.err.println("usage: EvalBench MODEL.onnx --dataset DIR|FILE [--samples T] [--threads N]"
                    + " [--limit N] [--arrays] | EvalBench --header");
            System.exit(2);
        }
        AtomicLong afterGc = watchHeapAfterGc();
        // the command's defaults: seed 0, counter bits, no faults, default architecture and import options
        var sim = new SimSettings(samples, 0, BitModel.counter, Faults.NONE, threads);
        var request = new EvaluationService.Request(
                model,
                OnnxImporter.Options.DEFAULT,
                ArchitectureLoader.defaults(),
                dataset,
                (Path) null,
                limit,
                EvaluationService.Engine.sim,
                sim);
        long t0 = System.nanoTime();
        Program p = EvaluationService.load(request);
        long t1 = System.nanoTime();
        ModelOutput kind = ModelOutput.of(p.graph());
        System.err.printf(Locale.ROOT, "%s: compiled in %.1f s, evaluating%n", Bench.name(model), (t1 - t0) / 1e9);
        int n;
        String quality;
        if (arrays) {
            n = arrayPath(request, p, kind);
            quality = "(no metrics)";
        } else if (kind.pixels()) {
            var r = SegmentationEvaluation.evaluate(request, p, EvaluationService.Progress.NONE);
            n = r.test().examples();
            quality = String.format(
                    Locale.ROOT,
                    "pixel acc. %.4f, mean Dice %.4f",
                    r.test().scores().pixelAccuracy(),
                    r.test().scores().meanDice());
        } else {
            var r = EvaluationService.evaluate(request, p, EvaluationService.Progress.NONE);
            n = r.examples();
            quality = String.format(Locale.ROOT, "accuracy %.4f", r.accuracy());
        }
        double evalS = (System.nanoTime() - t1) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "| %s | %s | %,d | %d | %d | %.1f | %.1f | %,.1f | %d | %d | %s |%n",
                Bench.name(model),
                arrays ? "arrays (former)" : "streamed",
                n,
                samples,
                threads,
                (t1 - t0) / 1e9,
                evalS,
                n / evalS,
                Bench.vmHwm() >> 20,
                afterGc.get() >> 20,
                quality);
    }

    /**
     * What eval did before its results were streamed: the inputs read as eval reads them, every pass of every
     * example returned by {@code Simulator.run}, then each example summarised (and the summaries kept) while its
     * passes are dropped.
     */
    private static int arrayPath(EvaluationService.Request r, Program p, ModelOutput kind) {
        int per = p.graph().inputs().get(0).shape().size();
        float[][] x;
        if (kind.pixels()) {
            x = SegmentationData.read(r.dataset(), per, kind, r.limit()).inputs();
        } else {
            float[][] all =
                    Inputs.read(Inputs.datasetFiles(r.dataset(), true)[0], per).examples();
            x = r.limit() == null ? all : Arrays.copyOf(all, Math.min(r.limit(), all.length));
        }
        SimSettings s = r.sim();
        float[][][] y = s.simulator(p).run(x, s.samples(), s.bitSource(p, x.length), s.threads(), null);
        List<Object> summaries = new ArrayList<>(x.length);
        for (int i = 0; i < x.length; i++) {
            summaries.add(kind.pixels() ? PixelMaps.of(y[i], kind) : meanProbabilities(y[i], kind));
            y[i] = null;
        }
        return summaries.size();
    }

    private static double[] meanProbabilities(float[][] passes, ModelOutput kind) {
        double[] m = new double[kind.classes()];
        for (float[] row : passes) {
            double[] q = kind.probabilities(row);
            for (int c = 0; c < m.length; c++) m[c] += q[c] / passes.length;
        }
        return m;
    }

    /**
     * The largest heap occupancy right after any collection so far (young collections included, so old-generation
     * garbage not yet collected counts too: an upper bound on the live data).
     */
    private static AtomicLong watchHeapAfterGc() {
        AtomicLong peak = new AtomicLong();
        Set<String> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(b -> b.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!(gc instanceof NotificationEmitter e)) continue;
            e.addNotificationListener(
                    (note, handback) -> {
                        if (!note.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION))
                            return;
                        var info = GarbageCollectionNotificationInfo.from((CompositeData) note.getUserData());
                        long used = 0;
                        for (var u : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                            if (heap.contains(u.getKey())) used += u.getValue().getUsed();
                        }
                        peak.accumulateAndGet(used, Math::max);
                    },
                    null,
                    null);
        }
        return peak;
    }
}
