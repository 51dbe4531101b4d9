package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bnncim sweep from the command line: killed and run again it completes the same table; bad specs exit 2. */
class SweepCliTest {
    @TempDir
    Path tmp;

    private Path spec(String name, String body) throws Exception {
        Path f = tmp.resolve(name);
        String models = Paths.testdata("models").toString().replace("\\", "/");
        String data = Paths.testdata("").toString().replace("\\", "/");
        Files.writeString(f, body.replace("$M", models).replace("$D", data));
        return f;
    }

    private static final String SMALL = "{\"models\": [\"$M/mlp-sd.onnx\", {\"path\": \"$M/mlp-mcd.onnx\","
            + " \"mc_dropout\": true}], \"dataset\": \"$D/mnist\", \"ood\": {\"fashion\": \"$D/fashion\"},"
            + " \"limit\": 400, \"crossbar\": [\"128x128\", \"256x256\"], \"faults\": {\"kind\": \"stuck-at\","
            + " \"rates\": [0, 0.02]}, \"samples\": 16, \"seed\": [0, 1], \"threads\": 1}";

    @Test
    void aKilledSweepRunAgainCompletesTheSameTable() throws Exception {
        Path s = spec("small.json", SMALL);
        Path ref = tmp.resolve("ref"), out = tmp.resolve("out");
        Cli.Result r = Cli.run("sweep", s.toString(), "-o", ref.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("sweep: 16 points (16 computed, 0 from "), r.out());
        // a second JVM, killed once it has finished a few points and before it has finished them all
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "org.bnncim.cli.Main",
                        "sweep",
                        s.toString(),
                        "-o",
                        out.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        int done = 0;
        while (System.nanoTime() < deadline && p.isAlive() && (done = points(out)) < 3) Thread.sleep(5);
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        done = points(out);
        assertTrue(done >= 3 && done < 16, "killed after " + done + " points");
        assertFalse(Files.exists(out.resolve("results.csv")));
        Cli.Result again = Cli.run("sweep", s.toString(), "-o", out.toString());
        assertEquals(0, again.code(), again.toString());
        Matcher m = Pattern.compile("\\((\\d+) computed, (\\d+) from").matcher(again.out());
        assertTrue(m.find(), again.out());
        assertEquals(16, Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)));
        assertTrue(Integer.parseInt(m.group(2)) >= done, again.out());
        for (String f : new String[] {"results.csv", "results.jsonl", "sweep.html"})
            assertEquals(Files.readString(ref.resolve(f)), Files.readString(out.resolve(f)), f);
    }

    private static int points(Path out) throws Exception {
        Path d = out.resolve("points");
        if (!Files.isDirectory(d)) return 0;
        try (Stream<Path> l = Files.list(d)) {
            return (int)
                    l.filter(x -> x.getFileName().toString().endsWith(".json")).count();
        }
    }

    @Test
    void badSpecsAndOptionsExit2InOneLineAndWriteNothing() throws Exception {
        Files.write(tmp.resolve("garbage.onnx"), new byte[] {8, 7, 0x12, 3, 1, 2, 3});
        String garbage = tmp.resolve("garbage.onnx").toString().replace("\\", "/");
        Map<String, String> cases = Map.of(
                "{\"models\": [\"" + garbage + "\"], \"dataset\": \"$D/mnist\"}",
                "models[0]: " + tmp.resolve("garbage.onnx"),
                "{\"models\": [\"$M/unet-sd.onnx\"], \"dataset\": \"$D/mnist\"}",
                "per-pixel",
                "{\"models\": [\"$M/mlp-sd.onnx\"], \"dataset\": \"$D/mnist\","
                        + " \"ood\": [\"$D/nuclei/test-300-images.npy\"]}",
                "models[0] (ood.test-300)",
                "{\"models\": [\"$M/mlp-sd.onnx\"], \"dataset\": \"$D/mnist\", \"crossbar\": [\"9x\"]}",
                "crossbar[0]",
                "{\"models\": [\"$M/mlp-sd.onnx\"], \"dataset\": \"$D/mnist\", \"sampels\": 3}",
                "sampels",
                "{\"models\": [\"$M/missing.onnx\"], \"dataset\": \"$D/mnist\"}",
                "models[0]",
                "not json",
                "not valid JSON");
        int i = 0;
        for (var c : cases.entrySet()) {
            Path s = spec("bad" + i++ + ".json", c.getKey());
            Path out = tmp.resolve("never" + i);
            Cli.Result r = Cli.run("sweep", s.toString(), "-o", out.toString());
            assertEquals(2, r.code(), r.toString());
            assertEquals(1, r.err().lines().count(), r.toString());
            assertTrue(r.err().contains(c.getValue()) && r.err().contains(s.toString()), r.toString());
            assertFalse(Files.exists(out), r.toString());
        }
        Path good = spec("good.json", "{\"models\": [\"$M/mlp-sd.onnx\"], \"dataset\": \"$D/mnist\", \"limit\": 2}");
        for (String[] opts : new String[][] {{"--engine", "mapreduce"}, {"--threads", "0"}}) {
            Path out = tmp.resolve("never-" + opts[1]);
            Cli.Result r = Cli.run("sweep", good.toString(), "-o", out.toString(), opts[0], opts[1]);
            assertEquals(2, r.code(), r.toString());
            assertEquals(1, r.err().lines().count(), r.toString());
            assertTrue(r.err().contains(opts[0]), r.toString());
            assertFalse(Files.exists(out));
        }
    }
}
