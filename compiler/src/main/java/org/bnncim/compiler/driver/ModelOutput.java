package org.bnncim.compiler.driver;

import java.util.Optional;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;

/**
 * What a model's output means to run and eval: a classifier's [C] or a segmentation model's per-pixel [C,H,W]
 * (rank 3), holding logits or, when the graph ends in a softmax or sigmoid, probabilities already. Logits become
 * probabilities by a softmax over the channels, except C = 1, a binary model's single foreground logit, which goes
 * through the sigmoid (classes [1-p, p]); softmax over one channel would say 1 everywhere.
 *
 * @param probabilities the model computes probabilities itself (applying softmax again would flatten them)
 * @param pixels        per-pixel output [C,H,W]; then {@code height} and {@code width} are its H and W, else 1
 */
public record ModelOutput(boolean probabilities, boolean pixels, int channels, int height, int width) {

    public static ModelOutput of(Graph g) {
        Shape s = g.output().type().shape();
        boolean probs = lastComputation(g)
                .map(n -> n instanceof Node.Softmax
                        || n instanceof DecoderNode.PixelSoftmax
                        || n instanceof DecoderNode.Sigmoid)
                .orElse(false);
        if (s.rank() == 3) return new ModelOutput(probs, true, s.dim(0), s.dim(1), s.dim(2));
        return new ModelOutput(probs, false, s.size(), 1, 1);
    }

    /** The node computing the output, looking through reshapes (a flatten after a softmax keeps probabilities). */
    private static Optional<Node> lastComputation(Graph g) {
        Optional<Node> n = g.producer(g.outputs().get(0));
        while (n.isPresent() && n.get() instanceof Node.Reshape r) n = g.producer(r.input());
        return n;
    }

    /** Number of classes: C, or 2 for a single foreground channel. */
    public int classes() {
        return Math.max(2, channels);
    }

    /** Pixels per example (1 for a classifier). */
    public int area() {
        return height * width;
    }

    /** A classifier's probabilities from one pass's output. */
    public double[] probabilities(float[] y) {
        double[] p = new double[classes()];
        pixel(y, 0, p);
        return p;
    }

    /**
     * The class probabilities of pixel {@code q} (row-major in H,W) of one pass's output laid out [C][H][W], into
     * {@code p} (length {@link #classes()}).
     */
    public void pixel(float[] y, int q, double[] p) {
        int hw = area();
        if (channels == 1) {
            double v = y[q];
            double fg = probabilities ? clamp(v) : 1.0 / (1.0 + Math.exp(-v));
            p[0] = 1 - fg;
            p[1] = fg;
            return;
        }
        if (probabilities) {
            for (int c = 0; c < channels; c++) p[c] = clamp(y[c * hw + q]);
            return;
        }
        Metrics.softmax(y, q, hw, p);
    }

    // float32 rounding can put a computed probability a hair outside [0,1]; entropy and NLL must not see that
    private static double clamp(double v) {
        return Math.min(1, Math.max(0, v));
    }
}
