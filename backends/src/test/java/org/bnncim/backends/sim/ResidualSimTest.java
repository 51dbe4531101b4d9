package org.bnncim.backends.sim;

import static org.bnncim.backends.sim.PassInterpreterTest.batchedSameAsSinglePasses;
import static org.bnncim.backends.sim.PassInterpreterTest.sameAsReference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.bnncim.ir.AffineStep;
import org.bnncim.ir.Value;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/**
 * Residual networks on the simulator against the reference interpreter, value by value: float stem convolutions
 * (groups, strides, odd sizes), shortcut sums of a bipolar or float tensor, an average-pooled stride-2 shortcut,
 * Scale-Dropout on popcounts and on float values, ReLU/PReLU/clip affines, a float classifier; the batched paths
 * (blocks, prefix sharing with the shortcut kept alive, 1 and 3 threads, read faults) against single passes.
 */
class ResidualSimTest {

    /** stem -> sign -> [conv, SD, affine, + shortcut, sign] x 2 (the second stride 2, avg-pooled shortcut). */
    static Program twoBlocks(Architecture.WeightEncoding enc, boolean stochastic) {
        TestPrograms b = new TestPrograms(101, TestPrograms.floats("x", 3, 9, 9))
                .floatConv(4, 3, 1, 1, 1)
                .sign();
        Value s0 = b.last();
        b.conv(4, 3, 1, 1, 1);
        if (stochastic) b.scaleDropout(0);
        b.affine(AffineStep.Op.MAX).add(s0).sign();
        Value s1 = b.last();
        Value pooled = b.avgPool(3, 2, 1, false).last();
        b.from(s1).conv(4, 3, 2, 1, 1);
        if (stochastic) b.scaleDropout(1);
        return b.affine(AffineStep.Op.PRELU)
                .add(pooled)
                .sign()
                .flatten()
                .floatDense(10, true)
                .softmax()
                .program(enc, 20, 3);
    }

    @Test
    void deterministicResidualBlocksMatchTheReferenceAtEveryValue() {
        for (var enc : Architecture.WeightEncoding.values()) {
            Program p = twoBlocks(enc, false);
            sameAsReference(p, TestPrograms.inputs(102, 6, 243), 0);
            batchedSameAsSinglePasses(p, TestPrograms.inputs(103, 9, 243), 0, Faults.NONE);
        }
    }

    @Test
    void monteCarloResidualBlocksMatchTheReferenceAndShareThePrefix() {
        Program p = twoBlocks(Architecture.WeightEncoding.COMPLEMENTARY, true);
        sameAsReference(p, TestPrograms.inputs(104, 5, 243), 2);
        // a node depends on the bits of every stochastic node before it, on either input path: the pooled shortcut
        // (node 7) on bit 0 through sign 6, the second Add (11) on bits 0 and 1
        PassInterpreter interp = new PassInterpreter(p, ImageLoader.load(p, Faults.NONE, 0), Faults.NONE, 0);
        int[] prefix = new int[p.graph().nodes().size()];
        for (int i = 0; i < prefix.length; i++) prefix[i] = interp.depth(i);
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2}, prefix);
        // 16 passes per example: grouped by bit prefix, the shortcut values kept until their Add
        batchedSameAsSinglePasses(p, TestPrograms.inputs(105, 7, 243), 16, Faults.NONE);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(106, 3, 243), 4, new Faults(0.01, 0, 0));
    }

    @Test
    void aResNetStemMaxPoolsItsFloatActivations() {
        // stem conv, ReLU, 3x3/2 max pool with padding on floats (7x7 -> 4x4), then a block with an identity shortcut
        TestPrograms b = new TestPrograms(141, TestPrograms.floats("x", 2, 7, 7))
                .floatConv(4, 3, 1, 1, 1)
                .affine(AffineStep.Op.MAX)
                .maxPool(3, 2, 1);
        Value pooled = b.last();
        Program p = b.sign()
                .conv(4, 3, 1, 1, 1)
                .scaleDropout(0)
                .affine(AffineStep.Op.MIN)
                .add(pooled)
                .flatten()
                .floatDense(3, true)
                .program(Architecture.WeightEncoding.COMPLEMENTARY, 16, 3);
        sameAsReference(p, TestPrograms.inputs(142, 5, 98), 1);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(143, 6, 98), 8, Faults.NONE);
    }

    /** SD on the float stem output, which is also the shortcut: the Add depends on bit 0 through both inputs. */
    static Program floatShortcut() {
        TestPrograms b = new TestPrograms(111, TestPrograms.floats("x", 2, 7, 7))
                .floatConv(4, 3, 2, 0, 2)
                .scaleDropout(0);
        Value f = b.last();
        return b.sign()
                .conv(4, 1, 1, 0, 1)
                .affine(AffineStep.Op.MIN)
                .add(f)
                .avgPool(2, 1, 0, true)
                .sign()
                .flatten()
                .floatDense(5, false)
                .program(Architecture.WeightEncoding.SINGLE, 3, 2);
    }

    @Test
    void scaleDropoutOnAFloatShortcutAndAGroupedStem() {
        Program p = floatShortcut();
        sameAsReference(p, TestPrograms.inputs(112, 5, 98), 1);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(113, 6, 98), 8, Faults.NONE);
        Simulator sim = new Simulator(p, Faults.NONE, 0);
        float[][] x = TestPrograms.inputs(114, 4, 98);
        float[][][] one = sim.run(x, 0, BitSource.counterBased(p.graph(), 3, 0), 1, null);
        for (int i = 0; i < x.length; i++) assertArrayEquals(sim.output(x[i], null, i, 0), one[i][0]);
    }
}
