package org.bnncim.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bnncim.backends.verilog.VerilogBackend;
import org.bnncim.compiler.arch.ReadCheck;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.driver.Limits;
import org.bnncim.compiler.synth.Synthesis;
import org.bnncim.io.Inputs;
import org.bnncim.io.OutputFolder;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "compile",
        mixinStandardHelpOptions = true,
        description = "Map a model onto the chip and write the reports (report.txt, report.json, report.html).")
final class CompileCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx")
    Path model;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "OUT",
            description = "Output folder.")
    Path output;

    @Option(
            names = "--strict",
            description = "Refuse an architecture whose read is not physical (bit-line IR drop over its limit) "
                    + "instead of warning.")
    boolean strict;

    @Option(names = "--target", defaultValue = "sim", description = "sim, verilog or all (default: ${DEFAULT-VALUE}).")
    Target target;

    @Mixin
    ArchOptions archOptions;

    @Option(
            names = "--samples",
            defaultValue = "20",
            paramLabel = "T",
            description = "Monte-Carlo passes the cost report assumes, 1..10000 (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "With --target verilog|all: seed of the testbench's stochastic unit (LFSR) and "
                    + "of the expected outputs and bits beside it; any long (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--print-after", split = ",", paramLabel = "PASS", description = "Print the IR after these passes.")
    List<String> printAfter = List.of();

    @Option(
            names = "--tb-input",
            paramLabel = "X.npy",
            description = "With --target verilog|all: testbench inputs (verilog/inputs.hex) "
                    + "and the simulator's expected outputs and bits.")
    Path tbInput;

    @Option(
            names = "--tb-examples",
            defaultValue = "50",
            paramLabel = "N",
            description = "Testbench examples from --tb-input, 0..100000 (default: ${DEFAULT-VALUE}).")
    int tbExamples;

    @Option(
            names = "--tb-samples",
            defaultValue = "0",
            paramLabel = "T",
            description = "Testbench Monte-Carlo passes per example, 0..65535; 0 = one deterministic pass"
                    + " (default: ${DEFAULT-VALUE}).")
    int tbSamples;

    @Option(
            names = "--synth",
            description = "With --target verilog|all: synthesize the comparator banks and the stochastic unit with "
                    + "Yosys and set their cells beside the cost model's periphery (report.json verilog.synth, "
                    + "verilog/synth_stat.json).")
    boolean synth;

    @Option(
            names = "--synth-timeout",
            defaultValue = "" + Synthesis.DEFAULT_TIMEOUT_S,
            paramLabel = "S",
            description = "With --synth: stop Yosys after S seconds, 1..86400; the report then says so "
                    + "(default: ${DEFAULT-VALUE}).")
    int synthTimeout;

    @Mixin
    ModelOptions modelOptions;

    @Spec
    CommandSpec spec;

    private VerilogBackend.Options verilogOptions(Compiler.Compiled c) {
        if (tbInput == null) return new VerilogBackend.Options(null, tbSamples, seed);
        float[][] x =
                Inputs.read(tbInput, c.graph().inputs().get(0).shape().size()).examples();
        return new VerilogBackend.Options(
                Arrays.copyOf(x, Math.max(0, Math.min(tbExamples, x.length))), tbSamples, seed);
    }

    private void printSynthesis(Synthesis.Result s, long comparators, java.io.PrintWriter out) {
        if (s.status() == Synthesis.Status.timeout) {
            var err = spec.commandLine().getErr();
            err.printf(
                    Locale.ROOT,
                    "warning: --synth: yosys gave no result in %d s and was stopped; report.json says so "
                            + "(--synth-timeout sets the limit)%n",
                    s.timeoutSeconds());
            err.flush();
            return;
        }
        out.printf(
                Locale.ROOT,
                "synth: %s: %d cells (%d flip-flops) in %d part(s) in %.0f s; cost model: %d comparators; "
                        + "report.json verilog.synth%n",
                s.tool().split(" \\(")[0],
                s.total().total(),
                s.total().flipFlops(),
                s.units().size(),
                s.seconds(),
                comparators);
    }

    // the testbench holds every example in the generated Verilog: beyond this the files only get unwieldy
    static final int MAX_TB_EXAMPLES = 100_000;

    /** What compile writes; spelled as on the command line so that picocli accepts exactly these. */
    enum Target {
        /** program.bnc and its listing, for the simulator. */
        sim,
        /** verilog/: the RTL and its testbench. */
        verilog,
        /** Both. */
        all
    }

    @Override
    public Integer call() {
        // program.bnc holds no seed (run and eval take their own): only the testbench uses it, so refuse it where it
        // would do nothing
        if (target == Target.sim && spec.commandLine().getParseResult().hasMatchedOption("--seed")) {
            throw new ParameterException(
                    spec.commandLine(), "--seed only seeds the Verilog testbench: use it with --target verilog or all");
        }
        if (synth && target == Target.sim) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--synth synthesizes the generated Verilog: use it with --target verilog or all");
        }
        if (!synth && spec.commandLine().getParseResult().hasMatchedOption("--synth-timeout")) {
            throw new ParameterException(spec.commandLine(), "--synth-timeout only applies with --synth");
        }
        Limits.range("--samples", samples, 1, Limits.MAX_SAMPLES);
        Limits.range("--synth-timeout", synthTimeout, 1, 86_400);
        var annotated = archOptions.annotated();
        Architecture a = annotated.arch();
        String unphysical = ReadCheck.problem(a);
        if (unphysical != null) {
            if (strict) throw new BnncimException(unphysical);
            spec.commandLine().getErr().println("warning: " + unphysical + " (--strict refuses it)");
            spec.commandLine().getErr().flush();
        }
        OutputFolder.prepare(output);
        Limits.range("--tb-examples", tbExamples, 0, MAX_TB_EXAMPLES);
        Limits.range("--tb-samples", tbSamples, 0, 65535);
        var out = spec.commandLine().getOut();
        Compiler.Options o = new Compiler.Options(
                modelOptions.toOptions(), a, samples, new LinkedHashSet<>(printAfter), annotated.basis());
        Compiler.Compiled c = Compiler.compile(model, o, out::print);
        boolean sim = target != Target.verilog;
        VerilogBackend.Options vo = target == Target.sim ? null : verilogOptions(c);
        Map<String, byte[]> files = Compiler.outputs(c, sim, vo);
        Synthesis.Result s = synth ? Compiler.synthesize(c, sim, vo, files, synthTimeout) : null;
        OutputFolder.write(output, files);
        var r = c.report();
        out.printf(
                Locale.ROOT,
                "%s: %d crossbars of %dx%d (lower bound %d), %d stochastic unit(s); wrote %s%n",
                model.getFileName(),
                r.crossbarsUsed(),
                r.rows(),
                r.cols(),
                r.crossbarsLowerBound(),
                r.stochasticUnits(),
                output);
        if (s != null) printSynthesis(s, r.periphery().comparators(), out);
        out.flush();
        return Main.OK;
    }
}
