package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnncim.compiler.driver.Frontend;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.ThresholdSet;
import org.junit.jupiter.api.Test;

/** Issue #19, item 9: inspect prints what its help and the README say, labels every printout, shortens lists. */
class InspectOutputTest {
    private static final String MODEL = Paths.testdata("models/mlp-sd.onnx").toString();

    @Test
    void longThresholdListsAreSummarisedAndFullPrintsThemWhole() {
        Cli.Result r = Cli.run("inspect", MODEL);
        assertEquals(0, r.code(), r.toString());
        for (String line : r.out().split("\n")) assertTrue(line.length() < 600, "too long for a screen: " + line);
        Graph g = Frontend.load(Paths.testdata("models/mlp-sd.onnx"), OnnxImporter.Options.DEFAULT);
        Node.Threshold first = (Node.Threshold) g.nodes().stream()
                .filter(n -> n instanceof Node.Threshold)
                .findFirst()
                .orElseThrow();
        ThresholdSet t = first.expected();
        int n = t.channels();
        assertEquals(256, n);
        // the summary: the first 8 and the last 2 thresholds, as the graph holds them, and the count
        StringBuilder head = new StringBuilder("expected=[");
        for (int c = 0; c < 8; c++)
            head.append(c > 0 ? " " : "").append(dir(t, c)).append(t.threshold(c));
        head.append(" ... ").append(dir(t, n - 2)).append(t.threshold(n - 2));
        head.append(' ').append(dir(t, n - 1)).append(t.threshold(n - 1)).append("] (256 values, sha256=");
        assertTrue(r.out().contains(head), head + " in\n" + r.out());

        Cli.Result full = Cli.run("inspect", MODEL, "--full");
        assertEquals(0, full.code(), full.toString());
        StringBuilder all = new StringBuilder("expected=[");
        for (int c = 0; c < n; c++)
            all.append(c > 0 ? " " : "").append(dir(t, c)).append(t.threshold(c));
        assertTrue(full.out().contains(all.append(']')), full.out());
        assertTrue(!full.out().contains(" values, sha256="), full.out());
        // a short list (the 10-class head's constants) is printed whole either way
        assertTrue(r.out().contains("= affine %/MatMul_2_output_0 {mul [")
                && !lineOf(r.out(), "%logits").contains("..."));
    }

    private static String dir(ThresholdSet t, int c) {
        return t.greaterOrEqual(c) ? ">=" : "<=";
    }

    private static String lineOf(String out, String start) {
        return out.lines().filter(l -> l.strip().startsWith(start)).findFirst().orElseThrow();
    }

    @Test
    void everyPrintoutOfPrintAfterIsLabelledAndTheResultIsNotRepeated() {
        Cli.Result both = Cli.run("inspect", MODEL, "--print-after", "import,fold-thresholds");
        assertEquals(0, both.code(), both.toString());
        assertEquals(List.of("// IR after import", "// IR after fold-thresholds"), labels(both.out()));
        assertEquals(2, count(both.out(), "graph "), "the result is the fold-thresholds printout: " + both.out());

        Cli.Result one = Cli.run("inspect", MODEL, "--print-after", "import");
        assertEquals(0, one.code(), one.toString());
        assertEquals(
                List.of("// IR after import", "// IR after fold-thresholds (inspect's result)"), labels(one.out()));
        assertEquals(2, count(one.out(), "graph "), one.out());

        Cli.Result none = Cli.run("inspect", MODEL);
        assertEquals(List.of(), labels(none.out()));
        assertEquals(1, count(none.out(), "graph "));
    }

    /** The label line above each printout ("graph ..." line) that has one. */
    private static List<String> labels(String out) {
        String[] lines = out.split("\n");
        List<String> labels = new java.util.ArrayList<>();
        for (int i = 1; i < lines.length; i++)
            if (lines[i].startsWith("graph ") && lines[i - 1].startsWith("// IR after")) labels.add(lines[i - 1]);
        return labels;
    }

    private static int count(String out, String prefix) {
        return (int) out.lines().filter(l -> l.startsWith(prefix)).count();
    }

    @Test
    void helpAndReadmeSayWhatInspectPrints() throws Exception {
        String help = Cli.run("inspect", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("after import and threshold folding"), help);
        assertTrue(help.contains("--full"), help);
        String readme = Files.readString(Paths.root().resolve("README.md")).replaceAll("\\s+", " ");
        Matcher m = Pattern.compile("- `inspect` (.*?) - `run`").matcher(readme);
        assertTrue(m.find(), "README has an inspect bullet");
        String bullet = m.group(1);
        assertTrue(bullet.contains("after import and threshold folding"), bullet);
        assertTrue(bullet.contains("--full"), bullet);
        // what both claim, checked against the output: the ONNX node of every operation, weights by hash
        String out = Cli.run("inspect", MODEL).out();
        assertTrue(out.lines()
                .filter(l -> l.startsWith("  %"))
                .allMatch(l -> Pattern.compile("  # \\S+$").matcher(l).find()));
        assertTrue(out.contains("weights=784x256, plus_ones="), out);
        assertTrue(Set.of(out.split("\n")).stream().noneMatch(l -> l.contains("= sign %")), "folded: " + out);
    }
}
