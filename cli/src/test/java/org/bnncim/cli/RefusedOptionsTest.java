package org.bnncim.cli;

import static org.bnncim.cli.BadInputTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options that would be silently ignored are refused with one line naming them (exit 2), not dropped. */
class RefusedOptionsTest {
    @TempDir
    static Path tmp;

    static Path compiled;
    static Path images;

    @BeforeAll
    static void compile() {
        compiled = tmp.resolve("out");
        Cli.Result r = Cli.run("compile", Paths.tfc().toString(), "-o", compiled.toString());
        assertEquals(0, r.code(), r.toString());
        images = Paths.testdata("mnist/test-1000-images.npy");
    }

    @Test
    void seedIsRefusedWhereNoTestbenchIsWritten() {
        Path out = tmp.resolve("seed-sim");
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--seed", "3"),
                "--seed",
                "--target verilog");
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--target", "sim", "--seed", "0"),
                "--seed");
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void synthIsRefusedWithoutVerilog() {
        Path out = tmp.resolve("synth-sim");
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--synth"),
                "--synth",
                "--target verilog or all");
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--target", "sim", "--synth"),
                "--synth");
        assertOneLineError(
                Cli.run(
                        "compile",
                        Paths.tfc().toString(),
                        "-o",
                        out.toString(),
                        "--target",
                        "verilog",
                        "--synth-timeout",
                        "60"),
                "--synth-timeout only applies with --synth");
        assertOneLineError(
                Cli.run(
                        "compile",
                        Paths.tfc().toString(),
                        "-o",
                        out.toString(),
                        "--target",
                        "verilog",
                        "--synth",
                        "--synth-timeout",
                        "0"),
                "--synth-timeout");
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void seedIsTheTestbenchSeedWithVerilog() throws Exception {
        Path a = tmp.resolve("seed-a"), b = tmp.resolve("seed-b");
        assertEquals(
                0,
                Cli.run("compile", Paths.tfc().toString(), "-o", a.toString(), "--target", "all", "--seed", "3")
                        .code());
        assertEquals(
                0,
                Cli.run("compile", Paths.tfc().toString(), "-o", b.toString(), "--target", "all", "--seed", "4")
                        .code());
        assertTrue(
                Files.mismatch(a.resolve("program.bnc"), b.resolve("program.bnc")) < 0,
                "program.bnc does not depend on --seed");
        assertTrue(Files.mismatch(compiled.resolve("program.bnc"), a.resolve("program.bnc")) < 0, "nor on --target");
        assertTrue(
                Files.mismatch(a.resolve("verilog/tb_top.v"), b.resolve("verilog/tb_top.v")) >= 0,
                "the testbench's seed does");
    }

    @Test
    void compileOptionsAreRefusedOnACompiledFolder() {
        String out = compiled.toString(), x = images.toString();
        assertOneLineError(Cli.run("run", out, "--input", x, "--crossbar", "64x64"), "--crossbar", "compiled folder");
        assertOneLineError(Cli.run("run", out, "--input", x, "--quiet", "--chips", "2"), "--chips");
        assertOneLineError(Cli.run("run", out, "--input", x, "--arch", "arch.json"), "--arch");
        assertOneLineError(Cli.run("run", out, "--input", x, "--mc-dropout"), "--mc-dropout");
        assertOneLineError(
                Cli.run("eval", out, "--dataset", Paths.testdata("mnist").toString(), "--weight-encoding", "single"),
                "--weight-encoding");
        // the default spelled out is still a compile-time option the folder cannot honour
        assertOneLineError(
                Cli.run("eval", out, "--dataset", Paths.testdata("mnist").toString(), "--input-levels", "255"),
                "--input-levels");
    }

    @Test
    void runtimeOptionsStillApplyToAFolderAndCompileOptionsToAModel() {
        Cli.Result folder = Cli.run(
                "run",
                compiled.toString(),
                "--input",
                images.toString(),
                "--samples",
                "2",
                "--seed",
                "1",
                "--threads",
                "1",
                "--bits",
                "lfsr",
                "--faults",
                "rng-bias=0.01",
                "--quiet");
        assertEquals(0, folder.code(), folder.toString());
        Cli.Result model = Cli.run(
                "eval",
                Paths.tfc().toString(),
                "--dataset",
                Paths.testdata("mnist").toString(),
                "--limit",
                "20",
                "--crossbar",
                "256x256",
                "--weight-encoding",
                "COMPLEMENTARY");
        assertEquals(0, model.code(), model.toString());
    }

    @Test
    void fixedSetOptionsNameTheOptionAndTheSpellings() {
        assertOneLineError(
                Cli.run(
                        "compile",
                        Paths.tfc().toString(),
                        "-o",
                        tmp.resolve("t").toString(),
                        "--target",
                        "SIM"),
                "--target",
                "[sim, verilog, all]");
        assertOneLineError(
                Cli.run("eval", compiled.toString(), "--dataset", "d", "--engine", "ort"), "--engine", "[sim, interp]");
        assertOneLineError(
                Cli.run("run", compiled.toString(), "--input", "x.npy", "--bits", "xorshift"),
                "--bits",
                "[counter, lfsr]");
    }
}
