package org.bnncim.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.frontend.FinnFormModels;
import org.bnncim.io.Npy;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FINN-ONNX streamlined forms (NHWC Transpose pairs, MultiThreshold with data_layout NHWC, MaxPoolNHWC,
 * per-channel Mul/Add, Flatten/Reshape of NHWC data into a MatMul, the final Mul/Add) with random +-1 float weights
 * and random thresholds: each model compiles and every example agrees exactly with ONNX Runtime running its
 * standard-ONNX reference form, through the same service as {@code bnncim verify}. The goldens are ONNX Runtime's.
 */
class FinnFormsCorpusTest {
    private static final int EXAMPLES = 24;

    @TempDir
    Path tmp;

    private void verifies(String name, long seed, int[] in, Function<FinnFormModels, FinnFormModels> layers) {
        Path m = tmp.resolve(name + ".onnx");
        OnnxBuilder.write(
                m, layers.apply(FinnFormModels.start(name, seed, in)).build().toByteArray());
        int per = Arrays.stream(in).reduce(1, (a, b) -> a * b);
        Random r = new Random(seed + 1);
        float[] x = new float[EXAMPLES * per];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] dims = new int[in.length + 1];
        dims[0] = EXAMPLES;
        System.arraycopy(in, 0, dims, 1, in.length);
        Path xs = tmp.resolve(name + ".npy");
        Npy.write(xs, Npy.NpyArray.ofFloat(dims, x));
        var res = VerificationService.verify(new VerificationService.Request(
                m, xs, ArchitectureLoader.defaults().withCrossbar(16, 16), 0, 0, null, true, 0));
        assertTrue(
                res.verified(),
                name + ": "
                        + res.mismatch()
                                .map(VerificationService.Mismatch::message)
                                .orElse(""));
        assertEquals(EXAMPLES, res.examples());
        assertEquals(0.0, res.maxDiff(), name);
    }

    @Test
    void convNhwcThresholdPoolTransposeBackConvFlattenMatMul() {
        // several channels, odd 7x5 image, per-channel then shared thresholds, HWC flatten permuting MatMul rows
        verifies(
                "nhwc_pool",
                11,
                new int[] {3, 7, 5},
                f -> f.sign()
                        .conv(4, 3, 1)
                        .toNhwc()
                        .threshold(true)
                        .maxPoolNhwc(2, 2, 0)
                        .toNchw()
                        .conv(3, 3, 1)
                        .toNhwc()
                        .threshold(false)
                        .flatten(true)
                        .matmul(5)
                        .scaleBias(0.5f, -1f));
    }

    @Test
    void oneChannelNhwcWithPerChannelMulAddAndFlatten() {
        // one channel: the NHWC flatten is the NCHW one; Mul/Add [1,1,1,1] before the threshold fold like BN
        verifies(
                "one_channel",
                12,
                new int[] {1, 5, 5},
                f -> f.sign()
                        .conv(1, 3, 1)
                        .toNhwc()
                        .mulAdd(true)
                        .threshold(true)
                        .toNchw()
                        .conv(3, 3, 0)
                        .toNhwc()
                        .threshold(true)
                        .flatten(false)
                        .matmul(4));
    }

    @Test
    void nhwcMulAddPaddedPoolAndReshapeIntoMatMul() {
        verifies(
                "nhwc_muladd",
                13,
                new int[] {2, 6, 7},
                f -> f.sign()
                        .conv(5, 3, 0)
                        .toNhwc()
                        .mulAdd(true)
                        .threshold(true)
                        .maxPoolNhwc(3, 1, 1)
                        .flatten(true)
                        .matmul(6)
                        .scaleBias(0.25f, 3f));
    }

    @Test
    void nhwcScalarMulAddAndSharedThresholdOddPool() {
        verifies(
                "nhwc_scalar",
                14,
                new int[] {3, 9, 7},
                f -> f.sign()
                        .conv(2, 3, 1)
                        .toNhwc()
                        .mulAdd(false)
                        .threshold(false)
                        .maxPoolNhwc(3, 2, 0)
                        .toNchw()
                        .flatten(false)
                        .matmul(3));
    }

    @Test
    void nhwcFlattenIntoGemmWithTransposedWeights() {
        verifies(
                "nhwc_gemm",
                17,
                new int[] {2, 5, 3},
                f -> f.sign()
                        .conv(3, 3, 1)
                        .toNhwc()
                        .threshold(true)
                        .flatten(false)
                        .gemm(7, true)
                        .threshold(true)
                        .gemm(4, false));
    }

    @Test
    void perFeatureMulAddAfterAnHwcFlattenIsReordered() {
        // Mul/Add [1, H*W*C] on the flattened NHWC tensor: the constants follow the IR's CHW feature order
        verifies(
                "flat_muladd",
                18,
                new int[] {2, 3, 5},
                f -> f.sign()
                        .conv(3, 3, 1)
                        .toNhwc()
                        .threshold(true)
                        .flatten(true)
                        .mulAdd(true)
                        .threshold(false)
                        .matmul(4));
    }

    @Test
    void denseFinnTfcWithFloatPm1WeightsAndFinalMulAdd() {
        // thresholded input, MatMul with +-1 float weights (no quantizer), BN-like Mul/Add [1, C] folded into the
        // thresholds, and the last layer's Mul/Add kept as the float periphery
        verifies(
                "tfc",
                15,
                new int[] {20},
                f -> f.threshold(false)
                        .matmul(16)
                        .mulAdd(true)
                        .threshold(true)
                        .matmul(12)
                        .mulAdd(false)
                        .threshold(false)
                        .matmul(10)
                        .scaleBias(0.125f, -2f));
    }

    @Test
    void nchwConvWithPerChannelMulAddAndFloatPm1Weights() {
        verifies(
                "nchw_conv",
                16,
                new int[] {3, 5, 5},
                f -> f.sign()
                        .conv(4, 3, 1)
                        .mulAdd(true)
                        .threshold(true)
                        .conv(2, 3, 0)
                        .threshold(false)
                        .flatten(true)
                        .matmul(3)
                        .scaleBias(2f, 0f));
    }
}
