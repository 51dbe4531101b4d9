package org.bnncim.compiler.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.ProgramCodec;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.robustness.ProgramLayout.Field;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutational fuzzing of {@code program.bnc} loading (issue #18): programs of reference models with every
 * node family, mutated field by field ({@link ProgramLayout}, {@link ProgramMutations}) and byte by byte
 * ({@link Mutations#bytes}). A mutant must decode and run one example (a sampled pass when the program draws
 * stochastic bits, else the deterministic one) or be refused with a one-line {@link BnncimException}; any other
 * throwable, a case slower than {@link #CASE_SECONDS}, a decode allocating more than {@link #allowance} of the file
 * size, or a simulator setup and pass more than that of {@link #needs}, is a crash, listed with the case seed that
 * reproduces it. -Dbnncim.programfuzz.cases (default 10000) and -Dbnncim.programfuzz.seed;
 * -Dbnncim.programfuzz.replay=CASE_SEED runs that one case and prints its refusal or stack trace.
 */
@Tag("slow")
class ProgramFuzzTest {
    private static final int CASES = Integer.getInteger("bnncim.programfuzz.cases", 10_000);
    private static final Long REPLAY = Long.getLong("bnncim.programfuzz.replay");
    private static final long SEED = Long.getLong("bnncim.programfuzz.seed", 20261130L);
    /** A decoded mutant runs one small example: seconds mean a loop or a size bomb, not work. */
    private static final long CASE_SECONDS = 10;
    /**
     * Decoding holds the file, its images as long[] planes (the file's bytes again) and the weight matrices read
     * back from them: the reference programs allocate 3.1 to 4.4 times their size. 64x leaves room for the per-node
     * objects of small programs, where a few bytes of file make a record, a list and a string; the fixed 64 MiB
     * covers class loading and the first calls of the graph checks.
     */
    static long allowance(long bytes) {
        return 64L * bytes + (64L << 20);
    }

    private static final String[] MODELS = {
        "mlp-sd", "mlp-mcd", "cnn-sd", "tfc-w1a2", "resnet-sd", "unet-sd",
    };

    /**
     * Indices into {@link #MODELS}, each twice but the U-Net once: a pass of a decoded U-Net mutant takes 40 to 60 ms,
     * ten times the others', and at equal weight its passes were 60% of the run.
     */
    private static final int[] PICK = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5};

    /** A reference program: its bytes and field layout, and its name for the report. */
    record Seed(String model, byte[] bytes, List<Field> layout) {}

    /** What one mutant did. */
    sealed interface Outcome {
        record Ran() implements Outcome {}

        record Refused(String message) implements Outcome {}

        record Crashed(String what) implements Outcome {}
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void programFilesNeverCrash() throws Exception {
        List<Seed> seeds = new ArrayList<>();
        var options = new Compiler.Options(
                OnnxImporter.Options.DEFAULT, ArchitectureLoader.defaults().withCrossbar(64, 64), 1, Set.of());
        for (String m : MODELS) {
            var c = Compiler.compile(Paths.testdata("models/" + m + ".onnx"), options, s -> {});
            byte[] bytes = ProgramCodec.encode(Program.of(c.mapped()));
            seeds.add(new Seed(m, bytes, ProgramLayout.of(bytes)));
        }
        ExecutorService worker = newWorker();
        try {
            for (Seed s : seeds) {
                assertEquals(new Outcome.Ran(), outcome(worker, s.bytes(), 0), s.model() + " itself must run");
                // the walk must end at the image count, followed by exactly the images, or it misread the format
                Field last = s.layout().get(s.layout().size() - 1);
                var arch = ProgramCodec.decode(s.bytes(), s.model()).mapping().arch();
                long images = java.nio.ByteBuffer.wrap(s.bytes()).getInt(last.offset());
                assertEquals(
                        s.bytes().length - last.offset() - 4L,
                        images * 16 * arch.cols() * ((arch.rows() + 63) / 64),
                        s.model() + ": layout");
                long before = THREADS.getCurrentThreadAllocatedBytes();
                ProgramCodec.decode(s.bytes(), s.model());
                System.out.printf(
                        "program fuzz: %s, %d bytes, %d fields, decode allocates %.1f x the file%n",
                        s.model(),
                        s.bytes().length,
                        s.layout().size(),
                        (THREADS.getCurrentThreadAllocatedBytes() - before) / (double) s.bytes().length);
                assertTrue(
                        s.layout().size() > 50,
                        s.model() + ": layout of " + s.layout().size() + " fields");
            }
            Random r = new Random(SEED);
            List<String> crashes = new ArrayList<>();
            int cases = 0, ran = 0, refused = 0, structural = 0;
            long start = System.nanoTime();
            // CPU time too: the machine may be shared, and wall time then says little about the cost
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu = os.getProcessCpuTime();
            for (int i = 0; i < CASES; i++) {
                long caseSeed = REPLAY != null ? REPLAY : r.nextLong();
                if (REPLAY != null && i > 0) break;
                cases++;
                Random cr = new Random(caseSeed);
                Seed s = seeds.get(PICK[cr.nextInt(PICK.length)]);
                boolean byField = cr.nextInt(4) != 0;
                byte[] bytes =
                        byField ? ProgramMutations.fields(s.bytes(), s.layout(), cr) : Mutations.bytes(s.bytes(), cr);
                if (byField) structural++;
                Outcome o = outcome(worker, bytes, caseSeed);
                switch (o) {
                    case Outcome.Ran ignored -> ran++;
                    case Outcome.Refused f -> {
                        refused++;
                        if (REPLAY != null) System.out.println("refused: " + f.message());
                    }
                    case Outcome.Crashed c -> {
                        crashes.add("case seed " + caseSeed + " (" + s.model() + (byField ? ", fields" : ", bytes")
                                + "): " + c.what());
                        if (crashes.size() == 1) save(caseSeed, bytes);
                        if (c.what().startsWith("timeout")) {
                            worker.shutdownNow(); // the stuck thread is a daemon: abandoned, not waited for
                            worker = newWorker();
                        }
                    }
                }
                if (crashes.size() >= 20) break;
            }
            double secs = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "program fuzz: %d cases (%d by field) in %.1f s (%.1f s CPU), seed %d: %d ran, %d refused,"
                            + " %d crashes%n",
                    cases, structural, secs, (os.getProcessCpuTime() - cpu) / 1e9, SEED, ran, refused, crashes.size());
            if (!crashes.isEmpty()) fail(crashes.size() + " crash(es):\n" + String.join("\n", crashes));
            assertTrue(ran > 0 && refused > 0, "mutations should produce both valid and invalid programs");
        } finally {
            worker.shutdownNow();
        }
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "program-fuzz");
            t.setDaemon(true);
            return t;
        });
    }

    private static Outcome outcome(ExecutorService worker, byte[] bytes, long caseSeed) throws Exception {
        Future<Outcome> f = worker.submit(() -> attempt(bytes, caseSeed));
        try {
            return f.get(CASE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return new Outcome.Crashed("timeout: more than " + CASE_SECONDS + " s");
        }
    }

    /** Decode with the allocation measured, then build a simulator and run one example. */
    private static Outcome attempt(byte[] bytes, long caseSeed) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        Program p;
        try {
            p = ProgramCodec.decode(bytes, "fuzz.bnc");
        } catch (BnncimException e) {
            return overAllowance(bytes, before)
                    .orElseGet(() -> e.getMessage().contains("\n")
                            ? new Outcome.Crashed("multi-line message: " + e.getMessage())
                            : new Outcome.Refused(e.getMessage()));
        } catch (Throwable t) {
            return crashed(t);
        }
        var over = overAllowance(bytes, before);
        if (over.isPresent()) return over.get();
        long runBefore = THREADS.getTotalThreadAllocatedBytes();
        try {
            Simulator sim = new Simulator(p, Faults.NONE, caseSeed);
            float[][] x = new float[1][p.graph().inputs().get(0).shape().size()];
            Random r = new Random(caseSeed);
            for (int i = 0; i < x[0].length; i++) x[0][i] = r.nextFloat();
            // one pass: a sampled one when the program draws bits, as it takes the paths a deterministic one does
            // and the stochastic ones besides (two passes would double the cost of the 40 ms U-Net mutants)
            if (p.stochasticBits() > 0) sim.run(x, 1, BitSource.counterBased(p.model(), caseSeed, 0), 1, null);
            else sim.run(x, 0, null, 1, null);
            // every thread's allocation: the scheduler runs the pass on a thread of its own, and cases run one by one
            long used = THREADS.getTotalThreadAllocatedBytes() - runBefore;
            if (used > allowance(needs(bytes, p))) {
                return new Outcome.Crashed("simulator setup and one pass allocated " + used + " bytes, over "
                        + allowance(needs(bytes, p)));
            }
            return new Outcome.Ran();
        } catch (BnncimException e) {
            return e.getMessage().contains("\n")
                    ? new Outcome.Crashed("multi-line message: " + e.getMessage())
                    : new Outcome.Refused(e.getMessage());
        } catch (Throwable t) {
            return crashed(t);
        }
    }

    /**
     * What a program legitimately needs to run: its file, and every value of one example as 8-byte elements. The
     * reference programs' setup and pass allocate at most 9.4 times this, counting class loading in the first.
     */
    static long needs(byte[] bytes, Program p) {
        long elements = 0;
        for (var v : p.graph().inputs()) elements += v.shape().size();
        for (var n : p.graph().nodes()) elements += n.output().shape().size();
        return bytes.length + 8 * elements;
    }

    private static java.util.Optional<Outcome> overAllowance(byte[] bytes, long before) {
        long used = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (used <= allowance(bytes.length)) return java.util.Optional.empty();
        return java.util.Optional.of(new Outcome.Crashed(
                "decode of " + bytes.length + " bytes allocated " + used + " bytes, over " + allowance(bytes.length)));
    }

    private static Outcome crashed(Throwable t) {
        if (REPLAY != null) t.printStackTrace(System.out);
        StackTraceElement[] st = t.getStackTrace();
        String where = "";
        for (StackTraceElement e : st) {
            if (e.getClassName().startsWith("org.bnncim")) {
                where = " at " + e.getClassName().substring(e.getClassName().lastIndexOf('.') + 1) + "."
                        + e.getMethodName() + ":" + e.getLineNumber();
                break;
            }
        }
        return new Outcome.Crashed(t + where);
    }

    private static void save(long caseSeed, byte[] bytes) throws java.io.IOException {
        var dir = Paths.root().resolve("compiler/target/programfuzz");
        Files.createDirectories(dir);
        Files.write(dir.resolve("crash-" + caseSeed + ".bnc"), bytes);
    }
}
