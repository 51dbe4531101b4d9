package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.io.OutputFolder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #18, class 3: 50 compiles into an existing output folder, each in its own JVM killed with SIGKILL at a
 * random moment. After every kill the folder must be exactly one run's complete output: the old model's or the new
 * one's, file for file and byte for byte. A kill between the swap's two renames leaves the name absent with both
 * versions beside it; the next command's {@link OutputFolder#prepare} must then restore a complete one, and no
 * temporary folder or file may remain after it.
 */
@Tag("slow")
class KillAtRandomTest {
    static final int RUNS = 50;

    @TempDir
    Path tmp;

    @Test
    void aKilledCompileNeverLeavesAMixedFolder() throws Exception {
        Path a = Paths.testdata("models/mlp-sd.onnx"), b = Paths.testdata("models/cnn-sd.onnx");
        Map<String, String> wantA = reference(a, "ref-a"), wantB = reference(b, "ref-b");
        assertFalse(wantA.equals(wantB));
        Path out = tmp.resolve("out");
        assertEquals(0, Cli.run("compile", a.toString(), "-o", out.toString()).code());
        long full = timed(b, out); // an unkilled run, to spread the kills over the whole of one
        assertEquals(wantB, snapshot(out));
        Random r = new Random(18);
        int old = 0, whole = 0, recovered = 0;
        for (int i = 0; i < RUNS; i++) {
            Map<String, String> before = snapshot(out);
            Path model = before.equals(wantA) ? b : a;
            Map<String, String> after = model == a ? wantA : wantB;
            Process p = start(model, out);
            // most of a run is JVM start and compiling; the kills cluster on the second half, where it writes
            long delay = (long) (full * (0.3 + 0.8 * r.nextDouble()));
            boolean finished = p.waitFor(delay, TimeUnit.MILLISECONDS);
            if (!finished) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            if (!Files.exists(out)) {
                OutputFolder.prepare(out); // what the next compile does first
                recovered++;
            }
            Map<String, String> now = snapshot(out);
            assertTrue(now.equals(before) || now.equals(after), "run " + i + ": mixed folder " + now.keySet());
            if (now.equals(before)) old++;
            else whole++;
            OutputFolder.prepare(out);
            try (Stream<Path> s = Files.list(tmp)) {
                List<String> names =
                        s.map(x -> x.getFileName().toString()).sorted().toList();
                assertEquals(List.of("out", "ref-a", "ref-b"), names, "run " + i + ": leftovers");
            }
        }
        System.out.printf(
                "kill-at-random: %d runs, old folder kept %d, new folder complete %d, recovered %d%n",
                RUNS, old, whole, recovered);
        assertTrue(old > 0 && whole > 0, "kills should land both before and after the swap: " + old + "/" + whole);
    }

    private Map<String, String> reference(Path model, String name) throws Exception {
        Path dir = tmp.resolve(name);
        Cli.Result res = Cli.run("compile", model.toString(), "-o", dir.toString());
        assertEquals(0, res.code(), res.toString());
        return snapshot(dir);
    }

    private static long timed(Path model, Path out) throws Exception {
        long t0 = System.nanoTime();
        Process p = start(model, out);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static Process start(Path model, Path out) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "org.bnncim.cli.Main",
                        "compile",
                        model.toString(),
                        "-o",
                        out.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** Relative path -> SHA-256 of every file under {@code dir} (folders by name only). */
    static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(dir)) return m;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(x -> !x.equals(dir)).toList()) {
                String rel = dir.relativize(p).toString();
                m.put(
                        rel,
                        Files.isDirectory(p)
                                ? "dir"
                                : HexFormat.of()
                                        .formatHex(MessageDigest.getInstance("SHA-256")
                                                .digest(Files.readAllBytes(p))));
            }
        }
        return m;
    }
}
