package org.bnncim.backends.sim;

import static org.bnncim.backends.sim.PassInterpreterTest.batchedSameAsSinglePasses;
import static org.bnncim.backends.sim.PassInterpreterTest.sameAsReference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.McSchedule;
import org.junit.jupiter.api.Test;

/**
 * Issue #23, item 3: the simulator runs a program's Monte-Carlo passes by the schedule the program records. Each
 * node runs exactly as often as the schedule says for the bits drawn (counted independently here from the patterns),
 * the outputs stay those of naive single passes, and the cost model's expected runs are the mean of those counts.
 * A pass whose convolution input differs from its sibling's in few elements updates the sibling's sums instead, with
 * the same outputs.
 */
class McScheduleSimTest {
    /** Input binarizer, then {@code layers} dense layers each thresholded by its own Scale-Dropout bit, then a head. */
    static Program chain(int layers) {
        TestPrograms b = new TestPrograms(201, TestPrograms.floats("x", 40)).binarize();
        for (int bit = 0; bit < layers; bit++) b.dense(12).threshold(bit);
        return b.dense(5).program(Architecture.WeightEncoding.SINGLE, 16, 8);
    }

    @Test
    void fewBitsRunSortedEachDistinctPrefixOnce() {
        Program p = chain(3);
        assertEquals(McSchedule.Order.SORTED, p.montecarlo().order());
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3, 3}, p.montecarlo().depths());
        runsFollowTheSchedule(p, 12);
    }

    @Test
    void beyondTheCounterTableThePassesRunInDrawOrder() {
        Program p = chain(McSchedule.MAX_SORTED_BITS + 1);
        assertEquals(McSchedule.Order.DRAW, p.montecarlo().order());
        runsFollowTheSchedule(p, 12);
    }

    /** Node runs summed over examples equal the schedule's count for each example's patterns; outputs are exact. */
    private static void runsFollowTheSchedule(Program p, int samples) {
        float[][] x = TestPrograms.inputs(202, 6, 40);
        Simulator sim = new Simulator(p, Faults.NONE, 3);
        BitSource bits = BitSource.counterBased(p.graph(), 9, 0);
        sim.run(x, samples, bits, 2, null);
        long[] got = sim.nodeRuns();
        McSchedule mc = p.montecarlo();
        long[] want = new long[got.length];
        for (int e = 0; e < x.length; e++) {
            boolean[][] patterns = new boolean[samples][];
            for (int t = 0; t < samples; t++) patterns[t] = bits.bits(e, t);
            for (int i = 0; i < want.length; i++) want[i] += mc.runs(mc.depths()[i], patterns);
        }
        assertArrayEquals(want, got);
        // the prefix before the first stochastic layer runs once per example, the head at most T times
        assertEquals(x.length, got[0]);
        batchedSameAsSinglePasses(p, x, samples, Faults.NONE);
    }

    @Test
    void aProgramWhoseRecordedScheduleDiffersFromItsGraphsIsRefused() {
        Program p = chain(2);
        byte[] bytes = ProgramCodec.encode(p);
        // the last node's stage: its name (length-prefixed) and then its depth, the last such name in the file
        String last = p.graph().nodes().get(p.graph().nodes().size() - 1).name();
        byte[] key = java.nio.ByteBuffer.allocate(4 + last.length())
                .putInt(last.length())
                .put(last.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .array();
        int at = -1;
        for (int i = 0; i + key.length <= bytes.length; i++)
            if (java.util.Arrays.equals(bytes, i, i + key.length, key, 0, key.length)) at = i;
        int depthAt = at + key.length;
        assertEquals(2, java.nio.ByteBuffer.wrap(bytes, depthAt, 4).getInt());
        bytes[depthAt + 3] = 1;
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                org.bnncim.ir.BnncimException.class, () -> ProgramCodec.decode(bytes, "p.bnc"));
        assertEquals(
                "p.bnc: inconsistent program: Monte-Carlo schedule: stage 5 is Stage[node=" + last
                        + ", depth=1], the graph defines Stage[node=" + last + ", depth=2]",
                e.getMessage());
    }

    @Test
    void expectedRunsByHand() {
        float[] half = {0.5f, 0.5f};
        McSchedule sorted = new McSchedule(McSchedule.Order.SORTED, java.util.List.of());
        McSchedule draw = new McSchedule(McSchedule.Order.DRAW, java.util.List.of());
        // T = 2, one fair bit: the second pass repeats the first with probability 1/2, in either order
        assertEquals(1.5, sorted.expectedRuns(1, 2, half), 1e-12);
        assertEquals(1.5, draw.expectedRuns(1, 2, half), 1e-12);
        // T = 3, one fair bit: sorted runs 2 unless all three agree (1/4): 2 - 1/4; draw order 1 + 2 x 1/2
        assertEquals(1.75, sorted.expectedRuns(1, 3, half), 1e-12);
        assertEquals(2.0, draw.expectedRuns(1, 3, half), 1e-12);
        // T = 2, two fair bits: 4 x (1 - (3/4)^2) = 1.75
        assertEquals(1.75, sorted.expectedRuns(2, 2, half), 1e-12);
        assertEquals(1.0, sorted.expectedRuns(0, 20, half), 0);
        assertEquals(20.0, sorted.expectedRuns(McSchedule.PER_PASS, 20, half), 0);
    }

    @Test
    void expectedRunsAreTheMeanOfTheCounts() {
        float[] p = {0.2f, 0.5f, 0.1f, 0.35f};
        SplittableRandom r = new SplittableRandom(5);
        int trials = 20_000, t = 20;
        for (McSchedule.Order order : McSchedule.Order.values()) {
            McSchedule mc = new McSchedule(order, java.util.List.of());
            for (int depth = 1; depth <= p.length; depth++) {
                double sum = 0;
                for (int n = 0; n < trials; n++) {
                    boolean[][] patterns = new boolean[t][p.length];
                    for (boolean[] q : patterns) for (int k = 0; k < p.length; k++) q[k] = r.nextDouble() < p[k];
                    sum += mc.runs(depth, patterns);
                }
                double want = mc.expectedRuns(depth, t, p);
                assertEquals(want, sum / trials, 0.01 * want, order + " depth " + depth);
            }
        }
    }

    @Test
    void channelLastConvolutionsOfSiblingPassesGiveThePassesOutputs() {
        // 8 and 16 input channels run channel-last; a pass whose input differs from its sibling's in few elements
        // updates the sibling's sums
        Program p = new TestPrograms(340, TestPrograms.floats("x", 8, 12, 12))
                .binarize()
                .conv(16, 3, 1, 1, 1)
                .thresholdNear(0, 3)
                .conv(16, 3, 1, 1, 1)
                .thresholdNear(1, 3)
                .maxPool()
                .flatten()
                .dense(4)
                .program(Architecture.WeightEncoding.COMPLEMENTARY, 200, 8);
        sameAsReference(p, TestPrograms.inputs(341, 2, 1152), 2);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(342, 4, 1152), 16, Faults.NONE);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(343, 3, 1152), 8, new Faults(0.02, 0, 0));
    }
}
