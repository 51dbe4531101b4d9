package org.bnncim.compiler.verilog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.LevelSet;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;

/**
 * Hand-built folded graphs with k-bit activations between dense crossbar layers: a float input quantized on the
 * host (Quantize), dense layers reading u1/u2/i2/i3 values, MultiThreshold banks with and without Scale-Dropout
 * and a bipolar Threshold in between. Thresholds are random but spread over the popcounts the layer reaches, so
 * every level occurs; a few are far outside the reach (constant comparators, clamped by the generator).
 */
final class KbitGraphs {
    private KbitGraphs() {}

    static final ElemType U1 = ElemType.uint(1), U2 = ElemType.uint(2), U8 = ElemType.uint(8);
    static final ElemType I2 = new ElemType(ElemType.Kind.INT, 2), I3 = new ElemType(ElemType.Kind.INT, 3);

    /** A chain builder: each call appends one node reading the previous value. */
    static final class Chain {
        final Random r;
        final List<Node> nodes = new ArrayList<>();
        final List<Value> inputs;
        String last;
        int width;
        double[] mean; // about the mean and the spread of each element of the last value, to place thresholds
        double sd;

        Chain(long seed, int inputs) {
            r = new Random(seed);
            this.inputs = List.of(new Value("x", new TensorType(ElemType.FLOAT32, Shape.of(inputs))));
            last = "x";
            width = inputs;
        }

        /** A float quantizer on the input: {@code steps} shared ascending thresholds in [-1, 1]. */
        Chain quantize(ElemType e, int base, int steps) {
            float[] t = new float[steps];
            for (int i = 0; i < steps; i++) t[i] = -1f + 2f * (i + 1) / (steps + 1) + (r.nextFloat() - 0.5f) * 0.1f;
            Arrays.sort(t);
            String out = "q";
            nodes.add(new Node.Quantize(
                    "input quant", last, new Value(out, new TensorType(e, Shape.of(width), 0.25)), t, steps, base));
            last = out;
            level(base, steps);
            return this;
        }

        private void level(int base, int steps) {
            mean = new double[width];
            Arrays.fill(mean, base + steps / 2.0);
            sd = Math.max(0.5, steps / 3.0);
        }

        /** The 8-bit pixel input of the MNIST models: x in [0, 1] to round(255 x). */
        Chain pixels() {
            String out = "px";
            nodes.add(new Node.InputQuantize(
                    "pixels", last, new Value(out, new TensorType(U8, Shape.of(width), 1.0 / 255)), 8, 255));
            last = out;
            mean = new double[width];
            Arrays.fill(mean, 127.5);
            sd = 74;
            return this;
        }

        Chain dense(String name, int n) {
            boolean[][] w = new boolean[width][n];
            for (boolean[] row : w) for (int c = 0; c < n; c++) row[c] = r.nextBoolean();
            String out = name + "_acc";
            nodes.add(new Node.BinaryDense(
                    name,
                    last,
                    new Value(out, new TensorType(ElemType.INT32, Shape.of(n))),
                    BitMatrix.of(width, n, (k, c) -> w[k][c])));
            double[] m = new double[n];
            for (int c = 0; c < n; c++) for (int k = 0; k < width; k++) m[c] += w[k][c] ? mean[k] : -mean[k];
            mean = m;
            sd *= Math.sqrt(width);
            last = out;
            width = n;
            return this;
        }

        /** A k-bit bank; with {@code p >= 0} a Scale-Dropout bank on stochastic bit {@code bit}. */
        Chain multi(String name, ElemType e, int base, int steps, int bit, float p) {
            Node.LevelStochastic st = p < 0 ? null : new Node.LevelStochastic(bit, p, levels(steps), levels(steps));
            String out = name + "_q";
            nodes.add(new Node.MultiThreshold(
                    name, last, new Value(out, new TensorType(e, Shape.of(width), 0.5)), levels(steps), st, base));
            last = out;
            level(base, steps);
            return this;
        }

        Chain threshold(String name, int bit, float p) {
            Node.Stochastic st = p < 0 ? null : new Node.Stochastic(bit, p, bipolar(), bipolar());
            String out = name + "_b";
            nodes.add(new Node.Threshold(
                    name, last, new Value(out, new TensorType(ElemType.BIPOLAR, Shape.of(width))), bipolar(), st));
            last = out;
            mean = new double[width];
            sd = 1;
            return this;
        }

        Graph graph(String name) {
            return new Graph(name, inputs, nodes, List.of(last), Map.of());
        }

        /** A threshold near the middle of channel c's popcounts: within 1.8 standard deviations of the mean. */
        private long near(int c) {
            return Math.round(mean[c] + (r.nextDouble() * 2 - 1) * 1.8 * sd);
        }

        private LevelSet levels(int steps) {
            long[] t = new long[width * steps];
            boolean[] ge = new boolean[width];
            for (int c = 0; c < width; c++) {
                ge[c] = r.nextInt(4) != 0;
                long[] row = new long[steps];
                for (int i = 0; i < steps; i++) {
                    row[i] = r.nextInt(25) == 0 ? (r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE) : near(c);
                }
                Arrays.sort(row);
                for (int i = 0; i < steps; i++) t[c * steps + i] = ge[c] ? row[i] : row[steps - 1 - i];
            }
            return new LevelSet(t, ge, steps);
        }

        private ThresholdSet bipolar() {
            long[] t = new long[width];
            boolean[] ge = new boolean[width];
            for (int c = 0; c < width; c++) {
                t[c] = Math.round(mean[c] + (r.nextDouble() * 2 - 1) * 0.5 * sd);
                ge[c] = r.nextBoolean();
            }
            return new ThresholdSet(t, ge);
        }
    }

    /**
     * u2 input -> dense -> u2 bank (Scale-Dropout) -> dense -> i3 bank -> dense -> i2 bank (Scale-Dropout) -> dense
     * -> bipolar threshold (Scale-Dropout) -> dense -> u1 bank -> dense (the chip's output).
     */
    static Graph unsignedInput(long seed) {
        return new Chain(seed, 20)
                .quantize(U2, 0, 3)
                .dense("fc1", 24)
                .multi("mt1", U2, 0, 3, 0, 0.5f)
                .dense("fc2", 18)
                .multi("mt2", I3, -4, 7, 0, -1)
                .dense("fc3", 22)
                .multi("mt3", I2, -2, 3, 1, 0.4f)
                .dense("fc4", 12)
                .threshold("th4", 2, 0.3f)
                .dense("fc5", 14)
                .multi("mt5", U1, 0, 1, 0, -1)
                .dense("fc6", 10)
                .graph("kbit-unsigned-input");
    }

    /**
     * i3 input -> dense -> i2 bank -> dense -> u2 bank (Scale-Dropout) -> dense (the chip's output) -> i2 bank (on
     * the host, as a Threshold after the last crossbar layer would be).
     */
    static Graph signedInput(long seed) {
        return new Chain(seed, 26)
                .quantize(I3, -4, 7)
                .dense("fc1", 17)
                .multi("mt1", I2, -2, 3, 0, -1)
                .dense("fc2", 21)
                .multi("mt2", U2, 1, 2, 0, 0.5f)
                .dense("fc3", 9)
                .multi("tail", I2, -2, 3, 1, 0.25f)
                .graph("kbit-signed-input");
    }

    /**
     * Twelve dense layers each thresholded with its own Scale-Dropout bit: more bits than the counter table covers, so
     * the program's passes run in draw order, each resuming at its common prefix with the pass before.
     */
    static Graph manyBits(long seed) {
        Chain c = new Chain(seed, 12).quantize(U2, 0, 3);
        for (int i = 0; i < 12; i++) c.dense("fc" + i, 10).threshold("th" + i, i, 0.3f);
        return c.dense("out", 6).graph("many-bits");
    }

    /** 8-bit pixels -> dense -> i2 bank (Scale-Dropout) -> dense -> i3 bank -> dense (the chip's output). */
    static Graph pixelInput(long seed) {
        return new Chain(seed, 30)
                .pixels()
                .dense("fc1", 19)
                .multi("mt1", I2, -2, 3, 0, 0.5f)
                .dense("fc2", 15)
                .multi("mt2", I3, -3, 6, 0, -1)
                .dense("fc3", 8)
                .graph("kbit-pixel-input");
    }
}
