package org.bnncim.cli;

import java.io.PrintWriter;
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
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println(
                    "bnncim: " + ex.getMessage() + " (see: bnncim " + subcommandName(ex.getCommandLine()) + "--help)");
            err.flush();
            return BAD_INPUT;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
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

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"bnncim " + (v == null ? "dev" : v)};
        }
    }
}
