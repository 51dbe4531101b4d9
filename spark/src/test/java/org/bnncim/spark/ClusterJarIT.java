package org.bnncim.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.bnncim.compiler.sweep.InProcessEngine;
import org.bnncim.compiler.sweep.SpecParser;
import org.bnncim.compiler.sweep.Sweep;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster jar as spark-submit would run it (no Spark distribution is installable here, so: a JVM with the
 * cluster jar and Spark's own jars, as a cluster has them, and spark-submit's {@code spark.master} property). Runs
 * after {@code package} (spark/pom.xml runs this tag in {@code verify}), when the jar exists.
 */
@Tag("cluster-jar")
class ClusterJarIT {
    /** What the cluster jar carries (spark/pom.xml's shade includes); everything else a cluster provides. */
    private static final List<String> OURS =
            List.of("bnncim-", "protobuf-java-", "tribuo-", "picocli-", "progressbar-", "jline-", "onnxruntime-");

    private static final String SPEC = """
            {"models": ["%s"], "dataset": "%s", "ood": {"fashion": "%s"}, "limit": 40, "partition_examples": 15,
             "samples": 3, "faults": {"kind": "stuck-at", "rates": [0, 0.02]}}""";

    @TempDir
    Path tmp;

    private static Path target() {
        return Paths.root().resolve("spark/target");
    }

    private static Path clusterJar() {
        return target().resolve("bnncim-spark-0.1.0-SNAPSHOT-cluster.jar");
    }

    @Test
    void theClusterJarHoldsBnncimAndItsLibrariesButNotSparkScalaOrHadoop() throws IOException {
        List<String> foreign = new ArrayList<>();
        try (ZipFile z = new ZipFile(clusterJar().toFile())) {
            z.stream()
                    .map(e -> e.getName())
                    .filter(n -> n.endsWith(".class"))
                    .filter(n -> n.startsWith("org/apache/")
                            || n.startsWith("scala/")
                            || n.startsWith("com/fasterxml/")
                            || n.startsWith("com/google/protobuf/"))
                    .limit(5)
                    .forEach(foreign::add);
            assertTrue(foreign.isEmpty(), "not ours, or not relocated: " + foreign);
            assertTrue(z.getEntry("org/bnncim/shaded/jackson/databind/ObjectMapper.class") != null);
            assertTrue(z.getEntry("org/bnncim/cli/Main.class") != null);
            assertTrue(z.getEntry("log4j2.properties") == null, "the cluster's logging configuration applies");
            String services = new String(
                    z.getInputStream(z.getEntry("META-INF/services/org.bnncim.compiler.sweep.SweepEngineProvider"))
                            .readAllBytes(),
                    StandardCharsets.UTF_8);
            assertEquals("org.bnncim.spark.SparkSweepEngineProvider", services.strip());
        }
    }

    @Test
    void sparkSweepFromTheClusterJarWritesWhatTheInProcessEngineWrites() throws Exception {
        Path spec = Files.writeString(
                tmp.resolve("spec.json"),
                SPEC.formatted(
                        Paths.testdata("models/mlp-sd.onnx"), Paths.testdata("mnist"), Paths.testdata("fashion")));
        Sweep.run(
                SpecParser.parse(spec),
                Files.readAllBytes(spec),
                tmp.resolve("local"),
                new InProcessEngine(1),
                Sweep.Progress.NONE);
        Path out = tmp.resolve("cluster");
        Run r = submit(spec.toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(
                List.of("sweep: 2 points (2 computed, 0 from " + out + "), 2 ok, 0 failed; " + out.resolve(Sweep.CSV)),
                r.out().lines().toList());
        for (String f : List.of(Sweep.CSV, Sweep.JSONL))
            assertArrayEquals(Files.readAllBytes(tmp.resolve("local").resolve(f)), Files.readAllBytes(out.resolve(f)));

        Run bad = submit(
                tmp.resolve("missing.json").toString(), "-o", tmp.resolve("x").toString());
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().strip().startsWith("bnncim: ") && bad.err().contains("missing.json"), bad.toString());
    }

    private record Run(int code, String out, String err) {}

    /** {@code spark-submit --master local[2] --class org.bnncim.spark.SparkSweep CLUSTER.jar ARGS}, in effect. */
    private Run submit(String... args) throws Exception {
        List<String> cp = new ArrayList<>(List.of(clusterJar().toString()));
        try (Stream<Path> libs = Files.list(target().resolve("lib"))) {
            libs.filter(p -> OURS.stream()
                            .noneMatch(o -> p.getFileName().toString().startsWith(o)))
                    .sorted()
                    .forEach(p -> cp.add(p.toString()));
        }
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // spark-submit gives the driver the same module flags this JVM got from surefire
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--enable-native") || a.startsWith("--sun-"))
                .forEach(cmd::add);
        cmd.addAll(List.of("-Dspark.master=local[2]", "-cp", String.join(":", cp), "org.bnncim.spark.SparkSweep"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Path out = tmp.resolve("stdout"), err = tmp.resolve("stderr");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "cluster jar run timed out");
        String e = Files.readString(err);
        // Spark's default logging (INFO, on stderr) is the cluster's business; the CLI's line is the last one
        List<String> ours = e.lines().filter(l -> l.startsWith("bnncim:")).toList();
        return new Run(p.exitValue(), Files.readString(out), String.join("\n", ours));
    }
}
