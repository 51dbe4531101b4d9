package org.bnncim.compiler.passes;

import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.TextPrinter;
import org.bnncim.ir.Verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** Runs passes in order, verifying the IR after each one and printing it after the passes the user named. */
public final class PassManager {
    private final List<Pass> passes;
    private final Set<String> printAfter;
    private final Consumer<String> sink;

    public PassManager(List<Pass> passes, Set<String> printAfter, Consumer<String> sink) {
        this.passes = List.copyOf(passes);
        this.printAfter = Set.copyOf(printAfter);
        this.sink = sink;
        List<String> known = names();
        for (String p : printAfter) {
            if (!p.equals("import") && !known.contains(p)) {
                throw new BnncimException("--print-after " + p + ": no such pass (passes: import, " + String.join(", ", known) + ")");
            }
        }
    }

    public static PassManager of(Pass... passes) {
        return new PassManager(List.of(passes), Set.of(), s -> { });
    }

    public List<String> names() {
        List<String> out = new ArrayList<>();
        for (Pass p : passes) out.add(p.name());
        return out;
    }

    public Graph run(Graph g) {
        if (printAfter.contains("import")) sink.accept("// IR after import\n" + TextPrinter.print(g));
        for (Pass p : passes) {
            g = p.run(g);
            Verifier.verify(g);
            if (printAfter.contains(p.name())) sink.accept("// IR after " + p.name() + "\n" + TextPrinter.print(g));
        }
        return g;
    }
}
