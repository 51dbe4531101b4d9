package org.bnncim.backends.sim;

import static org.bnncim.backends.sim.PassInterpreterTest.batchedSameAsSinglePasses;
import static org.bnncim.backends.sim.PassInterpreterTest.sameAsReference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.junit.jupiter.api.Test;

/**
 * k-bit activations on the simulator against the reference interpreter, value by value: Quantize on the input,
 * MultiThreshold banks (deterministic and picked by stochastic bits), dense and conv layers reading unsigned and
 * two's complement inputs bit-serially, MaxPool on signed integers; the batched paths (block kernels, prefix
 * sharing, 1 and 3 threads) against single passes; read faults on k-bit inputs.
 */
class KbitActivationsTest {
    private static final ElemType U2 = ElemType.uint(2), U4 = ElemType.uint(4);
    private static final ElemType I2 = new ElemType(ElemType.Kind.INT, 2), I3 = new ElemType(ElemType.Kind.INT, 3);

    @Test
    void denseLayersReadUnsignedAndSignedActivations() {
        for (var enc : Architecture.WeightEncoding.values()) {
            Program p = new TestPrograms(51, TestPrograms.floats("x", 100))
                    .kQuantize(U2, 0, 3, false)
                    .dense(13)
                    .multiThreshold(I3, -1)
                    .dense(9)
                    .multiThreshold(U4, -1)
                    .dense(8)
                    .multiThreshold(I2, -1)
                    .dense(5)
                    .program(enc, 40, 4);
            sameAsReference(p, TestPrograms.inputs(52, 8, 100), 0);
            // 40 examples: more than one group of the multi-bit block kernel
            batchedSameAsSinglePasses(p, TestPrograms.inputs(53, 40, 100), 0, Faults.NONE);
        }
    }

    @Test
    void comparatorsAtTheEndsOfTheLongRangeAlwaysOrNeverFire() {
        Program p = new TestPrograms(58, TestPrograms.floats("x", 40))
                .binarize()
                .dense(10)
                .multiThresholdExtremes()
                .dense(3)
                .program(Architecture.WeightEncoding.COMPLEMENTARY, 40, 4);
        sameAsReference(p, TestPrograms.inputs(59, 8, 40), 0);
        int[] levels = new Simulator(p, Faults.NONE, 0)
                .pass(TestPrograms.inputs(59, 1, 40)[0], null, 0, 0)
                .ints("mtx2");
        for (int v : levels) assertTrue(v == 1 || v == 2, "level " + v);
    }

    @Test
    void signedQuantizedInputWithPerChannelThresholds() {
        Program p = new TestPrograms(55, TestPrograms.floats("x", 3, 5, 5))
                .kQuantize(I3, -4, 7, true)
                .flatten()
                .dense(6)
                .program(Architecture.WeightEncoding.SINGLE, 70, 4);
        sameAsReference(p, TestPrograms.inputs(56, 6, 75), 0);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(57, 9, 75), 0, Faults.NONE);
    }

    @Test
    void convolutionsReadKBitActivationsAndMaxPoolTakesTheLargestInteger() {
        for (int[] c : new int[][] {{3, 1, 1, 1}, {3, 2, 0, 1}, {2, 1, 0, 1}, {3, 1, 2, 2}}) {
            Program p = new TestPrograms(61 + c[1], TestPrograms.floats("x", 2, 8, 8))
                    .kQuantize(I2, -2, 3, true)
                    .conv(4, c[0], c[1], c[2], c[3])
                    .multiThreshold(I2, -1)
                    .maxPool()
                    .conv(3, 1, 1, 0, 1)
                    .multiThreshold(U2, -1)
                    .flatten()
                    .dense(5)
                    .program(Architecture.WeightEncoding.COMPLEMENTARY, 13, 3);
            sameAsReference(p, TestPrograms.inputs(62, 5, 128), 0);
            batchedSameAsSinglePasses(p, TestPrograms.inputs(63, 7, 128), 0, Faults.NONE);
        }
    }

    @Test
    void paddedMaxPoolIgnoresPaddingOnNegativeLevels() {
        // levels -2 .. 1 under a padded 3x3/2 window: the general (bounds-testing) pool path on signed values
        Program p = new TestPrograms(67, TestPrograms.floats("x", 2, 7, 7))
                .binarize()
                .conv(3, 3, 1, 1, 1)
                .multiThreshold(I2, -1)
                .maxPool(3, 2, 1)
                .flatten()
                .dense(4)
                .program(Architecture.WeightEncoding.SINGLE, 27, 3);
        sameAsReference(p, TestPrograms.inputs(68, 5, 98), 0);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(69, 7, 98), 0, Faults.NONE);
    }

    @Test
    void stochasticBitsSelectLevelBanksAndPassesShareThePrefix() {
        Program p = new TestPrograms(71, TestPrograms.floats("x", 90))
                .kQuantize(U2, 1, 2, false)
                .dense(12)
                .multiThreshold(U2, -1)
                .dense(10)
                .multiThreshold(I2, 0)
                .dense(8)
                .multiThreshold(U4, 1)
                .dense(6)
                .scaleDropout(2)
                .softmax()
                .program(Architecture.WeightEncoding.COMPLEMENTARY, 40, 5);
        sameAsReference(p, TestPrograms.inputs(72, 6, 90), 3);
        PassInterpreter interp = new PassInterpreter(p, ImageLoader.load(p, Faults.NONE, 0), Faults.NONE, 0);
        // nodes up to the first stochastic bank depend on no bit: computed once for all passes of an example
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 2, 2, 3, 3}, prefixes(interp));
        batchedSameAsSinglePasses(p, TestPrograms.inputs(73, 5, 90), 16, Faults.NONE);
    }

    @Test
    void programsRoundTripThroughTheProgramFile() {
        Program p = new TestPrograms(75, TestPrograms.floats("x", 2, 6, 6))
                .kQuantize(I2, -2, 3, true)
                .conv(3, 3, 1, 1, 1)
                .multiThreshold(I2, 0)
                .maxPool()
                .flatten()
                .dense(7)
                .multiThreshold(U4, 1)
                .dense(4)
                .program(Architecture.WeightEncoding.SINGLE, 20, 3);
        byte[] bytes = ProgramCodec.encode(p);
        Program back = ProgramCodec.decode(bytes, "k.bnc");
        assertEquals(ProgramCodec.VERSION, bytes[ProgramCodec.MAGIC.length]);
        assertEquals(p.graph().nodes(), back.graph().nodes());
        assertEquals(
                p.mapping().stochastic().schedule(), back.mapping().stochastic().schedule());
        assertArrayEquals(bytes, ProgramCodec.encode(back));
        sameAsReference(back, TestPrograms.inputs(76, 4, 72), 2);
    }

    private static int[] prefixes(PassInterpreter interp) {
        int[] out = new int[interp.graph().nodes().size()];
        for (int i = 0; i < out.length; i++) out[i] = interp.depth(i);
        return out;
    }

    @Test
    void readAndStuckAtFaultsApplyToEveryBitPlane() {
        Program p = new TestPrograms(81, TestPrograms.floats("x", 120))
                .kQuantize(I3, -4, 7, false)
                .dense(11)
                .multiThreshold(U2, 0)
                .dense(4)
                .program(Architecture.WeightEncoding.SINGLE, 50, 4);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(82, 6, 120), 3, new Faults(0.01, 0.002, 0));
        batchedSameAsSinglePasses(p, TestPrograms.inputs(83, 6, 120), 0, new Faults(0.02, 0, 0));
    }

    @Test
    void everyCellReadFlippedNegatesTheSignedSum() {
        // a flipped cell reads -w: with every read flipped the popcount of each plane, and so the two's complement
        // sum, is the exact sum negated (complementary encoding reads w from one column)
        Program p = new TestPrograms(91, TestPrograms.floats("x", 150))
                .kQuantize(I3, -4, 7, false)
                .dense(9)
                .program(Architecture.WeightEncoding.COMPLEMENTARY, 70, 4);
        Graph g = p.graph();
        ReferenceInterpreter ref = new ReferenceInterpreter(g);
        Simulator sim = new Simulator(p, new Faults(0, 1, 0), 5);
        float[][] x = TestPrograms.inputs(92, 4, 150);
        for (int i = 0; i < x.length; i++) {
            double[] want = ref.run(x[i], null).get(g.outputs().get(0)).clone();
            for (int n = 0; n < want.length; n++) want[n] = 0 - want[n]; // 0, not -0
            assertArrayEquals(want, sim.pass(x[i], null, i, 0).get(g.outputs().get(0)), "example " + i);
        }
    }
}
