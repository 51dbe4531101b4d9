package org.bnncim.backends.sim;

import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Shape;

/**
 * The full-precision layers of the digital datapath ({@link DigitalNode.FloatDense}, {@link DigitalNode.FloatConv})
 * in float32, summed in exactly the reference interpreter's order (k ascending; ci, i, j ascending, then the bias),
 * so that the simulator is bit-identical to it. Java float arithmetic is strict IEEE 754 (no fused multiply-add), so
 * the same order gives the same bits.
 */
final class FloatLayers {
    private FloatLayers() {}

    /** {@code y[n] = (sum over k ascending of x[k] * w[k][n]) + bias[n]}, w row-major [K][N], bias N or empty. */
    static float[] dense(float[] x, float[] w, float[] bias, int k, int n) {
        float[] y = new float[n];
        for (int col = 0; col < n; col++) {
            float acc = 0f;
            for (int r = 0, at = col; r < k; r++, at += n) acc += x[r] * w[at];
            y[col] = bias.length == 0 ? acc : acc + bias[col];
        }
        return y;
    }

    /** ONNX Conv with zero padding and groups on [C,H,W]; w [Cout][Cin/group][kh][kw]. */
    static float[] conv(DigitalNode.FloatConv c, float[] x, float[] w, float[] bias, Shape is, Shape os) {
        int h = is.dim(1), wd = is.dim(2);
        int cout = os.dim(0), oh = os.dim(1), ow = os.dim(2);
        int[] s = c.strides(), p = c.pads(), d = c.dilations();
        int kh = c.kh(), kw = c.kw();
        int cinG = c.inChannels() / c.group(), coutG = cout / c.group();
        float[] y = new float[os.size()];
        for (int o = 0; o < cout; o++) {
            int g = o / coutG;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    float acc = 0f;
                    for (int ci = 0; ci < cinG; ci++) {
                        int plane = (g * cinG + ci) * h;
                        int wBase = (o * cinG + ci) * kh;
                        for (int i = 0; i < kh; i++) {
                            int iy = oy * s[0] - p[0] + i * d[0];
                            if (iy < 0 || iy >= h) continue; // zero padding contributes nothing
                            int row = (plane + iy) * wd, wRow = (wBase + i) * kw;
                            for (int j = 0; j < kw; j++) {
                                int ix = ox * s[1] - p[1] + j * d[1];
                                if (ix < 0 || ix >= wd) continue;
                                acc += x[row + ix] * w[wRow + j];
                            }
                        }
                    }
                    y[(o * oh + oy) * ow + ox] = bias.length == 0 ? acc : acc + bias[o];
                }
            }
        }
        return y;
    }
}
