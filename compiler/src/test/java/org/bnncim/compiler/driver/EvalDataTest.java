package org.bnncim.compiler.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pieces of eval -o's classifier outputs that are not simply Metrics: prefixes, names, ROC points, bins. */
class EvalDataTest {
    @TempDir
    Path tmp;

    @Test
    void prefixesAreEveryTUpToTheCapThenGeometricEndingAtT() {
        assertArrayEquals(new int[] {1}, EvalData.points(0));
        assertArrayEquals(new int[] {1, 2, 3, 4, 5}, EvalData.points(5));
        int[] p = EvalData.points(1000);
        assertEquals(1, p[0]);
        assertEquals(1000, p[p.length - 1]);
        for (int i = 1; i < p.length; i++) assertEquals(true, p[i] > p[i - 1]);
        assertEquals(true, p.length <= EvalData.MAX_POINTS + 1);
    }

    @Test
    void prefixSummariesAreTheMeansOfTheFirstPasses() {
        ModelOutput out = new ModelOutput(false, false, 3, 1, 1);
        float[][] passes = {{3, 0, 0}, {0, 3, 0}, {0, 3.5f, 0}};
        EvalData.Example e = EvalData.example(passes, out, new int[] {1, 2, 3});
        assertArrayEquals(new int[] {0, 0, 1}, e.predictedAt()); // tie at t=2 goes to the first class
        double[] p1 = Metrics.softmax(passes[0]);
        assertEquals(Metrics.entropy(p1), e.entropyAt()[0], 1e-12);
        assertEquals(e.all().predictiveEntropy(), e.entropyAt()[2], 1e-12);
        assertArrayEquals(Metrics.predictive(passes, out).mean(), e.all().mean(), 0);
    }

    @Test
    void namesComeFromFoldersAndFilesAndRepeatsAreNumbered() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mnist"));
        Path f = Files.createFile(tmp.resolve("fashion-200-images.npy"));
        Path odd = Files.createFile(tmp.resolve("my set.npy"));
        assertEquals(
                List.of("mnist", "fashion-200", "fashion-200-2", "my_set"), EvalData.names(List.of(dir, f, f, odd)));
    }

    @Test
    void rocPointsEncloseTheAuroc() {
        SplittableRandom r = new SplittableRandom(3);
        double[] neg = new double[57], pos = new double[41];
        for (int i = 0; i < neg.length; i++) neg[i] = Math.floor(r.nextDouble() * 20) / 10; // ties on purpose
        for (int i = 0; i < pos.length; i++) pos[i] = Math.floor(r.nextDouble() * 20 + 5) / 10;
        List<double[]> pts = EvalData.roc(neg, pos);
        assertArrayEquals(new double[] {0, 0}, pts.get(0), 0);
        assertArrayEquals(new double[] {1, 1}, pts.get(pts.size() - 1), 0);
        double area = 0; // trapezoids: a tie between the sets counts half, as in the rank-sum AUROC
        for (int i = 1; i < pts.size(); i++)
            area += (pts.get(i)[0] - pts.get(i - 1)[0]) * (pts.get(i)[1] + pts.get(i - 1)[1]) / 2;
        assertEquals(Metrics.auroc(neg, pos), area, 1e-12);
    }

    @Test
    void reliabilityBinsCountEveryExampleOnce() {
        Metrics.Predictive[] preds = {
            new Metrics.Predictive(new double[] {0.95, 0.05}, 0, 0),
            new Metrics.Predictive(new double[] {0.55, 0.45}, 0, 0),
            new Metrics.Predictive(new double[] {0.2, 0.8}, 0, 0),
            new Metrics.Predictive(new double[] {1.0, 0.0}, 0, 0)
        };
        int[] labels = {0, 1, 1, 0};
        var s = new EvalData.Scored("x", Path.of("x"), preds, labels, new int[] {1}, null, null);
        List<EvalData.Bin> bins = EvalData.reliability(s, 10);
        assertEquals(10, bins.size());
        assertEquals(2, bins.get(9).count()); // 0.95 and 1.0 (the top bin is closed)
        assertEquals(0.975, bins.get(9).confidence(), 1e-12);
        assertEquals(1.0, bins.get(9).accuracy(), 0);
        assertEquals(0.0, bins.get(5).accuracy(), 0);
        assertEquals(1.0, bins.get(8).accuracy(), 0);
        assertEquals(true, Double.isNaN(bins.get(0).accuracy()));
    }
}
