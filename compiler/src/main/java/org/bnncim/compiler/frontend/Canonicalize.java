package org.bnncim.compiler.frontend;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Verifier;

/**
 * Tidies the importer's one-node-per-ONNX-op output: chains of elementwise constant ops become one affine node
 * (steps kept in order, so arithmetic is unchanged) and nodes nothing reads are dropped.
 */
final class Canonicalize {
    private Canonicalize() {}

    static Graph run(Graph g) {
        Graph fused = fuseAffines(g);
        Graph live = deadCodeElimination(fused);
        Verifier.verify(live);
        return live;
    }

    private static Graph fuseAffines(Graph g) {
        Map<String, Integer> uses = useCounts(g);
        Set<String> outputs = new HashSet<>(g.outputs());
        Map<String, Node.Affine> pending = new HashMap<>(); // fusible affine by output value
        List<Node> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n instanceof Node.Affine a && pending.containsKey(a.input())) {
                Node.Affine first = pending.remove(a.input());
                out.remove(first);
                List<AffineStep> steps = new ArrayList<>(first.steps());
                steps.addAll(a.steps());
                n = new Node.Affine(first.name() + "+" + a.name(), first.input(), a.output(), steps);
            }
            out.add(n);
            if (n instanceof Node.Affine a
                    && uses.getOrDefault(a.output().name(), 0) == 1
                    && !outputs.contains(a.output().name())) {
                pending.put(a.output().name(), a);
            }
        }
        return g.withNodes(out);
    }

    static Map<String, Integer> useCounts(Graph g) {
        Map<String, Integer> uses = new HashMap<>();
        for (Node n : g.nodes()) for (String in : n.inputs()) uses.merge(in, 1, Integer::sum);
        return uses;
    }

    private static Graph deadCodeElimination(Graph g) {
        Set<String> live = new HashSet<>(g.outputs());
        List<Node> kept = new ArrayList<>();
        List<Node> nodes = g.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (live.contains(n.output().name())) {
                kept.add(0, n);
                live.addAll(n.inputs());
            }
        }
        return g.withNodes(kept);
    }
}
