package org.bnncim.backends.sim.kernels;

/**
 * The encoder-decoder kinds on the chip. A transposed convolution is a crossbar layer like a convolution: each output
 * position drives the word lines of the taps whose input position exists (the others stay undriven), so its sums
 * come from the cells through {@link VectorKernel} or {@link BlockKernel}. Resize and concat are address generation
 * and buffering, exact copies; the output activations are the digital periphery's float32, in the order of the
 * reference interpreter.
 */
public final class DecoderKernels {
    private DecoderKernels() {}

    /**
     * The word-line vector of output position (oy, ox) into {@code col[base ..]}: tap (i, j) of input channel ci
     * carries the input element whose scatter lands here, 0 (undriven) where none does.
     */
    static void patch(int[] x, ConvGeometry g, int oy, int ox, int[] col, int base) {
        int cin = g.cin(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), sy = g.strideY(), sx = g.strideX();
        for (int ci = 0; ci < cin; ci++) {
            for (int i = 0; i < kh; i++) {
                int ty = oy + g.padTop() - i * g.dilationY();
                boolean rowIn = ty >= 0 && ty % sy == 0 && ty / sy < h;
                int rowBase = (ci * h + (rowIn ? ty / sy : 0)) * w;
                for (int j = 0; j < kw; j++) {
                    int tx = ox + g.padLeft() - j * g.dilationX();
                    boolean in = rowIn && tx >= 0 && tx % sx == 0 && tx / sx < w;
                    col[base + (ci * kh + i) * kw + j] = in ? x[rowBase + tx / sx] : 0;
                }
            }
        }
    }

    /** One position at a time through {@link VectorKernel}: the path that models per-read faults. */
    public static int[] convolveTranspose(
            CrossbarLayer l, int[] x, ConvGeometry g, InputPlanes in, int outSize, CellReads reads) {
        int[] acc = new int[outSize];
        int[] col = new int[l.k()];
        for (int oy = 0; oy < g.oh(); oy++) {
            for (int ox = 0; ox < g.ow(); ox++) {
                patch(x, g, oy, ox, col, 0);
                VectorKernel.accumulate(l, col, in, new Sums(acc, oy * g.ow() + ox, g.positions(), 0), reads);
            }
        }
        return acc;
    }

    /** Every output position's vector as one block, without read faults: the same sums as the one-by-one path. */
    public static int[] convolveTransposeBlock(CrossbarLayer l, int[] x, ConvGeometry g, InputPlanes in, int outSize) {
        int k = l.k(), positions = g.positions();
        int[] acc = new int[outSize];
        int[] col = new int[Math.multiplyExact(positions, k)];
        for (int oy = 0; oy < g.oh(); oy++) {
            for (int ox = 0; ox < g.ow(); ox++) patch(x, g, oy, ox, col, (oy * g.ow() + ox) * k);
        }
        int[][] xs = new int[positions][];
        int[] base = new int[positions];
        for (int q = 0; q < positions; q++) {
            xs[q] = col;
            base[q] = q * k;
        }
        BlockKernel.accumulate(l, new Vectors(xs, base, positions), in, Sums.columnMajor(acc, positions));
        return acc;
    }

    /** {@code y[c][i][j] = x[c][rows[i]][cols[j]]} over [ch, h, w]. */
    public static int[] resize(int[] x, int h, int w, int[] rows, int[] cols) {
        int ch = x.length / (h * w), oh = rows.length, ow = cols.length;
        int[] y = new int[ch * oh * ow];
        for (int c = 0, o = 0; c < ch; c++) {
            for (int i = 0; i < oh; i++) {
                int b = (c * h + rows[i]) * w;
                for (int j = 0; j < ow; j++) y[o++] = x[b + cols[j]];
            }
        }
        return y;
    }

    /** {@link #resize(int[], int, int, int[], int[])} of float values. */
    public static float[] resize(float[] x, int h, int w, int[] rows, int[] cols) {
        int ch = x.length / (h * w), oh = rows.length, ow = cols.length;
        float[] y = new float[ch * oh * ow];
        for (int c = 0, o = 0; c < ch; c++) {
            for (int i = 0; i < oh; i++) {
                int b = (c * h + rows[i]) * w;
                for (int j = 0; j < ow; j++) y[o++] = x[b + cols[j]];
            }
        }
        return y;
    }

    /**
     * Softmax over the {@code ch} channels of every pixel in float32: the max, exp(x - max) rounded to float, summed
     * over channels in ascending order, each divided by the sum (the reference interpreter's order).
     */
    public static float[] pixelSoftmax(float[] x, int ch) {
        int per = x.length / ch;
        float[] y = new float[x.length];
        for (int q = 0; q < per; q++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < ch; c++) max = Math.max(max, x[c * per + q]);
            float sum = 0f;
            for (int c = 0; c < ch; c++) sum += y[c * per + q] = (float) Math.exp(x[c * per + q] - max);
            for (int c = 0; c < ch; c++) y[c * per + q] /= sum;
        }
        return y;
    }

    /** {@code 1 / (1 + exp(-x))} in double, rounded once to float32. */
    public static float[] sigmoid(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) (1.0 / (1.0 + Math.exp(-x[i])));
        return y;
    }
}
