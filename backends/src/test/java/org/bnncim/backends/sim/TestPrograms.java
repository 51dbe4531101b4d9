package org.bnncim.backends.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.LevelSet;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;
import org.bnncim.ir.Window;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.Piece;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * Small IR graphs built node by node, and a hand-made mapping for them, so that the backends module tests the
 * simulator without the compiler's passes. Pieces start at row 5 and column 1 of their crossbar and are cut at
 * {@code kTile} rows, so that they straddle word boundaries the way packed crossbars do.
 */
final class TestPrograms {
    static final int ROW0 = 5, COL0 = 1;

    private final SplittableRandom rnd;
    private final List<Value> inputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private Value last;

    TestPrograms(long seed, Value input) {
        this.rnd = new SplittableRandom(seed);
        inputs.add(input);
        last = input;
    }

    static Value floats(String name, int... dims) {
        return new Value(name, new TensorType(ElemType.FLOAT32, Shape.of(dims)));
    }

    Value last() {
        return last;
    }

    private Value add(Node n) {
        nodes.add(n);
        last = n.output();
        return last;
    }

    private Value out(String name, ElemType e, Shape s) {
        return new Value(name, new TensorType(e, s));
    }

    TestPrograms binarize() {
        String n = "bin" + nodes.size();
        add(new Node.InputBinarize(
                n, last.name(), out(n, ElemType.BIPOLAR, last.shape()), new float[] {0.5f}, new boolean[] {true}));
        return this;
    }

    TestPrograms quantize() {
        String n = "q" + nodes.size();
        add(new Node.InputQuantize(
                n, last.name(), new Value(n, new TensorType(ElemType.uint(8), last.shape(), 1.0 / 255)), 8, 255));
        return this;
    }

    /**
     * A k-bit quantizer on the float input: {@code steps} ascending float thresholds per channel (one shared row
     * when {@code perChannel} is false) inside [0, 1), output {@code elem} from {@code base}, scale 0.25.
     */
    TestPrograms kQuantize(ElemType elem, int base, int steps, boolean perChannel) {
        String n = "kq" + nodes.size();
        int rows = perChannel ? last.shape().channels() : 1;
        float[] t = new float[rows * steps];
        for (int c = 0; c < rows; c++) {
            float v = 0;
            for (int i = 0; i < steps; i++) t[c * steps + i] = v += (float) rnd.nextDouble() / (steps + 1);
        }
        add(new Node.Quantize(n, last.name(), new Value(n, new TensorType(elem, last.shape(), 0.25)), t, steps, base));
        return this;
    }

    /**
     * A k-bit activation on a popcount: {@code 2^bits - 1} comparators per channel around the middle of the range,
     * levels from the smallest value of {@code elem}; {@code bit >= 0} adds dropped and kept banks.
     */
    TestPrograms multiThreshold(ElemType elem, int bit) {
        String n = "mt" + nodes.size();
        int ch = last.shape().channels(), steps = (1 << elem.bits()) - 1;
        int base = elem.kind() == ElemType.Kind.INT ? -(1 << (elem.bits() - 1)) : 0;
        Node.LevelStochastic st =
                bit < 0 ? null : new Node.LevelStochastic(bit, 0.3f, levels(ch, steps), levels(ch, steps));
        add(new Node.MultiThreshold(
                n, last.name(), new Value(n, new TensorType(elem, last.shape(), 0.5)), levels(ch, steps), st, base));
        return this;
    }

    /**
     * A u2 activation whose banks hold comparators that always fire (Long.MIN_VALUE for >=, Long.MAX_VALUE for <=),
     * one in the popcount range, and ones that never fire: the thresholds a fold gives a saturated level.
     */
    TestPrograms multiThresholdExtremes() {
        String n = "mtx" + nodes.size();
        int ch = last.shape().channels();
        long[] t = new long[ch * 3];
        boolean[] ge = new boolean[ch];
        for (int c = 0; c < ch; c++) {
            ge[c] = c % 2 == 0;
            long mid = rnd.nextInt(-3, 4);
            long[] row = ge[c]
                    ? new long[] {Long.MIN_VALUE, mid, Long.MAX_VALUE}
                    : new long[] {Long.MAX_VALUE, mid, Long.MIN_VALUE};
            System.arraycopy(row, 0, t, c * 3, 3);
        }
        add(new Node.MultiThreshold(
                n,
                last.name(),
                new Value(n, new TensorType(ElemType.uint(2), last.shape(), 0.5)),
                new LevelSet(t, ge, 3),
                null,
                0));
        return this;
    }

    TestPrograms dense(int outputs) {
        String n = "fc" + nodes.size();
        BitMatrix w = random(last.shape().size(), outputs);
        add(new Node.BinaryDense(n, last.name(), out(n, ElemType.INT32, Shape.of(outputs)), w));
        return this;
    }

    TestPrograms conv(int cout, int k, int stride, int pad, int dilation) {
        String n = "conv" + nodes.size();
        Shape s = last.shape();
        int cin = s.dim(0), h = s.dim(1), w = s.dim(2);
        int oh = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1,
                ow = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
        add(new Node.BinaryConv(
                n,
                last.name(),
                out(n, ElemType.INT32, Shape.of(cout, oh, ow)),
                random(cin * k * k, cout),
                cin,
                k,
                k,
                new int[] {stride, stride},
                new int[] {pad, pad, pad, pad},
                new int[] {dilation, dilation}));
        return this;
    }

    /**
     * Comparators around the middle of the popcount range, a mix of "x >= t" and "x <= t"; {@code bit >= 0} adds a
     * dropped and a kept set.
     */
    TestPrograms threshold(int bit) {
        String n = "th" + nodes.size();
        int ch = last.shape().channels();
        Node.Stochastic st = bit < 0 ? null : new Node.Stochastic(bit, 0.3f, thresholds(ch), thresholds(ch));
        add(new Node.Threshold(n, last.name(), out(n, ElemType.BIPOLAR, last.shape()), thresholds(ch), st));
        return this;
    }

    /**
     * A stochastic threshold whose dropped and kept sets each move {@code moved} comparators of the expected set by
     * one, the same way round: sibling passes then differ in few elements, as a trained Scale-Dropout layer's do.
     */
    TestPrograms thresholdNear(int bit, int moved) {
        String n = "th" + nodes.size();
        int ch = last.shape().channels();
        ThresholdSet e = thresholds(ch);
        long[] dt = new long[ch], kt = new long[ch];
        boolean[] ge = new boolean[ch];
        for (int c = 0; c < ch; c++) {
            ge[c] = e.greaterOrEqual(c);
            dt[c] = kt[c] = e.threshold(c);
        }
        for (int m = 0; m < moved; m++) {
            dt[rnd.nextInt(ch)] += 1;
            kt[rnd.nextInt(ch)] -= 1;
        }
        Node.Stochastic st = new Node.Stochastic(bit, 0.3f, new ThresholdSet(dt, ge), new ThresholdSet(kt, ge));
        add(new Node.Threshold(n, last.name(), out(n, ElemType.BIPOLAR, last.shape()), e, st));
        return this;
    }

    TestPrograms maxPool() {
        return maxPool(2, 2, 0);
    }

    /** A k x k max pool with stride s and pads p on every side; the output keeps the input's type. */
    TestPrograms maxPool(int k, int s, int p) {
        String n = "pool" + nodes.size();
        Shape sh = last.shape();
        int oh = (sh.dim(1) + 2 * p - k) / s + 1, ow = (sh.dim(2) + 2 * p - k) / s + 1;
        add(new Node.MaxPool(
                n,
                last.name(),
                new Value(
                        n,
                        new TensorType(
                                last.elem(),
                                Shape.of(sh.dim(0), oh, ow),
                                last.type().scale())),
                new Window(new int[] {k, k}, new int[] {s, s}, new int[] {p, p, p, p})));
        return this;
    }

    TestPrograms flatten() {
        String n = "flat" + nodes.size();
        add(new Node.Reshape(
                n, last.name(), out(n, last.elem(), Shape.of(last.shape().size()))));
        return this;
    }

    TestPrograms scaleDropout(int bit) {
        String n = "sd" + nodes.size();
        add(new Node.ScaleDropout(
                n,
                last.name(),
                out(n, ElemType.FLOAT32, last.shape()),
                new float[] {0.75f},
                new float[] {0.25f},
                0.3f,
                bit));
        return this;
    }

    TestPrograms softmax() {
        String n = "softmax" + nodes.size();
        add(new Node.Softmax(n, last.name(), out(n, ElemType.FLOAT32, last.shape())));
        return this;
    }

    /** Continues from {@code v} (an earlier value): a second branch, e.g. a residual block's main path. */
    TestPrograms from(Value v) {
        last = v;
        return this;
    }

    /** A full-precision conv with random weights in [-1, 1) and a bias; pads on every side. */
    TestPrograms floatConv(int cout, int k, int stride, int pad, int group) {
        String n = "fconv" + nodes.size();
        Shape s = last.shape();
        int cin = s.dim(0), oh = (s.dim(1) + 2 * pad - k) / stride + 1, ow = (s.dim(2) + 2 * pad - k) / stride + 1;
        add(new DigitalNode.FloatConv(
                n,
                last.name(),
                out(n, ElemType.FLOAT32, Shape.of(cout, oh, ow)),
                randomFloats(cout * (cin / group) * k * k),
                randomFloats(cout),
                cin,
                group,
                k,
                k,
                new int[] {stride, stride},
                new int[] {pad, pad, pad, pad},
                new int[] {1, 1}));
        return this;
    }

    /** A full-precision dense layer, with a bias or none. */
    TestPrograms floatDense(int outputs, boolean bias) {
        String n = "fdense" + nodes.size();
        int k = last.shape().size();
        add(new DigitalNode.FloatDense(
                n,
                last.name(),
                out(n, ElemType.FLOAT32, Shape.of(outputs)),
                randomFloats(k * outputs),
                k,
                outputs,
                bias ? randomFloats(outputs) : new float[0]));
        return this;
    }

    /** The shortcut sum: the last value plus {@code shortcut}, in float32. */
    TestPrograms add(Value shortcut) {
        String n = "add" + nodes.size();
        add(new DigitalNode.Add(n, last.name(), shortcut.name(), out(n, ElemType.FLOAT32, last.shape())));
        return this;
    }

    TestPrograms sign() {
        String n = "sign" + nodes.size();
        add(new Node.Sign(n, last.name(), out(n, ElemType.BIPOLAR, last.shape())));
        return this;
    }

    /** A batch-norm-like affine (per-channel mul, add) then {@code last} (MAX: ReLU, MIN: clip at 1, PRELU). */
    TestPrograms affine(AffineStep.Op last) {
        String n = "aff" + nodes.size();
        int ch = this.last.shape().channels();
        float[] c = last == AffineStep.Op.PRELU ? randomFloats(ch) : new float[] {last == AffineStep.Op.MIN ? 1 : 0};
        List<AffineStep> steps = List.of(
                new AffineStep(AffineStep.Op.MUL, randomFloats(ch)),
                new AffineStep(AffineStep.Op.ADD, randomFloats(ch)),
                new AffineStep(last, c));
        add(new Node.Affine(n, this.last.name(), out(n, ElemType.FLOAT32, this.last.shape()), steps));
        return this;
    }

    /** A k x k average pool with stride s and pads p on every side. */
    TestPrograms avgPool(int k, int s, int p, boolean countPad) {
        String n = "avg" + nodes.size();
        Shape sh = last.shape();
        int oh = (sh.dim(1) + 2 * p - k) / s + 1, ow = (sh.dim(2) + 2 * p - k) / s + 1;
        add(new Node.AvgPool(
                n,
                last.name(),
                out(n, ElemType.FLOAT32, Shape.of(sh.dim(0), oh, ow)),
                new Window(new int[] {k, k}, new int[] {s, s}, new int[] {p, p, p, p}),
                countPad));
        return this;
    }

    /**
     * A transposed conv, k x k, stride s, pads p on every side, dilation 1, and ONNX output_padding {@code op}: the
     * output is {@code s (h - 1) + k - 2p + op} high and wide.
     */
    TestPrograms convTranspose(int cout, int k, int stride, int pad, int op) {
        String n = "tconv" + nodes.size();
        Shape s = last.shape();
        int cin = s.dim(0),
                oh = stride * (s.dim(1) - 1) + k - 2 * pad + op,
                ow = stride * (s.dim(2) - 1) + k - 2 * pad + op;
        add(new DecoderNode.BinaryConvTranspose(
                n,
                last.name(),
                out(n, ElemType.INT32, Shape.of(cout, oh, ow)),
                random(cin * k * k, cout),
                cin,
                k,
                k,
                new int[] {stride, stride},
                new int[] {pad, pad, pad, pad},
                new int[] {1, 1}));
        return this;
    }

    /** A transposed conv with any window; the output is {@code oh x ow} (output padding is what that adds). */
    TestPrograms convTranspose(int cout, int kh, int kw, int[] strides, int[] pads, int[] dilations, int oh, int ow) {
        String n = "tconv" + nodes.size();
        int cin = last.shape().dim(0);
        add(new DecoderNode.BinaryConvTranspose(
                n,
                last.name(),
                out(n, ElemType.INT32, Shape.of(cout, oh, ow)),
                random(cin * kh * kw, cout),
                cin,
                kh,
                kw,
                strides,
                pads,
                dilations));
        return this;
    }

    /** Nearest resampling of the last value by the index maps; type and scale unchanged. */
    TestPrograms resize(int[] rows, int[] cols) {
        String n = "resize" + nodes.size();
        add(new DecoderNode.Resize(
                n,
                last.name(),
                new Value(n, last.type().withShape(Shape.of(last.shape().dim(0), rows.length, cols.length))),
                rows,
                cols));
        return this;
    }

    /** Replication by s: {@code rows[i] = i / s}. */
    TestPrograms upsample(int s) {
        Shape sh = last.shape();
        int[] rows = new int[sh.dim(1) * s], cols = new int[sh.dim(2) * s];
        for (int i = 0; i < rows.length; i++) rows[i] = i / s;
        for (int j = 0; j < cols.length; j++) cols[j] = j / s;
        return resize(rows, cols);
    }

    /** The last value, then {@code others}, along channels. */
    TestPrograms concat(Value... others) {
        String n = "concat" + nodes.size();
        List<String> sources = new ArrayList<>(List.of(last.name()));
        int ch = last.shape().dim(0);
        for (Value o : others) {
            sources.add(o.name());
            ch += o.shape().dim(0);
        }
        Shape sh = last.shape();
        add(new DecoderNode.Concat(
                n, sources, new Value(n, last.type().withShape(Shape.of(ch, sh.dim(1), sh.dim(2))))));
        return this;
    }

    TestPrograms pixelSoftmax() {
        String n = "psoftmax" + nodes.size();
        add(new DecoderNode.PixelSoftmax(n, last.name(), out(n, ElemType.FLOAT32, last.shape())));
        return this;
    }

    TestPrograms sigmoid() {
        String n = "sigmoid" + nodes.size();
        add(new DecoderNode.Sigmoid(n, last.name(), out(n, ElemType.FLOAT32, last.shape())));
        return this;
    }

    private float[] randomFloats(int count) {
        float[] f = new float[count];
        for (int i = 0; i < count; i++) f[i] = (float) (rnd.nextDouble() * 2 - 1);
        return f;
    }

    private ThresholdSet thresholds(int ch) {
        long[] t = new long[ch];
        boolean[] ge = new boolean[ch];
        for (int c = 0; c < ch; c++) {
            t[c] = rnd.nextInt(-6, 7);
            ge[c] = rnd.nextInt(4) != 0;
        }
        return new ThresholdSet(t, ge);
    }

    private LevelSet levels(int ch, int steps) {
        long[] t = new long[ch * steps];
        boolean[] ge = new boolean[ch];
        for (int c = 0; c < ch; c++) {
            ge[c] = rnd.nextInt(4) != 0;
            long v = rnd.nextInt(-9, 0);
            for (int i = 0; i < steps; i++) {
                v += rnd.nextInt(0, 4);
                t[c * steps + (ge[c] ? i : steps - 1 - i)] = v;
            }
        }
        return new LevelSet(t, ge, steps);
    }

    private BitMatrix random(int rows, int cols) {
        long s = rnd.nextLong();
        return BitMatrix.of(rows, cols, (k, n) -> new SplittableRandom(s ^ (k * 1_000_003L + n)).nextBoolean());
    }

    /**
     * The graph, mapped onto crossbars of {@code kTile} rows and {@code nTile} weights a piece, one crossbar a piece.
     */
    Program program(Architecture.WeightEncoding enc, int kTile, int nTile) {
        Graph g = new Graph("test", inputs, nodes, List.of(last.name()), Map.of());
        List<LayerMap> layers = new ArrayList<>();
        int crossbar = 0;
        for (Node n : nodes) {
            BitMatrix w;
            int positions = 1;
            if (n instanceof Node.BinaryDense d) {
                w = d.weights();
            } else if (n instanceof Node.BinaryConv c) {
                w = c.weights();
                positions = c.output().shape().perChannel();
            } else if (n instanceof DecoderNode.BinaryConvTranspose t) {
                w = t.weights();
                positions = t.output().shape().perChannel();
            } else {
                continue;
            }
            ElemType in = g.value(n.inputs().get(0)).elem();
            int inBits = in.kind() == ElemType.Kind.UINT || in.kind() == ElemType.Kind.INT ? in.bits() : 1;
            List<Piece> pieces = new ArrayList<>();
            for (int k0 = 0; k0 < w.rows(); k0 += kTile) {
                for (int n0 = 0; n0 < w.cols(); n0 += nTile) {
                    pieces.add(new Piece(
                            n.name(),
                            k0,
                            Math.min(kTile, w.rows() - k0),
                            n0,
                            Math.min(nTile, w.cols() - n0),
                            crossbar++,
                            ROW0,
                            COL0));
                }
            }
            int rt = (w.rows() + kTile - 1) / kTile, ct = (w.cols() + nTile - 1) / nTile;
            // the stochastic bit of the layer's comparators, as the schedule names it (the mapping verifier checks it)
            int bit = -1;
            for (StochasticUnit.Entry e : StochasticUnit.schedule(g))
                if (e.layer().equals(n.name())) bit = e.bit();
            layers.add(new LayerMap(
                    n.name(), n.opName(), w.rows(), w.cols(), positions, inBits, rt, ct, pieces, "none", bit, 0));
        }
        List<CrossbarSlot> slots = new ArrayList<>();
        for (int i = 0; i < crossbar; i++) slots.add(new CrossbarSlot(i, 0, 0, i));
        int cols = enc == Architecture.WeightEncoding.COMPLEMENTARY ? 2 * (COL0 + nTile) : COL0 + nTile + 1;
        Architecture a = new Architecture(
                "test",
                ROW0 + kTile + 3,
                cols,
                enc,
                crossbar,
                1,
                1,
                8,
                new Architecture.Energy(
                        ProgramCodec.PRE_V5_CELL_WRITE_PJ, ProgramCodec.PRE_V5_WORDLINE_PJ, 0, 0, 0, 0, 0, 0, 0),
                new Architecture.Latency(ProgramCodec.PRE_V5_ROW_WRITE_NS, 0, 0, 0, 0, 0, 0),
                new Architecture.Area(0, ProgramCodec.PRE_V5_WORDLINE_UM2, 0, 0, 0, 0, 0, 0),
                ProgramCodec.PRE_V5_SENSING);
        return Program.of(new MappedModel(
                g,
                new Mapping(
                        a,
                        layers,
                        slots,
                        StochasticUnit.schedule(g).isEmpty()
                                ? StochasticUnit.none()
                                : new StochasticUnit(
                                        StochasticUnit.Kind.SCALE_DROPOUT, 1, StochasticUnit.schedule(g)))));
    }

    /** Inputs in [0, 1) with a share of exact zeros, as MNIST pixels have. */
    static float[][] inputs(long seed, int count, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] x = new float[count][size];
        for (float[] v : x) for (int i = 0; i < size; i++) v[i] = r.nextInt(3) == 0 ? 0 : (float) r.nextDouble();
        return x;
    }
}
