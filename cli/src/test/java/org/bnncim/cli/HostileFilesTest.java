package org.bnncim.cli;

import static org.bnncim.cli.HostileFixtures.externalModel;
import static org.bnncim.cli.HostileFixtures.fifo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bnncim.io.Npy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue #18: the table-driven CLI corpus. One row per case: the class it belongs to, the command, the exit code,
 * a fragment of the message. Every row also checks that nothing outside the row's own output changed (no temporary
 * file or folder left anywhere in the tree, fixtures untouched), that the command ends within a minute (a FIFO must
 * not hang it), and that the calling thread allocated at most {@link #MEMORY_BOUND} bytes (a bomb is refused before
 * it allocates). Classes 2 (files and paths), 3 (folder-level output) and 4 (resource bombs) have their cases here;
 * classes 1, 5, 6 and 8 have a few here beside their own tests (HostileOptionsTest, HostileArchitectureTest,
 * OpSemanticsTest, OutputTextTest).
 */
class HostileFilesTest {
    static final long MEMORY_BOUND = 256L << 20;

    @org.junit.jupiter.api.io.TempDir
    static Path tmp;

    static Path fx;
    static boolean fifos;

    /** A row: {@code setup} prepares the row's folder, {@code after} checks it once the command ran. */
    record Row(
            String name,
            int cls,
            List<String> args,
            int exit,
            String fragment,
            Consumer<Path> setup,
            Consumer<Path> after,
            boolean needsFifo) {
        @Override
        public String toString() {
            return "class " + cls + ": " + name;
        }
    }

    @BeforeAll
    static void fixtures() throws Exception {
        fx = Files.createDirectories(tmp.resolve("fx"));
        Files.write(fx.resolve("ok.onnx"), HostileFixtures.layer(HostileFixtures.inlineW()));
        Files.createSymbolicLink(fx.resolve("link.onnx"), fx.resolve("ok.onnx"));
        Files.createDirectories(fx.resolve("dir.onnx"));
        Npy.write(fx.resolve("in.npy"), Npy.NpyArray.ofFloat(new int[] {2, 4}, new float[] {1, -1, 1, -1, 1, 1, 1, 1}));
        Path outside = Files.createDirectories(fx.resolve("outside"));
        // the secret's values are not bipolar: a leak would show as a weight value in the refusal
        Files.write(outside.resolve("secret.bin"), HostileFixtures.weightBytes(0.37f, 1, 1, 1, 1, 1, 1, 1));
        Files.write(
                externalModel(fx.resolve("ext-ok"), "w.bin").resolveSibling("w.bin"),
                HostileFixtures.weightBytes(HostileFixtures.W));
        Files.createSymbolicLink(
                externalModel(fx.resolve("ext-linkfile"), "w.bin").resolveSibling("w.bin"),
                outside.resolve("secret.bin"));
        Files.createSymbolicLink(
                externalModel(fx.resolve("ext-linkdir"), "data/secret.bin").resolveSibling("data"), outside);
        externalModel(fx.resolve("ext-nul"), "w\0.bin");
        Path f2g = externalModel(fx.resolve("ext-2g"), "w.bin", 1L << 29, 1);
        Files.write(f2g.resolveSibling("w.bin"), new byte[16]);
        Path cap = externalModel(fx.resolve("ext-cap"), "w.bin", 1L << 26, 4);
        Files.write(cap.resolveSibling("w.bin"), new byte[16]);
        Files.write(
                fx.resolve("cos.onnx"),
                HostileFixtures.withConstants(b -> HostileFixtures.constantsOfShape(b, 1, 1 << 14)));
        Files.write(
                fx.resolve("cos5.onnx"),
                HostileFixtures.withConstants(b -> HostileFixtures.constantsOfShape(b, 5, 1 << 11)));
        Files.write(
                fx.resolve("gather.onnx"),
                HostileFixtures.withConstants(b -> b.initializer("D", new int[] {1, 4096}, new float[4096])
                        .initializerInt64("I", new int[] {65536}, new long[65536])
                        .node("Gather", "g")
                        .inputs("D", "I")
                        .outputs("gd")
                        .end()));
        Files.write(
                fx.resolve("bcast.onnx"),
                HostileFixtures.withConstants(b -> b.initializer("A", new int[] {16384, 1}, new float[16384])
                        .initializer("B", new int[] {1, 16384}, new float[16384])
                        .node("Add", "add")
                        .inputs("A", "B")
                        .outputs("ab")
                        .end()));
        Files.write(fx.resolve("bigin.onnx"), HostileFixtures.signOnly(4, 8192, 8192));
        Files.write(fx.resolve("wide.onnx"), HostileFixtures.wideConv(2048));
        Files.write(fx.resolve("backwards.onnx"), HostileFixtures.backwardsChain(100_000));
        Files.writeString(fx.resolve("arch-trailing.json"), "{} trailing");
        fifos = fifo(fx.resolve("fifo.onnx")) && fifo(fx.resolve("fifo.npy")) && fifo(fx.resolve("fifo.json"));
        if (fifos) fifos = fifo(externalModel(fx.resolve("ext-fifo"), "w.bin").resolveSibling("w.bin"));
        Path prog = fx.resolve("compiled");
        assertEquals(
                0,
                Cli.run("compile", fx.resolve("ok.onnx").toString(), "-o", prog.toString())
                        .code());
        Path truncated = Files.createDirectories(fx.resolve("truncated"));
        byte[] p = Files.readAllBytes(prog.resolve("program.bnc"));
        Files.write(truncated.resolve("program.bnc"), java.util.Arrays.copyOf(p, p.length / 2));
    }

    static String f(String rel) {
        return fx.resolve(rel).toString();
    }

    static Stream<Arguments> rows() {
        List<Row> r = new ArrayList<>();
        String ok = f("ok.onnx");
        // class 2: files and paths
        r.add(refused(2, "model is a FIFO", "not a regular file", true, "compile", f("fifo.onnx"), "-o", "out"));
        r.add(refused(2, "model is /dev/zero", "not a regular file", false, "compile", "/dev/zero", "-o", "out"));
        r.add(refused(2, "model is a folder", "is a folder, not a regular file", false, "inspect", f("dir.onnx")));
        r.add(row(2, "model through a link", 0, null, "compile", f("link.onnx"), "-o", "out"));
        r.add(refused(
                2, "input is a FIFO", "not a regular file", true, "run", ok, "--input", f("fifo.npy"), "-o", "y.npy"));
        r.add(refused(
                2,
                "input is /dev/zero",
                "not a regular file",
                false,
                "run",
                ok,
                "--input",
                "/dev/zero",
                "-o",
                "y.npy"));
        r.add(refused(
                2, "--arch /dev/zero", "not a regular file", false, "compile", ok, "--arch", "/dev/zero", "-o", "out"));
        r.add(refused(
                2, "--arch FIFO", "not a regular file", true, "compile", ok, "--arch", f("fifo.json"), "-o", "out"));
        r.add(refused(
                2,
                "external data via a file link",
                "outside the model's folder",
                false,
                "compile",
                f("ext-linkfile/model.onnx"),
                "-o",
                "out"));
        r.add(refused(
                2,
                "external data via a folder link",
                "outside the model's folder",
                false,
                "compile",
                f("ext-linkdir/model.onnx"),
                "-o",
                "out"));
        r.add(refused(
                2,
                "NUL in an external location",
                "not a valid path",
                false,
                "compile",
                f("ext-nul/model.onnx"),
                "-o",
                "out"));
        r.add(refused(
                2,
                "external data is a FIFO",
                "not a regular file",
                true,
                "compile",
                f("ext-fifo/model.onnx"),
                "-o",
                "out"));
        r.add(row(2, "external data inside the folder", 0, null, "compile", f("ext-ok/model.onnx"), "-o", "out"));
        r.add(refused(
                2,
                "run -o onto a FIFO",
                "not a regular file",
                true,
                "run",
                ok,
                "--input",
                f("in.npy"),
                "-o",
                f("fifo.npy")));
        r.add(refused(
                2,
                "run -o onto /dev/null",
                "not a regular file",
                false,
                "run",
                ok,
                "--input",
                f("in.npy"),
                "-o",
                "/dev/null"));
        r.add(refused(
                2,
                "run -o onto a folder",
                "is a folder",
                false,
                "run",
                ok,
                "--input",
                f("in.npy"),
                "-o",
                f("dir.onnx")));
        r.add(refused(2, "compile -o onto a FIFO", "not a folder", true, "compile", ok, "-o", f("fifo.npy")));
        r.add(refused(2, "compile -o onto a file", "not a folder", false, "compile", ok, "-o", f("in.npy")));
        // class 3: the output folder is replaced as a whole
        r.add(new Row(
                "folder holding a user's file",
                3,
                List.of("compile", ok, "-o", "out"),
                2,
                "holds 'notes.txt'",
                d -> write(d.resolve("out/notes.txt"), "mine"),
                d -> assertTrue(
                        Files.exists(d.resolve("out/notes.txt")) && !Files.exists(d.resolve("out/program.bnc"))),
                false));
        r.add(new Row(
                "failed compile into an existing output",
                3,
                List.of("compile", f("cos.onnx"), "-o", "out"),
                2,
                "import cap",
                d -> compile(d, ok, "--target", "all"),
                d -> assertTrue(Files.isDirectory(d.resolve("out/verilog"))),
                false));
        r.add(new Row(
                "recompile leaves no file of the old run",
                3,
                List.of("compile", ok, "-o", "out", "--target", "sim"),
                0,
                null,
                d -> compile(d, ok, "--target", "all"),
                d -> assertFalse(Files.exists(d.resolve("out/verilog"))),
                false));
        r.add(new Row(
                "leftovers of a killed run are removed",
                3,
                List.of("compile", ok, "-o", "out"),
                0,
                null,
                d -> {
                    compile(d, ok);
                    write(d.resolve(".out.bnncim-new-77/report.txt"), "half");
                    write(d.resolve("out/.report.txt123456.tmp"), "half");
                },
                d -> {},
                false));
        r.add(new Row(
                "swap interrupted between its renames",
                3,
                List.of("compile", f("cos.onnx"), "-o", "out"),
                2,
                "import cap",
                d -> {
                    compile(d, ok);
                    move(d.resolve("out"), d.resolve(".out.bnncim-new-9"));
                    write(d.resolve(".out.bnncim-old-9/report.txt"), "old");
                },
                d -> assertTrue(Files.exists(d.resolve("out/program.bnc"))),
                false));
        // class 4: resource bombs
        r.add(refused(4, "ConstantOfShape of 2^28", "import cap", false, "compile", f("cos.onnx"), "-o", "out"));
        r.add(refused(
                4,
                "five ConstantOfShape of 2^22, cap 64",
                "already taken",
                false,
                "compile",
                f("cos5.onnx"),
                "--max-mb",
                "64",
                "-o",
                "out"));
        r.add(refused(
                4,
                "Gather repeating one row 65536 times",
                "import cap",
                false,
                "compile",
                f("gather.onnx"),
                "-o",
                "out"));
        r.add(refused(
                4, "broadcast of 16384x1 and 1x16384", "import cap", false, "compile", f("bcast.onnx"), "-o", "out"));
        r.add(refused(
                4,
                "2^31 bytes of external data",
                "one tensor holds at most",
                false,
                "compile",
                f("ext-2g/model.onnx"),
                "-o",
                "out"));
        r.add(refused(
                4,
                "1 GiB of external data, cap 256",
                "import cap",
                false,
                "compile",
                f("ext-cap/model.onnx"),
                "--max-mb",
                "256",
                "-o",
                "out"));
        r.add(row(4, "100,000 nodes listed backwards", 0, null, "inspect", f("backwards.onnx")));
        r.add(refused(4, "input of 2^28 values", "values per example", false, "inspect", f("bigin.onnx")));
        r.add(refused(
                4,
                "verify's random inputs of a 2048^2 model",
                "random inputs",
                false,
                "verify",
                f("wide.onnx"),
                "--max-mb",
                "512"));
        r.add(refused(
                4,
                "--crossbar 65536x65536",
                "between 1 and 4096",
                false,
                "compile",
                ok,
                "--crossbar",
                "65536x65536",
                "-o",
                "out"));
        // classes 1, 5, 7, 8: a few beside their own tests
        r.add(refused(
                1, "--max-mb 5", "--max-mb must be between 16", false, "compile", ok, "--max-mb", "5", "-o", "out"));
        r.add(refused(
                1,
                "--threads 536870912",
                "--threads",
                false,
                "run",
                ok,
                "--input",
                f("in.npy"),
                "--threads",
                "536870912",
                "-o",
                "y.npy"));
        r.add(refused(
                5,
                "architecture with trailing text",
                "not valid JSON",
                false,
                "compile",
                ok,
                "--arch",
                f("arch-trailing.json"),
                "-o",
                "out"));
        r.add(refused(
                7,
                "truncated program.bnc",
                "truncated",
                false,
                "run",
                f("truncated"),
                "--input",
                f("in.npy"),
                "-o",
                "y.npy"));
        r.add(refused(8, "control characters in a path", "\\u001b", false, "inspect", f("no\u001b[31m.onnx")));
        return r.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void row(Row row) throws Exception {
        assumeTrue(!row.needsFifo() || fifos, "mkfifo missing");
        Path d = Files.createDirectories(tmp.resolve("rows").resolve(row.name().replaceAll("[^a-zA-Z0-9]+", "-")));
        row.setup().accept(d);
        Map<String, Long> fixturesBefore = tree(fx);
        String[] args = row.args().stream()
                .map(a -> a.equals("out") || a.equals("y.npy") ? d.resolve(a).toString() : a)
                .toArray(String[]::new);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] allocated = new long[1];
        Cli.Result res = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            long before = mx.getCurrentThreadAllocatedBytes();
            Cli.Result x = Cli.run(args);
            allocated[0] = mx.getCurrentThreadAllocatedBytes() - before;
            return x;
        });
        assertEquals(row.exit(), res.code(), res.toString());
        if (row.exit() == 2) BadInputTest.assertOneLineError(res);
        if (row.fragment() != null) assertTrue(res.err().contains(row.fragment()), res.toString());
        assertTrue(allocated[0] <= MEMORY_BOUND, "allocated " + allocated[0] + " bytes");
        assertEquals(fixturesBefore, tree(fx), "fixtures changed");
        for (String p : tree(d).keySet())
            assertFalse(p.contains(".bnncim-") || p.endsWith(".tmp"), "leftover " + p + " in " + tree(d).keySet());
        if (row.exit() == 2 && row.setup() == NONE) assertEquals(Map.of(), tree(d), "output of a refused run");
        row.after().accept(d);
    }

    private static final Consumer<Path> NONE = d -> {};

    private static Row refused(int cls, String name, String fragment, boolean needsFifo, String... args) {
        return new Row(name, cls, List.of(args), 2, fragment, NONE, NONE, needsFifo);
    }

    private static Row row(int cls, String name, int exit, String fragment, String... args) {
        return new Row(name, cls, List.of(args), exit, fragment, NONE, NONE, false);
    }

    /** Every path under {@code root} (links not followed) with its size, for before/after comparisons. */
    static Map<String, Long> tree(Path root) {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).forEach(p -> {
                long size = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        ? p.toFile().length()
                        : -1;
                m.put(root.relativize(p).toString(), size);
            });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return m;
    }

    private static void compile(Path d, String model, String... more) {
        List<String> a =
                new ArrayList<>(List.of("compile", model, "-o", d.resolve("out").toString()));
        a.addAll(List.of(more));
        Cli.Result r = Cli.run(a.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
    }

    private static void write(Path p, String text) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
