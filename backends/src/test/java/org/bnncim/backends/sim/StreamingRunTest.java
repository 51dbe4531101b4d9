package org.bnncim.backends.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/**
 * Issue #21, goal 5: {@link Simulator#stream} delivers every example exactly once with the values of single passes
 * (and of the array-returning {@link Simulator#run}), and never holds more than one block of examples per thread.
 * The bound is observed from outside: {@link Simulator#nodeRuns} counts the examples whose block has started its
 * first node (which runs once per example, before any stochastic layer), and the sink counts the examples it has
 * been handed; the difference is what the scheduler holds.
 */
class StreamingRunTest {
    /** The documented bound on a block ({@link Simulator#stream}). */
    private static final int BLOCK = 64;

    private static final int SIZE = 40;

    @Test
    void everyExampleOnceWithTheValuesOfSinglePasses() {
        Program p = McScheduleSimTest.chain(3);
        float[][] x = TestPrograms.inputs(31, 150, SIZE);
        BitSource bits = BitSource.counterBased(p.graph(), 5, 0);
        for (int samples : new int[] {0, 12}) {
            Simulator sim = new Simulator(p, Faults.NONE, 11);
            float[][][] array = sim.run(x, samples, bits, 1, null);
            // the golden values: independent single passes, on a sample of examples
            for (int i = 0; i < x.length; i += 13) {
                for (int t = 0; t < Math.max(1, samples); t++) {
                    assertArrayEquals(sim.output(x[i], samples == 0 ? null : bits.bits(i, t), i, t), array[i][t]);
                }
            }
            for (int threads : new int[] {1, 2, 3}) {
                float[][][] got = collect(sim, x, samples, bits, threads);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Math.max(1, samples), got[i].length);
                    for (int t = 0; t < got[i].length; t++) {
                        assertArrayEquals(array[i][t], got[i][t], threads + " threads, example " + i + " pass " + t);
                    }
                }
            }
        }
    }

    @Test
    void readFlipFaultsStreamExampleByExample() {
        Program p = McScheduleSimTest.chain(2);
        float[][] x = TestPrograms.inputs(32, 40, SIZE);
        BitSource bits = BitSource.counterBased(p.graph(), 6, 0);
        Simulator sim = new Simulator(p, new Faults(0, 0.02, 0), 12);
        int samples = 5;
        AtomicInteger delivered = new AtomicInteger();
        AtomicLong worst = new AtomicLong();
        float[][][] got = new float[x.length][][];
        AtomicIntegerArray count = new AtomicIntegerArray(x.length);
        sim.stream(x, samples, bits, 2, (i, passes) -> {
            // with per-read draws every node runs once per pass of an example, after which it is delivered
            worst.accumulateAndGet(sim.nodeRuns()[0] / samples - delivered.get(), Math::max);
            count.incrementAndGet(i);
            got[i] = passes;
            delivered.incrementAndGet();
        });
        assertTrue(worst.get() <= 2, "examples held at once: " + worst.get());
        for (int i = 0; i < x.length; i++) {
            assertEquals(1, count.get(i), "deliveries of example " + i);
            for (int t = 0; t < samples; t++) assertArrayEquals(sim.output(x[i], bits.bits(i, t), i, t), got[i][t]);
        }
    }

    @Test
    void atMostOneBlockPerThreadIsHeldAtATime() {
        Program p = McScheduleSimTest.chain(3);
        float[][] x = TestPrograms.inputs(33, 400, SIZE);
        BitSource bits = BitSource.counterBased(p.graph(), 7, 0);
        for (int samples : new int[] {0, 20}) {
            for (int threads : new int[] {1, 2}) {
                Simulator sim = new Simulator(p, Faults.NONE, 13);
                AtomicInteger delivered = new AtomicInteger();
                AtomicLong worst = new AtomicLong();
                AtomicIntegerArray count = new AtomicIntegerArray(x.length);
                sim.stream(x, samples, bits, threads, (i, passes) -> {
                    long started = sim.nodeRuns()[0];
                    worst.accumulateAndGet(started - delivered.get(), Math::max);
                    // a slow consumer now and then: a scheduler that computed ahead would show it here
                    if (i % 97 == 0) sleep();
                    count.incrementAndGet(i);
                    delivered.incrementAndGet();
                });
                assertEquals(x.length, sim.nodeRuns()[0], "the first node runs once per example");
                assertTrue(
                        worst.get() <= (long) threads * BLOCK,
                        threads + " threads, T=" + samples + ": " + worst.get() + " examples held at once");
                // the bound is not vacuous: the run is several blocks long
                assertTrue(x.length > 2L * threads * BLOCK);
                for (int i = 0; i < x.length; i++) assertEquals(1, count.get(i), "deliveries of example " + i);
            }
        }
    }

    @Test
    void nothingIsKeptOnceTheSinkReturns() throws InterruptedException {
        Program p = McScheduleSimTest.chain(2);
        float[][] x = TestPrograms.inputs(34, 100, SIZE);
        Simulator sim = new Simulator(p, Faults.NONE, 14);
        AtomicReferenceArray<WeakReference<float[][]>> refs = new AtomicReferenceArray<>(x.length);
        sim.stream(
                x,
                8,
                BitSource.counterBased(p.graph(), 8, 0),
                2,
                (i, passes) -> refs.set(i, new WeakReference<>(passes)));
        boolean cleared = false;
        for (int attempt = 0; attempt < 20 && !cleared; attempt++) {
            System.gc();
            Thread.sleep(10);
            cleared = true;
            for (int i = 0; i < x.length; i++) cleared &= refs.get(i).get() == null;
        }
        assertTrue(cleared, "the simulator still references delivered outputs after stream returned");
    }

    @Test
    void aFailingSinkEndsTheRun() {
        Program p = McScheduleSimTest.chain(2);
        float[][] x = TestPrograms.inputs(35, 300, SIZE);
        Simulator sim = new Simulator(p, Faults.NONE, 15);
        IllegalStateException boom = new IllegalStateException("boom");
        var e = assertThrows(
                IllegalStateException.class,
                () -> sim.stream(x, 4, BitSource.counterBased(p.graph(), 9, 0), 2, (i, passes) -> {
                    throw boom;
                }));
        assertSame(boom, e);
        assertThrows(NullPointerException.class, () -> sim.stream(x, 0, null, 1, null));
    }

    private static float[][][] collect(Simulator sim, float[][] x, int samples, BitSource bits, int threads) {
        AtomicReferenceArray<float[][]> got = new AtomicReferenceArray<>(x.length);
        sim.stream(x, samples, bits, threads, (i, passes) -> {
            assertNull(got.getAndSet(i, passes), "example " + i + " delivered twice");
        });
        float[][][] out = new float[x.length][][];
        for (int i = 0; i < x.length; i++) {
            out[i] = got.get(i);
            assertNotNull(out[i], "example " + i + " never delivered");
        }
        return out;
    }

    private static void sleep() {
        try {
            Thread.sleep(15);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
