package org.bnncim.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.ir.mapping.MappedModel;

/**
 * The simulator alone, for A/B runs of two builds and for profiling: {@code SimLoop MODEL THREADS SAMPLES BATCH
 * SECONDS} runs {@code Simulator.run} on BATCH inputs (those of {@link Bench}) for SECONDS after as long a warm-up
 * and prints one line: inferences/s (the median run), inferences per second of process CPU time (the median run; less
 * sensitive to other load on the machine than wall time) and a hash of every output bit, so that two
 * builds can be compared for speed and bit-identical results in one line each.
 */
public final class SimLoop {
    private SimLoop() {}

    public static void main(String[] args) {
        Path model = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]), samples = Integer.parseInt(args[2]), batch = Integer.parseInt(args[3]);
        double seconds = Double.parseDouble(args[4]);
        MappedModel mapped =
                Compiler.compile(model, Bench.options(model), s -> {}).mapped();
        Simulator sim = new Simulator(Program.of(mapped), Faults.NONE, 0);
        BitSource bits = BitSource.counterBased(mapped, 0, 0);
        float[][] inputs = Bench.inputs(mapped.graph(), batch);
        long hash = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) hash = hash(sim.run(inputs, samples, bits, threads, null));
        long[] t = new long[1024], cpu = new long[1024];
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        int n = 0;
        end = System.nanoTime() + (long) (seconds * 1e9);
        while (n < t.length && (n < 3 || System.nanoTime() < end)) {
            long a = System.nanoTime(), ca = os.getProcessCpuTime();
            float[][][] out = sim.run(inputs, samples, bits, threads, null);
            cpu[n] = os.getProcessCpuTime() - ca;
            t[n++] = System.nanoTime() - a;
            if (hash(out) != hash) throw new IllegalStateException("outputs differ between runs");
        }
        long[] s = Arrays.copyOf(t, n), c = Arrays.copyOf(cpu, n);
        Arrays.sort(s);
        Arrays.sort(c);
        System.out.printf(
                Locale.ROOT,
                "%s threads=%d T=%d batch=%d: %.1f inf/s (median of %d runs), %.1f inf per CPU s, outputs %016x%n",
                model.getFileName(),
                threads,
                samples,
                batch,
                batch / (s[n / 2] / 1e9),
                n,
                batch / (c[n / 2] / 1e9),
                hash);
    }

    private static long hash(float[][][] out) {
        long h = 0;
        for (float[][] ex : out) for (float[] pass : ex) h = h * 31 + Arrays.hashCode(pass);
        return h;
    }
}
