package org.bnncim.cli;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
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
        description = "Print the IR of a model after import (text or JSON).")
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
        Graph g = Frontend.load(model, modelOptions.toOptions(), new LinkedHashSet<>(printAfter), out::print);
        out.print(format == Format.json ? IrJson.toJson(g) : TextPrinter.print(g));
        out.flush();
        return Main.OK;
    }
}
