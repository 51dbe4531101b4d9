package org.bnncim.backends.sim.kernels;

/**
 * The periphery's pooling units: max over stored integers (popcounts, bipolar values, or k-bit activations, signed
 * or not: their scale is positive, so the largest stored integer is the largest real value), average in float32.
 */
public final class Pooling {
    private Pooling() {}

    /** Max over each window; positions that padding covers are ignored. */
    public static int[] max(int[] x, PoolGeometry g) {
        return extreme(x, g, new boolean[g.channels()], null);
    }

    /**
     * Max over each window of the channels with {@code !min[c]}, min over those with {@code min[c]}, nothing (0) for
     * those with {@code skip[c]} ({@code skip} may be null): a comparator that fires for {@code x <= t} fires
     * somewhere in a window iff it fires on the window's least value.
     */
    public static int[] extreme(int[] x, PoolGeometry g, boolean[] min, boolean[] skip) {
        int ch = g.channels(), h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        int[] y = new int[g.outSize()];
        if (g.kh() == 2
                && g.kw() == 2
                && g.strideY() == 2
                && g.strideX() == 2
                && g.padTop() == 0
                && g.padLeft() == 0
                && 2 * oh <= h
                && 2 * ow <= w) {
            // the common 2x2/2 window without padding: every window lies inside, no bounds tests
            for (int c = 0; c < ch; c++) {
                if (skip != null && skip[c]) continue;
                for (int oy = 0; oy < oh; oy++) {
                    int r0 = (c * h + 2 * oy) * w, r1 = r0 + w, o = (c * oh + oy) * ow;
                    if (min[c]) {
                        for (int ox = 0, i = 0; ox < ow; ox++, i += 2)
                            y[o + ox] =
                                    Math.min(Math.min(x[r0 + i], x[r0 + i + 1]), Math.min(x[r1 + i], x[r1 + i + 1]));
                    } else {
                        for (int ox = 0, i = 0; ox < ow; ox++, i += 2)
                            y[o + ox] =
                                    Math.max(Math.max(x[r0 + i], x[r0 + i + 1]), Math.max(x[r1 + i], x[r1 + i + 1]));
                    }
                }
            }
            return y;
        }
        for (int c = 0; c < ch; c++) {
            if (skip != null && skip[c]) continue;
            boolean least = min[c];
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int best = least ? Integer.MAX_VALUE : Integer.MIN_VALUE;
                    for (int i = 0; i < g.kh(); i++) {
                        int iy = oy * g.strideY() - g.padTop() + i;
                        if (iy < 0 || iy >= h) continue;
                        for (int j = 0; j < g.kw(); j++) {
                            int ix = ox * g.strideX() - g.padLeft() + j;
                            if (ix < 0 || ix >= w) continue;
                            int v = x[(c * h + iy) * w + ix];
                            best = least ? Math.min(best, v) : Math.max(best, v);
                        }
                    }
                    y[(c * oh + oy) * ow + ox] = best;
                }
            }
        }
        return y;
    }

    /**
     * Max over each window of float32 values (a residual network's stem pools its float activations); positions that
     * padding covers are ignored, as in {@link #max(int[], PoolGeometry)}.
     */
    public static float[] max(float[] x, PoolGeometry g) {
        int ch = g.channels(), h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        float[] y = new float[g.outSize()];
        for (int c = 0; c < ch; c++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    float best = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < g.kh(); i++) {
                        int iy = oy * g.strideY() - g.padTop() + i;
                        if (iy < 0 || iy >= h) continue;
                        for (int j = 0; j < g.kw(); j++) {
                            int ix = ox * g.strideX() - g.padLeft() + j;
                            if (ix >= 0 && ix < w) best = Math.max(best, x[(c * h + iy) * w + ix]);
                        }
                    }
                    y[(c * oh + oy) * ow + ox] = best;
                }
            }
        }
        return y;
    }

    /**
     * Mean of each window of the real values {@code x}, summed in double and rounded to float32 once. With
     * {@code countIncludePad}, padding positions (up to the bottom and right pads) count towards the divisor.
     */
    public static float[] average(float[] x, PoolGeometry g, boolean countIncludePad) {
        int ch = g.channels(), h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        float[] y = new float[g.outSize()];
        for (int c = 0; c < ch; c++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double sum = 0;
                    int count = 0;
                    for (int i = 0; i < g.kh(); i++) {
                        int iy = oy * g.strideY() - g.padTop() + i;
                        for (int j = 0; j < g.kw(); j++) {
                            int ix = ox * g.strideX() - g.padLeft() + j;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                sum += x[(c * h + iy) * w + ix];
                                count++;
                            } else if (countIncludePad && iy < h + g.padBottom() && ix < w + g.padRight()) {
                                count++;
                            }
                        }
                    }
                    y[(c * oh + oy) * ow + ox] = (float) (sum / count);
                }
            }
        }
        return y;
    }
}
