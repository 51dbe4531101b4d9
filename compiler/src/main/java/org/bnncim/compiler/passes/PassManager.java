package org.bnncim.compiler.passes;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.TextPrinter;
import org.bnncim.ir.Verifier;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.MappingText;
import org.bnncim.ir.mapping.MappingVerifier;

/**
 * Runs passes in order. Before running anything it checks the passes' declarations: each pass's requirements are
 * produced by an earlier one, graph passes come before the lowering, mapping passes after it. After each pass it
 * verifies the graph, and after the lowering and each mapping pass the mapping, as far as the passes so far have
 * built it; it prints the IR (and the mapping) after the passes the user named.
 */
public final class PassManager {
    private final List<Pass> passes;
    private final Set<String> printAfter;
    private final Consumer<String> sink;
    private final Function<Graph, String> printer;

    public PassManager(List<Pass> passes, Set<String> printAfter, Consumer<String> sink) {
        this(passes, printAfter, sink, TextPrinter::print);
    }

    /** @param printer the text of a graph printed after a pass (inspect shortens long lists) */
    public PassManager(
            List<Pass> passes, Set<String> printAfter, Consumer<String> sink, Function<Graph, String> printer) {
        this.printer = printer;
        this.passes = List.copyOf(passes);
        this.printAfter = Set.copyOf(printAfter);
        this.sink = sink;
        List<String> known = names();
        for (String p : printAfter) {
            if (!p.equals("import") && !known.contains(p)) {
                throw new BnncimException(
                        "--print-after " + p + ": no such pass (passes: import, " + String.join(", ", known) + ")");
            }
        }
        checkDeclarations(this.passes);
    }

    public static PassManager of(Pass... passes) {
        return new PassManager(List.of(passes), Set.of(), s -> {});
    }

    public List<String> names() {
        List<String> out = new ArrayList<>();
        for (Pass p : passes) out.add(p.name());
        return out;
    }

    /** A pipeline whose declarations do not chain is a compiler bug: refused before any pass runs. */
    static void checkDeclarations(List<Pass> passes) {
        Set<Property> have = EnumSet.noneOf(Property.class);
        boolean lowered = false;
        for (Pass p : passes) {
            for (Property r : p.info().requires()) {
                if (!have.contains(r)) {
                    throw new IllegalStateException(
                            "pass " + p.name() + " requires " + r + ", which no earlier pass produces");
                }
            }
            switch (p) {
                case GraphPass g -> {
                    if (lowered)
                        throw new IllegalStateException("graph pass " + p.name() + " runs after the mapping exists");
                }
                case LoweringPass l -> {
                    if (lowered)
                        throw new IllegalStateException("pass " + p.name() + " lowers a graph that is already mapped");
                    lowered = true;
                }
                case MappingPass m -> {
                    if (!lowered)
                        throw new IllegalStateException("mapping pass " + p.name() + " runs before the lowering");
                }
            }
            have.addAll(p.info().produces());
        }
    }

    /** Runs a pipeline of graph passes only. */
    public Graph run(Graph g) {
        State s = runAll(g);
        if (s.mapping() != null) throw new IllegalStateException("pipeline maps the graph: use map()");
        return s.graph();
    }

    /** Runs a pipeline that lowers the graph: the mapped model. */
    public MappedModel map(Graph g) {
        State s = runAll(g);
        if (s.mapping() == null) throw new IllegalStateException("pipeline has no lowering pass");
        return new MappedModel(s.graph(), s.mapping());
    }

    /** The compile between two passes: the graph, its mapping once lowered (else null), the properties that hold. */
    public record State(Graph graph, Mapping mapping, Set<Property> have) {
        public State {
            have = Set.copyOf(have);
        }

        public static State of(Graph g) {
            return new State(g, null, Set.of());
        }
    }

    /** Runs one pass and verifies its result: the graph after a graph pass, the mapping after any other. */
    public static State apply(State s, Pass p) {
        Graph g = s.graph();
        Mapping m = s.mapping();
        switch (p) {
            case GraphPass gp -> {
                g = gp.run(g);
                Verifier.verify(g);
            }
            case LoweringPass lp -> m = lp.lower(g);
            case MappingPass mp -> m = mp.run(new MappedModel(g, m));
        }
        Set<Property> have = EnumSet.noneOf(Property.class);
        have.addAll(s.have());
        have.addAll(p.info().produces());
        if (m != null) MappingVerifier.verify(new MappedModel(g, m), checks(have), p.name());
        return new State(g, m, have);
    }

    private State runAll(Graph g) {
        if (printAfter.contains("import")) sink.accept("// IR after import\n" + printer.apply(g));
        State s = State.of(g);
        for (Pass p : passes) {
            s = apply(s, p);
            if (printAfter.contains(p.name())) {
                String text = "// IR after " + p.name() + "\n" + printer.apply(s.graph());
                if (p instanceof MappingPass)
                    text += "\n// mapping after " + p.name() + "\n" + MappingText.render(s.mapping());
                sink.accept(text);
            }
        }
        return s;
    }

    private static Set<MappingVerifier.Check> checks(Set<Property> have) {
        Set<MappingVerifier.Check> out = EnumSet.noneOf(MappingVerifier.Check.class);
        for (Property p : have) if (p.check() != null) out.add(p.check());
        return out;
    }
}
