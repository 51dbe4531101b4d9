package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.frontend.ScaleDropoutAgainstOrtTest;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.Graph;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.oracle.OnnxBuilder;
import org.bnncim.verify.VerificationService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class SimulatorCliTest {
    @TempDir
    Path tmp;

    @Test
    void verifyScaleDropoutModelPassByPassAndLayerByLayer() {
        Path m = tmp.resolve("sd.onnx");
        OnnxBuilder.write(m, ScaleDropoutAgainstOrtTest.convModel(new Random(5)).toByteArray());
        Cli.Result r = Cli.run("verify", m.toString(), "--samples", "8", "--layers", "--crossbar", "16x16");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("x (1 deterministic + 8 MC) passes"), r.out());
        assertTrue(r.out().contains("every layer equal to the reference interpreter"), r.out());
    }

    @Test
    void verifySaysWhyAnMcDropoutModelsPassesAreNotCompared() {
        Cli.Result r = Cli.run("verify", Paths.testdata("models/mlp-mcd.onnx").toString(), "--samples", "4");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("x (1 deterministic + 0 MC) passes"), r.out());
        assertTrue(r.out().contains("note: the 4 MC pass(es) asked for were not compared"), r.out());
    }

    /**
     * Sign(x) of 4 inputs, then a 4x1 layer of +1s whose popcount is 0 for two +1 and two -1 inputs: the chip says
     * sign(0) = +1, ONNX Runtime says 0.
     */
    public static Path signZeroTieModel(Path m) {
        new OnnxBuilder("tie")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer("w", new int[] {4, 1}, 1, 1, 1, 1)
                .initializer("k", new int[] {1}, 3f)
                .node("Sign", "s0")
                .inputs("x")
                .outputs("a")
                .end()
                .node("MatMul", "mm")
                .inputs("a", "w")
                .outputs("h")
                .end()
                .node("Sign", "s1")
                .inputs("h")
                .outputs("y")
                .end()
                .node("Mul", "out")
                .inputs("y", "k")
                .outputs("logits")
                .end()
                .output("logits", DataType.FLOAT, "N", 1)
                .save(m);
        return m;
    }

    @Test
    void signOfExactZeroIsFlaggedNotHidden() {
        Path m = signZeroTieModel(tmp.resolve("tie.onnx"));
        Path x = tmp.resolve("x.npy");
        org.bnncim.io.Npy.write(x, org.bnncim.io.Npy.NpyArray.ofFloat(new int[] {1, 4}, new float[] {1, -1, 1, -1}));
        Cli.Result r = Cli.run("verify", m.toString(), "--input", x.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("sign(0)"), r.err());
        assertTrue(r.err().strip().lines().count() == 1, r.err());
    }

    @Test
    void aDivergenceIsNamedByLayerAndChannel() {
        var c = Compiler.compile(
                OnnxImporter.importFile(Paths.tfc(), OnnxImporter.Options.DEFAULT),
                new Compiler.Options(OnnxImporter.Options.DEFAULT, ArchitectureLoader.defaults(), 1, Set.of()),
                s -> {});
        Graph g = c.graph();
        Simulator faulty = new Simulator(Program.of(c.mapped()), new Faults(0.3, 0, 0), 1);
        float[] x = new float[784];
        for (int i = 0; i < x.length; i++) x[i] = (i % 7) / 7f;
        String d = VerificationService.firstLayerDifference(
                        g, faulty.pass(x, null, 0, 0), new ReferenceInterpreter(g).run(x, null))
                .orElseThrow()
                .toString();
        assertTrue(d.startsWith("MatMul_16 (binary_dense) channel "), d);
    }

    @Test
    void runIsByteIdenticalWhateverTheThreadCount() throws Exception {
        Path out = tmp.resolve("out");
        assertEquals(
                0,
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString()).code());
        assertTrue(Files.exists(out.resolve("program.bnc")) && Files.exists(out.resolve("program.txt")));
        Path in = Paths.testdata("mnist/test-1000-images.npy");
        Path y1 = tmp.resolve("y1.npy"), y4 = tmp.resolve("y4.npy");
        Cli.Result a = Cli.run(
                "run",
                out.toString(),
                "--input",
                in.toString(),
                "--threads",
                "1",
                "-o",
                y1.toString(),
                "--faults",
                "read-flip=0.001");
        Cli.Result b = Cli.run(
                "run",
                out.toString(),
                "--input",
                in.toString(),
                "--threads",
                "4",
                "-o",
                y4.toString(),
                "--faults",
                "read-flip=0.001");
        assertEquals(0, a.code(), a.toString());
        assertEquals(a.out(), b.out());
        assertArrayEquals(Files.readAllBytes(y1), Files.readAllBytes(y4));
        assertTrue(
                a.out().startsWith("0: class 7"),
                "the first MNIST test digit is a 7: "
                        + a.out().lines().findFirst().orElse(""));
    }

    @Test
    void evalReportsAccuracyAndOodAuroc() {
        Cli.Result r = Cli.run(
                "eval",
                Paths.tfc().toString(),
                "--dataset",
                Paths.testdata("mnist").toString(),
                "--ood",
                Paths.testdata("ood").toString(),
                "--limit",
                "300");
        assertEquals(2, r.code(), "the ood folder holds several *images.npy: ambiguous -> " + r);
        Cli.Result ok = Cli.run(
                "eval",
                Paths.tfc().toString(),
                "--dataset",
                Paths.testdata("mnist").toString(),
                "--limit",
                "300",
                "--ood",
                Paths.testdata("ood/noise-200-images.npy").toString());
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(ok.out().contains("accuracy   0.9"), ok.out());
        assertTrue(ok.out().contains("ood_auroc  "), ok.out());
        Cli.Result interp = Cli.run(
                "eval",
                Paths.tfc().toString(),
                "--dataset",
                Paths.testdata("mnist").toString(),
                "--limit",
                "300",
                "--engine",
                "interp");
        assertEquals(
                ok.out().lines().filter(l -> l.startsWith("accuracy")).findFirst(),
                interp.out().lines().filter(l -> l.startsWith("accuracy")).findFirst(),
                "simulator and interpreter agree");
    }
}
