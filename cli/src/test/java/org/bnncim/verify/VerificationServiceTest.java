package org.bnncim.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.bnncim.cli.SimulatorCliTest;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.frontend.ScaleDropoutAgainstOrtTest;
import org.bnncim.io.Npy;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verification service called directly: the outcome, and any mismatch, come back as records. */
class VerificationServiceTest {
    @TempDir
    Path tmp;

    @Test
    void scaleDropoutModelVerifiesPassByPassAndLayerByLayer() {
        Path m = tmp.resolve("sd.onnx");
        OnnxBuilder.write(m, ScaleDropoutAgainstOrtTest.convModel(new Random(5)).toByteArray());
        var r = VerificationService.verify(new VerificationService.Request(
                m, null, ArchitectureLoader.defaults().withCrossbar(16, 16), 3, 0, 10, true, 1e-5));
        assertTrue(
                r.verified(),
                r.mismatch().map(VerificationService.Mismatch::message).orElse(""));
        assertEquals(10, r.examples());
        assertEquals(3, r.passes());
        assertTrue(r.stochasticBits() > 0);
        assertEquals(
                10 * 4, r.layerChecks().orElseThrow(), "every example in the deterministic pass and the 3 MC passes");
        assertTrue(r.maxDiff() <= 1e-5, "max diff " + r.maxDiff());
    }

    @Test
    void withoutLayersNoLayerChecksAndDefaultInputs() {
        Path m = tmp.resolve("sd.onnx");
        OnnxBuilder.write(
                m, ScaleDropoutAgainstOrtTest.denseModel(new Random(3)).toByteArray());
        var r = VerificationService.verify(
                new VerificationService.Request(m, null, ArchitectureLoader.defaults(), 0, 1, null, false, 1e-5));
        assertTrue(r.verified());
        assertEquals(VerificationService.RANDOM_INPUTS, r.examples());
        assertEquals(0, r.passes());
        assertTrue(r.layerChecks().isEmpty());
    }

    @Test
    void signZeroTieIsAMismatchThatSaysSo() {
        Path m = SimulatorCliTest.signZeroTieModel(tmp.resolve("tie.onnx"));
        Path x = tmp.resolve("x.npy");
        Npy.write(x, Npy.NpyArray.ofFloat(new int[] {1, 4}, new float[] {1, -1, 1, -1}));
        var r = VerificationService.verify(
                new VerificationService.Request(m, x, ArchitectureLoader.defaults(), 8, 0, null, false, 1e-5));
        var mm = assertInstanceOf(
                VerificationService.OutputMismatch.class, r.mismatch().orElseThrow());
        assertEquals(new VerificationService.Pass(0, -1), mm.where(), "found in the deterministic pass");
        assertEquals(0, mm.output());
        assertEquals(3f, mm.simulator());
        assertEquals(0f, mm.reference());
        assertTrue(mm.firstLayer().isEmpty(), "the simulator equals the interpreter");
        assertTrue(mm.ties() > 0 && r.ties() == mm.ties());
        assertTrue(
                mm.message()
                        .startsWith("example 0 (deterministic pass): output 0 is 3.0 "
                                + "on the simulator, 0.0 in ONNX Runtime"),
                mm.message());
        assertTrue(mm.message().contains("sign(0)"), mm.message());
    }
}
