package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.bnncim.io.Npy;
import org.bnncim.oracle.OnnxBuilder;
import org.bnncim.oracle.OrtReference;
import org.bnncim.oracle.SharedConstantModels;
import org.bnncim.oracle.SharedConstantModels.Form;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PyTorch 1.13 export (one scale initializer shared by two ScaleDropout layers through Identity) from the CLI. */
class SharedConstantsCliTest {
    @TempDir
    Path tmp;

    private Path model() {
        Path m = tmp.resolve("pt113.onnx");
        OnnxBuilder.write(m, SharedConstantModels.model(Form.PYTORCH_IDENTITY).toByteArray());
        return m;
    }

    @Test
    void verifyPassesForEverySample() {
        Random r = new Random(23);
        float[] x = new float[10 * SharedConstantModels.IN];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Path in = tmp.resolve("x.npy");
        Npy.write(in, Npy.NpyArray.ofFloat(new int[] {10, SharedConstantModels.IN}, x));
        Cli.Result res = Cli.run("verify", model().toString(), "--input", in.toString(), "--samples", "16", "--layers");
        assertEquals(0, res.code(), res.toString());
        assertTrue(res.out().contains("10 example(s) x (1 deterministic + 16 MC) passes"), res.out());
        assertTrue(res.out().contains("stochastic bits: 2 per pass"), res.out());
        assertTrue(res.out().contains("every layer equal to the reference interpreter in 170 pass(es)"), res.out());
    }

    @Test
    void exportReferenceWritesModelsOnnxRuntimeLoads() throws Exception {
        for (boolean expectation : new boolean[] {false, true}) {
            Path out = tmp.resolve(expectation ? "ref-e.onnx" : "ref-b.onnx");
            Cli.Result res = expectation
                    ? Cli.run("export-reference", model().toString(), "-o", out.toString(), "--expectation")
                    : Cli.run("export-reference", model().toString(), "-o", out.toString());
            assertEquals(0, res.code(), res.toString());
            ModelProto ref = ModelProto.parseFrom(Files.readAllBytes(out));
            try (OrtReference ort = new OrtReference(ref.toByteArray(), 1)) {
                assertEquals(expectation ? List.of("x") : List.of("x", "z_0", "z_1"), ort.inputNames());
            }
        }
    }
}
