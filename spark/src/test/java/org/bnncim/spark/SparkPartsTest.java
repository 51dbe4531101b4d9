package org.bnncim.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkException;
import org.bnncim.compiler.sweep.SweepEngine;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Test;

/** The engine's pieces that need no running SparkContext. */
class SparkPartsTest {
    @Test
    void aTaskExceptionComesBackAsItselfFromUnderSparksWrapper() {
        BnncimException original = new BnncimException("data: not found");
        SparkException job = new SparkException("Job aborted due to stage failure: ...", original);
        assertSame(original, TaskFailures.unwrap(job));
        IllegalArgumentException bug = new IllegalArgumentException("bug");
        assertSame(bug, TaskFailures.unwrap(new SparkException("aborted", new SparkException("stage", bug))));
    }

    @Test
    void withoutTheCauseTheBnncimMessageIsReadFromSparksReport() {
        SparkException job = new SparkException("Job aborted due to stage failure: Task 0 in stage 3.0 failed 4 times,"
                + " most recent failure: Lost task 0.3 in stage 3.0 (TID 9) (worker-1 executor 2):"
                + " org.bnncim.ir.BnncimException: /data/x: dataset folder (or *images.npy file) not found\n"
                + "\tat org.bnncim.io.Inputs.datasetFiles(Inputs.java:83)\n");
        RuntimeException r = TaskFailures.unwrap(job);
        assertInstanceOf(BnncimException.class, r);
        assertEquals("/data/x: dataset folder (or *images.npy file) not found", r.getMessage());
        RuntimeException other = TaskFailures.unwrap(new SparkException("Job 3 cancelled\nmore"));
        assertEquals("spark: Job 3 cancelled", other.getMessage());
    }

    @Test
    void theEngineIsFoundByName() {
        assertInstanceOf(SparkSweepEngine.class, SweepEngine.named("spark", 3));
    }

    @Test
    void aMasterFromSparkSubmitOrTheEnvironmentWinsOverTheThreads() {
        String was = System.getProperty("spark.master");
        try {
            System.clearProperty("spark.master");
            assertEquals("local[3]", SparkContexts.conf(3, null).get("spark.master"));
            assertEquals(
                    "spark://h:7077", SparkContexts.conf(3, " spark://h:7077 ").get("spark.master"));
            System.setProperty("spark.master", "yarn");
            SparkConf c = SparkContexts.conf(3, "spark://h:7077");
            assertEquals("yarn", c.get("spark.master"));
            assertEquals("bnncim sweep", c.get("spark.app.name"));
            assertEquals("false", c.get("spark.ui.enabled"));
        } finally {
            if (was == null) System.clearProperty("spark.master");
            else System.setProperty("spark.master", was);
        }
    }

    @Test
    void aMasterSparkCannotStartIsOneLineOfBadInput() {
        assumeTrue(SparkEnv.get() == null, "another class's SparkContext is running");
        String was = System.getProperty("spark.master");
        try {
            System.setProperty("spark.master", "bogus://x");
            BnncimException e = assertThrows(BnncimException.class, () -> SparkContexts.lease(1));
            assertEquals(
                    "--engine spark: cannot start Spark on master 'bogus://x' (SparkException: Could not parse"
                            + " Master URL: 'bogus://x')",
                    e.getMessage());
        } finally {
            if (was == null) System.clearProperty("spark.master");
            else System.setProperty("spark.master", was);
        }
        assertNull(SparkEnv.get(), "nothing left running");
    }

    @Test
    void sparkSubmitsArgumentsBecomeASweepOnTheSparkEngine() {
        assertArrayEquals(
                new String[] {"sweep", "s.json", "-o", "out", "--engine", "spark"},
                SparkSweep.arguments(new String[] {"s.json", "-o", "out"}));
        assertArrayEquals(
                new String[] {"sweep", "s.json", "--engine=local"},
                SparkSweep.arguments(new String[] {"s.json", "--engine=local"}));
    }
}
