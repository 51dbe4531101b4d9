package org.bnncim.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.bnncim.cli.Main;
import org.bnncim.compiler.sweep.InProcessEngine;
import org.bnncim.compiler.sweep.SpecParser;
import org.bnncim.compiler.sweep.Sweep;
import org.bnncim.compiler.sweep.SweepEngine;
import org.bnncim.compiler.sweep.SweepPlan;
import org.bnncim.compiler.sweep.SweepSpec;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark engine on {@code local[2]} against the in-process one: the same files byte for byte, one Spark task per
 * sweep task, points written while the job runs, and a task's bad-input error as the same one-line exception. One
 * SparkContext serves the class (the engine finds it running and leaves it running), so Spark starts once.
 */
class SparkSweepTest {
    private static SparkContexts.Lease spark;
    private static final AtomicInteger TASKS = new AtomicInteger(), JOBS = new AtomicInteger();
    private static final AtomicLong LAST_JOB_END = new AtomicLong();

    private static final String REFUSED = """
            {"models": ["%s"], "dataset": "%s", "limit": 30, "partition_examples": 10, "samples": 4}""";
    private static final String TINY = """
            {"models": ["%s"], "dataset": "%s", "limit": 20, "partition_examples": 10, "samples": 2,
             "faults": {"kind": "stuck-at", "rates": [0, 0.02]}}""";

    @TempDir
    Path tmp;

    @BeforeAll
    static void startSpark() {
        spark = SparkContexts.lease(2);
        spark.context().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd e) {
                TASKS.incrementAndGet();
            }

            @Override
            public void onJobEnd(SparkListenerJobEnd e) {
                LAST_JOB_END.set(e.time());
                JOBS.incrementAndGet();
            }
        });
    }

    @AfterAll
    static void stopSpark() {
        spark.close();
    }

    /** docs/examples/sweep-small.json, smaller: 16 points of 3 + 3 example ranges each. */
    private Path smallSpec() throws Exception {
        return spec(
                "small.json",
                """
                {"models": ["%s", {"path": "%s", "mc_dropout": true}],
                 "dataset": "%s", "ood": {"fashion": "%s"}, "limit": 60, "partition_examples": 25,
                 "crossbar": ["128x128", "256x256"], "faults": {"kind": "stuck-at", "rates": [0, 0.02]},
                 "samples": 4, "seed": [0, 1]}""",
                Paths.testdata("models/mlp-sd.onnx"),
                Paths.testdata("models/mlp-mcd.onnx"),
                Paths.testdata("mnist"),
                Paths.testdata("fashion"));
    }

    /** A spec file from a JSON template whose %s are the given paths. */
    private Path spec(String name, String template, Path... paths) throws Exception {
        return Files.writeString(tmp.resolve(name), template.formatted((Object[]) paths));
    }

    private Sweep.Result sweep(Path spec, String out, SweepEngine engine, Sweep.Progress progress) throws Exception {
        return Sweep.run(SpecParser.parse(spec), Files.readAllBytes(spec), tmp.resolve(out), engine, progress);
    }

    private void assertSameFiles(String a, String b) throws Exception {
        for (String f : List.of(Sweep.CSV, Sweep.JSONL, Sweep.HTML))
            assertArrayEquals(
                    Files.readAllBytes(tmp.resolve(a).resolve(f)),
                    Files.readAllBytes(tmp.resolve(b).resolve(f)),
                    f);
    }

    @Test
    void sparkWritesTheSameFilesAsInProcessOneSparkTaskPerSweepTaskAndPointsWhileTheJobRuns() throws Exception {
        Path spec = smallSpec();
        Sweep.Result local = sweep(spec, "local", new InProcessEngine(2), Sweep.Progress.NONE);
        assertEquals(16, local.rows().size());
        assertTrue(
                local.rows().stream().allMatch(r -> "ok".equals(r.get("status"))),
                local.rows().toString());

        int tasksBefore = TASKS.get(), jobsBefore = JOBS.get();
        AtomicLong firstPoint = new AtomicLong();
        Sweep.Progress progress = new Sweep.Progress() {
            @Override
            public void point(Map<String, Object> row) {
                firstPoint.compareAndSet(0, System.currentTimeMillis());
            }
        };
        Sweep.Result onSpark = sweep(spec, "spark", new SparkSweepEngine(2), progress);
        assertEquals(16, onSpark.computed());
        assertSameFiles("local", "spark");

        // 16 points x (3 ranges of the 60 MNIST images + 3 of the 60 Fashion-MNIST ones)
        long deadline = System.currentTimeMillis() + 10_000;
        // Spark's listener bus reports after the fact: wait for the job's end to be heard
        while ((TASKS.get() - tasksBefore < 96 || JOBS.get() == jobsBefore) && System.currentTimeMillis() < deadline)
            Thread.sleep(20);
        assertEquals(jobsBefore + 1, JOBS.get(), "one Spark job");
        assertEquals(96, TASKS.get() - tasksBefore, "Spark tasks");
        assertTrue(
                firstPoint.get() < LAST_JOB_END.get(),
                "the first point was written " + (firstPoint.get() - LAST_JOB_END.get()) + " ms after the job ended");
    }

    @Test
    void aPointItsTasksRefuseIsARowOnSparkAsInProcess() throws Exception {
        // MC-Dropout's Dropout read as the identity (no mc_dropout) at T=4: the worker, not the driver, refuses it
        Path spec = spec("refused.json", REFUSED, Paths.testdata("models/mlp-mcd.onnx"), Paths.testdata("mnist"));
        Sweep.Result local = sweep(spec, "local", new InProcessEngine(2), Sweep.Progress.NONE);
        Sweep.Result onSpark = sweep(spec, "spark", new SparkSweepEngine(2), Sweep.Progress.NONE);
        String status = String.valueOf(onSpark.rows().get(0).get("status"));
        assertTrue(status.startsWith("error: ") && status.contains("--samples 4"), status);
        assertEquals(local.rows(), onSpark.rows());
        assertSameFiles("local", "spark");
    }

    @Test
    void aBnncimExceptionInATaskSurfacesAsItselfWithItsOneLine() throws Exception {
        SweepSpec good = SpecParser.parse(smallSpec());
        SweepSpec.Model m = good.models().get(0);
        String missing = tmp.resolve("no-such-dataset").toString();
        SweepSpec bad = new SweepSpec(
                good.file(),
                List.of(new SweepSpec.Model(m.name(), m.path(), m.mcDropout(), missing, List.of())),
                good.archs(),
                good.crossbars(),
                good.encodings(),
                good.chips(),
                good.faults(),
                good.samples(),
                good.seeds(),
                good.limit(),
                good.threads(),
                good.partitionExamples());
        // the driver never reads this dataset: the task is the first to, on an executor
        List<SweepPlan.Task> tasks =
                List.of(new SweepPlan.Task(SweepPlan.points(bad).get(0), 0, 0, 10));
        BnncimException inProcess =
                assertThrows(BnncimException.class, () -> new InProcessEngine(1).run(bad, tasks, r -> {}));
        BnncimException onSpark =
                assertThrows(BnncimException.class, () -> new SparkSweepEngine(2).run(bad, tasks, r -> {}));
        assertEquals(inProcess.getMessage(), onSpark.getMessage());
        assertTrue(onSpark.getMessage().contains("no-such-dataset"), onSpark.getMessage());
        assertFalse(onSpark.getMessage().contains("\n"), onSpark.getMessage());
        assertFalse(spark.context().isStopped(), "a context the engine did not make is not stopped");
    }

    @Test
    void theCliFindsTheEngineByNameAndPrintsOnlyItsLine() throws Exception {
        Path spec = spec("tiny.json", TINY, Paths.testdata("models/mlp-sd.onnx"), Paths.testdata("mnist"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        Path dir = tmp.resolve("cli");
        int code = Main.execute(
                new String[] {"sweep", spec.toString(), "-o", dir.toString(), "--engine", "spark", "--threads", "2"},
                new PrintWriter(out),
                new PrintWriter(err));
        assertEquals(0, code, err.toString());
        assertEquals(
                List.of("sweep: 2 points (2 computed, 0 from " + dir + "), 2 ok, 0 failed; " + dir.resolve(Sweep.CSV)),
                out.toString().lines().toList());
        assertEquals("", err.toString());
        String csv = Files.readString(dir.resolve(Sweep.CSV), StandardCharsets.UTF_8);
        assertEquals(3, csv.lines().count(), csv);
    }
}
