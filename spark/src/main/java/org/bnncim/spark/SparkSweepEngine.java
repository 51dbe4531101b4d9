package org.bnncim.spark;

import java.io.Serializable;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.bnncim.compiler.sweep.SweepEngine;
import org.bnncim.compiler.sweep.SweepPlan;
import org.bnncim.compiler.sweep.SweepSpec;
import org.bnncim.compiler.sweep.SweepWorker;
import org.bnncim.ir.BnncimException;
import scala.Function0;
import scala.Function1;
import scala.Function2;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * Runs a sweep's tasks as one Spark job, one task per partition. Results come back through the job's result handler
 * as each task finishes (not {@code toLocalIterator}, which runs one job per partition one after another and so
 * would use one core of a {@code local[2]} master), so the driver writes finished points while the job runs.
 */
public final class SparkSweepEngine implements SweepEngine {
    private static final long POLL_MS = 200;
    private final int threads;

    public SparkSweepEngine(int threads) {
        this.threads = Math.max(1, threads);
    }

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public void run(SweepSpec spec, List<SweepPlan.Task> tasks, Consumer<SweepWorker.TaskResult> sink) {
        // a resumed sweep with nothing left to do must not pay Spark's start-up
        if (tasks.isEmpty()) return;
        try (SparkContexts.Lease lease = SparkContexts.lease(threads)) {
            runJob(lease.context(), spec, tasks, sink);
        }
    }

    private static void runJob(
            SparkContext sc, SweepSpec spec, List<SweepPlan.Task> tasks, Consumer<SweepWorker.TaskResult> sink) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
        Broadcast<SweepSpec> b = jsc.broadcast(spec);
        JavaRDD<SweepWorker.TaskResult> results =
                jsc.parallelize(tasks, tasks.size()).map(work(b));
        LinkedBlockingQueue<SweepWorker.TaskResult> arrived = new LinkedBlockingQueue<>();
        SimpleFutureAction<BoxedUnit> job = sc.submitJob(
                results.rdd(),
                first(),
                scala.collection.immutable.Range$.MODULE$.apply(0, tasks.size()),
                (Function2<Object, SweepWorker.TaskResult, BoxedUnit>) (i, r) -> {
                    arrived.add(r);
                    return BoxedUnit.UNIT;
                },
                (Function0<BoxedUnit>) () -> BoxedUnit.UNIT);
        try {
            // the handler runs on Spark's scheduler thread; the sink must run here, on the caller's thread
            while (true) {
                SweepWorker.TaskResult r = arrived.poll(POLL_MS, TimeUnit.MILLISECONDS);
                if (r != null) {
                    sink.accept(r);
                } else if (job.isCompleted()) {
                    for (SweepWorker.TaskResult rest; (rest = arrived.poll()) != null; ) sink.accept(rest);
                    break;
                }
            }
            Try<BoxedUnit> outcome = job.value().get();
            if (outcome.isFailure()) throw TaskFailures.unwrap(outcome.failed().get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.cancel();
            throw new BnncimException("sweep interrupted");
        } catch (RuntimeException | Error e) {
            job.cancel();
            throw e;
        } finally {
            b.destroy();
        }
    }

    /** A static factory, so that the closure holds the broadcast handle only, not an engine. */
    private static org.apache.spark.api.java.function.Function<SweepPlan.Task, SweepWorker.TaskResult> work(
            Broadcast<SweepSpec> b) {
        return t -> SweepWorker.run(b.value(), t);
    }

    /** Each partition holds one task; the cast makes the lambda Serializable, as Spark ships it to executors. */
    private static Function1<scala.collection.Iterator<SweepWorker.TaskResult>, SweepWorker.TaskResult> first() {
        return (Function1<scala.collection.Iterator<SweepWorker.TaskResult>, SweepWorker.TaskResult> & Serializable)
                it -> it.next();
    }
}
