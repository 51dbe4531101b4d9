package org.bnncim.backends.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.junit.jupiter.api.Test;

/**
 * The simulator on programs built straight from IR, against the reference interpreter (which reads the graph's
 * weights, not the cells): every value of every pass, for both encodings, deterministic and with stochastic bits;
 * and the batched paths (block kernels, prefix sharing, threads) against single passes.
 */
class PassInterpreterTest {
    static void sameAsReference(Program p, float[][] x, int stochasticBits) {
        Graph g = p.graph();
        Simulator sim = new Simulator(p, Faults.NONE, 11);
        ReferenceInterpreter ref = new ReferenceInterpreter(g);
        BitSource bits = BitSource.counterBased(g, 4, 0);
        for (int i = 0; i < x.length; i++) {
            for (int t = -1; t < (stochasticBits == 0 ? 0 : 4); t++) {
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

    /** {@code run} (blocks of examples, block kernels, shared prefixes) equals one {@code output} per pass. */
    static void batchedSameAsSinglePasses(Program p, float[][] x, int samples, Faults faults) {
        Simulator sim = new Simulator(p, faults, 7);
        BitSource bits = BitSource.counterBased(p.graph(), 9, 0);
        for (int threads : new int[] {1, 3}) {
            float[][][] y = sim.run(x, samples, bits, threads, null);
            for (int i = 0; i < x.length; i++) {
                for (int t = 0; t < Math.max(1, samples); t++) {
                    assertArrayEquals(
                            sim.output(x[i], samples == 0 ? null : bits.bits(i, t), i, t),
                            y[i][t],
                            threads + " threads, example " + i + " pass " + t);
                }
            }
        }
    }

    private static TestPrograms mlp(long seed) {
        return new TestPrograms(seed, TestPrograms.floats("x", 150))
                .binarize()
                .dense(19)
                .threshold(-1)
                .dense(7);
    }

    @Test
    void bipolarDenseLayersMatchTheReference() {
        for (var enc : Architecture.WeightEncoding.values()) {
            Program p = mlp(1).program(enc, 70, 5);
            sameAsReference(p, TestPrograms.inputs(2, 12, 150), 0);
            batchedSameAsSinglePasses(p, TestPrograms.inputs(3, 20, 150), 0, Faults.NONE);
        }
    }

    @Test
    void pieceWidthsOfFullWordsUseTheUnrolledKernel() {
        // 256-row pieces are 4 words: the block kernel's unrolled column loop
        Program p = new TestPrograms(5, TestPrograms.floats("x", 600))
                .binarize()
                .dense(9)
                .threshold(-1)
                .dense(3)
                .program(Architecture.WeightEncoding.COMPLEMENTARY, 256, 4);
        sameAsReference(p, TestPrograms.inputs(6, 6, 600), 0);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(7, 9, 600), 0, Faults.NONE);
    }

    @Test
    void eightBitInputIsAppliedBitSerially() {
        Program p = new TestPrograms(3, TestPrograms.floats("x", 130))
                .quantize()
                .dense(11)
                .threshold(-1)
                .dense(4)
                .program(Architecture.WeightEncoding.COMPLEMENTARY, 64, 6);
        sameAsReference(p, TestPrograms.inputs(4, 10, 130), 0);
        // 40 examples: more than one group of the unsigned kernel
        batchedSameAsSinglePasses(p, TestPrograms.inputs(5, 40, 130), 0, Faults.NONE);
    }

    @Test
    void convolutionsAndPoolingMatchTheReference() {
        for (int[] c : new int[][] {{3, 1, 1, 1}, {3, 2, 0, 1}, {3, 1, 2, 2}, {2, 1, 0, 1}}) {
            Program p = new TestPrograms(c[0] * 31 + c[2], TestPrograms.floats("x", 2, 10, 10))
                    .binarize()
                    .conv(4, c[0], c[1], c[2], c[3])
                    .threshold(-1)
                    .maxPool()
                    .flatten()
                    .dense(5)
                    .program(Architecture.WeightEncoding.SINGLE, 13, 3);
            sameAsReference(p, TestPrograms.inputs(8, 5, 200), 0);
            batchedSameAsSinglePasses(p, TestPrograms.inputs(9, 7, 200), 0, Faults.NONE);
        }
    }

    @Test
    void eightBitConvolution() {
        Program p = new TestPrograms(12, TestPrograms.floats("x", 1, 8, 8))
                .quantize()
                .conv(3, 3, 1, 1, 1)
                .threshold(-1)
                .flatten()
                .dense(4)
                .program(Architecture.WeightEncoding.COMPLEMENTARY, 64, 2);
        sameAsReference(p, TestPrograms.inputs(13, 4, 64), 0);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(14, 6, 64), 0, Faults.NONE);
    }

    @Test
    void stochasticBitsSelectComparatorsAndScales() {
        Program p = new TestPrograms(21, TestPrograms.floats("x", 90))
                .binarize()
                .dense(12)
                .threshold(0)
                .dense(8)
                .threshold(1)
                .dense(6)
                .scaleDropout(2)
                .softmax()
                .program(Architecture.WeightEncoding.COMPLEMENTARY, 40, 5);
        sameAsReference(p, TestPrograms.inputs(22, 6, 90), 3);
        // passes share the values before the first stochastic bit, and share more the fewer bits a node depends on
        batchedSameAsSinglePasses(p, TestPrograms.inputs(23, 5, 90), 16, Faults.NONE);
    }

    @Test
    void readFlipsTakeThePerPassPathWithTheSameResults() {
        Program p = mlp(31).program(Architecture.WeightEncoding.SINGLE, 70, 5);
        batchedSameAsSinglePasses(p, TestPrograms.inputs(32, 6, 150), 3, new Faults(0.01, 0.002, 0));
    }

    @Test
    void traceReadsIntegersAsStored() {
        Program p = mlp(41).program(Architecture.WeightEncoding.COMPLEMENTARY, 70, 5);
        var tr = new Simulator(p, Faults.NONE, 0).pass(TestPrograms.inputs(42, 1, 150)[0], null, 0, 0);
        int[] y = tr.ints(p.graph().outputs().get(0));
        assertEquals(7, y.length);
        assertArrayEquals(
                Arrays.stream(y).asDoubleStream().toArray(),
                tr.get(p.graph().outputs().get(0)));
        assertThrows(IllegalArgumentException.class, () -> tr.ints("x"));
        assertThrows(IllegalArgumentException.class, () -> tr.get("nothing"));
    }
}
