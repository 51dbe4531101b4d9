package org.bnncim.cli;

import static org.bnncim.cli.BadInputTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.io.Npy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue #18, class 1: hostile option values, label and input arrays and regress manifest values. Each row is
 * refused with exit 2 and one line naming the option, file or key; none reaches code that trusts it.
 */
class HostileOptionsTest {
    @TempDir
    static Path tmp;

    static Path compiled;

    @BeforeAll
    static void fixtures() throws Exception {
        compiled = tmp.resolve("tfc");
        Cli.Result r = Cli.run("compile", Paths.tfc().toString(), "-o", compiled.toString());
        assertEquals(0, r.code(), r.toString());
        int n = 3, per = 784;
        Npy.write(tmp.resolve("img.npy"), Npy.NpyArray.ofUint8(new int[] {n, per}, new byte[n * per]));
        labels("float", Npy.NpyArray.ofFloat(new int[] {n}, new float[] {1, 2, 3}));
        labels("ten", Npy.NpyArray.ofInt64(new int[] {n}, new long[] {0, 10, 1}));
        labels("negative", Npy.NpyArray.ofInt32(new int[] {n}, new int[] {-1, 0, 1}));
        labels("wraps", Npy.NpyArray.ofInt64(new int[] {n}, new long[] {1, 2, 1L << 32}));
        inputs("nan", 5, Float.NaN);
        inputs("inf", per + 1, Float.POSITIVE_INFINITY);
        inputs("neginf", 0, Float.NEGATIVE_INFINITY);
        manifest("abc", "\"crossbars\": [\"abc\"]");
        manifest("one-side", "\"crossbars\": [\"128\"]");
        manifest("trailing", "\"crossbars\": [\"64x64\", \"128x128x\"]");
        manifest("zero-side", "\"crossbars\": [\"0x5\"]");
        manifest("huge-side", "\"crossbars\": [\"65536x65536\"]");
        manifest("count", "\"count\": -1");
        manifest("count-text", "\"count\": \"many\"");
        manifest("samples", "\"samples\": -3");
        manifest("samples-huge", "\"samples\": 2147483647");
    }

    /** A dataset folder holding the shared images and these labels. */
    private static void labels(String name, Npy.NpyArray a) throws Exception {
        Path d = Files.createDirectories(tmp.resolve("ds-" + name));
        Files.copy(tmp.resolve("img.npy"), d.resolve("test-images.npy"));
        Npy.write(d.resolve("test-labels.npy"), a);
    }

    private static void inputs(String name, int at, float bad) throws Exception {
        float[] x = new float[2 * 784];
        x[at] = bad;
        Npy.write(tmp.resolve(name + ".npy"), Npy.NpyArray.ofFloat(new int[] {2, 784}, x));
    }

    private static void manifest(String name, String regress) throws Exception {
        Path d = Files.createDirectories(tmp.resolve("m-" + name));
        Files.writeString(d.resolve("manifest.json"), "{\"models\": [], \"regress\": {" + regress + "}}");
    }

    static Stream<Arguments> cases() {
        String tfc = Paths.tfc().toString(),
                img = Paths.testdata("mnist/test-1000-images.npy").toString();
        List<Arguments> rows = new ArrayList<>();
        // numeric options
        row(rows, "verify --limit -1", "--limit must be >= 1", "verify", tfc, "--limit", "-1");
        row(rows, "verify --limit 0", "--limit must be >= 1", "verify", tfc, "--limit", "0");
        row(rows, "eval --limit 0", "--limit must be >= 1", "eval", tfc, "--dataset", img, "--limit", "0");
        row(
                rows,
                "run --threads huge",
                "--threads must be between 1 and 256",
                "run",
                tfc,
                "--input",
                img,
                "--threads",
                "536870912");
        row(
                rows,
                "run --threads 0",
                "--threads must be between 1 and 256",
                "run",
                tfc,
                "--input",
                img,
                "--threads",
                "0");
        row(
                rows,
                "regress --threads -4",
                "--threads must be between 1 and 256",
                "regress",
                tmp.toString(),
                "--threads",
                "-4");
        row(
                rows,
                "run --samples max",
                "--samples must be between 0 and 10000",
                "run",
                tfc,
                "--input",
                img,
                "--samples",
                "2147483647");
        row(
                rows,
                "run --samples -1",
                "--samples must be between 0 and 10000",
                "run",
                tfc,
                "--input",
                img,
                "--samples",
                "-1");
        row(
                rows,
                "verify --samples 10001",
                "--samples must be between 0 and 10000",
                "verify",
                tfc,
                "--samples",
                "10001");
        row(
                rows,
                "compile --samples 0",
                "--samples must be between 1 and 10000",
                "compile",
                tfc,
                "-o",
                out("c1"),
                "--samples",
                "0");
        row(
                rows,
                "compile --tb-examples -1",
                "--tb-examples must be between 0 and 100000",
                "compile",
                tfc,
                "-o",
                out("c2"),
                "--target",
                "verilog",
                "--tb-examples",
                "-1");
        row(rows, "verify --tolerance -1", "--tolerance must be finite and > 0", "verify", tfc, "--tolerance", "-1");
        row(rows, "verify --tolerance NaN", "--tolerance must be finite and > 0", "verify", tfc, "--tolerance", "NaN");
        row(
                rows,
                "verify --tolerance Infinity",
                "--tolerance must be finite and > 0",
                "verify",
                tfc,
                "--tolerance",
                "Infinity");
        row(rows, "verify --seed beyond long", "--seed", "verify", tfc, "--seed", "9223372036854775808");
        row(
                rows,
                "compile --crossbar 128x128x",
                "--crossbar must look like RxC",
                "compile",
                tfc,
                "-o",
                out("c3"),
                "--crossbar",
                "128x128x");
        row(
                rows,
                "compile --crossbar 128",
                "--crossbar must look like RxC",
                "compile",
                tfc,
                "-o",
                out("c4"),
                "--crossbar",
                "128");
        row(
                rows,
                "compile --crossbar abc",
                "--crossbar must look like RxC",
                "compile",
                tfc,
                "-o",
                out("c5"),
                "--crossbar",
                "abc");
        row(
                rows,
                "compile --crossbar 0x5",
                "each side must be between 1 and 4096",
                "compile",
                tfc,
                "-o",
                out("c6"),
                "--crossbar",
                "0x5");
        row(
                rows,
                "compile --crossbar 65536x65536",
                "each side must be between 1 and 4096",
                "compile",
                tfc,
                "-o",
                out("c7"),
                "--crossbar",
                "65536x65536");
        row(
                rows,
                "compile --chips 0",
                "--chips must be between 1 and 4096",
                "compile",
                tfc,
                "-o",
                out("c8"),
                "--chips",
                "0");
        // labels
        String labels = "test-labels.npy";
        row(
                rows,
                "float labels",
                labels + ": labels must be an integer dtype",
                "eval",
                compiled.toString(),
                "--dataset",
                tmp.resolve("ds-float").toString());
        row(
                rows,
                "label 10 of 10 classes",
                labels + ": label 10 at index 1 is outside [0, 10)",
                "eval",
                compiled.toString(),
                "--dataset",
                tmp.resolve("ds-ten").toString());
        row(
                rows,
                "negative label",
                labels + ": label -1 at index 0",
                "eval",
                compiled.toString(),
                "--dataset",
                tmp.resolve("ds-negative").toString());
        row(
                rows,
                "label 2^32 does not wrap",
                labels + ": label 4294967296 at index 2",
                "eval",
                compiled.toString(),
                "--dataset",
                tmp.resolve("ds-wraps").toString());
        // inputs
        row(
                rows,
                "NaN input",
                "nan.npy: input value NaN at flat index 5 (example 0)",
                "run",
                compiled.toString(),
                "--input",
                tmp.resolve("nan.npy").toString());
        row(
                rows,
                "Inf input",
                "inf.npy: input value Infinity at flat index 785 (example 1)",
                "run",
                compiled.toString(),
                "--input",
                tmp.resolve("inf.npy").toString());
        row(
                rows,
                "-Inf input",
                "neginf.npy: input value -Infinity at flat index 0",
                "run",
                compiled.toString(),
                "--input",
                tmp.resolve("neginf.npy").toString());
        // regress manifests
        manifestRow(rows, "abc", "regress.crossbars[0] must look like RxC");
        manifestRow(rows, "one-side", "regress.crossbars[0] must look like RxC");
        manifestRow(rows, "trailing", "regress.crossbars[1] must look like RxC");
        manifestRow(rows, "zero-side", "regress.crossbars[0]: each side must be between 1 and 4096");
        manifestRow(rows, "huge-side", "regress.crossbars[0]: each side must be between 1 and 4096");
        manifestRow(rows, "count", "regress.count must be >= 1, got -1");
        manifestRow(rows, "count-text", "regress.count must be an integer");
        manifestRow(rows, "samples", "regress.samples must be between 0 and 10000, got -3");
        manifestRow(rows, "samples-huge", "regress.samples must be between 0 and 10000");
        return rows.stream();
    }

    private static String out(String name) {
        return tmp.resolve("refused").resolve(name).toString();
    }

    private static void row(List<Arguments> rows, String name, String fragment, String... args) {
        rows.add(Arguments.of(name, args, 2, fragment));
    }

    private static void manifestRow(List<Arguments> rows, String name, String fragment) {
        Path d = tmp.resolve("m-" + name);
        row(rows, "manifest " + name, d.resolve("manifest.json") + ": " + fragment, "regress", d.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refused(String name, String[] args, int exit, String fragment) {
        Cli.Result r = Cli.run(args);
        assertEquals(exit, r.code(), r.toString());
        assertOneLineError(r, fragment);
    }

    @Test
    void refusedCompilesLeaveNothingBehind() {
        // the table's refused compiles write under the same folder, so in either test order a leftover shows here
        Cli.run("compile", Paths.tfc().toString(), "-o", out("c9"), "--crossbar", "128x128x");
        Cli.run("compile", Paths.tfc().toString(), "-o", out("c9"), "--samples", "-5");
        assertFalse(Files.exists(tmp.resolve("refused")), "no output folder or file for a refused compile");
    }
}
