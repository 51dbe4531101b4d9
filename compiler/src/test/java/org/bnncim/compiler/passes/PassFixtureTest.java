package org.bnncim.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.frontend.CanonicalizeForTests;
import org.bnncim.ir.Graph;
import org.bnncim.ir.TextParser;
import org.bnncim.ir.TextPrinter;
import org.bnncim.ir.Verifier;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.MappingText;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

/**
 * Pass tests as text fixtures, in the spirit of MLIR's lit/FileCheck tests. Each file under
 * {@code src/test/resources/passes/<pass>/} is one case:
 *
 * <pre>
 * // RUN: fold-thresholds          the pass to run (must match the folder)
 * // free text saying what the case checks
 * graph NAME { ... }               the input, in TextPrinter.printFull's form
 * // CHECK: text                   optional: a later output line contains text
 * // CHECK-NEXT: text              optional: the line right after the previous match contains text
 * // CHECK-NOT: text               optional: no line between the neighbouring matches contains text
 * // EXPECT:                       optional: everything after this line is the exact expected output
 * // ERROR: text                   instead of CHECK/EXPECT: the pass fails with a one-line message containing text
 * </pre>
 *
 * The input is parsed, verified, run through the pass, verified again and printed with
 * {@link TextPrinter#printFull} (a pass that builds a mapping appends a {@code mapping { ... }} block); a
 * mismatch shows a line diff. A case needs CHECK lines, an EXPECT section or both, or else one ERROR line. To cover
 * another pass, add an entry to {@link #RUNNERS} and a folder of cases.
 *
 * <p>The mapping passes ({@code tile}, {@code pack-place}, {@code insert-stochastic-unit}, {@code plan-monte-carlo})
 * lower the input with an architecture given by the RUN arguments (see {@link #architecture}), run the mapping
 * passes in the compiler's order up to and including the named one, each followed by the mapping verifier, and print
 * {@link #mappingDetail}.
 */
class PassFixtureTest {
    /** How one named step is run on a parsed input and what of its result is printed. */
    @FunctionalInterface
    interface Runner {
        String run(Graph input, List<String> args);
    }

    static final Map<String, Runner> RUNNERS = Map.of(
            "tile",
            mappingRunner("tile"),
            "pack-place",
            mappingRunner("pack-place"),
            "insert-stochastic-unit",
            mappingRunner("insert-stochastic-unit"),
            "plan-monte-carlo",
            mappingRunner("plan-monte-carlo"),
            "fold-thresholds",
            (g, args) -> {
                noArgs("fold-thresholds", args);
                return printed(new FoldThresholds().run(g));
            },
            "lower-crossbar",
            (g, args) -> {
                noArgs("lower-crossbar", args);
                Mapping m = new LowerToCrossbar(ArchitectureLoader.defaults()).lower(g);
                return printed(g) + mappingText(m);
            },
            "canonicalize",
            (g, args) -> {
                noArgs("canonicalize", args);
                return printed(CanonicalizeForTests.run(g));
            });

    /**
     * Lowers with the RUN line's architecture, then runs the mapping passes in the compiler's order up to
     * {@code last}; PassManager.apply verifies the mapping after each.
     */
    static Runner mappingRunner(String last) {
        return (g, args) -> {
            Architecture arch = architecture(args);
            PassManager.State s = new PassManager.State(g, null, Set.of(Property.FOLDED));
            s = PassManager.apply(s, new LowerToCrossbar(arch));
            for (Pass p : List.of(
                    new TileCrossbars(), new PackAndPlace(), new InsertStochasticUnit(), new PlanMonteCarlo())) {
                s = PassManager.apply(s, p);
                if (p.name().equals(last)) return mappingDetail(s.mapping());
            }
            throw new IllegalStateException("no mapping pass " + last);
        };
    }

    /**
     * The default architecture with the RUN line's changes: {@code crossbar=RxC},
     * {@code encoding=single|complementary}, {@code chips=N}, {@code per-tile=N} (crossbars per tile),
     * {@code tiles=N} (tiles per chip).
     */
    static Architecture architecture(List<String> args) {
        Architecture d = ArchitectureLoader.defaults();
        int rows = d.rows(), cols = d.cols(), chips = d.chips(), perTile = d.crossbarsPerTile();
        int tiles = d.tilesPerChip();
        Architecture.WeightEncoding enc = d.encoding();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 1) throw new IllegalArgumentException("RUN argument " + a + " is not key=value");
            String k = a.substring(0, eq), v = a.substring(eq + 1);
            switch (k) {
                case "crossbar" -> {
                    String[] rc = v.split("x");
                    rows = Integer.parseInt(rc[0]);
                    cols = Integer.parseInt(rc[1]);
                }
                case "encoding" -> enc = Architecture.WeightEncoding.valueOf(v.toUpperCase(Locale.ROOT));
                case "chips" -> chips = Integer.parseInt(v);
                case "per-tile" -> perTile = Integer.parseInt(v);
                case "tiles" -> tiles = Integer.parseInt(v);
                default ->
                    throw new IllegalArgumentException(
                            "unknown RUN argument " + k + " (crossbar, encoding, chips, per-tile, tiles)");
            }
        }
        return new Architecture(
                d.name(),
                rows,
                cols,
                enc,
                perTile,
                tiles,
                chips,
                d.inputBits(),
                d.energy(),
                d.latency(),
                d.area(),
                d.sensing());
    }

    /**
     * The architecture, MappingText's rendering (crossbar slots, pieces, stochastic unit; an unplaced piece shows
     * xbar -1), then per layer what MappingText leaves out: row and column tiles, piece count, stochastic bit,
     * MC-Dropout neurons.
     */
    static String mappingDetail(Mapping m) {
        Architecture a = m.arch();
        StringBuilder sb = new StringBuilder();
        sb.append("arch ")
                .append(a.rows())
                .append('x')
                .append(a.cols())
                .append(' ')
                .append(a.encoding().name().toLowerCase(Locale.ROOT))
                .append(": ")
                .append(a.logicalCols())
                .append(" weight columns, ")
                .append(a.crossbarsPerTile())
                .append(" crossbar(s) per tile, ")
                .append(a.tilesPerChip())
                .append(" tile(s) per chip, ")
                .append(a.chips())
                .append(" chip(s)\n");
        sb.append(MappingText.render(m));
        sb.append("\ndetail (lower bound ").append(m.lowerBound()).append(" crossbar(s))\n");
        for (LayerMap l : m.layers()) {
            sb.append("  ")
                    .append(l.layer())
                    .append(": row_tiles=")
                    .append(l.rowTiles())
                    .append(" col_tiles=")
                    .append(l.colTiles())
                    .append(" pieces=")
                    .append(l.pieces().size())
                    .append(" stochastic_bit=")
                    .append(l.stochasticBit())
                    .append(" dropout_neurons=")
                    .append(l.dropoutNeurons())
                    .append('\n');
        }
        return sb.toString();
    }

    private static void noArgs(String pass, List<String> args) {
        if (!args.isEmpty()) throw new IllegalArgumentException(pass + " takes no arguments, got " + args);
    }

    private static String printed(Graph g) {
        Verifier.verify(g);
        return TextPrinter.printFull(g);
    }

    /** What lower-crossbar decides per layer (tiling and placement come later and are not printed here). */
    static String mappingText(Mapping m) {
        StringBuilder sb = new StringBuilder("mapping {\n");
        for (LayerMap l : m.layers()) {
            sb.append("  layer ")
                    .append(l.layer())
                    .append(" : ")
                    .append(l.kind())
                    .append(' ')
                    .append(l.k())
                    .append('x')
                    .append(l.n())
                    .append(", positions=")
                    .append(l.positions())
                    .append(", input_bits=")
                    .append(l.inputBits())
                    .append(", padding=\"")
                    .append(l.padding())
                    .append("\"\n");
        }
        return sb.append("}\n").toString();
    }

    static Path fixtures() {
        try {
            var url = PassFixtureTest.class.getResource("/passes");
            if (url == null) throw new IllegalStateException("no passes/ fixtures on the test classpath");
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFixture() throws IOException {
        Path root = fixtures();
        Map<String, Path> cases = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> p.toString().endsWith(".ir"))
                    .forEach(p -> cases.put(root.relativize(p).toString().replace('\\', '/'), p));
        }
        assertFalse(cases.isEmpty(), "no fixtures under " + root);
        return cases.entrySet().stream()
                .map(e -> DynamicTest.dynamicTest(
                        e.getKey(),
                        e.getValue().toUri(),
                        () -> runCase("passes/" + e.getKey(), Files.readString(e.getValue(), StandardCharsets.UTF_8))));
    }

    /** Every registered pass has at least one case, and every folder names a registered pass. */
    @TestFactory
    Stream<DynamicTest> everyPassHasCases() throws IOException {
        Path root = fixtures();
        List<String> folders = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory)
                    .forEach(p -> folders.add(p.getFileName().toString()));
        }
        return Stream.concat(
                RUNNERS.keySet().stream()
                        .sorted()
                        .map(p -> DynamicTest.dynamicTest(
                                "cases for " + p,
                                () -> assertTrue(folders.contains(p), "no fixture folder passes/" + p))),
                folders.stream()
                        .sorted()
                        .map(f -> DynamicTest.dynamicTest(
                                "runner for " + f,
                                () -> assertTrue(
                                        RUNNERS.containsKey(f),
                                        "passes/" + f + " names no registered pass " + RUNNERS.keySet()))));
    }

    /** The runner itself: a wrong expectation of each kind fails, naming the fixture line. */
    @Test
    void theRunnerReportsMismatches() {
        String input = """
                // RUN: canonicalize
                graph g {
                  input %x : f32[2]
                  %a : f32[2] = affine %x {mul 2}  # a
                  %b : f32[2] = affine %a {add 1}  # b
                  output %b
                }
                """;
        runCase(
                "passes/canonicalize/ok.ir",
                input + "// CHECK: affine %x {mul 2; add 1}  # a+b\n// CHECK-NEXT: output %b\n");
        String[][] wrong = {
            {"// CHECK: add 2\n", "ok.ir:8: CHECK: 'add 2' not found"},
            {"// CHECK: input %x\n// CHECK-NEXT: output\n", "ok.ir:9: CHECK-NEXT: 'output'"},
            {"// CHECK-NOT: # a\n// CHECK: output %b\n", "ok.ir:8: CHECK-NOT: '# a' found on output line 3"},
            {"// EXPECT:\ngraph g {\n}\n", "output differs from the EXPECT section"},
            {"", "neither CHECK lines nor an EXPECT section"},
            {"// ERROR: boom\n", "ok.ir:8: ERROR: expected a failure containing 'boom', got output"},
            {"// ERROR: boom\n// CHECK: a\n", "ok.ir:8: an ERROR case has no CHECK lines"},
        };
        for (String[] w : wrong) {
            AssertionFailedError e =
                    assertThrows(AssertionFailedError.class, () -> runCase("passes/canonicalize/ok.ir", input + w[0]));
            assertTrue(e.getMessage().contains(w[1]), e.getMessage());
        }
        AssertionFailedError e = assertThrows(
                AssertionFailedError.class, () -> runCase("passes/fold-thresholds/x.ir", input + "// CHECK: a\n"));
        assertTrue(e.getMessage().contains("belongs in passes/canonicalize/"), e.getMessage());

        String tooBig = """
                // RUN: pack-place crossbar=4x4 chips=1 per-tile=1 tiles=1
                graph big {
                  input %x : bipolar[8]
                  %y : i32[2] = binary_dense %x {weights=8x2}  # fc
                    ++
                    ++
                    ++
                    ++
                    ++
                    ++
                    ++
                    ++
                  output %y
                }
                """;
        runCase("passes/pack-place/big.ir", tooBig + "// ERROR: the model needs 2 crossbars\n");
        e = assertThrows(
                AssertionFailedError.class,
                () -> runCase("passes/pack-place/big.ir", tooBig + "// ERROR: the model needs 3 crossbars\n"));
        assertTrue(e.getMessage().contains("big.ir:15: ERROR: 'the model needs 3 crossbars' not in"), e.getMessage());
    }

    static void runCase(String name, String text) {
        String[] lines = text.split("\n", -1);
        int expectAt = -1;
        String run = null;
        String error = null;
        int errorLine = 0;
        List<String[]> checks = new ArrayList<>(); // {directive, pattern, line number}
        for (int i = 0; i < lines.length; i++) {
            String t = lines[i].strip();
            if (t.equals("// EXPECT:")) {
                expectAt = i;
                break;
            }
            if (t.startsWith("// RUN:")) {
                if (run != null) fail(name + ":" + (i + 1) + ": a second RUN line");
                run = t.substring(7).strip();
            }
            if (t.startsWith("// ERROR:")) {
                if (error != null) fail(name + ":" + (i + 1) + ": a second ERROR line");
                error = t.substring(9).strip();
                errorLine = i + 1;
                if (error.isEmpty()) fail(name + ":" + errorLine + ": an ERROR line needs a message fragment");
            }
            for (String d : List.of("CHECK-NEXT", "CHECK-NOT", "CHECK")) {
                if (t.startsWith("// " + d + ":")) {
                    checks.add(new String[] {d, t.substring(d.length() + 4).strip(), Integer.toString(i + 1)});
                    break;
                }
            }
        }
        if (run == null || run.isEmpty()) fail(name + ": no '// RUN: <pass>' line");
        if (error != null && (!checks.isEmpty() || expectAt >= 0))
            fail(name + ":" + errorLine + ": an ERROR case has no CHECK lines or EXPECT section");
        if (error == null && checks.isEmpty() && expectAt < 0)
            fail(name + ": neither CHECK lines nor an EXPECT section nor an ERROR line");
        List<String> words = Arrays.asList(run.split("\\s+"));
        String pass = words.get(0);
        Runner runner = RUNNERS.get(pass);
        if (runner == null) fail(name + ": RUN names " + pass + ", not one of " + RUNNERS.keySet());
        String folder = name.substring(0, name.lastIndexOf('/'));
        assertEquals("passes/" + pass, folder, name + ": a " + pass + " case belongs in passes/" + pass + "/");

        String input = expectAt < 0 ? text : String.join("\n", Arrays.copyOfRange(lines, 0, expectAt));
        Graph g = TextParser.parse(input, name);
        Verifier.verify(g);
        List<String> args = words.subList(1, words.size());
        if (error != null) {
            String out;
            try {
                out = runner.run(g, args);
            } catch (RuntimeException e) {
                String msg = String.valueOf(e.getMessage());
                if (!msg.contains(error))
                    fail(name + ":" + errorLine + ": ERROR: '" + error + "' not in the message: " + msg);
                if (msg.contains("\n")) fail(name + ":" + errorLine + ": ERROR: the message is not one line: " + msg);
                return;
            }
            fail(name + ":" + errorLine + ": ERROR: expected a failure containing '" + error + "', got output:\n"
                    + out);
        }
        String actual = runner.run(g, args);

        if (expectAt >= 0) {
            String expected = String.join("\n", Arrays.copyOfRange(lines, expectAt + 1, lines.length));
            if (!expected.equals(actual)) {
                fail(name + ": output differs from the EXPECT section (- expected, + actual):\n"
                        + diff(expected, actual));
            }
        }
        check(name, checks, actual);
    }

    /** FileCheck's core: CHECK matches in order, CHECK-NEXT on the following line, CHECK-NOT in between. */
    static void check(String name, List<String[]> checks, String actual) {
        String[] out = actual.split("\n", -1);
        int next = 0; // first output line a CHECK may match
        List<String[]> nots = new ArrayList<>();
        for (String[] c : checks) {
            String where = name + ":" + c[2] + ": ";
            switch (c[0]) {
                case "CHECK-NOT" -> nots.add(c);
                case "CHECK-NEXT" -> {
                    if (next == 0) fail(where + "CHECK-NEXT without a CHECK before it");
                    if (next >= out.length || !out[next].contains(c[1])) {
                        fail(where + "CHECK-NEXT: '" + c[1]
                                + "' is not on the line after the previous match; that line is '"
                                + (next < out.length ? out[next] : "<end>") + "'\noutput:\n" + actual);
                    }
                    assertNone(nots, out, next, next, actual, name);
                    nots.clear();
                    next++;
                }
                default -> {
                    int found = -1;
                    for (int i = next; i < out.length && found < 0; i++) if (out[i].contains(c[1])) found = i;
                    if (found < 0)
                        fail(where + "CHECK: '" + c[1] + "' not found after output line " + next + "\noutput:\n"
                                + actual);
                    assertNone(nots, out, next, found, actual, name);
                    nots.clear();
                    next = found + 1;
                }
            }
        }
        assertNone(nots, out, next, out.length, actual, name);
    }

    private static void assertNone(List<String[]> nots, String[] out, int from, int to, String actual, String name) {
        for (String[] n : nots) {
            for (int i = from; i < to; i++) {
                if (out[i].contains(n[1])) {
                    fail(name + ":" + n[2] + ": CHECK-NOT: '" + n[1] + "' found on output line " + (i + 1) + ": '"
                            + out[i] + "'\noutput:\n" + actual);
                }
            }
        }
    }

    /** A plain line diff (longest common subsequence); long lines are cut so a weight row does not flood the log. */
    static String diff(String expected, String actual) {
        String[] a = expected.split("\n", -1), b = actual.split("\n", -1);
        int[][] lcs = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                lcs[i][j] = a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        StringBuilder sb = new StringBuilder();
        int i = 0, j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                sb.append("  ").append(cut(a[i])).append('\n');
                i++;
                j++;
            } else if (j < b.length && (i == a.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
                sb.append("+ ").append(cut(b[j++])).append('\n');
            } else {
                sb.append("- ").append(cut(a[i++])).append('\n');
            }
        }
        return sb.toString();
    }

    private static String cut(String s) {
        return s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }
}
