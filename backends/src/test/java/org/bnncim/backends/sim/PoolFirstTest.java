package org.bnncim.backends.sim;

import static org.bnncim.backends.sim.PassInterpreterTest.batchedSameAsSinglePasses;
import static org.bnncim.backends.sim.PassInterpreterTest.sameAsReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.bnncim.backends.sim.kernels.PoolGeometry;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/**
 * Comparator banks followed by a max pool, computed pool first in blocked runs: the same outputs as single passes
 * in program order (and as the reference interpreter), for comparators pointing both ways (within a bank and
 * between the dropped and kept banks of one channel), k-bit levels, padded and overlapping windows, and
 * Monte-Carlo passes that share a popcount but not a bank.
 */
class PoolFirstTest {
    private static final int[][] WINDOWS = {{2, 2, 0}, {3, 2, 1}, {3, 1, 1}, {2, 1, 0}, {3, 3, 1}};

    @Test
    void thresholdsBeforeAMaxPoolGiveThePassesOutputs() {
        for (int[] w : WINDOWS) {
            for (int bit : new int[] {-1, 0}) {
                Program p = new TestPrograms(300 + w[0] * 7 + w[1] + bit, TestPrograms.floats("x", 3, 9, 9))
                        .binarize()
                        .conv(6, 3, 1, 1, 1)
                        .threshold(bit)
                        .maxPool(w[0], w[1], w[2])
                        .conv(5, 3, 1, 1, 1)
                        .threshold(bit < 0 ? -1 : 1)
                        .maxPool()
                        .flatten()
                        .dense(4)
                        .program(Architecture.WeightEncoding.COMPLEMENTARY, 40, 5);
                assertEquals(2, fused(p), Arrays.toString(w));
                sameAsReference(p, TestPrograms.inputs(310, 3, 243), bit < 0 ? 0 : 2);
                batchedSameAsSinglePasses(p, TestPrograms.inputs(311, 5, 243), 0, Faults.NONE);
                if (bit >= 0) batchedSameAsSinglePasses(p, TestPrograms.inputs(312, 4, 243), 16, Faults.NONE);
            }
        }
    }

    @Test
    void kBitLevelsBeforeAMaxPoolGiveThePassesOutputs() {
        for (int[] w : WINDOWS) {
            Program p = new TestPrograms(320 + w[0] * 7 + w[1], TestPrograms.floats("x", 2, 8, 8))
                    .binarize()
                    .conv(5, 3, 1, 1, 1)
                    .multiThreshold(new ElemType(ElemType.Kind.INT, 2), 0)
                    .maxPool(w[0], w[1], w[2])
                    .flatten()
                    .dense(4)
                    .program(Architecture.WeightEncoding.SINGLE, 30, 4);
            assertEquals(1, fused(p), Arrays.toString(w));
            batchedSameAsSinglePasses(p, TestPrograms.inputs(321, 5, 128), 0, Faults.NONE);
            batchedSameAsSinglePasses(p, TestPrograms.inputs(322, 4, 128), 16, Faults.NONE);
        }
    }

    @Test
    void onlyABankReadByOneMaxPoolIsFused() {
        TestPrograms t = new TestPrograms(330, TestPrograms.floats("x", 2, 6, 6))
                .binarize()
                .conv(4, 3, 1, 1, 1)
                .threshold(0);
        var th = t.last();
        // the bank's output is read by the pool and by the sum of the two branches: computed as the program says
        Program p = t.maxPool(2, 1, 0)
                .conv(4, 2, 1, 1, 1)
                .affine(org.bnncim.ir.AffineStep.Op.PRELU)
                .add(th)
                .sign()
                .flatten()
                .dense(3)
                .program(Architecture.WeightEncoding.SINGLE, 30, 4);
        assertEquals(0, fused(p));
        batchedSameAsSinglePasses(p, TestPrograms.inputs(331, 4, 72), 8, Faults.NONE);
    }

    @Test
    void aWindowOfPaddingAloneIsNoWindowToPoolFirst() {
        assertTrue(new PoolGeometry(1, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0).noEmptyWindow());
        assertTrue(new PoolGeometry(1, 4, 4, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1).noEmptyWindow());
        // pads as large as the window: the first row and column of windows cover padding only
        assertFalse(new PoolGeometry(1, 4, 4, 4, 4, 2, 2, 1, 1, 2, 2, 2, 2).noEmptyWindow());
        assertFalse(new PoolGeometry(1, 4, 4, 3, 4, 2, 2, 2, 1, 0, 2, 0, 2).noEmptyWindow());
    }

    private static int fused(Program p) {
        PassInterpreter interp = new PassInterpreter(p, ImageLoader.load(p, Faults.NONE, 0), Faults.NONE, 0);
        int n = 0;
        for (int i = 0; i < p.graph().nodes().size(); i++) n += interp.fusedPool(i) >= 0 ? 1 : 0;
        return n;
    }
}
