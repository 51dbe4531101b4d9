package org.bnncim.ir.interp;

import java.util.Map;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.TensorType;

/**
 * How far ONNX Runtime's float32 value of an inexact tensor may lie from the interpreter's, per element, as a scale
 * m with |difference| <= 2 u m (u = 2^-24; two summation orders, each within the classic bound). A sum of n terms
 * in another order differs by at most about n u times the sum of the terms' magnitudes, whatever the result's size;
 * so a sign input is a near tie when |x| <= 2 u m, not when it is small against its tensor's largest value: a
 * PReLU's small negative slope shrinks a value and its error alike, which the tensor-relative rule mistook for ties.
 *
 * <p>Exact values (no entry) have m = 0. Rules: a float dot product of n taps n * sum|w x| + sum|w| m_x; a binary
 * layer with a scale that is not a power of two (ONNX Runtime multiplies by scaled weights) K^2 |s| max|x|; an
 * elementwise step carries m scaled as the step scales x, plus the result's own rounding; an Add the sum of both;
 * reshapes, dropout masks and max pools carry m; the nodes without a rule of their own (exp-based activations,
 * average pooling, resize, concatenation, transposed convolution) keep the tensor-relative bound {@link
 * ReferenceInterpreter#NEAR_TIE} of their largest magnitude.
 */
final class ErrorBounds {
    static final double U = 0x1p-24;

    private ErrorBounds() {}

    /** Inputs within the bound of 0 in a sign input whose scales are {@code m}. */
    static int nearTies(double[] x, double[] m, TensorType t) {
        int n = 0;
        for (int i = 0; i < x.length; i++) {
            double v = t.toReal(x[i]);
            if (v != 0 && Math.abs(v) <= 2 * U * m[i]) n++;
        }
        return n;
    }

    /** The scales of node n's output y (x: its first input's stored values). */
    static double[] of(Node n, double[] x, double[] y, Graph g, Map<String, double[]> env, Map<String, double[]> m) {
        TensorType it = g.value(n.inputs().get(0)).type(), ot = n.output().type();
        double[] mx = scales(m, n.inputs().get(0), x.length);
        double[] out = new double[y.length];
        switch (n) {
            case DigitalNode.FloatDense d -> {
                for (int col = 0; col < d.n(); col++) {
                    double terms = 0, carried = 0;
                    for (int k = 0; k < d.k(); k++) {
                        double w = Math.abs(d.weight(k, col));
                        terms += w * Math.abs(it.toReal(x[k]));
                        carried += w * mx[k];
                    }
                    out[col] = d.k() * terms + carried + Math.abs(y[col]);
                }
            }
            case DigitalNode.FloatConv c -> floatConv(c, x, it, mx, y, out);
            case DigitalNode.Add a -> {
                double[] b = env.get(a.b());
                TensorType bt = g.value(a.b()).type();
                double[] mb = scales(m, a.b(), b.length);
                for (int i = 0; i < y.length; i++)
                    out[i] = mx[i] + mb[i] + Math.abs(it.toReal(x[i])) + Math.abs(bt.toReal(b[i])) + Math.abs(y[i]);
            }
            case Node.Affine a -> {
                int per = it.shape().perChannel();
                for (int i = 0; i < y.length; i++) {
                    float v = it.toReal(x[i]);
                    double s = mx[i];
                    for (AffineStep st : a.steps()) {
                        float k = st.constant(i / per), next = st.apply(v, i / per);
                        s = switch (st.op()) {
                            case MUL -> s * Math.abs(k) + Math.abs(next);
                            case DIV -> s / Math.abs(k) + Math.abs(next);
                            case ADD, SUB, RSUB -> s + Math.abs(next);
                            // clipped to the constant: exact, unless the input is near the clip point
                            case MAX -> v < k - 2 * U * s ? 0 : s;
                            case MIN -> v > k + 2 * U * s ? 0 : s;
                            case PRELU -> v >= 0 ? s : s * Math.abs(k) + Math.abs(next);
                        };
                        v = next;
                    }
                    out[i] = s;
                }
            }
            case Node.ScaleDropout s -> {
                for (int i = 0; i < y.length; i++) {
                    double f = Math.abs(it.toReal(x[i])) == 0 ? 0 : Math.abs(y[i] / it.toReal(x[i]));
                    out[i] = mx[i] * f + Math.abs(y[i]);
                }
            }
            case Node.BinaryDense d -> binary(d.weights().rows(), x, it, ot, out);
            case Node.BinaryConv c -> binary(c.weights().rows(), x, it, ot, out);
            case Node.Reshape r -> System.arraycopy(mx, 0, out, 0, out.length);
            case Node.McDropout d -> {
                for (int i = 0; i < y.length; i++) out[i] = y[i] == 0 ? 0 : mx[i];
            }
            case Node.MaxPool p -> {
                double worst = 0;
                for (double v : mx) worst = Math.max(worst, v);
                java.util.Arrays.fill(out, worst);
            }
            // exact outputs (decisions, integer codes) never reach here: the interpreter keeps no scales for them
            case Node.InputQuantize q -> {}
            case Node.InputBinarize b -> {}
            case Node.Sign s -> {}
            case Node.Threshold t -> {}
            case Node.Quantize q -> {}
            case Node.MultiThreshold t -> {}
            case Node.AvgPool p -> tensorRelative(y, ot, out);
            case Node.Softmax s -> tensorRelative(y, ot, out);
            case DecoderNode d -> tensorRelative(y, ot, out);
        }
        return out;
    }

    private static double[] scales(Map<String, double[]> m, String name, int length) {
        double[] s = m.get(name);
        return s != null ? s : new double[length];
    }

    /** The earlier rule's bound, |x| <= NEAR_TIE max|y|, as a scale. */
    private static void tensorRelative(double[] y, TensorType t, double[] out) {
        double max = 0;
        for (double v : y) max = Math.max(max, Math.abs(t.toReal(v)));
        java.util.Arrays.fill(out, ReferenceInterpreter.NEAR_TIE * max / (2 * U));
    }

    /** A bipolar-weight layer whose output scale ONNX Runtime applies through its float weights: K^2 |s| max|x|. */
    private static void binary(int k, double[] x, TensorType it, TensorType ot, double[] out) {
        double max = 0;
        for (double v : x) max = Math.max(max, Math.abs(it.toReal(v)));
        java.util.Arrays.fill(out, (double) k * k * Math.abs(ot.scale()) * max);
    }

    private static void floatConv(
            DigitalNode.FloatConv c, double[] x, TensorType it, double[] mx, double[] y, double[] out) {
        double[] sums = new double[2]; // |w x| of the taps, and the error they carry in
        ReferenceInterpreter.forEachTap(c, it.shape(), c.output().shape(), new ReferenceInterpreter.Taps() {
            public void tap(int at, float weight) {
                double w = Math.abs(weight);
                sums[0] += w * Math.abs(it.toReal(x[at]));
                sums[1] += w * mx[at];
            }

            public void output(int channel, int idx, int taps) {
                out[idx] = taps * sums[0] + sums[1] + Math.abs(y[idx]);
                sums[0] = sums[1] = 0;
            }
        });
    }
}
