package org.bnncim.compiler.sweep;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.bnncim.ir.BnncimException;

/** The default engine: a fixed pool of threads, one task (one simulator thread) each. */
public final class InProcessEngine implements SweepEngine {
    private final int threads;

    public InProcessEngine(int threads) {
        this.threads = Math.max(1, threads);
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public void run(SweepSpec spec, List<SweepPlan.Task> tasks, Consumer<SweepWorker.TaskResult> sink) {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bnncim-sweep");
            t.setDaemon(true);
            return t;
        });
        try {
            ExecutorCompletionService<SweepWorker.TaskResult> done = new ExecutorCompletionService<>(pool);
            for (SweepPlan.Task t : tasks) done.submit(() -> SweepWorker.run(spec, t));
            for (int i = 0; i < tasks.size(); i++) sink.accept(done.take().get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BnncimException("sweep interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        } finally {
            pool.shutdownNow();
        }
    }
}
