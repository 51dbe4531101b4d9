package org.bnncim.compiler.driver;

/**
 * One example's per-pixel Monte-Carlo summary, in float32 as the .npy files hold it (metrics are computed from
 * these same values, so numbers recomputed from the files agree). Entropies are in nats.
 *
 * @param mean     mean probability per output channel, [C][H][W] flattened; with C = 1 the foreground probability
 * @param entropy  predictive entropy H(mean) per pixel, [H][W]
 * @param expected expected entropy, the mean over passes of each pass's entropy
 * @param mutual   mutual information H(mean) - expected, clipped at 0 against rounding
 * @param classes  predicted class per pixel (argmax of the mean, the lower class on a tie)
 */
public record PixelMaps(
        ModelOutput output, float[] mean, float[] entropy, float[] expected, float[] mutual, byte[] classes) {

    /** Summarises the outputs of one example's passes (one row per pass, laid out [C][H][W]). */
    public static PixelMaps of(float[][] samples, ModelOutput o) {
        int hw = o.area(), k = o.classes();
        float[] mean = new float[o.channels() * hw];
        float[] ent = new float[hw], exp = new float[hw], mi = new float[hw];
        byte[] cls = new byte[hw];
        double[] p = new double[k], m = new double[k];
        for (int q = 0; q < hw; q++) {
            java.util.Arrays.fill(m, 0);
            double eh = 0;
            for (float[] y : samples) {
                o.pixel(y, q, p);
                eh += Metrics.entropy(p);
                for (int c = 0; c < k; c++) m[c] += p[c];
            }
            for (int c = 0; c < k; c++) m[c] /= samples.length;
            eh /= samples.length;
            double h = Metrics.entropy(m);
            ent[q] = (float) h;
            exp[q] = (float) eh;
            mi[q] = (float) Math.max(0, h - eh);
            int best = Metrics.argmax(m);
            cls[q] = (byte) best;
            if (o.channels() == 1) mean[q] = (float) m[1];
            else for (int c = 0; c < k; c++) mean[c * hw + q] = (float) m[c];
        }
        return new PixelMaps(o, mean, ent, exp, mi, cls);
    }

    public int area() {
        return entropy.length;
    }

    public int predicted(int q) {
        return classes[q] & 0xFF;
    }

    /** Mean probability of class {@code c} at pixel {@code q}. */
    public double probability(int q, int c) {
        int hw = area();
        if (output.channels() == 1) return c == 1 ? mean[q] : 1.0 - mean[q];
        return mean[c * hw + q];
    }

    /** The probability of the predicted class. */
    public double confidence(int q) {
        return probability(q, predicted(q));
    }

    public double meanEntropy() {
        return average(entropy);
    }

    public double meanMutualInformation() {
        return average(mutual);
    }

    public double meanExpectedEntropy() {
        return average(expected);
    }

    /** Share of pixels predicted as a class other than 0 (the background). */
    public double foreground() {
        int n = 0;
        for (byte b : classes) if (b != 0) n++;
        return (double) n / classes.length;
    }

    /** Mean confidence of the predicted class over the pixels. */
    public double meanConfidence() {
        double s = 0;
        for (int q = 0; q < area(); q++) s += confidence(q);
        return s / area();
    }

    private static double average(float[] v) {
        double s = 0;
        for (float f : v) s += f;
        return s / v.length;
    }
}
