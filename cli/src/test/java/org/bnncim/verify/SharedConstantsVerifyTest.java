package org.bnncim.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.io.Npy;
import org.bnncim.oracle.OnnxBuilder;
import org.bnncim.oracle.SharedConstantModels;
import org.bnncim.oracle.SharedConstantModels.Form;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every constant spelling the importer accepts (Identity-shared scales as PyTorch 1.13 writes them, Identity chains,
 * Constant nodes, shared initializers, initializers listed as inputs) verifies against ONNX Runtime: the
 * deterministic pass and every Monte-Carlo pass, layer by layer.
 */
class SharedConstantsVerifyTest {
    static final int EXAMPLES = 12, SAMPLES = 8;

    @TempDir
    Path tmp;

    /** Gaussian inputs: the model binarizes its input, and [0, 1] images would all read as +1. */
    static Path inputs(Path dir) {
        Random r = new Random(17);
        float[] x = new float[EXAMPLES * SharedConstantModels.IN];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Path p = dir.resolve("x.npy");
        Npy.write(p, Npy.NpyArray.ofFloat(new int[] {EXAMPLES, SharedConstantModels.IN}, x));
        return p;
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    void verifiesEveryPassAndLayer(Form form) {
        Path m = tmp.resolve(form.name() + ".onnx");
        OnnxBuilder.write(m, SharedConstantModels.model(form).toByteArray());
        var r = VerificationService.verify(new VerificationService.Request(
                m, inputs(tmp), ArchitectureLoader.defaults(), SAMPLES, 3, null, true, 1e-5));
        assertTrue(
                r.verified(),
                r.mismatch().map(VerificationService.Mismatch::message).orElse(""));
        assertEquals(EXAMPLES, r.examples());
        assertEquals(SAMPLES, r.passes());
        assertEquals(2, r.stochasticBits());
        assertEquals(EXAMPLES * (1 + SAMPLES), r.layerChecks().orElseThrow());
        assertEquals(0, r.ties());
    }
}
