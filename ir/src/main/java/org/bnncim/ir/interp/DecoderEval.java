package org.bnncim.ir.interp;

import java.util.Map;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;

/**
 * The reference semantics of the encoder-decoder kinds, kept apart from {@link ReferenceInterpreter} so that file
 * stays readable. Values are stored numbers as there: Resize and Concat move them unchanged (element type and scale
 * pass through), the transposed convolution sums integers exactly, the output activations round to float32 at every
 * step in the order the design note fixes (docs/program-format.md), which the simulator repeats.
 */
final class DecoderEval {
    private DecoderEval() {}

    static double[] concat(DecoderNode.Concat c, Map<String, double[]> env, Shape os) {
        double[] y = new double[os.size()];
        int at = 0;
        for (String s : c.sources()) {
            double[] v = env.get(s);
            System.arraycopy(v, 0, y, at, v.length);
            at += v.length;
        }
        return y;
    }

    static double[] sigmoid(double[] x, TensorType it) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) (1.0 / (1.0 + Math.exp(-it.toReal(x[i]))));
        return y;
    }

    static double[] resize(double[] x, Shape is, int[] rows, int[] cols) {
        int ch = is.dim(0), h = is.dim(1), w = is.dim(2), oh = rows.length, ow = cols.length;
        double[] y = new double[ch * oh * ow];
        for (int c = 0; c < ch; c++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) y[(c * oh + i) * ow + j] = x[(c * h + rows[i]) * w + cols[j]];
        return y;
    }

    /**
     * The gather form: output position (oy, ox) reads tap (i, j) from the input position whose scatter lands there,
     * {@code iy = (oy + pad - i * dilation) / stride} when that divides exactly and lies inside the input.
     */
    static double[] convTranspose(DecoderNode.BinaryConvTranspose t, double[] x, Shape is, Shape os) {
        int cin = is.dim(0), h = is.dim(1), w = is.dim(2);
        int cout = os.dim(0), oh = os.dim(1), ow = os.dim(2);
        int[] s = t.strides(), p = t.pads(), d = t.dilations();
        int kh = t.kh(), kw = t.kw();
        BitMatrix wm = t.weights();
        double[] y = new double[os.size()];
        for (int o = 0; o < cout; o++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    long acc = 0;
                    for (int ci = 0; ci < cin; ci++) {
                        for (int i = 0; i < kh; i++) {
                            int ty = oy + p[0] - i * d[0];
                            if (ty < 0 || ty % s[0] != 0 || ty / s[0] >= h) continue; // undriven word lines
                            int iy = ty / s[0];
                            for (int j = 0; j < kw; j++) {
                                int tx = ox + p[1] - j * d[1];
                                if (tx < 0 || tx % s[1] != 0 || tx / s[1] >= w) continue;
                                int row = (ci * kh + i) * kw + j;
                                acc += (long) x[(ci * h + iy) * w + tx / s[1]] * wm.get(row, o);
                            }
                        }
                    }
                    y[(o * oh + oy) * ow + ox] = acc;
                }
            }
        }
        return y;
    }

    /** Per pixel: the max over channels, exp(x - max) in float32, summed ascending over channels, each over the sum. */
    static double[] pixelSoftmax(double[] x, TensorType it) {
        Shape is = it.shape();
        int ch = is.dim(0), per = is.dim(1) * is.dim(2);
        double[] y = new double[x.length];
        float[] e = new float[ch];
        for (int q = 0; q < per; q++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < ch; c++) max = Math.max(max, it.toReal(x[c * per + q]));
            float sum = 0f;
            for (int c = 0; c < ch; c++) {
                e[c] = (float) Math.exp(it.toReal(x[c * per + q]) - max);
                sum += e[c];
            }
            for (int c = 0; c < ch; c++) y[c * per + q] = e[c] / sum;
        }
        return y;
    }
}
