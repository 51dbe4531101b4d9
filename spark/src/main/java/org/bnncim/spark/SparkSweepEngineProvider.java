package org.bnncim.spark;

import org.bnncim.compiler.sweep.SweepEngine;
import org.bnncim.compiler.sweep.SweepEngineProvider;

/** Makes {@code --engine spark} find {@link SparkSweepEngine} through {@link java.util.ServiceLoader}. */
public final class SparkSweepEngineProvider implements SweepEngineProvider {
    @Override
    public String name() {
        return "spark";
    }

    @Override
    public SweepEngine create(int threads) {
        return new SparkSweepEngine(threads);
    }
}
