package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Issue #19, item 10: --version, one --samples default, whole help sentences, suggestions, verify's numbers. */
class HelpAndVersionTest {
    @Test
    void versionNamesTheVersionAndTheCommitTheJarWasBuiltFrom() throws Exception {
        Cli.Result r = Cli.run("--version");
        assertEquals(0, r.code(), r.toString());
        Matcher m = Pattern.compile("bnncim (\\S+) \\(commit (\\S+)\\)\n").matcher(r.out());
        assertTrue(m.matches(), r.out());
        assertEquals("0.1.0-SNAPSHOT", m.group(1));
        // an independent reading of the checkout the tests run in (the build wrote the same one)
        assertEquals(gitHead(), m.group(2));
        assertEquals(r.out(), Cli.run("--version").out(), "deterministic");
    }

    private static String gitHead() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD")
                .directory(Paths.root().toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "unknown";
    }

    @Test
    void runEvalAndVerifyShareOneSamplesDefaultStatedInTheirHelp() {
        CommandLine root = new CommandLine(new Main());
        List<String> defaults = new ArrayList<>();
        for (String cmd : List.of("run", "eval", "verify")) {
            OptionSpec o = root.getSubcommands().get(cmd).getCommandSpec().findOption("--samples");
            defaults.add(o.defaultValue());
            String help = Cli.run(cmd, "--help").out().replaceAll("\\s+", " ");
            assertTrue(help.contains("(default: 0, as for"), cmd + ": " + help);
        }
        assertEquals(List.of("0", "0", "0"), defaults);
    }

    @Test
    void everyHelpParagraphAndCommandSummaryEndsASentence() {
        CommandLine root = new CommandLine(new Main());
        for (var e : root.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) continue; // picocli's own
            CommandSpec spec = e.getValue().getCommandSpec();
            for (String paragraph : spec.usageMessage().description())
                assertTrue(paragraph.endsWith("."), e.getKey() + ": paragraph cut: " + paragraph);
            for (OptionSpec o : spec.options()) {
                String d = String.join(" ", o.description());
                assertTrue(d.isEmpty() || d.endsWith(".") || d.endsWith(")"), e.getKey() + " " + o.longestName() + d);
            }
        }
        // the command list shows each command's first paragraph, wrapped: joined, every entry is a whole sentence
        String help = Cli.run("--help").out();
        String commands = help.substring(help.indexOf("Commands:") + "Commands:".length());
        List<String> entries = new ArrayList<>();
        for (String line : commands.split("\n")) {
            if (line.isBlank()) continue;
            if (line.startsWith("  ") && !line.startsWith("    ")) entries.add(line.strip());
            else entries.set(entries.size() - 1, entries.getLast() + " " + line.strip());
        }
        assertEquals(root.getSubcommands().size(), entries.size(), commands);
        for (String entry : entries) assertTrue(entry.endsWith("."), "cut mid-sentence: " + entry);
    }

    @Test
    void aMisspeltOptionOrCommandSuggestsTheNearestOne() {
        Cli.Result r = Cli.run("run", "model.onnx", "--input", "x.npy", "--sampels", "3");
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("bnncim: "), r.err());
        assertTrue(r.err().strip().endsWith("did you mean --samples?"), r.err());

        Cli.Result eq = Cli.run("verify", "model.onnx", "--tolerence=1e-3");
        assertTrue(eq.err().strip().endsWith("did you mean --tolerance?"), eq.err());

        Cli.Result c = Cli.run("compil", "model.onnx");
        assertEquals(2, c.code(), c.toString());
        assertTrue(c.err().strip().endsWith("did you mean compile?"), c.err());

        Cli.Result far = Cli.run("run", "model.onnx", "--input", "x.npy", "--zzzzzzzz");
        assertEquals(2, far.code(), far.toString());
        assertTrue(!far.err().contains("did you mean"), "nothing is close: " + far.err());
    }

    @Test
    void verifyPrintsItsMaxDifferenceInScientificNotationBesideTheTolerance() {
        Cli.Result r = Cli.run("verify", Paths.tfc().toString(), "--limit", "4", "--tolerance", "2e-4");
        assertEquals(0, r.code(), r.toString());
        Matcher m = Pattern.compile("max \\|logit diff\\| (\\d\\.\\d\\de[+-]\\d\\d) \\(tolerance 2\\.00e-04\\)")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) <= 2e-4, r.out());
        assertTrue(r.out().contains("(1 deterministic + 0 MC) passes"), "the shared default: " + r.out());
    }
}
