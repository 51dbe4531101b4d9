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
        Shape shape; // the last value's shape: [width], or [c, h, w] after a convolution or a pool
        double[] mean; // about the mean and the spread of each element of the last value, to place thresholds
        double sd;

        Chain(long seed, int inputs) {
            r = new Random(seed);
            this.inputs = List.of(new Value("x", new TensorType(ElemType.FLOAT32, Shape.of(inputs))));
            last = "x";
            width = inputs;
            shape = Shape.of(inputs);
        }

        /** The last value as a [c, h, w] map (a reshape: the chip reads the same elements in CHW order). */
        Chain asMap(int c, int h, int w) {
            if (c * h * w != width) throw new IllegalArgumentException("map size");
            shape = Shape.of(c, h, w);
            Node prev = nodes.get(nodes.size() - 1);
            String out = "map";
            nodes.add(new Node.Reshape(
                    "to map",
                    last,
                    new Value(
                            out,
                            new TensorType(
                                    prev.output().elem(),
                                    shape,
                                    prev.output().type().scale()))));
            last = out;
            return this;
        }

        private int channels() {
            return shape.rank() == 3 ? shape.dim(0) : width;
        }

        /**
         * A convolution (ONNX Conv, group 1) with pads [top, left, bottom, right]; the popcount mean per channel is
         * averaged over the positions, which is enough to place thresholds.
         */
        Chain conv(String name, int cout, int k, int stride, int[] pads, int dil) {
            int cin = shape.dim(0), h = shape.dim(1), w = shape.dim(2);
            int oh = (h + pads[0] + pads[2] - dil * (k - 1) - 1) / stride + 1;
            int ow = (w + pads[1] + pads[3] - dil * (k - 1) - 1) / stride + 1;
            int rows = cin * k * k;
            boolean[][] wt = new boolean[rows][cout];
            for (boolean[] row : wt) for (int c = 0; c < cout; c++) row[c] = r.nextBoolean();
            String out = name + "_acc";
            nodes.add(new Node.BinaryConv(
                    name,
                    last,
                    new Value(out, new TensorType(ElemType.INT32, Shape.of(cout, oh, ow))),
                    BitMatrix.of(rows, cout, (a, c) -> wt[a][c]),
                    cin,
                    k,
                    k,
                    new int[] {stride, stride},
                    pads.clone(),
                    new int[] {dil, dil}));
            double[] m = new double[cout];
            double avgIn = 0;
            for (double v : mean) avgIn += v / mean.length;
            for (int c = 0; c < cout; c++) for (int a = 0; a < rows; a++) m[c] += wt[a][c] ? avgIn : -avgIn;
            mean = m;
            sd *= Math.sqrt(rows);
            last = out;
            shape = Shape.of(cout, oh, ow);
            width = shape.size();
            return this;
        }

        /** A max pool over the last [c, h, w] map, pads [top, left, bottom, right]. */
        Chain maxPool(String name, int k, int stride, int[] pads) {
            int c = shape.dim(0), h = shape.dim(1), w = shape.dim(2);
            int oh = (h + pads[0] + pads[2] - k) / stride + 1, ow = (w + pads[1] + pads[3] - k) / stride + 1;
            String out = name + "_out";
            ElemType e = nodes.get(nodes.size() - 1).output().elem();
            double scale = nodes.get(nodes.size() - 1).output().type().scale();
            nodes.add(new Node.MaxPool(
                    name,
                    last,
                    new Value(out, new TensorType(e, Shape.of(c, oh, ow), scale)),
                    new org.bnncim.ir.Window(new int[] {k, k}, new int[] {stride, stride}, pads.clone())));
            last = out;
            shape = Shape.of(c, oh, ow);
            width = shape.size();
            return this;
        }

        /** Flattens a map for a dense layer: each element's mean is its channel's. */
        Chain flatten(String name) {
            int c = shape.dim(0), per = shape.size() / c;
            double[] m = new double[shape.size()];
            for (int i = 0; i < m.length; i++) m[i] = mean[Math.min(mean.length - 1, i / per)];
            String out = name + "_flat";
            Node prev = nodes.get(nodes.size() - 1);
            nodes.add(new Node.Reshape(
                    name,
                    last,
                    new Value(
                            out,
                            new TensorType(
                                    prev.output().elem(),
                                    Shape.of(width),
                                    prev.output().type().scale()))));
            mean = m;
            last = out;
            shape = Shape.of(width);
            return this;
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
            mean = new double[channels()];
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
            shape = Shape.of(n);
            return this;
        }

        /** A k-bit bank; with {@code p >= 0} a Scale-Dropout bank on stochastic bit {@code bit}. */
        Chain multi(String name, ElemType e, int base, int steps, int bit, float p) {
            Node.LevelStochastic st = p < 0 ? null : new Node.LevelStochastic(bit, p, levels(steps), levels(steps));
            String out = name + "_q";
            nodes.add(new Node.MultiThreshold(
                    name, last, new Value(out, new TensorType(e, shape, 0.5)), levels(steps), st, base));
            last = out;
            level(base, steps);
            return this;
        }

        Chain threshold(String name, int bit, float p) {
            Node.Stochastic st = p < 0 ? null : new Node.Stochastic(bit, p, bipolar(), bipolar());
            String out = name + "_b";
            nodes.add(new Node.Threshold(
                    name, last, new Value(out, new TensorType(ElemType.BIPOLAR, shape)), bipolar(), st));
            last = out;
            mean = new double[channels()];
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
            int width = channels();
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
            int width = channels();
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

    /**
     * i3 input as a 2x7x7 map -> conv 3x3 (pads 1) -> i2 bank (Scale-Dropout) -> max pool 2x2 stride 2 with a
     * bottom/right pad (signed values) -> conv 2x2 dilation 2 stride 1 (pads top/left only) -> u2 bank -> max pool 2x2
     * stride 1 -> conv 1x1 -> bipolar threshold (Scale-Dropout) -> max pool 3x3 stride 2 pads 1 -> flatten -> dense ->
     * bipolar threshold -> dense (the chip's output).
     */
    static Graph convMaps(long seed) {
        return new Chain(seed, 98)
                .quantize(I3, -4, 7)
                .asMap(2, 7, 7)
                .conv("cv1", 5, 3, 1, new int[] {1, 1, 1, 1}, 1)
                .multi("mt1", I2, -2, 3, 0, 0.5f)
                .maxPool("mp1", 2, 2, new int[] {0, 0, 1, 1})
                .conv("cv2", 4, 2, 1, new int[] {1, 1, 0, 0}, 2)
                .multi("mt2", U2, 0, 3, 0, -1)
                .maxPool("mp2", 2, 1, new int[] {0, 0, 0, 0})
                .conv("cv3", 6, 1, 1, new int[] {0, 0, 0, 0}, 1)
                .threshold("th3", 1, 0.4f)
                .maxPool("mp3", 3, 2, new int[] {1, 1, 1, 1})
                .flatten("flat")
                .dense("fc4", 9)
                .threshold("th4", 2, 0.3f)
                .dense("fc5", 7)
                .graph("kbit-conv-maps");
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
