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
    private Verifier() {
    }

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

    private static void checkTypes(Graph g, Node n, List<String> errors) {
        TensorType in = g.value(n.inputs().get(0)).type();
        TensorType out = n.output().type();
        String at = n.name() + " (" + n.opName() + "): ";
        if (n instanceof Node.InputQuantize q) {
            expect(in.elem().isFloat(), at + "input must be float", errors);
            expect(out.elem().equals(ElemType.uint(q.bits())), at + "output must be u" + q.bits(), errors);
            expect(in.shape().equals(out.shape()), at + "shape changes", errors);
        } else if (n instanceof Node.InputBinarize b) {
            expect(in.elem().isFloat(), at + "input must be float", errors);
            expect(out.elem().isBipolar(), at + "output must be bipolar", errors);
            expect(in.shape().equals(out.shape()), at + "shape changes", errors);
            expect(b.t().length == 1 || b.t().length == in.shape().channels(), at + "threshold count", errors);
        } else if (n instanceof Node.BinaryDense d) {
            expect(in.elem().isBipolar() || in.elem().kind() == ElemType.Kind.GATED_BIPOLAR
                    || in.elem().kind() == ElemType.Kind.UINT || in.elem().kind() == ElemType.Kind.INT,
                    at + "input must be integral", errors);
            expect(in.shape().size() == d.weights().rows(), at + "input has " + in.shape().size()
                    + " elements, weights have " + d.weights().rows() + " rows", errors);
            expect(out.shape().equals(Shape.of(d.weights().cols())), at + "output shape", errors);
            expect(out.elem().kind() == ElemType.Kind.INT, at + "output must be integer", errors);
        } else if (n instanceof Node.BinaryConv c) {
            expect(in.elem().isIntegral(), at + "input must be integral", errors);
            expect(in.shape().rank() == 3 && in.shape().dim(0) == c.inChannels(), at + "input must be [C,H,W]", errors);
            expect(c.weights().rows() == c.inChannels() * c.kh() * c.kw(), at + "weight rows", errors);
            expect(out.shape().rank() == 3 && out.shape().dim(0) == c.weights().cols(), at + "output shape", errors);
            expect(out.elem().kind() == ElemType.Kind.INT, at + "output must be integer", errors);
        } else if (n instanceof Node.ScaleDropout s) {
            expect(out.elem().isFloat(), at + "output must be float", errors);
            int ch = in.shape().channels();
            expect(s.scale().length == 1 || s.scale().length == ch, at + "scale length", errors);
            expect(s.dropped().length == 1 || s.dropped().length == ch, at + "dropped length", errors);
            expect(s.p() >= 0 && s.p() < 1, at + "p outside [0,1)", errors);
        } else if (n instanceof Node.Affine a) {
            expect(out.elem().isFloat(), at + "output must be float", errors);
            for (AffineStep st : a.steps()) {
                expect(st.c().length == 1 || st.c().length == in.shape().channels(), at + "constant length", errors);
            }
        } else if (n instanceof Node.Sign) {
            expect(out.elem().isBipolar(), at + "output must be bipolar", errors);
        } else if (n instanceof Node.Threshold t) {
            expect(in.elem().isIntegral(), at + "input must be integral", errors);
            expect(out.elem().isBipolar(), at + "output must be bipolar", errors);
            int ch = in.shape().channels();
            expect(t.expected().channels() == ch, at + "threshold count", errors);
            if (t.stochastic() != null) {
                expect(t.stochastic().kept().channels() == ch && t.stochastic().dropped().channels() == ch,
                        at + "stochastic threshold count", errors);
            }
        } else if (n instanceof Node.MaxPool) {
            expect(in.shape().rank() == 3 && in.elem().equals(out.elem()), at + "types", errors);
        } else if (n instanceof Node.AvgPool) {
            expect(in.shape().rank() == 3 && out.elem().isFloat(), at + "types", errors);
        } else if (n instanceof Node.Reshape) {
            expect(in.shape().size() == out.shape().size() && in.elem().equals(out.elem()),
                at + "reshape changes size or type", errors);
        } else if (n instanceof Node.Softmax) {
            expect(out.elem().isFloat(), at + "output must be float", errors);
        } else if (n instanceof Node.McDropout) {
            expect(in.elem().isBipolar(), at + "input must be bipolar", errors);
            expect(out.elem().kind() == ElemType.Kind.GATED_BIPOLAR, at + "output must be gated bipolar", errors);
        }
        expect(in.shape().size() > 0, at + "empty input", errors);
    }

    private static void expect(boolean ok, String message, List<String> errors) {
        if (!ok) errors.add(message);
    }
}
