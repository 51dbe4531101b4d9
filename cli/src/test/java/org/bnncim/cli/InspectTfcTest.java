package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;

/** Acceptance 1 of the foundation issue: the IR of the third-party TFC w1a1 model, as `bnncim inspect` prints it. */
class InspectTfcTest {
    private static final Pattern LINE = Pattern.compile("^  %\\S+ : (\\S+) = (\\w+) %\\S+.*#.*$");

    @Test
    void printsBinarizationThreeThresholdedDenseLayersAndTheFloatTensorNorm() {
        Cli.Result r = Cli.run("inspect", Paths.tfc().toString());
        assertEquals(0, r.code(), r.toString());
        List<String> ops = new ArrayList<>(), types = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                types.add(m.group(1));
                ops.add(m.group(2));
            }
        }
        assertEquals(
                List.of(
                        "reshape",
                        "input_binarize",
                        "binary_dense",
                        "threshold",
                        "binary_dense",
                        "threshold",
                        "binary_dense",
                        "threshold",
                        "binary_dense",
                        "affine"),
                ops,
                r.out());
        assertEquals(
                List.of(
                        "f32[784]",
                        "bipolar[784]",
                        "i32[64]",
                        "bipolar[64]",
                        "i32[64]",
                        "bipolar[64]",
                        "i32[64]",
                        "bipolar[64]",
                        "i32[10]",
                        "f32[10]"),
                types);
        assertTrue(r.out().contains("weights=784x64"), r.out());
        assertTrue(r.out().contains("weights=64x10"), r.out());
        assertTrue(r.out().contains("+1 when x >= 0.5"), "Mul 2, Sub 1, BipolarQuant is x >= 0.5:\n" + r.out());
        assertTrue(r.out().contains("sub 0.4488643; div 17.838068; mul 0.7341181; add -1.1436615"), "TensorNorm");
        assertEquals("", r.err());
    }

    @Test
    void jsonFormatAndDeterminism() {
        Cli.Result a = Cli.run("inspect", "--format", "json", Paths.tfc().toString());
        Cli.Result b = Cli.run("inspect", "--format", "json", Paths.tfc().toString());
        assertEquals(0, a.code(), a.toString());
        assertEquals(a.out(), b.out());
        assertTrue(a.out().contains("\"op\" : \"threshold\""));
        assertTrue(a.out().contains("\"k\" : 784"));
    }

    @Test
    void printAfterShowsTheUnfoldedImport() {
        Cli.Result r = Cli.run("inspect", "--print-after", "import", Paths.tfc().toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("// IR after import"));
        assertTrue(r.out().contains("= sign %"), "unfolded IR has sign nodes");
        Cli.Result bad = Cli.run("inspect", "--print-after", "nope", Paths.tfc().toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("no such pass"), bad.err());
    }
}
