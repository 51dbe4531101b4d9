package org.bnncim.compiler.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Segmentation metrics on arrays small enough to work out by hand. Where a number is not a simple fraction it was
 * computed independently with /usr/bin/python3 and numpy (float64, from the float32 inputs) and pasted here.
 */
class PixelMetricsTest {
    /** One 2x3 example of a model that outputs probabilities [2,2,3] itself (softmax already applied). */
    private static final ModelOutput PROBS = new ModelOutput(true, true, 2, 2, 3);

    // foreground probability per pixel; the mask; prediction = fg > 0.5 -> [1 1 0 1 0 0]
    private static final float[] FG = {0.95f, 0.75f, 0.3f, 0.62f, 0.1f, 0.45f};
    private static final byte[] MASK = {1, 0, 0, 1, 1, 0};

    private static PixelMaps example() {
        float[] y = new float[12];
        for (int q = 0; q < 6; q++) {
            y[q] = 1 - FG[q];
            y[6 + q] = FG[q];
        }
        return PixelMaps.of(new float[][] {y}, PROBS);
    }

    @Test
    void diceIouAccuracyEceNllAndAurocByHand() {
        PixelMetrics.Scores s = PixelMetrics.score(new PixelMaps[] {example()}, new byte[][] {MASK}, 15);
        // right: pixels 0, 2, 3, 5; wrong: 1 (predicted 1, truth 0) and 4 (predicted 0, truth 1)
        assertEquals(6, s.pixels());
        assertEquals(2, s.wrongPixels());
        assertEquals(4.0 / 6, s.pixelAccuracy(), 1e-12);
        // class 1: TP = {0,3}, FP = {1}, FN = {4}: Dice = 2*2/(2*2+1+1) = 2/3, IoU = 2/(2+1+1) = 1/2
        // class 0: TP = {2,5}, FP = {4}, FN = {1}: the same 2/3 and 1/2
        for (PixelMetrics.ClassScore c : s.perClass()) {
            assertEquals(2.0 / 3, c.dice(), 1e-12);
            assertEquals(0.5, c.iou(), 1e-12);
            assertEquals(3, c.truePixels());
            assertEquals(3, c.predictedPixels());
        }
        assertEquals(2.0 / 3, s.meanDice(), 1e-12);
        assertEquals(0.5, s.meanIou(), 1e-12);
        // confidences .95 .75 .7 .62 .9 .55 fall in bins 14 11 10 9 13 8 of 15, one pixel each:
        // ECE = (|1-.95| + |0-.75| + |1-.7| + |1-.62| + |0-.9| + |1-.55|) / 6 = 2.83 / 6 (numpy on the float32
        // inputs: 0.4716666676104069)
        assertEquals(0.4716666676104069, s.ece(), 1e-7);
        // NLL = -mean(log [.95 .25 .7 .62 .1 .55]); numpy: 0.862120079908431
        assertEquals(0.862120079908431, s.nll(), 1e-7);
        // binary entropies (numpy): .1985 .5623 .6109 .6641 .3251 .6881; wrong pixels .5623 and .3251 each
        // outscore only the right pixel .1985: AUROC = (1 + 1) / (2 * 4) = 0.25
        assertEquals(0.25, s.aurocEntropy(), 1e-12);
        // one pass: MI is 0 everywhere, every pair a tie
        assertEquals(0.5, s.aurocMutual(), 1e-12);
    }

    @Test
    void meanIsOverClassesInTheMasksAndAbsentClassesAreNaN() {
        // 3 classes, truth all class 0 except one pixel of class 1; prediction all class 0; class 2 nowhere
        ModelOutput o = new ModelOutput(true, true, 3, 1, 4);
        float[] y = {0.8f, 0.8f, 0.8f, 0.8f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f};
        PixelMaps m = PixelMaps.of(new float[][] {y}, o);
        PixelMetrics.Scores s = PixelMetrics.score(new PixelMaps[] {m}, new byte[][] {{0, 0, 1, 0}}, 15);
        // class 0: TP 3, FP 1, FN 0: Dice 6/7, IoU 3/4; class 1: TP 0, FN 1: Dice 0, IoU 0; class 2: 0/0
        assertEquals(6.0 / 7, s.perClass().get(0).dice(), 1e-12);
        assertEquals(0.75, s.perClass().get(0).iou(), 1e-12);
        assertEquals(0, s.perClass().get(1).dice());
        assertTrue(Double.isNaN(s.perClass().get(2).dice())
                && Double.isNaN(s.perClass().get(2).iou()));
        assertEquals((6.0 / 7 + 0) / 2, s.meanDice(), 1e-12);
        assertEquals((0.75 + 0) / 2, s.meanIou(), 1e-12);
        // every pixel has the same entropy: wrong and right tie
        assertEquals(0.5, s.aurocEntropy(), 1e-12);
    }

    @Test
    void aurocWithTiesByHandAndAgainstTheRankSumVersion() {
        // negatives 0.1 0.4 0.4, positives 0.4 0.9: 0.4 beats 0.1 and ties two (1 + 2*0.5 = 2), 0.9 beats all (3)
        assertEquals(5.0 / 6, PixelMetrics.auroc(new float[] {0.4f, 0.1f, 0.4f}, new float[] {0.9f, 0.4f}), 1e-12);
        assertTrue(Double.isNaN(PixelMetrics.auroc(new float[0], new float[] {1})));
        Random r = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            float[] neg = new float[1 + r.nextInt(60)], pos = new float[1 + r.nextInt(60)];
            double[] dn = new double[neg.length], dp = new double[pos.length];
            for (int i = 0; i < neg.length; i++) dn[i] = neg[i] = r.nextInt(10) / 4f;
            for (int i = 0; i < pos.length; i++) dp[i] = pos[i] = r.nextInt(12) / 4f;
            assertEquals(Metrics.auroc(dn, dp), PixelMetrics.auroc(neg, pos), 1e-12);
        }
    }

    @Test
    void entropyDecompositionMatchesNumpyForSoftmaxLogits() {
        // 3 classes, 2x2 pixels, 3 passes of logits [C][H][W]; numpy: p = softmax over axis C per pass,
        // mean over passes, H = -sum m log m, EH = mean over passes of -sum p log p, MI = H - EH
        ModelOutput o = new ModelOutput(false, true, 3, 2, 2);
        float[][] passes = {
            {0.5f, -1.0f, 2.0f, 0.0f, 1.5f, 0.25f, -0.5f, 0.0f, -2.0f, 0.75f, 0.1f, 0.0f},
            {1.0f, -0.5f, 0.0f, 3.0f, 0.5f, 0.5f, 1.0f, -1.0f, -1.0f, 2.0f, 0.2f, 0.5f},
            {-0.25f, 0.0f, 1.0f, 1.0f, 2.5f, -1.5f, 0.5f, 1.0f, 0.0f, 1.0f, -3.0f, 1.0f}
        };
        PixelMaps m = PixelMaps.of(passes, o);
        double[] mean = {
            0.2976707782181776, 0.1380717674710739, 0.5432671626998519, 0.5251421969750599,
            0.6453554203749204, 0.18941792449928715, 0.33007524353398593, 0.2277703950919797,
            0.056973801406902023, 0.6725103080296391, 0.12665759376616226, 0.24708740793296036
        };
        double[] h = {0.8065829837011498, 0.8553432975179516, 0.9590520289210787, 1.0206357220748121};
        double[] eh = {0.6756791153093582, 0.7882505636849944, 0.7734675592694883, 0.848655291339409};
        double[] mi = {0.13090386839179158, 0.06709273383295722, 0.18558446965159037, 0.17198043073540314};
        for (int i = 0; i < 12; i++) assertEquals(mean[i], m.mean()[i], 1e-6, "mean " + i);
        for (int q = 0; q < 4; q++) {
            assertEquals(h[q], m.entropy()[q], 1e-6, "H " + q);
            assertEquals(eh[q], m.expected()[q], 1e-6, "EH " + q);
            assertEquals(mi[q], m.mutual()[q], 1e-6, "MI " + q);
        }
        assertArrayEquals(new byte[] {1, 2, 0, 0}, m.classes());
    }

    @Test
    void entropyDecompositionMatchesNumpyForOneSigmoidChannel() {
        // C = 1: p = sigmoid(logit) per pass, classes [1-p, p]; numpy on logits [2,-1,0] and [-0.5,-3,4]
        ModelOutput o = new ModelOutput(false, true, 1, 1, 3);
        PixelMaps m = PixelMaps.of(new float[][] {{2f, -1f, 0f}, {-0.5f, -3f, 4f}}, o);
        double[] fg = {0.629168873388014, 0.15818364727378095, 0.7410068950189542};
        double[] h = {0.6593965389910066, 0.4366456409156685, 0.5720010996789477};
        double[] eh = {0.5140905868331934, 0.38653403999733016, 0.39162097416306063};
        double[] mi = {0.14530595215781317, 0.05011160091833833, 0.1803801255158871};
        for (int q = 0; q < 3; q++) {
            assertEquals(fg[q], m.mean()[q], 1e-6, "foreground " + q);
            assertEquals(h[q], m.entropy()[q], 1e-6);
            assertEquals(eh[q], m.expected()[q], 1e-6);
            assertEquals(mi[q], m.mutual()[q], 1e-6);
        }
        assertArrayEquals(new byte[] {1, 0, 1}, m.classes());
        assertEquals(2.0, o.classes());
    }

    @Test
    void probabilitiesAreUsedAsTheyAreNotSoftmaxedAgain() {
        // a classifier ending in Softmax: [0.7, 0.2, 0.1] stays that; softmax again would give [.46 .28 .26]
        ModelOutput o = new ModelOutput(true, false, 3, 1, 1);
        Metrics.Predictive p = Metrics.predictive(new float[][] {{0.7f, 0.2f, 0.1f}}, o);
        assertArrayEquals(new double[] {0.7f, 0.2f, 0.1f}, p.mean(), 1e-12);
        Metrics.Predictive logits = Metrics.predictive(new float[][] {{0.7f, 0.2f, 0.1f}});
        assertTrue(logits.confidence() < 0.5, "the old reading of the same numbers as logits");
    }
}
