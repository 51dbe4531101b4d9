package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #19, item 12: the generated run.sh fails when its inputs are missing and shows progress while it runs. */
class VerilogRunScriptTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run sh(Path script, String path) throws Exception {
        return sh(script, path, null);
    }

    /** Runs the script with this PATH and BNNCIM_SIM (null: unset). */
    private static Run sh(Path script, String path, String simulator) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", script.toString());
        pb.environment().put("PATH", path);
        pb.environment().remove("BNNCIM_SIM");
        if (simulator != null) pb.environment().put("BNNCIM_SIM", simulator);
        Path err = Files.createTempFile("run-sh", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "run.sh did not finish");
        return new Run(p.exitValue(), out, Files.readString(err));
    }

    private Path compile(String name, String... tb) {
        Path out = tmp.resolve(name);
        List<String> args = new java.util.ArrayList<>(List.of(
                "compile",
                Paths.testdata("models/mlp-sd.onnx").toString(),
                "-o",
                out.toString(),
                "--target",
                "verilog",
                "--crossbar",
                "256x256"));
        args.addAll(List.of(tb));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        return out.resolve("verilog/run.sh");
    }

    @Test
    void withoutTestbenchInputsItExitsTwoNamingTheMissingFileAndTheFix() throws Exception {
        Path script = compile("no-inputs");
        Run r = sh(script, System.getenv("PATH"));
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(
                r.err().startsWith("run.sh: inputs.hex not found: compile with --target verilog --tb-input"), r.err());
        assertTrue(!Files.exists(script.resolveSibling("outputs.txt")), "nothing was simulated");
    }

    @Test
    void withoutIcarusItExitsTwoSayingWhatToInstall() throws Exception {
        Path script = compile(
                "no-tools",
                "--tb-input",
                Paths.testdata("mnist/test-1000-images.npy").toString());
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String tool : List.of("sh", "dirname", "cmp")) {
            Path real = which(tool);
            if (real == null) continue;
            // a wrapper, not a link: JUnit warns about links out of its temporary folder
            Path w = Files.writeString(bin.resolve(tool), "#!/bin/sh\nexec " + real + " \"$@\"\n");
            assertTrue(w.toFile().setExecutable(true));
        }
        Run r = sh(script, bin.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("run.sh: iverilog not found: install Icarus Verilog"), r.err());
    }

    @Test
    void aSimulatorThatIsNotOneExitsTwoInOneLine() throws Exception {
        Path script = compile(
                "bad-sim",
                "--tb-input",
                Paths.testdata("mnist/test-1000-images.npy").toString());
        Run r = sh(script, System.getenv("PATH"), "modelsim");
        assertEquals(2, r.code(), r.toString());
        assertEquals("run.sh: BNNCIM_SIM=modelsim: not a simulator (icarus or verilator)\n", r.err());
        assertTrue(!Files.exists(script.resolveSibling("outputs.txt")), "nothing was simulated");
    }

    @Test
    void verilatorAskedForButMissingExitsTwoSayingWhatToInstall() throws Exception {
        Path script = compile(
                "no-verilator",
                "--tb-input",
                Paths.testdata("mnist/test-1000-images.npy").toString());
        Path bin = Files.createDirectories(tmp.resolve("bin-v"));
        // Icarus is there, Verilator is not: the choice is the user's, so no fallback to Icarus
        for (String tool : List.of("sh", "dirname", "cmp", "iverilog", "vvp")) {
            Path real = which(tool);
            if (real == null) continue;
            Path w = Files.writeString(bin.resolve(tool), "#!/bin/sh\nexec " + real + " \"$@\"\n");
            assertTrue(w.toFile().setExecutable(true));
        }
        Run r = sh(script, bin.toString(), "verilator");
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("run.sh: verilator not found: verilator --binary needs Verilator 5"), r.err());
    }

    @Test
    // the default simulator (Verilator where installed, else Icarus) runs 40 passes of mlp-sd: about 40 s
    @Tag("slow")
    void aSimulationPrintsProgressAndMatches() throws Exception {
        assumeTrue(which("iverilog") != null && which("vvp") != null, "Icarus Verilog is not installed");
        Path script = compile(
                "sim",
                "--tb-input",
                Paths.testdata("mnist/test-1000-images.npy").toString(),
                "--tb-examples",
                "20",
                "--tb-samples",
                "2",
                "--seed",
                "7");
        Run r = sh(script, System.getenv("PATH"));
        assertEquals(0, r.code(), r.toString());
        List<String> progress =
                r.out().lines().filter(l -> l.startsWith("tb_top: example ")).toList();
        // 20 examples: a line every second example, the last one included
        assertEquals(10, progress.size(), r.out());
        assertEquals("tb_top: example 20 of 20", progress.getLast());
        assertTrue(r.out().contains("verilog: outputs and stochastic bits match the simulator ("), r.out());

        // a tampered expectation is a difference: exit 1
        Path expected = script.resolveSibling("expected_outputs.txt");
        Files.writeString(expected, Files.readString(expected).replaceFirst("^0 0 ", "0 0 9999"));
        Run bad = sh(script, System.getenv("PATH"));
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains("run.sh: the Verilog differs from the simulator"), bad.err());
    }

    private static Path which(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }
}
