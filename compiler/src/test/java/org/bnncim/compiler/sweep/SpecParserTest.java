package org.bnncim.compiler.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Sweep specs: axes in every form they are documented in, and every bad spec refused in one line naming its key. */
class SpecParserTest {
    @TempDir
    Path tmp;

    private Path write(String body) throws Exception {
        Path f = tmp.resolve("spec.json");
        String models = Paths.testdata("models").toString().replace("\\", "/");
        String data = Paths.testdata("").toString().replace("\\", "/");
        Files.writeString(f, body.replace("$M", models).replace("$D", data));
        return f;
    }

    private static final String BASE = "\"models\": [\"$M/mlp-sd.onnx\"], \"dataset\": \"$D/mnist\"";

    @Test
    void axesExpandFromListsAndRanges() throws Exception {
        SweepSpec s = SpecParser.parse(write("{" + BASE + ", \"ood\": [\"$D/fashion\"],"
                + " \"crossbar\": {\"from\": 64, \"to\": 256, \"factor\": 2}, \"weight_encoding\": \"single\","
                + " \"chips\": {\"from\": 1, \"count\": 3}, \"samples\": {\"from\": 0, \"to\": 20, \"step\": 10},"
                + " \"seed\": [5, -1], \"faults\": {\"kind\": \"read-flip\", \"from\": 0, \"to\": 0.01, \"steps\": 3},"
                + " \"limit\": 10, \"threads\": 3, \"partition_examples\": 4}"));
        assertEquals(
                List.of("64x64", "128x128", "256x256"),
                s.crossbars().stream().map(c -> c[0] + "x" + c[1]).toList());
        assertEquals(List.of("single"), s.encodings());
        assertEquals(List.of(1, 2, 3), s.chips());
        assertEquals(List.of(0, 10, 20), s.samples());
        assertEquals(List.of(5L, -1L), s.seeds());
        assertEquals(
                List.of(
                        "stuck-at=0.0,read-flip=0.0,rng-bias=0.0",
                        "stuck-at=0.0,read-flip=0.005,rng-bias=0.0",
                        "stuck-at=0.0,read-flip=0.01,rng-bias=0.0"),
                s.faults());
        assertEquals(List.of("fashion"), s.oodNames());
        assertEquals(3 * 3 * 3 * 2 * 3, s.size());
        assertEquals(10, s.limit());
        assertEquals(3, s.threads());
        assertEquals(4, s.partitionExamples());
        assertTrue(Path.of(s.models().get(0).path()).isAbsolute());
        assertEquals("mlp-sd", s.models().get(0).name());
    }

    @Test
    void integerRangesAreExactAcrossTheWholeLongRange() throws Exception {
        long big = Long.MAX_VALUE - 7;
        SweepSpec s = SpecParser.parse(write("{" + BASE + ", \"seed\": {\"from\": " + big + ", \"count\": 3},"
                + " \"samples\": {\"from\": 1, \"to\": 10, \"steps\": 4},"
                + " \"chips\": {\"from\": 1, \"to\": 8, \"step\": 3}}"));
        assertEquals(List.of(big, big + 1, big + 2), s.seeds());
        assertEquals(List.of(1, 4, 7, 10), s.samples());
        assertEquals(List.of(1, 4, 7), s.chips());
        SweepSpec neg = SpecParser.parse(write("{" + BASE + ", \"seed\": {\"from\": " + Long.MIN_VALUE + ", \"to\": "
                + Long.MAX_VALUE + ", \"steps\": 3}}"));
        assertEquals(List.of(Long.MIN_VALUE, 0L, Long.MAX_VALUE), neg.seeds()); // the middle rounds half to even
        Path over = write("{" + BASE + ", \"seed\": {\"from\": " + Long.MAX_VALUE + ", \"count\": 2}}");
        BnncimException e = assertThrows(BnncimException.class, () -> SpecParser.parse(over));
        assertTrue(e.getMessage().contains("seed: values beyond the range of a 64-bit integer"), e.getMessage());
    }

    @Test
    void absentAxesKeepTheArchitecturesValues() throws Exception {
        SweepSpec s = SpecParser.parse(write("{" + BASE + "} // a comment"));
        assertEquals(1, s.size());
        assertEquals(null, s.crossbars().get(0));
        assertEquals(null, s.archs().get(0));
        assertEquals(List.of(0), s.samples());
        assertEquals(List.of(0L), s.seeds());
        assertEquals(null, s.limit());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"models\": []} | models",
                "{\"dataset\": \"$D/mnist\"} | models",
                "{" + BASE + ", \"crosbar\": [64]} | crosbar",
                "{" + BASE + ", \"crossbar\": [\"128x128\", \"12x\"]} | crossbar[1]",
                "{" + BASE + ", \"crossbar\": [0]} | crossbar[0]",
                "{" + BASE + ", \"crossbar\": {\"from\": 64, \"to\": 32, \"step\": 8}} | crossbar.to",
                "{" + BASE + ", \"samples\": [-1]} | samples[0]",
                "{" + BASE + ", \"samples\": 1.5} | samples",
                "{" + BASE + ", \"samples\": {\"from\": 0, \"to\": 10}} | samples",
                "{" + BASE + ", \"samples\": {\"from\": 0, \"to\": 10, \"step\": 0}} | samples.step",
                "{" + BASE + ", \"seed\": {\"from\": 0, \"count\": 0}} | seed.count",
                "{" + BASE + ", \"chips\": [99999]} | chips[0]",
                "{" + BASE + ", \"weight_encoding\": [\"double\"]} | weight_encoding[0]",
                "{" + BASE + ", \"faults\": [\"stuck-at=2\"]} | faults[0]",
                "{" + BASE + ", \"faults\": [\"wear=0.1\"]} | faults[0]",
                "{" + BASE + ", \"faults\": {\"kind\": \"heat\", \"rates\": [0]}} | faults.kind",
                "{" + BASE + ", \"faults\": [{\"stuck-at\": \"x\"}]} | faults[0].stuck-at",
                "{" + BASE + ", \"arch\": [\"$D/nope.json\"]} | arch[0]",
                "{" + BASE + ", \"limit\": 0} | limit",
                "{" + BASE + ", \"threads\": 100000} | threads",
                "{" + BASE + ", \"partition_examples\": \"big\"} | partition_examples",
                "{\"models\": [\"$M/nope.onnx\"], \"dataset\": \"$D/mnist\"} | models[0]",
                "{\"models\": [{\"file\": \"x\"}], \"dataset\": \"$D/mnist\"} | models[0].file",
                "{\"models\": [\"$M/mlp-sd.onnx\", \"$M/mlp-sd.onnx\"], \"dataset\": \"$D/mnist\"} | models[1]",
                "{\"models\": [{\"path\": \"$M/mlp-sd.onnx\", \"name\": \"a b\"}], \"dataset\": \"$D/mnist\"}"
                        + " | models[0].name",
                "{\"models\": [\"$M/mlp-sd.onnx\"]} | models[0]",
                "{\"models\": [\"$M/mlp-sd.onnx\"], \"dataset\": \"$D/none\"} | dataset",
                "{" + BASE + ", \"ood\": {\"x\": \"$D/none\"}} | ood.x",
                "{" + BASE + ", \"seed\": {\"from\": 0, \"count\": 10000}, \"samples\": {\"from\": 0, \"count\": 11}}"
                        + " | grid points",
            })
    void badSpecsAreRefusedNamingTheKey(String body, String key) throws Exception {
        Path f = write(body);
        BnncimException e = assertThrows(BnncimException.class, () -> SpecParser.parse(f));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.startsWith(f.toString() + ": "), m);
        assertTrue(m.contains(key), "'" + m + "' should name " + key);
    }

    @Test
    void notJsonDuplicateKeysAndNonObjects() throws Exception {
        for (String body : List.of("{", "[1]", "{\"models\": 1, \"models\": 2}", "{} {}", "")) {
            Path f = write(body);
            BnncimException e = assertThrows(BnncimException.class, () -> SpecParser.parse(f), body);
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        BnncimException e = assertThrows(BnncimException.class, () -> SpecParser.parse(tmp.resolve("missing.json")));
        assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
        BnncimException d = assertThrows(BnncimException.class, () -> SpecParser.parse(tmp));
        assertFalse(d.getMessage().contains("\n"));
    }
}
