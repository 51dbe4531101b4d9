package org.bnncim.compiler.passes;

import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;

/**
 * Bound on |x| for integer values, from the producing operation: a dot product over K inputs of magnitude at
 * most m is within [-K*m, K*m]. Comparator widths and folded thresholds are clamped to it.
 */
public final class IntBounds {
    private IntBounds() {}

    public static long maxAbs(Graph g, String value) {
        var producer = g.producer(value);
        ElemType e = g.value(value).elem();
        if (producer.isEmpty()) return e.maxAbs();
        return switch (producer.get()) {
            // every output position sums at most all K weight rows (fewer at the borders and between phases)
            case DecoderNode.BinaryConvTranspose t ->
                Math.multiplyExact((long) t.weights().rows(), maxAbs(g, t.input()));
            case DecoderNode.Resize r -> maxAbs(g, r.input());
            case DecoderNode.Concat c -> {
                long m = 0;
                for (String s : c.sources()) m = Math.max(m, maxAbs(g, s));
                yield m;
            }
            case DecoderNode.PixelSoftmax s -> e.maxAbs();
            case DecoderNode.Sigmoid s -> e.maxAbs();
            case Node.BinaryDense d -> Math.multiplyExact((long) d.weights().rows(), maxAbs(g, d.input()));
            case Node.BinaryConv c -> Math.multiplyExact((long) c.weights().rows(), maxAbs(g, c.input()));
            // these move (or zero) their input's values without making them larger
            case Node.MaxPool m -> maxAbs(g, m.input());
            case Node.Reshape r -> maxAbs(g, r.input());
            case Node.McDropout d -> maxAbs(g, d.input());
            // the type's own range: fixed-width results, or floats (where the bound means nothing)
            case Node.InputQuantize q -> e.maxAbs();
            case Node.InputBinarize b -> e.maxAbs();
            case Node.ScaleDropout s -> e.maxAbs();
            case Node.Affine a -> e.maxAbs();
            case Node.Sign s -> e.maxAbs();
            case Node.Threshold t -> e.maxAbs();
            case DigitalNode.Add a -> e.maxAbs();
            case DigitalNode.FloatDense d -> e.maxAbs();
            case DigitalNode.FloatConv c -> e.maxAbs();
            case Node.Quantize q -> e.maxAbs();
            case Node.MultiThreshold t -> e.maxAbs();
            case Node.AvgPool a -> e.maxAbs();
            case Node.Softmax s -> e.maxAbs();
        };
    }
}
