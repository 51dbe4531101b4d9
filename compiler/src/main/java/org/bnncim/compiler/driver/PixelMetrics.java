package org.bnncim.compiler.driver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Segmentation metrics over every pixel of a split, pooled (not averaged per image): a small image with one wrong
 * pixel must not weigh as much as a whole wrong image.
 */
public final class PixelMetrics {
    private PixelMetrics() {}

    /**
     * Dice and IoU of one class over the split. Both are NaN when the class is neither in the masks nor predicted
     * (0/0: nothing to score).
     */
    public record ClassScore(int cls, long truePixels, long predictedPixels, double dice, double iou) {}

    /**
     * @param meanDice       and {@code meanIou}: over the classes present in the masks of the split (a class absent
     *                       from the ground truth has no overlap to measure; predicting it anyway still lowers the
     *                       Dice of the classes it was taken from)
     * @param ece            pixel ECE: equal-width bins over the confidence (mean probability of the predicted class)
     * @param nll            mean over pixels of -log(mean probability of the true class), floored at 1e-12
     * @param aurocEntropy   and {@code aurocMutual}: AUROC of telling wrong pixels (positives) from right ones by the
     *                       pixel's predictive entropy, or its mutual information; NaN if all are right or all wrong
     */
    public record Scores(
            long pixels,
            long wrongPixels,
            double pixelAccuracy,
            double nll,
            double ece,
            List<ClassScore> perClass,
            double meanDice,
            double meanIou,
            double meanEntropy,
            double meanExpectedEntropy,
            double meanMutualInformation,
            double aurocEntropy,
            double aurocMutual) {}

    public static Scores score(PixelMaps[] maps, byte[][] masks, int bins) {
        int k = maps[0].output().classes();
        long[] tp = new long[k], truth = new long[k], pred = new long[k];
        double[] binConf = new double[bins];
        long[] binRight = new long[bins], binCount = new long[bins];
        long pixels = 0, wrong = 0;
        double nll = 0, ent = 0, exp = 0, mi = 0;
        for (PixelMaps m : maps) pixels += m.area();
        float[] wrongEnt = new float[(int) pixels], rightEnt = new float[(int) pixels];
        float[] wrongMi = new float[(int) pixels], rightMi = new float[(int) pixels];
        int nw = 0, nr = 0;
        for (int i = 0; i < maps.length; i++) {
            PixelMaps m = maps[i];
            for (int q = 0; q < m.area(); q++) {
                int t = masks[i][q] & 0xFF, p = m.predicted(q);
                truth[t]++;
                pred[p]++;
                double c = m.confidence(q);
                int b = Math.min(bins - 1, (int) (c * bins));
                binConf[b] += c;
                binCount[b]++;
                nll -= Math.log(Math.max(1e-12, m.probability(q, t)));
                ent += m.entropy()[q];
                exp += m.expected()[q];
                mi += m.mutual()[q];
                if (t == p) {
                    tp[t]++;
                    binRight[b]++;
                    rightEnt[nr] = m.entropy()[q];
                    rightMi[nr++] = m.mutual()[q];
                } else {
                    wrongEnt[nw] = m.entropy()[q];
                    wrongMi[nw++] = m.mutual()[q];
                    wrong++;
                }
            }
        }
        double e = 0;
        for (int b = 0; b < bins; b++) e += Math.abs(binRight[b] - binConf[b]);
        List<ClassScore> per = new ArrayList<>();
        double sumDice = 0, sumIou = 0;
        int present = 0;
        for (int c = 0; c < k; c++) {
            long fp = pred[c] - tp[c], fn = truth[c] - tp[c];
            ClassScore s = new ClassScore(c, truth[c], pred[c], dice(tp[c], fp, fn), iou(tp[c], fp, fn));
            per.add(s);
            if (truth[c] > 0) {
                present++;
                sumDice += s.dice();
                sumIou += s.iou();
            }
        }
        return new Scores(
                pixels,
                wrong,
                (double) (pixels - wrong) / pixels,
                nll / pixels,
                e / pixels,
                List.copyOf(per),
                present == 0 ? Double.NaN : sumDice / present,
                present == 0 ? Double.NaN : sumIou / present,
                ent / pixels,
                exp / pixels,
                mi / pixels,
                auroc(Arrays.copyOf(rightEnt, nr), Arrays.copyOf(wrongEnt, nw)),
                auroc(Arrays.copyOf(rightMi, nr), Arrays.copyOf(wrongMi, nw)));
    }

    /** 2TP / (2TP + FP + FN); NaN when the class is nowhere, in truth or prediction. */
    public static double dice(long tp, long fp, long fn) {
        long d = 2 * tp + fp + fn;
        return d == 0 ? Double.NaN : 2.0 * tp / d;
    }

    /** TP / (TP + FP + FN); NaN when the class is nowhere. */
    public static double iou(long tp, long fp, long fn) {
        long d = tp + fp + fn;
        return d == 0 ? Double.NaN : (double) tp / d;
    }

    /**
     * AUROC of higher scores meaning positive: the probability that a random positive outscores a random negative,
     * ties counted half. Sorts both sides (the arrays are sorted in place) and merges, so a split of a million pixels
     * costs no boxed pairs.
     */
    public static double auroc(float[] negatives, float[] positives) {
        if (negatives.length == 0 || positives.length == 0) return Double.NaN;
        Arrays.sort(negatives);
        Arrays.sort(positives);
        int below = 0, notAbove = 0;
        double wins = 0;
        for (float v : positives) {
            while (below < negatives.length && negatives[below] < v) below++;
            notAbove = Math.max(notAbove, below);
            while (notAbove < negatives.length && negatives[notAbove] <= v) notAbove++;
            wins += below + 0.5 * (notAbove - below);
        }
        return wins / ((double) negatives.length * positives.length);
    }
}
