package org.bnncim.compiler.passes;

import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;

/**
 * Bound on |x| for integer values, from the producing operation: a dot product over K inputs of magnitude at
 * most m is within [-K*m, K*m]. Comparator widths and folded thresholds are clamped to it.
 */
public final class IntBounds {
    private IntBounds() {
    }

    public static long maxAbs(Graph g, String value) {
        var producer = g.producer(value);
        ElemType e = g.value(value).elem();
        if (producer.isEmpty()) return e.maxAbs();
        Node n = producer.get();
        if (n instanceof Node.BinaryDense d) return Math.multiplyExact((long) d.weights().rows(), maxAbs(g, d.input()));
        if (n instanceof Node.BinaryConv c) return Math.multiplyExact((long) c.weights().rows(), maxAbs(g, c.input()));
        if (n instanceof Node.MaxPool || n instanceof Node.Reshape || n instanceof Node.McDropout) {
            return maxAbs(g, n.inputs().get(0));
        }
        return e.maxAbs();
    }
}
