package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.bnncim.compiler.passes.FoldThresholds;
import org.bnncim.compiler.testing.Models;
import org.bnncim.ir.Graph;
import org.bnncim.ir.TextParser;
import org.bnncim.ir.TextPrinter;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The full text form of every reference model, as imported and after threshold folding, parses back to the same
 * graph: printing the parsed graph gives the same full text, the same summary text, and equal nodes.
 */
class TextRoundTripTest {
    @TestFactory
    Stream<DynamicTest> everyReferenceModelRoundTrips() {
        return Models.all().stream()
                .map(model -> DynamicTest.dynamicTest(model.getFileName().toString(), () -> {
                    var options = new OnnxImporter.Options(Models.mcDropout(model), false, 255);
                    Graph imported = OnnxImporter.importFile(model, options);
                    roundTrip(model, "imported", imported);
                    roundTrip(model, "folded", new FoldThresholds().run(imported));
                }));
    }

    private static void roundTrip(Path model, String stage, Graph g) {
        String what = model.getFileName() + " " + stage;
        String full = TextPrinter.printFull(g);
        Graph back = TextParser.parse(full, what);
        assertEquals(full, TextPrinter.printFull(back), what + ": print_full(parse(print_full(g)))");
        assertEquals(TextPrinter.print(g), TextPrinter.print(back), what + ": summary form (weight hashes)");
        assertEquals(g.name(), back.name(), what);
        assertEquals(g.notes(), back.notes(), what);
        assertEquals(g.inputs(), back.inputs(), what);
        assertEquals(g.outputs(), back.outputs(), what);
        assertEquals(g.nodes(), back.nodes(), what + ": nodes");
    }
}
