package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bnncim.backends.verilog.VerilogBackend;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #20, item 4: one generated design, run by run.sh under Icarus Verilog and under Verilator
 * ({@code verilator --binary}), gives the same bytes as the simulator's expected outputs and bits in both; the
 * testbench lints clean under {@code verilator -Wall}; and the runs leave the files bnncim wrote unchanged. Like
 * {@link VerilogBackendTest}, a missing tool fails the test (scripts/test installs them); tagged slow.
 */
class VerilogTwoSimulatorsTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @Test
    @Tag("slow") // Icarus about 5 s, Verilator's C++ build about 30 s
    void icarusAndVerilatorGiveTheSimulatorsBytes() throws Exception {
        for (String tool : List.of("iverilog", "vvp", "verilator", "make", "g++")) requireTool(tool);
        Path out = tmp.resolve("sd");
        Cli.Result c = Cli.run(
                "compile",
                Paths.testdata("models/mlp-sd.onnx").toString(),
                "-o",
                out.toString(),
                "--target",
                "verilog",
                "--seed",
                "42",
                "--tb-input",
                Paths.testdata("mnist/test-1000-images.npy").toString(),
                "--tb-examples",
                "6",
                "--tb-samples",
                "4");
        assertEquals(0, c.code(), c.toString());
        Path v = out.resolve("verilog");
        Map<String, byte[]> written = snapshot(v);
        byte[] wantOut = Files.readAllBytes(v.resolve("expected_outputs.txt"));
        byte[] wantBits = Files.readAllBytes(v.resolve("expected_bits.txt"));
        assertTrue(new String(wantBits, StandardCharsets.US_ASCII).contains(" 1"), "no pattern was drawn: weak test");

        for (String sim : List.of("icarus", "verilator")) {
            Run r = runSh(v, sim);
            assertEquals(0, r.code(), sim + ": " + r);
            assertTrue(
                    r.out().contains("run.sh: simulator: " + (sim.equals("icarus") ? "Icarus" : "Verilator")), r.out());
            assertTrue(r.out().contains("match the simulator (" + sim + ")"), r.out());
            assertArrayEquals(wantOut, Files.readAllBytes(v.resolve("outputs.txt")), sim + ": outputs.txt");
            assertArrayEquals(wantBits, Files.readAllBytes(v.resolve("bits.txt")), sim + ": bits.txt");
        }
        assertTrue(Files.isExecutable(v.resolve("obj_dir/tb_top")), "Verilator builds under obj_dir/");
        // the simulators add their own files (tb_top.vvp, obj_dir/, outputs) and change none of bnncim's
        Map<String, byte[]> after = snapshot(v);
        for (var e : written.entrySet()) assertArrayEquals(e.getValue(), after.get(e.getKey()), e.getKey());

        List<String> lint =
                new ArrayList<>(List.of("verilator", "--lint-only", "-Wall", "--timing", "--top-module", "tb_top"));
        lint.addAll(VerilogBackend.simulationSources());
        Run l = exec(v, lint, null);
        assertEquals(0, l.code(), l.toString());
        assertTrue(!l.err().contains("%Warning") && !l.out().contains("%Warning"), "testbench lint:\n" + l);
    }

    private static Map<String, byte[]> snapshot(Path dir) throws Exception {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList())
                m.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        return m;
    }

    private static Run runSh(Path dir, String sim) throws Exception {
        return exec(dir, List.of("sh", dir.resolve("run.sh").toString()), sim);
    }

    private static Run exec(Path dir, List<String> cmd, String sim) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().remove("BNNCIM_SIM");
        if (sim != null) pb.environment().put("BNNCIM_SIM", sim);
        Path o = Files.createTempFile("two-sims", ".out"), e = Files.createTempFile("two-sims", ".err");
        pb.redirectOutput(o.toFile()).redirectError(e.toFile());
        Process p = pb.start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + ": no result after 600 s");
        }
        Run r = new Run(p.exitValue(), Files.readString(o), Files.readString(e));
        Files.delete(o);
        Files.delete(e);
        return r;
    }

    private static void requireTool(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) return;
        }
        fail(tool + " is not installed: this test runs the testbench under Icarus Verilog and Verilator "
                + "(scripts/test installs them: apt-get install iverilog verilator make g++)");
    }
}
