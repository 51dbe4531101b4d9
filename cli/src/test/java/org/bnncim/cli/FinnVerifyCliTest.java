package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.nio.file.Path;
import java.util.Random;
import org.bnncim.io.Npy;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bnncim verify} on a FINN-style model whose hidden activation is a bipolar MultiThreshold. */
class FinnVerifyCliTest {
    @TempDir
    Path tmp;

    @Test
    void verifyAgreesWithOnnxRuntimeThroughTheReferenceForm() {
        Random r = new Random(41);
        float[] w1 = new float[16 * 8], w2 = new float[8 * 3];
        for (int i = 0; i < w1.length; i++) w1[i] = r.nextBoolean() ? 1 : -1;
        for (int i = 0; i < w2.length; i++) w2[i] = r.nextBoolean() ? 1 : -1;
        // even integers: the popcount-like sums over 16 inputs are even, so these are exact ties
        float[] t = {0, 2, -2, 4, -4, 6, 0, 1.5f};
        Path m = tmp.resolve("finn.onnx");
        OnnxBuilder.write(
                m,
                new OnnxBuilder("finn-verify")
                        .opset(13)
                        .opset("finn.custom_op.general", 1)
                        .input("x", DataType.FLOAT, "N", 16)
                        .initializer("W1", new int[] {16, 8}, w1)
                        .initializer("T", new int[] {8, 1}, t)
                        .initializer("W2", new int[] {8, 3}, w2)
                        .node("Sign", "in_sign")
                        .inputs("x")
                        .outputs("a")
                        .end()
                        .node("MatMul", "fc1")
                        .inputs("a", "W1")
                        .outputs("h")
                        .end()
                        .node("MultiThreshold", "mt")
                        .domain("finn.custom_op.general")
                        .inputs("h", "T")
                        .outputs("b")
                        .attr("out_dtype", "BIPOLAR")
                        .attr("out_scale", 2f)
                        .attr("out_bias", -1f)
                        .end()
                        .node("MatMul", "fc2")
                        .inputs("b", "W2")
                        .outputs("y")
                        .end()
                        .output("y", DataType.FLOAT, "N", 3)
                        .build()
                        .toByteArray());
        float[] x = new float[64 * 16];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Path in = tmp.resolve("x.npy");
        Npy.write(in, Npy.NpyArray.ofFloat(new int[] {64, 16}, x));
        Cli.Result res = Cli.run("verify", m.toString(), "--input", in.toString(), "--layers");
        assertEquals(0, res.code(), res.toString());
        assertTrue(res.out().contains("64 example(s)"), res.out());
        assertTrue(res.out().contains("max |logit diff| 0.00e+00 (tolerance 1.00e-05), argmax identical"), res.out());
        assertTrue(res.out().contains("every layer equal to the reference interpreter"), res.out());
        // the threshold ties (h == t, even thresholds on even sums) are no disagreement: FINN's x >= t gives +1 there,
        // as the chip does (ORT's Where(Less(x, t), -1, +1) too), so verify does not warn about sign(0) ties
        assertFalse(res.out().contains("exactly 0"), res.out());
    }

    @Test
    void verifyOnAStreamlinedNhwcModelAgreesWithOnnxRuntime() {
        Path m = tmp.resolve("finn-nhwc.onnx");
        OnnxBuilder.write(
                m,
                org.bnncim.compiler.frontend.FinnFormModels.start("finn-nhwc", 21, 2, 7, 7)
                        .sign()
                        .conv(4, 3, 1)
                        .toNhwc()
                        .threshold(true)
                        .maxPoolNhwc(2, 2, 0)
                        .flatten(true)
                        .matmul(5)
                        .scaleBias(0.5f, 1f)
                        .build()
                        .toByteArray());
        Random r = new Random(22);
        float[] x = new float[32 * 2 * 7 * 7];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Path in = tmp.resolve("x.npy");
        Npy.write(in, Npy.NpyArray.ofFloat(new int[] {32, 2, 7, 7}, x));
        Cli.Result res = Cli.run("verify", m.toString(), "--input", in.toString(), "--layers");
        assertEquals(0, res.code(), res.toString());
        assertTrue(res.out().contains("32 example(s)"), res.out());
        assertTrue(res.out().contains("max |logit diff| 0.00e+00 (tolerance 1.00e-05), argmax identical"), res.out());
    }
}
