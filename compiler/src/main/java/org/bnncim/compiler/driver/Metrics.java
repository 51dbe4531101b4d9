package org.bnncim.compiler.driver;

import java.util.Arrays;

/** Classification and uncertainty metrics over predictive distributions (rows of probabilities). */
public final class Metrics {
    private Metrics() {}

    public static double[] softmax(float[] logits) {
        double[] p = new double[logits.length];
        softmax(logits, 0, 1, p);
        return p;
    }

    /** Softmax of {@code p.length} logits {@code y[base + i * stride]} into {@code p}: one pixel's channels, too. */
    static void softmax(float[] y, int base, int stride, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < p.length; i++) max = Math.max(max, y[base + i * stride]);
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(y[base + i * stride] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) p[i] /= sum;
    }

    public static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
        return best;
    }

    public static int argmax(float[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
        return best;
    }

    public static double entropy(double[] p) {
        double h = 0;
        for (double v : p) if (v > 0) h -= v * Math.log(v);
        return h;
    }

    /** Per-example Monte-Carlo summary: mean probabilities and the entropy decomposition. */
    public record Predictive(double[] mean, double predictiveEntropy, double expectedEntropy) {
        public double mutualInformation() {
            return Math.max(0, predictiveEntropy - expectedEntropy);
        }

        public int predicted() {
            return argmax(mean);
        }

        public double confidence() {
            return mean[predicted()];
        }
    }

    public static Predictive predictive(float[][] sampleLogits) {
        return predictive(sampleLogits, null);
    }

    /** As {@link #predictive(float[][])}, reading each pass's output as {@code output} says (logits or not). */
    public static Predictive predictive(float[][] samples, ModelOutput output) {
        int c = output == null ? samples[0].length : output.classes();
        double[] mean = new double[c];
        double expected = 0;
        for (float[] l : samples) {
            double[] p = output == null ? softmax(l) : output.probabilities(l);
            expected += entropy(p);
            for (int i = 0; i < c; i++) mean[i] += p[i];
        }
        for (int i = 0; i < c; i++) mean[i] /= samples.length;
        return new Predictive(mean, entropy(mean), expected / samples.length);
    }

    public static double accuracy(Predictive[] preds, int[] labels) {
        int ok = 0;
        for (int i = 0; i < preds.length; i++) if (preds[i].predicted() == labels[i]) ok++;
        return (double) ok / preds.length;
    }

    public static double nll(Predictive[] preds, int[] labels) {
        double s = 0;
        for (int i = 0; i < preds.length; i++) s -= Math.log(Math.max(1e-12, preds[i].mean()[labels[i]]));
        return s / preds.length;
    }

    /** Expected calibration error with equal-width confidence bins. */
    public static double ece(Predictive[] preds, int[] labels, int bins) {
        double[] conf = new double[bins], acc = new double[bins];
        int[] count = new int[bins];
        for (int i = 0; i < preds.length; i++) {
            double c = preds[i].confidence();
            int b = Math.min(bins - 1, (int) (c * bins));
            conf[b] += c;
            acc[b] += preds[i].predicted() == labels[i] ? 1 : 0;
            count[b]++;
        }
        double e = 0;
        for (int b = 0; b < bins; b++) if (count[b] > 0) e += Math.abs(acc[b] - conf[b]);
        return e / preds.length;
    }

    /**
     * Area under the ROC curve for telling "positive" scores from "negative" ones (higher = more positive),
     * via the rank-sum statistic with ties counted half.
     */
    public static double auroc(double[] negatives, double[] positives) {
        int n = negatives.length + positives.length;
        double[][] all = new double[n][2];
        for (int i = 0; i < negatives.length; i++) all[i] = new double[] {negatives[i], 0};
        for (int i = 0; i < positives.length; i++) all[negatives.length + i] = new double[] {positives[i], 1};
        Arrays.sort(all, (a, b) -> Double.compare(a[0], b[0]));
        double rankSum = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && all[j + 1][0] == all[i][0]) j++;
            double avgRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) if (all[k][1] == 1) rankSum += avgRank;
            i = j + 1;
        }
        double np = positives.length, nn = negatives.length;
        return (rankSum - np * (np + 1) / 2) / (np * nn);
    }
}
