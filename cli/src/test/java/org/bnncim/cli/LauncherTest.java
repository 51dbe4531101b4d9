package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #19, item 8: scripts/bnncim on a machine with nothing but a shell. The launcher and its jdk.sh run from a
 * copy of the repository's scripts, with a PATH that has no java and no mvn, an empty JVM folder
 * (BNNCIM_JVM_DIR) and a stand-in for apt-get (BNNCIM_APT_GET) that records what it is asked and "installs" fake
 * tools, so nothing on this machine is installed or built.
 */
class LauncherTest {
    @TempDir
    Path tmp;

    private Path root, bin, jvm, aptLog;

    @BeforeEach
    void copyTheLauncher() throws Exception {
        root = tmp.resolve("repo");
        Files.createDirectories(root.resolve("scripts/lib"));
        Files.copy(Paths.root().resolve("scripts/bnncim"), root.resolve("scripts/bnncim"));
        Files.copy(Paths.root().resolve("scripts/lib/jdk.sh"), root.resolve("scripts/lib/jdk.sh"));
        bin = Files.createDirectories(tmp.resolve("bin"));
        // the shell tools of a bare Debian, and neither java nor mvn
        for (String t : List.of(
                "sed",
                "head",
                "dirname",
                "readlink",
                "find",
                "mktemp",
                "rm",
                "grep",
                "cut",
                "id",
                "mkdir",
                "touch",
                "chmod",
                "cat")) {
            Path real = Path.of("/usr/bin", t);
            if (!Files.isExecutable(real)) real = Path.of("/bin", t);
            script(bin.resolve(t), "exec " + real + " \"$@\"");
        }
        jvm = Files.createDirectories(tmp.resolve("jvm"));
        aptLog = tmp.resolve("apt.log");
    }

    private static void script(Path p, String body) throws Exception {
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        assertTrue(p.toFile().setExecutable(true));
    }

    /** A JDK that answers the version probe as JDK {@code major} and otherwise prints its arguments. */
    private void fakeJdk(int major) throws Exception {
        Path home = Files.createDirectories(jvm.resolve("fake-" + major + "/bin"));
        script(
                home.resolve("java"),
                "case \"$*\" in *XshowSettings*) echo \"    java.specification.version = " + major
                        + "\"; exit 0;; esac\necho \"fake-java $*\"");
        script(home.resolve("javac"), "exit 0");
    }

    /** Maven that "builds" the jar the launcher runs, or fails the way Maven does, with a stack dump. */
    private void fakeMvn(boolean fails) throws Exception {
        script(
                bin.resolve("mvn"),
                fails
                        ? "echo '[ERROR] Failed to execute goal compile (default-compile) on project bnncim-ir'\n"
                                + "echo 'java.lang.IllegalStateException: boom'\n"
                                + "echo '\tat org.apache.Foo.bar(Foo.java:1)'\nexit 1"
                        : "mkdir -p cli/target && touch cli/target/bnncim-cli-0.1.0-SNAPSHOT.jar");
    }

    /** apt-get as Debian 13 answers it: no openjdk-25 package, openjdk-21 and maven installable. */
    private Path fakeAptGet() throws Exception {
        Path apt = tmp.resolve("apt-get");
        script(
                apt,
                "echo \"$*\" >> " + aptLog + "\n"
                        + "case \"$*\" in\n"
                        + "  *-s*openjdk-25*) exit 100;;\n"
                        + "  *-s*) exit 0;;\n"
                        + "  *install*openjdk-21*) mkdir -p " + jvm + "/fake-21/bin\n"
                        + "    printf '#!/bin/sh\\ncase \"$*\" in *XshowSettings*) "
                        + "echo \"java.specification.version = 21\"; exit 0;; esac\\necho \"fake-java $*\"\\n' > "
                        + jvm + "/fake-21/bin/java\n"
                        + "    printf '#!/bin/sh\\n' > " + jvm + "/fake-21/bin/javac; chmod +x " + jvm
                        + "/fake-21/bin/*;;\n"
                        + "  *install*maven*) printf '#!/bin/sh\\nmkdir -p cli/target && touch "
                        + "cli/target/bnncim-cli-0.1.0-SNAPSHOT.jar\\n' > " + bin + "/mvn; chmod +x " + bin + "/mvn;;\n"
                        + "esac\nexit 0");
        return apt;
    }

    private record Run(int code, String out, String err) {}

    private Run launch(String aptGet) throws Exception {
        ProcessBuilder pb =
                new ProcessBuilder("bash", root.resolve("scripts/bnncim").toString(), "--version");
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(Map.of("PATH", bin.toString(), "BNNCIM_JVM_DIR", jvm.toString(), "BNNCIM_APT_GET", aptGet));
        env.put("TMPDIR", tmp.toString());
        Path err = tmp.resolve("err.txt");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out, Files.readString(err));
    }

    @Test
    void noJdkAndNoWayToInstallOneIsOneLineSayingWhatToInstall() throws Exception {
        Run r = launch("/nonexistent/apt-get");
        assertEquals(3, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("bnncim: needs a JDK >= 21"), r.err());
        assertTrue(r.err().contains("apt-get install openjdk-21-jdk-headless maven"), r.err());
    }

    @Test
    void asRootWithAptGetItInstallsTheJdkAndMavenDebianOffersThenBuildsAndRuns() throws Exception {
        assumeTrue(
                "0"
                        .equals(new String(new ProcessBuilder("id", "-u")
                                        .start()
                                        .getInputStream()
                                        .readAllBytes())
                                .trim()),
                "installing is tried as root only");
        Run r = launch(fakeAptGet().toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("fake-java --enable-native-access=ALL-UNNAMED -cp "), r.out());
        assertTrue(r.out().strip().endsWith("org.bnncim.cli.Main --version"), r.out());
        List<String> asked = Files.readAllLines(aptLog);
        assertTrue(asked.contains("install -s -qq openjdk-25-jdk-headless"), asked.toString());
        assertTrue(asked.contains("install -y -qq openjdk-21-jdk-headless"), asked.toString());
        assertFalse(asked.contains("install -y -qq openjdk-25-jdk-headless"), "not offered: " + asked);
        assertTrue(asked.contains("install -y -qq maven"), asked.toString());
        assertTrue(r.err().contains("bnncim: installing openjdk-21-jdk-headless from Debian's packages"), r.err());
        assertTrue(r.err().contains("bnncim: installing Maven from Debian's packages"), r.err());
    }

    @Test
    void aJdkWithoutMavenIsOneLineSayingWhatToInstall() throws Exception {
        fakeJdk(21);
        Run r = launch("/nonexistent/apt-get");
        assertEquals(3, r.code(), r.toString());
        assertEquals(
                List.of("bnncim: needs Maven 3.8 or newer to build: on Debian run apt-get install maven"),
                r.err().lines().toList());
    }

    @Test
    void anOldJdkDoesNotCount() throws Exception {
        fakeJdk(17);
        fakeMvn(false);
        Run r = launch("/nonexistent/apt-get");
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().startsWith("bnncim: needs a JDK >= 21"), r.err());
    }

    @Test
    void aNewCommitRebuildsEvenWhenNoSourceChanged() throws Exception {
        fakeJdk(21);
        fakeMvn(false);
        Path commit = tmp.resolve("commit.txt");
        Files.writeString(commit, "1111111111111111111111111111111111111111\n");
        script(bin.resolve("git"), "case \"$*\" in *rev-parse*) exec /bin/cat " + commit + ";; esac; exit 1");
        Run first = launch("/nonexistent/apt-get");
        assertEquals(0, first.code(), first.toString());
        assertTrue(first.err().contains("bnncim: building"), first.err());
        Run same = launch("/nonexistent/apt-get");
        assertEquals(0, same.code(), same.toString());
        assertEquals("", same.err(), "same commit, nothing newer: no build");
        Files.writeString(commit, "2222222222222222222222222222222222222222\n");
        Run moved = launch("/nonexistent/apt-get");
        assertEquals(0, moved.code(), moved.toString());
        assertTrue(moved.err().contains("bnncim: building"), "the commit moved: " + moved.err());
    }

    @Test
    void aFailedBuildIsOneLineWithTheFirstErrorAndTheLogNeverAStackDump() throws Exception {
        fakeJdk(21);
        fakeMvn(true);
        Run r = launch("/nonexistent/apt-get");
        assertEquals(3, r.code(), r.toString());
        List<String> lines = r.err().lines().toList();
        assertEquals(2, lines.size(), r.err());
        assertEquals("bnncim: building (first use, sources or commit changed)...", lines.get(0));
        assertTrue(
                lines.get(1)
                        .startsWith("bnncim: build failed: [ERROR] Failed to execute goal compile (default-compile) "
                                + "on project bnncim-ir (whole log: " + tmp),
                lines.get(1));
        assertFalse(r.err().contains("\tat "), r.err());

        fakeMvn(false);
        Run ok = launch("/nonexistent/apt-get");
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(ok.out().contains("org.bnncim.cli.Main --version"), ok.out());
    }
}
