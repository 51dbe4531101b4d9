package org.bnncim.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.bnncim.ir.BnncimException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bnncim}: the command-line entry point. Exit codes are a contract (docs/architecture.md): 0 ok,
 * 1 verification mismatch, 2 bad input or usage, 3 internal error. Errors are one line on stderr.
 */
@Command(
        name = "bnncim",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description =
                "Compile binarized Scale-Dropout neural networks (ONNX) onto spintronic computation-in-memory chips.",
        subcommands = {
            CompileCommand.class,
            InspectCommand.class,
            RunCommand.class,
            VerifyCommand.class,
            EvalCommand.class,
            SweepCommand.class,
            RegressCommand.class,
            ExportReferenceCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    public static final int OK = 0, MISMATCH = 1, BAD_INPUT = 2, INTERNAL = 3;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: bnncim --help)");
    }

    public static void main(String[] args) {
        int code;
        try {
            code = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        } catch (OutOfMemoryError e) {
            System.err.println("bnncim: out of memory; give the JVM more with BNNCIM_JAVA_OPTS=-Xmx8g");
            code = INTERNAL;
        }
        System.exit(code);
    }

    /** Runs one command line; used by main and by tests (same process, captured streams). */
    public static int execute(String[] args, PrintWriter rawOut, PrintWriter rawErr) {
        PrintWriter out = new PrintWriter(new VisibleWriter(rawOut), true);
        PrintWriter err = new PrintWriter(new VisibleWriter(rawErr), true);
        Main root = new Main();
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean debug = root.debug;
            if (ex instanceof BnncimException) {
                err.println("bnncim: " + ex.getMessage());
                if (debug) ex.printStackTrace(err);
                err.flush();
                return BAD_INPUT;
            }
            if (ex instanceof MismatchException) {
                err.println("bnncim: " + ex.getMessage());
                err.flush();
                return MISMATCH;
            }
            err.println("bnncim: internal error: " + ex + (debug ? "" : " (run with --debug for the stack trace)"));
            if (debug) ex.printStackTrace(err);
            err.flush();
            return INTERNAL;
        });
        // descriptions wrap at the terminal's width (80 columns when it is unknown) rather than at a fixed one
        cl.setUsageHelpAutoWidth(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("bnncim: " + ex.getMessage() + " (see: bnncim " + subcommandName(ex.getCommandLine())
                    + "--help)" + suggestion(ex));
            err.flush();
            return BAD_INPUT;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * "; did you mean --samples?" for a misspelt option or command: the name at the smallest edit distance among
     * the command's options and subcommands, nothing when none is within a third of the word. (picocli's own
     * suggestions rank by shared fragments, which puts --save-samples before --samples for --sampels.)
     */
    static String suggestion(CommandLine.ParameterException ex) {
        if (!(ex instanceof CommandLine.UnmatchedArgumentException u)
                || u.getUnmatched().isEmpty()) return "";
        String word = u.getUnmatched().get(0);
        if (word.startsWith("-") && word.contains("=")) word = word.substring(0, word.indexOf('='));
        CommandLine.Model.CommandSpec spec = ex.getCommandLine().getCommandSpec();
        List<String> names = new ArrayList<>(spec.subcommands().keySet());
        for (CommandLine.Model.OptionSpec o : spec.options()) names.addAll(List.of(o.names()));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : names) {
            if (n.startsWith("-") != word.startsWith("-")) continue;
            int d = editDistance(word, n);
            if (d < bestDistance) {
                best = n;
                bestDistance = d;
            }
        }
        return best != null && bestDistance > 0 && bestDistance <= Math.max(1, word.length() / 3)
                ? "; did you mean " + best + "?"
                : "";
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
        return d[a.length()][b.length()];
    }

    private static String subcommandName(CommandLine c) {
        String name = c.getCommandName();
        return name.equals("bnncim") ? "" : name + " ";
    }

    /** Thrown by verify when the compiled model and the reference disagree: exit code 1. */
    public static final class MismatchException extends RuntimeException {
        public MismatchException(String message) {
            super(message);
        }
    }

    /** Version and git commit, as the build wrote them for report.json (compiler/pom.xml, ReportMeta.Build). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            var b = org.bnncim.compiler.report.ReportMeta.Build.CURRENT;
            String commit = b.commit().length() > 12 ? b.commit().substring(0, 12) : b.commit();
            return new String[] {"bnncim " + b.version() + " (commit " + commit + ")"};
        }
    }
}
