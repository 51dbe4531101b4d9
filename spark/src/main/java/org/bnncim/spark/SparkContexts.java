package org.bnncim.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.bnncim.ir.BnncimException;

/**
 * The SparkContext a sweep runs on: the one already running in this JVM (an application that calls the engine,
 * spark-shell), or a new one that the sweep stops when it ends. spark-submit passes its master and settings as
 * {@code spark.*} system properties, which {@link SparkConf} reads; the defaults here apply only where nothing set
 * them.
 */
final class SparkContexts {
    private SparkContexts() {}

    static final String APP_NAME = "bnncim sweep", MASTER_ENV = "BNNCIM_SPARK_MASTER";

    /** A context, and whether this lease made it (and so must stop it). */
    record Lease(SparkContext context, boolean owned) implements AutoCloseable {
        @Override
        public void close() {
            if (owned) context.stop();
        }
    }

    static Lease lease(int threads) {
        // SparkEnv is set while a context runs in this JVM and cleared by its stop(): the public way to ask
        if (SparkEnv.get() != null) return new Lease(SparkContext.getOrCreate(), false);
        SparkConf c = conf(threads, System.getenv(MASTER_ENV));
        try {
            return new Lease(SparkContext.getOrCreate(c), true);
        } catch (Exception e) { // Scala throws SparkException (checked in Java) undeclared
            // a master URL the user gave, a port in use: the user's to fix, so one line and exit 2, no stack dump
            String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new BnncimException("--engine spark: cannot start Spark on master '" + c.get("spark.master") + "' ("
                    + e.getClass().getSimpleName() + ": " + why + ")");
        }
    }

    static SparkConf conf(int threads, String envMaster) {
        SparkConf c = new SparkConf();
        if (!c.contains("spark.master"))
            c.setMaster(envMaster != null && !envMaster.isBlank() ? envMaster.trim() : "local[" + threads + "]");
        c.setIfMissing("spark.app.name", APP_NAME);
        // a sweep prints its own progress; the web UI would only take a port
        c.setIfMissing("spark.ui.enabled", "false");
        // results are per-example scores the driver consumes as they arrive; the 1 GiB default cap on a job's
        // results would stop a large sweep that the driver can hold one point at a time
        c.setIfMissing("spark.driver.maxResultSize", "0");
        return c;
    }
}
