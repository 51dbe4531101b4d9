package org.bnncim.compiler.driver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A classifier evaluation's per-example results (what eval -o saves as arrays and draws in eval.html): per dataset
 * the Monte-Carlo summary of every example and, at a few prefixes 1..t of the same passes, its predicted class and
 * predictive entropy, so that accuracy and AUROC against T come from the passes already run.
 */
public final class EvalData {
    private EvalData() {}

    /** Prefix lengths are all of 1..T up to this many; beyond, this many spread geometrically (T always last). */
    static final int MAX_POINTS = 48;

    /**
     * One dataset's results.
     *
     * @param name        how outputs name it: the folder or file name (see {@link #names})
     * @param labels      the labels, or null for an OOD set
     * @param points      the prefix lengths t of {@code predictedAt} and {@code entropyAt} (increasing, last = T)
     * @param predictedAt [example][k]: predicted class from the mean of the first {@code points[k]} passes
     * @param entropyAt   [example][k]: the predictive entropy of that mean
     */
    public record Scored(
            String name,
            Path images,
            Metrics.Predictive[] preds,
            int[] labels,
            int[] points,
            int[][] predictedAt,
            double[][] entropyAt) {

        public int size() {
            return preds.length;
        }

        public double[] entropy() {
            return Arrays.stream(preds)
                    .mapToDouble(Metrics.Predictive::predictiveEntropy)
                    .toArray();
        }

        public double[] expectedEntropy() {
            return Arrays.stream(preds)
                    .mapToDouble(Metrics.Predictive::expectedEntropy)
                    .toArray();
        }

        public double[] mutualInformation() {
            return Arrays.stream(preds)
                    .mapToDouble(Metrics.Predictive::mutualInformation)
                    .toArray();
        }

        /** Accuracy of the first {@code points[k]} passes (labelled sets only). */
        public double accuracyAt(int k) {
            int ok = 0;
            for (int i = 0; i < preds.length; i++) if (predictedAt[i][k] == labels[i]) ok++;
            return (double) ok / preds.length;
        }

        public double[] entropyAt(int k) {
            double[] e = new double[preds.length];
            for (int i = 0; i < e.length; i++) e[i] = entropyAt[i][k];
            return e;
        }
    }

    /** One example: its summary over all passes and at each prefix of {@code points}. */
    record Example(Metrics.Predictive all, int[] predictedAt, double[] entropyAt) {}

    /** The prefix lengths reported for {@code samples} passes (0 = one deterministic pass, reported as 1). */
    public static int[] points(int samples) {
        int t = Math.max(1, samples);
        if (t <= MAX_POINTS) return java.util.stream.IntStream.rangeClosed(1, t).toArray();
        TreeSet<Integer> s = new TreeSet<>();
        for (int k = 0; k < MAX_POINTS; k++) s.add((int) Math.round(Math.pow(t, k / (double) (MAX_POINTS - 1))));
        s.add(t);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    static Example example(float[][] passes, ModelOutput output, int[] points) {
        int c = output.classes();
        double[] sum = new double[c], mean = new double[c];
        double expected = 0;
        int[] pred = new int[points.length];
        double[] ent = new double[points.length];
        int k = 0;
        for (int t = 0; t < passes.length; t++) {
            double[] p = output.probabilities(passes[t]);
            expected += Metrics.entropy(p);
            for (int j = 0; j < c; j++) sum[j] += p[j];
            if (k < points.length && points[k] == t + 1) {
                for (int j = 0; j < c; j++) mean[j] = sum[j] / (t + 1);
                pred[k] = Metrics.argmax(mean);
                ent[k] = Metrics.entropy(mean);
                k++;
            }
        }
        for (int j = 0; j < c; j++) mean[j] = sum[j] / passes.length;
        var all = new Metrics.Predictive(mean, Metrics.entropy(mean), expected / passes.length);
        return new Example(all, pred, ent);
    }

    static Scored scored(String name, Path images, List<Example> ex, int[] labels, int[] points) {
        int n = ex.size();
        Metrics.Predictive[] preds = new Metrics.Predictive[n];
        int[][] pred = new int[n][];
        double[][] ent = new double[n][];
        for (int i = 0; i < n; i++) {
            preds[i] = ex.get(i).all();
            pred[i] = ex.get(i).predictedAt();
            ent[i] = ex.get(i).entropyAt();
        }
        return new Scored(name, images, preds, labels, points, pred, ent);
    }

    /** A reliability-diagram bin: examples whose confidence falls in [lo, hi). */
    public record Bin(double lo, double hi, int count, double confidence, double accuracy) {}

    /** Equal-width confidence bins, as {@link Metrics#ece} uses them; empty bins have NaN means. */
    public static List<Bin> reliability(Scored s, int bins) {
        double[] conf = new double[bins], acc = new double[bins];
        int[] count = new int[bins];
        for (int i = 0; i < s.size(); i++) {
            double c = s.preds()[i].confidence();
            int b = Math.min(bins - 1, (int) (c * bins));
            conf[b] += c;
            acc[b] += s.preds()[i].predicted() == s.labels()[i] ? 1 : 0;
            count[b]++;
        }
        List<Bin> out = new ArrayList<>(bins);
        for (int b = 0; b < bins; b++) {
            out.add(new Bin(
                    (double) b / bins,
                    (double) (b + 1) / bins,
                    count[b],
                    count[b] == 0 ? Double.NaN : conf[b] / count[b],
                    count[b] == 0 ? Double.NaN : acc[b] / count[b]));
        }
        return out;
    }

    /**
     * The ROC curve of telling positives (OOD) from negatives (in-distribution) by a score, higher = more OOD:
     * points (false-positive rate, true-positive rate) from (0,0) to (1,1), one per distinct threshold.
     */
    public static List<double[]> roc(double[] negatives, double[] positives) {
        double[] all = new double[negatives.length + positives.length];
        System.arraycopy(negatives, 0, all, 0, negatives.length);
        System.arraycopy(positives, 0, all, negatives.length, positives.length);
        double[] neg = negatives.clone(), pos = positives.clone();
        Arrays.sort(neg);
        Arrays.sort(pos);
        double[] thresholds = Arrays.stream(all).distinct().sorted().toArray();
        List<double[]> pts = new ArrayList<>();
        pts.add(new double[] {0, 0});
        for (int i = thresholds.length - 1; i >= 0; i--) {
            double th = thresholds[i];
            pts.add(new double[] {atLeast(neg, th) / (double) neg.length, atLeast(pos, th) / (double) pos.length});
        }
        return pts;
    }

    private static int atLeast(double[] sorted, double th) {
        int lo = 0, hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < th) lo = mid + 1;
            else hi = mid;
        }
        return sorted.length - lo;
    }

    /**
     * Output names of the datasets: a folder's name, or a file's name without {@code .npy} and a trailing
     * {@code images}; characters outside [A-Za-z0-9._-] become '_', and a repeated name gets -2, -3, ...
     */
    public static List<String> names(List<Path> given) {
        List<String> out = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Path p : given) {
            Path abs = p.toAbsolutePath().normalize();
            String n = abs.getFileName() == null ? "data" : abs.getFileName().toString();
            if (!Files.isDirectory(abs)) {
                if (n.toLowerCase(Locale.ROOT).endsWith(".npy")) n = n.substring(0, n.length() - 4);
                if (n.endsWith("images") && n.length() > "images".length()) n = n.substring(0, n.length() - 6);
                n = n.replaceAll("[-_.]+$", "");
            }
            n = n.replaceAll("[^A-Za-z0-9._-]", "_");
            if (n.isEmpty() || n.startsWith(".")) n = "data" + n;
            String unique = n;
            for (int k = 2; !used.add(unique); k++) unique = n + "-" + k;
            out.add(unique);
        }
        return out;
    }
}
