package org.bnncim.ir.interp;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.ScaleBit;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * The oracle: executes any IR graph one example at a time with plain loops, no bit packing, no shortcuts. Every
 * pass and backend is tested against it, so it favours being obviously right over being fast.
 *
 * <p>Every value is held as {@code double[]} of its stored numbers: integers (bipolar, popcounts, quantized
 * inputs) are exact there, and float32 operations round to float at each step exactly as written. A float
 * operation reading an integer value sees {@code stored * scale}.
 */
public final class ReferenceInterpreter {
    private final Graph graph;
    /** Bit slot of every node that draws a scale bit, from the stochastic unit's schedule. */
    private final Map<String, Integer> bitOf = new HashMap<>();
    /**
     * Float values that ONNX Runtime may round differently from bnncim: sums whose order is the implementation's
     * (full-precision layers, average pooling of floats, a crossbar layer reading inputs of a non-power-of-two scale,
     * which ONNX Runtime sums in float), and what is computed from them elementwise.
     */
    private final Set<String> inexact = new HashSet<>();

    /**
     * The near-tie bound, relative to the largest magnitude of a tensor, of the nodes whose error {@link ErrorBounds}
     * does not follow element by element (exp-based activations, average pooling, resize, concatenation): the
     * worst-case float32 error of a sum of a few hundred terms (2^-24 each) in another order is about this fraction
     * of its magnitude. Elsewhere the bound is per element, from the magnitudes of the terms summed.
     */
    public static final double NEAR_TIE = 1e-5;

    public ReferenceInterpreter(Graph graph) {
        this.graph = graph;
        for (StochasticUnit.Entry e : StochasticUnit.schedule(graph)) bitOf.put(e.node(), e.bit());
        for (Node n : graph.nodes()) if (inexact(n)) inexact.add(n.output().name());
    }

    private boolean inexact(Node n) {
        boolean in = false;
        for (String i : n.inputs()) in |= inexact.contains(i);
        TensorType t = graph.value(n.inputs().get(0)).type();
        return switch (n) {
            // exp in another library may round differently
            case DecoderNode.PixelSoftmax s -> true;
            case DecoderNode.Sigmoid s -> true;
            // data movement: exactly as exact as what it moves
            case DecoderNode.Resize r -> in;
            case DecoderNode.Concat c -> in;
            case DecoderNode.BinaryConvTranspose c -> !powerOfTwo(t.scale());
            case DigitalNode.FloatDense d -> true;
            case DigitalNode.FloatConv c -> true;
            case Node.AvgPool a -> in || t.elem().isFloat();
            case Node.BinaryDense d -> !powerOfTwo(t.scale());
            case Node.BinaryConv c -> !powerOfTwo(t.scale());
            case DigitalNode.Add a -> in;
            case Node.Affine a -> in;
            case Node.ScaleDropout s -> in;
            case Node.Reshape r -> in;
            case Node.MaxPool m -> in;
            case Node.Softmax s -> in;
            case Node.McDropout m -> in;
            // decisions: their outputs are integers
            case Node.InputQuantize q -> false;
            case Node.InputBinarize b -> false;
            case Node.Sign s -> false;
            case Node.Threshold th -> false;
            case Node.Quantize q -> false;
            case Node.MultiThreshold m -> false;
        };
    }

    private static boolean powerOfTwo(double scale) {
        return scale == Math.scalb(1.0, Math.getExponent(scale));
    }

    /**
     * Result of one pass: every value by name, how many Sign inputs were exactly zero (sign(0) ties, where ONNX's
     * Sign gives 0), and how many inexact Sign inputs were within float32 rounding of zero ({@link ErrorBounds}).
     */
    public record Trace(Map<String, double[]> values, int signZeroTies, int nearTies) {
        public double[] get(String name) {
            double[] v = values.get(name);
            if (v == null) throw new IllegalArgumentException("no value " + name);
            return v;
        }
    }

    /** Runs one pass; {@code bits == null} runs the deterministic pass (Scale-Dropout as its expectation). */
    public Trace run(float[] input, Bits bits) {
        if (graph.inputs().size() != 1) throw new IllegalStateException("interpreter supports one graph input");
        Value in = graph.inputs().get(0);
        if (input.length != in.shape().size()) {
            throw new IllegalArgumentException("input has " + input.length + " elements, graph input " + in.name()
                    + " needs " + in.shape().size());
        }
        Map<String, double[]> env = new LinkedHashMap<>();
        double[] x0 = new double[input.length];
        for (int i = 0; i < input.length; i++) x0[i] = input[i];
        env.put(in.name(), x0);
        int[] ties = {0, 0};
        // per inexact value, how far ONNX Runtime's float32 result may lie from this one (ErrorBounds)
        Map<String, double[]> bounds = new java.util.HashMap<>();
        for (Node n : graph.nodes()) {
            double[] x = env.get(n.inputs().get(0));
            TensorType it = graph.value(n.inputs().get(0)).type();
            double[] y = eval(n, x, it, bits, ties, env);
            env.put(n.output().name(), y);
            if (inexact.contains(n.output().name()))
                bounds.put(n.output().name(), ErrorBounds.of(n, x, y, graph, env, bounds));
            if (n instanceof Node.Sign s && inexact.contains(s.input()))
                ties[1] += ErrorBounds.nearTies(x, bounds.get(s.input()), it);
        }
        return new Trace(env, ties[0], ties[1]);
    }

    /** The graph's single output of one pass, as float32, integers converted by the output's scale. */
    public float[] output(float[] input, Bits bits) {
        return output(run(input, bits));
    }

    /** A pass's single output, as float32, integers converted by the output's scale. */
    public float[] output(Trace trace) {
        double[] y = trace.get(graph.outputs().get(0));
        TensorType t = graph.value(graph.outputs().get(0)).type();
        float[] out = new float[y.length];
        for (int i = 0; i < y.length; i++) out[i] = t.toReal(y[i]);
        return out;
    }

    /** One node on one example; {@code ties[0]} counts the Sign inputs that were exactly zero. */
    private double[] eval(Node n, double[] x, TensorType it, Bits bits, int[] ties, Map<String, double[]> env) {
        Shape os = n.output().shape();
        return switch (n) {
            case DecoderNode.Resize r -> DecoderEval.resize(x, it.shape(), r.rows(), r.cols());
            case DecoderNode.Concat c -> DecoderEval.concat(c, env, os);
            case DecoderNode.BinaryConvTranspose t -> DecoderEval.convTranspose(t, x, it.shape(), os);
            case DecoderNode.PixelSoftmax s -> DecoderEval.pixelSoftmax(x, it);
            case DecoderNode.Sigmoid s -> DecoderEval.sigmoid(x, it);
            case DigitalNode.Add a -> {
                double[] y = env.get(a.b());
                TensorType bt = graph.value(a.b()).type();
                double[] s = new double[x.length];
                for (int i = 0; i < x.length; i++) s[i] = real(x[i], it) + real(y[i], bt);
                yield s;
            }
            case DigitalNode.FloatDense d -> {
                double[] y = new double[d.n()];
                float[] bias = d.bias();
                for (int col = 0; col < d.n(); col++) {
                    float acc = 0f;
                    for (int k = 0; k < d.k(); k++) acc += real(x[k], it) * d.weight(k, col);
                    y[col] = bias.length == 0 ? acc : acc + bias[col];
                }
                yield y;
            }
            case DigitalNode.FloatConv c -> floatConv(c, x, it, os);
            case Node.InputQuantize q -> {
                double max = (1L << q.bits()) - 1;
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    float v = (float) x[i] * (float) q.levels();
                    y[i] = Math.min(max, Math.max(0, Math.round(v)));
                }
                yield y;
            }
            case Node.InputBinarize b -> {
                int per = it.shape().perChannel();
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) y[i] = b.fires((float) x[i], i / per) ? 1 : -1;
                yield y;
            }
            case Node.BinaryDense d -> {
                BitMatrix w = d.weights();
                double[] y = new double[w.cols()];
                for (int col = 0; col < w.cols(); col++) {
                    long acc = 0;
                    for (int k = 0; k < w.rows(); k++) acc += (long) x[k] * w.get(k, col);
                    y[col] = acc;
                }
                yield y;
            }
            case Node.BinaryConv c -> conv(c, x, it.shape(), os);
            case Node.ScaleDropout s -> {
                int per = it.shape().perChannel();
                ScaleBit z = bits == null ? ScaleBit.EXPECTATION : bits.scaleBit(bitOf.get(s.name()));
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) y[i] = real(x[i], it) * s.factor(i / per, z);
                yield y;
            }
            case Node.Affine a -> {
                int per = it.shape().perChannel();
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) y[i] = a.apply(real(x[i], it), i / per);
                yield y;
            }
            case Node.Sign s -> {
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    if (x[i] == 0 && !s.sourceZeroIsPlus()) ties[0]++;
                    y[i] = x[i] >= 0 ? 1 : -1;
                }
                yield y;
            }
            case Node.Threshold t -> {
                int per = it.shape().perChannel();
                ScaleBit z = bits == null || t.stochastic() == null
                        ? ScaleBit.EXPECTATION
                        : bits.scaleBit(bitOf.get(t.name()));
                var set = t.select(z);
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) y[i] = set.fires((long) x[i], i / per) ? 1 : -1;
                yield y;
            }
            case Node.Quantize q -> {
                int per = it.shape().perChannel();
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) y[i] = q.level(real(x[i], it), i / per);
                yield y;
            }
            case Node.MultiThreshold t -> {
                int per = it.shape().perChannel();
                ScaleBit z = bits == null || t.stochastic() == null
                        ? ScaleBit.EXPECTATION
                        : bits.scaleBit(bitOf.get(t.name()));
                var set = t.select(z);
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) y[i] = t.base() + set.count((long) x[i], i / per);
                yield y;
            }
            case Node.MaxPool m -> pool(x, it.shape(), os, m.kernel(), m.strides(), m.pads(), true, false);
            case Node.AvgPool a -> {
                double[] real = new double[x.length];
                for (int i = 0; i < x.length; i++) real[i] = real(x[i], it);
                yield pool(real, it.shape(), os, a.kernel(), a.strides(), a.pads(), false, a.countIncludePad());
            }
            case Node.Reshape r -> x.clone();
            case Node.Softmax s -> {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : x) max = Math.max(max, real(v, it));
                double sum = 0;
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    y[i] = Math.exp(real(x[i], it) - max);
                    sum += y[i];
                }
                for (int i = 0; i < x.length; i++) y[i] = (float) (y[i] / sum);
                yield y;
            }
            case Node.McDropout m -> {
                double[] y = x.clone();
                if (bits == null) yield y;
                boolean[] mask = bits.neuronMasks().get(m.name());
                if (mask == null || mask.length != x.length) {
                    throw new IllegalArgumentException("no neuron mask of length " + x.length + " for " + m.name());
                }
                for (int i = 0; i < x.length; i++) if (mask[i]) y[i] = 0;
                yield y;
            }
        };
    }

    /** A float op reading an integer value sees its real meaning, rounded to float32 like any float tensor. */
    private static float real(double stored, TensorType t) {
        return t.toReal(stored);
    }

    private static double[] floatConv(DigitalNode.FloatConv c, double[] x, TensorType it, Shape os) {
        float[] bias = c.bias();
        double[] y = new double[os.size()];
        // float32 accumulation in the taps' order, as the digital unit sums
        float[] acc = {0f};
        forEachTap(c, it.shape(), os, new Taps() {
            public void tap(int at, float w) {
                acc[0] += real(x[at], it) * w;
            }

            public void output(int o, int idx, int taps) {
                y[idx] = bias.length == 0 ? acc[0] : acc[0] + bias[o];
                acc[0] = 0f;
            }
        });
        return y;
    }

    /** What a float conv's tap walk reports: each tap inside the input, then the output it summed into. */
    interface Taps {
        void tap(int at, float weight);

        void output(int channel, int idx, int taps);
    }

    /**
     * Walks a float conv's windows in the order the digital unit sums them (zero padding contributes nothing and is
     * skipped), for the interpreter and for its error bound ({@link ErrorBounds}).
     */
    static void forEachTap(DigitalNode.FloatConv c, Shape is, Shape os, Taps t) {
        int h = is.dim(1), w = is.dim(2);
        int cout = os.dim(0), oh = os.dim(1), ow = os.dim(2);
        int[] s = c.strides(), p = c.pads(), d = c.dilations();
        int cinG = c.inChannels() / c.group(), coutG = cout / c.group();
        for (int o = 0; o < cout; o++) {
            int g = o / coutG;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int taps = 0;
                    for (int ci = 0; ci < cinG; ci++) {
                        for (int i = 0; i < c.kh(); i++) {
                            int iy = oy * s[0] - p[0] + i * d[0];
                            if (iy < 0 || iy >= h) continue;
                            for (int j = 0; j < c.kw(); j++) {
                                int ix = ox * s[1] - p[1] + j * d[1];
                                if (ix < 0 || ix >= w) continue;
                                t.tap(((g * cinG + ci) * h + iy) * w + ix, c.weight(o, ci, i, j));
                                taps++;
                            }
                        }
                    }
                    t.output(o, (o * oh + oy) * ow + ox, taps);
                }
            }
        }
    }

    private static double[] conv(Node.BinaryConv c, double[] x, Shape is, Shape os) {
        int cin = is.dim(0), h = is.dim(1), w = is.dim(2);
        int cout = os.dim(0), oh = os.dim(1), ow = os.dim(2);
        int[] s = c.strides(), p = c.pads(), d = c.dilations();
        BitMatrix wm = c.weights();
        double[] y = new double[os.size()];
        for (int o = 0; o < cout; o++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    long acc = 0;
                    for (int ci = 0; ci < cin; ci++) {
                        for (int i = 0; i < c.kh(); i++) {
                            int iy = oy * s[0] - p[0] + i * d[0];
                            if (iy < 0 || iy >= h) continue; // zero padding contributes nothing
                            for (int j = 0; j < c.kw(); j++) {
                                int ix = ox * s[1] - p[1] + j * d[1];
                                if (ix < 0 || ix >= w) continue;
                                int row = (ci * c.kh() + i) * c.kw() + j;
                                acc += (long) x[(ci * h + iy) * w + ix] * wm.get(row, o);
                            }
                        }
                    }
                    y[(o * oh + oy) * ow + ox] = acc;
                }
            }
        }
        return y;
    }

    private static double[] pool(
            double[] x, Shape is, Shape os, int[] k, int[] s, int[] p, boolean max, boolean countPad) {
        int ch = is.dim(0), h = is.dim(1), w = is.dim(2);
        int oh = os.dim(1), ow = os.dim(2);
        double[] y = new double[os.size()];
        for (int c = 0; c < ch; c++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int count = 0;
                    for (int i = 0; i < k[0]; i++) {
                        int iy = oy * s[0] - p[0] + i;
                        for (int j = 0; j < k[1]; j++) {
                            int ix = ox * s[1] - p[1] + j;
                            boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                            if (!inside) {
                                if (countPad && iy < h + p[2] && ix < w + p[3]) count++;
                                continue;
                            }
                            double v = x[(c * h + iy) * w + ix];
                            acc = max ? Math.max(acc, v) : acc + v;
                            count++;
                        }
                    }
                    y[(c * oh + oy) * ow + ox] = max ? acc : (float) (acc / count);
                }
            }
        }
        return y;
    }
}
