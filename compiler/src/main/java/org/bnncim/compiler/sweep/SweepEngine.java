package org.bnncim.compiler.sweep;

import java.util.List;
import java.util.function.Consumer;

/**
 * What runs a sweep's tasks: in-process on a thread pool ({@link InProcessEngine}), or elsewhere (the Spark engine of
 * module {@code bnncim-spark}, found by {@link java.util.ServiceLoader} under its {@link #name}). Every engine runs the
 * same {@link SweepWorker#run} per task, so the results do not depend on which one ran them.
 */
public interface SweepEngine {
    /** As {@code --engine} spells it. */
    String name();

    /**
     * Runs every task and hands each result to {@code sink} on the calling thread, in any order, as soon as it is
     * known (so the caller can write finished points before the whole sweep ends). A task that throws ends the run.
     */
    void run(SweepSpec spec, List<SweepPlan.Task> tasks, Consumer<SweepWorker.TaskResult> sink);

    /** The engine named {@code name}: the in-process one, or one on the class path. */
    static SweepEngine named(String name, int threads) {
        if (name.equals("local") || name.equals("inprocess")) return new InProcessEngine(threads);
        for (SweepEngineProvider p : java.util.ServiceLoader.load(SweepEngineProvider.class)) {
            if (p.name().equals(name)) return p.create(threads);
        }
        if (name.equals("spark"))
            throw new org.bnncim.ir.BnncimException("--engine spark: the Spark engine is not on the class path (build"
                    + " module spark: scripts/bnncim puts it there; see docs/sweeps.md)");
        throw new org.bnncim.ir.BnncimException("--engine: unknown engine '" + name + "' (local or spark)");
    }
}
