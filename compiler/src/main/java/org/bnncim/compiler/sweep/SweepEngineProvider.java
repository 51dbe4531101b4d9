package org.bnncim.compiler.sweep;

/** A {@link java.util.ServiceLoader} entry for an engine that lives in another module (Spark). */
public interface SweepEngineProvider {
    String name();

    /** @param threads the spec's (or --threads') thread count; an engine may read it as its local parallelism */
    SweepEngine create(int threads);
}
