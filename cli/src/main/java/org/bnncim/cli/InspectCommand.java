package org.bnncim.cli;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.bnncim.compiler.driver.Frontend;
import org.bnncim.compiler.report.IrJson;
import org.bnncim.ir.Graph;
import org.bnncim.ir.TextPrinter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Print the IR of a model after import and threshold folding (text or JSON).",
            "One line per operation: its type, attributes and the ONNX node it came from. Weights are summarised "
                    + "by size, share of +1s and a content hash; lists longer than 10 values (thresholds, scales) "
                    + "show their first and last values, their length and a hash, and --full prints them whole. "
                    + "--print-after PASS,... also prints the IR after those passes, each printout under a "
                    + "'// IR after PASS' line."
        })
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx")
    Path model;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(
            names = "--print-after",
            split = ",",
            paramLabel = "PASS",
            description = "Also print the IR after these passes (import, fold-thresholds).")
    List<String> printAfter = List.of();

    @Option(names = "--full", description = "Print every threshold, scale and constant instead of a summary.")
    boolean full;

    /** Lists up to this long are printed whole: a 10-class head's constants still read in full. */
    static final int SUMMARY_ITEMS = 10;

    @Mixin
    ModelOptions modelOptions;

    @Spec
    CommandSpec spec;

    /** Spelled as on the command line so that picocli accepts exactly these. */
    enum Format {
        text,
        json
    }

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        Function<Graph, String> text = full ? TextPrinter::print : g -> TextPrinter.summary(g, SUMMARY_ITEMS);
        var passes = new LinkedHashSet<>(printAfter);
        Graph g = Frontend.load(model, modelOptions.toOptions(), passes, out::print, text);
        List<String> names = Frontend.importPasses().stream().map(p -> p.name()).toList();
        String last = names.isEmpty() ? "import" : names.getLast();
        if (format == Format.json) {
            if (!passes.isEmpty()) out.print("// IR after " + String.join(", ", names) + " (inspect's result), JSON\n");
            out.print(IrJson.toJson(g));
        } else if (!passes.contains(last)) {
            // the result is the IR after the last import pass: printed once, labelled like the others when any are
            if (!passes.isEmpty()) out.print("// IR after " + last + " (inspect's result)\n");
            out.print(text.apply(g));
        }
        out.flush();
        return Main.OK;
    }
}
