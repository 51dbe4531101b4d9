package org.bnncim.ir;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks the invariants every pass may rely on: each value has one producer, nodes come after what they read
 * (so the graph is acyclic), and every operation's input and output types fit the operation.
 */
public final class Verifier {
    private Verifier() {}

    /** Returns the problems found, empty when the graph is well formed. */
    public static List<String> check(Graph g) {
        List<String> errors = new ArrayList<>();
        Set<String> defined = new HashSet<>();
        for (Value v : g.inputs()) {
            if (!defined.add(v.name())) errors.add("input " + v.name() + " defined twice");
        }
        for (Node n : g.nodes()) {
            for (String in : n.inputs()) {
                if (!defined.contains(in)) errors.add(n.name() + ": reads " + in + " before it is defined");
            }
            if (!defined.add(n.output().name())) {
                errors.add(n.name() + ": value " + n.output().name() + " has more than one producer");
            }
            if (errors.isEmpty()) checkTypes(g, n, errors);
        }
        for (String o : g.outputs()) if (!defined.contains(o)) errors.add("output " + o + " is never produced");
        return errors;
    }

    /** Throws {@link IllegalStateException} listing every problem: a malformed graph is a compiler bug. */
    public static void verify(Graph g) {
        List<String> errors = check(g);
        if (!errors.isEmpty()) throw new IllegalStateException("IR verification failed: " + String.join("; ", errors));
    }

    /** The node's own rules come from the node, so this class never needs to learn a new kind. */
    private static void checkTypes(Graph g, Node n, List<String> errors) {
        List<TensorType> in = new ArrayList<>();
        for (String i : n.inputs()) in.add(g.value(i).type());
        String at = n.name() + " (" + n.opName() + "): ";
        for (String problem : n.check(in)) errors.add(at + problem);
        for (TensorType t : in) if (t.shape().size() <= 0) errors.add(at + "empty input");
    }
}
