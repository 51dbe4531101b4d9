package org.bnncim.compiler.driver;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.passes.FoldThresholds;
import org.bnncim.compiler.passes.Pass;
import org.bnncim.compiler.passes.PassManager;
import org.bnncim.ir.Graph;
import org.bnncim.ir.TextPrinter;

/**
 * Import as users see it: ONNX to IR, then the folding every later stage assumes (periphery ops into integer
 * thresholds). {@code bnncim inspect} prints exactly this.
 */
public final class Frontend {
    private Frontend() {}

    public static List<Pass> importPasses() {
        return List.of(new FoldThresholds());
    }

    public static Graph load(Path model, OnnxImporter.Options options) {
        return load(model, options, Set.of(), s -> {});
    }

    public static Graph load(Path model, OnnxImporter.Options options, Set<String> printAfter, Consumer<String> sink) {
        return load(model, options, printAfter, sink, TextPrinter::print);
    }

    /** @param printer the text of the graphs printed after the passes in {@code printAfter} */
    public static Graph load(
            Path model,
            OnnxImporter.Options options,
            Set<String> printAfter,
            Consumer<String> sink,
            Function<Graph, String> printer) {
        PassManager pm = new PassManager(importPasses(), printAfter, sink, printer);
        return pm.run(OnnxImporter.importFile(model, options));
    }
}
