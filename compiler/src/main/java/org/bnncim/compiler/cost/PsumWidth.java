package org.bnncim.compiler.cost;

import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;

/**
 * Partial sums sized per layer: the widest signed sum a layer's adds can reach, where one chip-wide word undercounts
 * a bit-serial first layer (784 rows of 8-bit input reach ±199,920: 19 bits, not 16) and overcounts binary layers.
 */
final class PsumWidth {
    private PsumWidth() {}

    /** Bits of a signed sum of {@code k} products of a weight ±1 and an input of magnitude at most 2^b − 1 or 1. */
    static int of(long k, int inputBits) {
        long max = Math.max(1, k) * (inputBits <= 1 ? 1 : (1L << inputBits) - 1);
        return 64 - Long.numberOfLeadingZeros(max) + 1;
    }

    /**
     * The width of a value pooled in a crossbar layer's periphery: its own element width for an activation, the
     * producing layer's partial-sum width for a popcount (found through reshapes and earlier pools).
     */
    static int ofValue(Graph g, String value) {
        int bits = g.value(value).elem().bits();
        if (!g.value(value).elem().isFloat() && bits < 32) return bits;
        String v = value;
        for (Node n = g.producer(v).orElse(null); n != null; n = g.producer(v).orElse(null)) {
            var w = n.crossbarWeights();
            if (w.isPresent()) {
                var in = g.value(n.inputs().get(0)).elem();
                boolean pm1 = in.kind() == ElemType.Kind.BIPOLAR || in.kind() == ElemType.Kind.GATED_BIPOLAR;
                return of(w.get().rows(), pm1 ? 1 : in.bits());
            }
            if (!(n instanceof Node.MaxPool || n instanceof Node.Reshape)) break;
            v = n.inputs().get(0);
        }
        return Math.min(bits, 32);
    }
}
