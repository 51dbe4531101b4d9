package org.bnncim.backends.sim;

import static org.bnncim.backends.sim.PassInterpreterTest.batchedSameAsSinglePasses;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Value;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.junit.jupiter.api.Test;

/**
 * Encoder-decoder networks on the simulator against the reference interpreter, every value of every pass bit for
 * bit: odd map sizes, stride-2 transposed convolutions with pads and output padding reading bipolar and k-bit maps
 * from the cells, skip connections concatenated with maps of other channel counts, replication and general index
 * maps, Scale-Dropout bits in the decoder, pixel softmax and sigmoid heads; and the batched paths (blocks, shared
 * prefixes, skip values kept alive until their concat, threads, read faults) against single passes.
 */
class DecoderSimTest {

    /** The floor index map of nearest resampling from {@code in} to {@code out} positions (not a replication). */
    static int[] nearest(int in, int out) {
        int[] m = new int[out];
        for (int i = 0; i < out; i++) m[i] = i * in / out;
        return m;
    }

    /**
     * x [2,7,9] -> conv -> sign (skip, 4 ch) -> pool -> conv -> SD threshold (bottleneck [6,3,4]) -> transposed conv
     * k2 s2 op1 -> SD threshold ([3,7,9]) ++ skip ++ bottleneck resampled to 7x9 -> conv -> Scale-Dropout -> ReLU
     * -> pixel softmax.
     */
    static Program unet(Architecture.WeightEncoding enc) {
        TestPrograms b = new TestPrograms(201, TestPrograms.floats("x", 2, 7, 9))
                .binarize()
                .conv(4, 3, 1, 1, 1)
                .threshold(-1);
        Value skip = b.last();
        b.maxPool(2, 2, 0).conv(6, 3, 1, 1, 1).threshold(0);
        Value bottom = b.last();
        Value up = b.convTranspose(3, 2, 2, 0, 1).threshold(1).last();
        assertEquals(7, up.shape().dim(1));
        assertEquals(9, up.shape().dim(2));
        Value gathered = b.from(bottom).resize(nearest(3, 7), nearest(4, 9)).last();
        return b.from(up)
                .concat(skip, gathered)
                .conv(2, 3, 1, 1, 1)
                .scaleDropout(2)
                .affine(AffineStep.Op.MAX)
                .pixelSoftmax()
                .program(enc, 20, 3);
    }

    /**
     * x [1,5,5] -> u8 -> conv s2 -> k-bit levels [3,3,3] -> (upsample by 2) ++ (transposed conv k3 s2 p1 op1 ->
     * k-bit levels) -> transposed conv k3 s1 p1 on k-bit input -> Scale-Dropout -> PReLU -> float upsample -> sigmoid.
     */
    static Program kbit(Architecture.WeightEncoding enc, ElemType elem) {
        TestPrograms b = new TestPrograms(301, TestPrograms.floats("x", 1, 5, 5))
                .quantize()
                .conv(3, 3, 2, 1, 1)
                .multiThreshold(elem, 0);
        Value q = b.last();
        Value up = b.upsample(2).last();
        return b.from(q)
                .convTranspose(2, 3, 2, 1, 1)
                .multiThreshold(elem, 1)
                .concat(up)
                .convTranspose(2, 3, 1, 1, 0)
                .scaleDropout(2)
                .affine(AffineStep.Op.PRELU)
                .upsample(2)
                .sigmoid()
                .program(enc, 20, 3);
    }

    /** The simulator's pass against the interpreter at every value, deterministic and for {@code samples} draws. */
    static void sameAsReference(Program p, float[][] x, int samples) {
        Graph g = p.graph();
        Simulator sim = new Simulator(p, Faults.NONE, 11);
        ReferenceInterpreter ref = new ReferenceInterpreter(g);
        BitSource bits = BitSource.counterBased(g, 4, 0);
        for (int i = 0; i < x.length; i++) {
            for (int t = -1; t < samples; t++) {
                boolean[] z = t < 0 ? null : bits.bits(i, t);
                var want = ref.run(x[i], z == null ? null : Bits.ofScale(z));
                var got = sim.pass(x[i], z, i, Math.max(0, t));
                for (Node n : g.nodes()) {
                    assertArrayEquals(
                            want.get(n.output().name()),
                            got.get(n.output().name()),
                            n.name() + ", example " + i + ", bits " + Arrays.toString(z));
                }
            }
        }
    }

    @Test
    void aUNetMatchesTheReferenceAtEveryValueOverManySamples() {
        for (var enc : Architecture.WeightEncoding.values()) {
            Program p = unet(enc);
            assertEquals(3, p.stochasticBits());
            assertEquals(java.util.List.of(), org.bnncim.ir.Verifier.check(p.graph()));
            sameAsReference(p, TestPrograms.inputs(202, 4, 126), 24);
        }
    }

    @Test
    void kBitDecodersMatchTheReferenceAtEveryValue() {
        for (ElemType e : new ElemType[] {ElemType.uint(2), new ElemType(ElemType.Kind.INT, 3)}) {
            for (var enc : Architecture.WeightEncoding.values()) {
                Program p = kbit(enc, e);
                assertEquals(java.util.List.of(), org.bnncim.ir.Verifier.check(p.graph()));
                sameAsReference(p, TestPrograms.inputs(302, 4, 25), 12);
            }
        }
    }

    @Test
    void batchedPassesKeepSkipValuesAliveAndEqualSinglePasses() {
        Program p = unet(Architecture.WeightEncoding.COMPLEMENTARY);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(203, 7, 126), 0, Faults.NONE);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(204, 5, 126), 16, Faults.NONE);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(205, 3, 126), 4, new Faults(0.01, 0, 0));
        Program k = kbit(Architecture.WeightEncoding.SINGLE, ElemType.uint(2));
        batchedSameAsSinglePasses(k, TestPrograms.inputs(303, 5, 25), 8, Faults.NONE);
    }

    @Test
    void dilatedAndAsymmetricTransposedConvolutionsMatchTheReference() {
        // [2,4,5] -> k 3x2, strides (2,3), dilations (2,1), pads top 1 left 0 bottom 0 right 2: H = 2*3 + 4 + 1 - 1
        // = 10 (+1 output padding), W = 3*4 + 1 + 1 - 2 = 12 (+2 output padding); reading the binarized input, and
        // a thresholded conv's map
        for (boolean afterConv : new boolean[] {false, true}) {
            TestPrograms b = new TestPrograms(501, TestPrograms.floats("x", 2, 4, 5)).binarize();
            if (afterConv) b.conv(3, 3, 1, 1, 1).threshold(-1);
            Program p = b.convTranspose(3, 3, 2, new int[] {2, 3}, new int[] {1, 0, 0, 2}, new int[] {2, 1}, 11, 14)
                    .threshold(0)
                    .program(Architecture.WeightEncoding.COMPLEMENTARY, 7, 2);
            assertEquals(java.util.List.of(), org.bnncim.ir.Verifier.check(p.graph()));
            sameAsReference(p, TestPrograms.inputs(502, 4, 40), 6);
            batchedSameAsSinglePasses(p, TestPrograms.inputs(503, 4, 40), 6, Faults.NONE);
        }
    }

    @Test
    void pixelSoftmaxGivesProbabilitiesPerPixel() {
        Program p = unet(Architecture.WeightEncoding.SINGLE);
        float[] y = new Simulator(p, Faults.NONE, 3).output(TestPrograms.inputs(206, 1, 126)[0], null, 0, 0);
        assertEquals(2 * 7 * 9, y.length);
        for (int q = 0; q < 63; q++) assertEquals(1f, y[q] + y[63 + q], 1e-6f, "pixel " + q);
    }
}
