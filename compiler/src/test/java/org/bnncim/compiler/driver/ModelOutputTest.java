package org.bnncim.compiler.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.junit.jupiter.api.Test;

/**
 * How run and eval read a model's output, from the graph alone: the decoder kinds' output activations already give
 * probabilities (the simulator does not run them yet on this base, but the reading of their output is settled here).
 */
class ModelOutputTest {
    private static Value v(String name, int... dims) {
        return new Value(name, new TensorType(ElemType.FLOAT32, Shape.of(dims)));
    }

    private static Graph ending(Node last, Value in) {
        return new Graph("g", List.of(in), List.of(last), List.of(last.output().name()), Map.of());
    }

    @Test
    void pixelSoftmaxAndSigmoidOutputsAreProbabilitiesLogitsAreNot() {
        Value x = v("x", 3, 4, 5);
        assertEquals(
                new ModelOutput(true, true, 3, 4, 5),
                ModelOutput.of(ending(new DecoderNode.PixelSoftmax("sm", "x", v("p", 3, 4, 5)), x)));
        Value one = v("x", 1, 4, 5);
        assertEquals(
                new ModelOutput(true, true, 1, 4, 5),
                ModelOutput.of(ending(new DecoderNode.Sigmoid("sg", "x", v("p", 1, 4, 5)), one)));
        assertEquals(
                new ModelOutput(false, true, 3, 4, 5),
                ModelOutput.of(ending(new Node.Reshape("r", "x", v("y", 3, 4, 5)), x)));
        // a classifier's softmax seen through a flatten is still probabilities
        Value c = v("x", 10);
        Node.Softmax sm = new Node.Softmax("sm", "x", v("p", 10));
        Node.Reshape flat = new Node.Reshape("flat", "p", v("f", 10));
        Graph g = new Graph("c", List.of(c), List.of(sm, flat), List.of("f"), Map.of());
        assertEquals(new ModelOutput(true, false, 10, 1, 1), ModelOutput.of(g));
    }

    @Test
    void oneChannelIsASigmoidOfTheLogitOrTheProbabilityItself() {
        double[] p = new double[2];
        new ModelOutput(false, true, 1, 1, 2).pixel(new float[] {0f, 2f}, 1, p);
        assertArrayEquals(new double[] {1 - 1 / (1 + Math.exp(-2)), 1 / (1 + Math.exp(-2))}, p, 1e-12);
        new ModelOutput(true, true, 1, 1, 2).pixel(new float[] {0.25f, 0.8f}, 0, p);
        assertArrayEquals(new double[] {0.75, 0.25}, p, 1e-12);
        // a probability a float32 hair above 1 is clamped, so entropies and NLL stay finite
        new ModelOutput(true, true, 1, 1, 1).pixel(new float[] {1.0000001f}, 0, p);
        assertArrayEquals(new double[] {0, 1}, p, 0);
    }
}
