package org.bnncim.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/bnncim with and without {@code --engine spark}, on a copy of the scripts with a stand-in JDK (prints what
 * it would run) and Maven (records its arguments): a plain run neither builds module spark nor changes its class
 * path; a Spark run builds it and runs with Spark's JVM flags, the same ones this test JVM got from surefire.
 */
class SparkLauncherTest {
    @TempDir
    Path tmp;

    private Path root, mvnLog;
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void copyTheLauncher() throws Exception {
        root = tmp.resolve("repo");
        Files.createDirectories(root.resolve("scripts/lib"));
        Files.copy(Paths.root().resolve("scripts/bnncim"), root.resolve("scripts/bnncim"));
        Files.copy(Paths.root().resolve("scripts/lib/jdk.sh"), root.resolve("scripts/lib/jdk.sh"));
        Path jdk = Files.createDirectories(tmp.resolve("jdk/bin"));
        script(
                jdk.resolve("java"),
                "case \"$*\" in *XshowSettings*) echo '    java.specification.version = 25'; exit 0;; esac\n"
                        + "echo \"java $*\"\necho \"SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-}\"");
        script(jdk.resolve("javac"), "exit 0");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        mvnLog = tmp.resolve("mvn.log");
        script(
                bin.resolve("mvn"),
                "echo \"$*\" >> " + mvnLog + "\nmkdir -p cli/target spark/target\n"
                        + "touch cli/target/bnncim-cli-0.1.0-SNAPSHOT.jar\n"
                        + "touch spark/target/bnncim-spark-0.1.0-SNAPSHOT.jar");
        env.put("PATH", bin + ":/usr/bin:/bin");
        env.put("JAVA_HOME", tmp.resolve("jdk").toString());
        env.put("TMPDIR", tmp.toString());
    }

    private static void script(Path p, String body) throws Exception {
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        assertTrue(p.toFile().setExecutable(true));
    }

    private List<String> launch(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(
                List.of("bash", root.resolve("scripts/bnncim").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    private List<String> builds() throws Exception {
        return Files.exists(mvnLog) ? Files.readAllLines(mvnLog) : List.of();
    }

    @Test
    void aPlainRunKeepsTheClisClassPathAndLeavesModuleSparkAlone() throws Exception {
        List<String> out = launch("--version");
        assertEquals(
                "java --enable-native-access=ALL-UNNAMED -cp " + root + "/cli/target/bnncim-cli-0.1.0-SNAPSHOT.jar:"
                        + root + "/cli/target/lib/* org.bnncim.cli.Main --version",
                out.get(0));
        assertEquals("SPARK_LOCAL_IP=", out.get(1));
        assertEquals(1, builds().size());
        assertTrue(builds().get(0).endsWith("package -pl !spark"), builds().toString());
    }

    @Test
    void engineSparkBuildsTheModuleOnceAndRunsWithSparksFlagsOnItsClassPath() throws Exception {
        List<String> out = launch("sweep", "s.json", "-o", "d", "--engine", "spark");
        List<String> java = Arrays.asList(out.get(0).split(" "));
        int cp = java.indexOf("-cp");
        assertEquals(
                root + "/spark/target/bnncim-spark-0.1.0-SNAPSHOT.jar:" + root + "/spark/target/lib/*",
                java.get(cp + 1));
        assertEquals(
                List.of("org.bnncim.cli.Main", "sweep", "s.json", "-o", "d", "--engine", "spark"),
                java.subList(cp + 2, java.size()));
        List<String> flags = java.subList(1, cp);
        List<String> surefire = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens")
                        || a.startsWith("--enable-native-access")
                        || a.startsWith("--sun-misc")
                        || a.startsWith("-Dio.netty"))
                .toList();
        assertEquals(surefire, flags, "scripts/bnncim and spark/pom.xml's argLine");
        assertEquals("SPARK_LOCAL_IP=127.0.0.1", out.get(1));
        assertEquals(1, builds().size());
        assertFalse(builds().get(0).contains("-pl"), "the whole reactor, spark included: " + builds());

        launch("sweep", "s.json", "-o", "d", "--engine=spark");
        assertEquals(1, builds().size(), "built already: " + builds());
    }

    @Test
    void aClusterMasterKeepsTheHostsAddressAndBnncimSparkAloneSelectsTheEngine() throws Exception {
        env.put("BNNCIM_SPARK_MASTER", "spark://h:7077");
        List<String> out = launch("sweep", "s.json", "-o", "d", "--engine=spark");
        assertEquals("SPARK_LOCAL_IP=", out.get(1));
        env.remove("BNNCIM_SPARK_MASTER");
        env.put("BNNCIM_SPARK", "1");
        out = launch("--version");
        assertTrue(out.get(0).contains("/spark/target/lib/* org.bnncim.cli.Main --version"), out.get(0));
    }
}
