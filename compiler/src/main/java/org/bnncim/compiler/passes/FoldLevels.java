package org.bnncim.compiler.passes;

import java.util.function.LongPredicate;
import org.bnncim.ir.Graph;
import org.bnncim.ir.LevelSet;
import org.bnncim.ir.Node;
import org.bnncim.ir.ScaleBit;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;

/**
 * The k-bit half of {@link FoldThresholds}: "popcount -> [ScaleDropout] -> affine steps -> Quantize" becomes a
 * {@link Node.MultiThreshold} with one integer comparator per level and channel. Level i (1..steps) fires when the
 * float the Quantize would see reaches its i-th float threshold; the integer boundary is found by binary search over
 * the popcount range on the very same float32 chain, as for the Sign, so the folded count equals the unfolded
 * quantizer for every integer input. A Scale-Dropout layer gets three banks: expected, kept and dropped.
 */
final class FoldLevels {
    private FoldLevels() {}

    static Node.MultiThreshold fold(Graph g, Node.Quantize q, FoldThresholds.Chain c, TensorType src) {
        long bound = IntBounds.maxAbs(g, c.source());
        int channels = src.shape().channels();
        LevelSet expected = levels(q, c, src, channels, bound, ScaleBit.EXPECTATION);
        Node.LevelStochastic st = null;
        if (c.dropout() != null) {
            st = new Node.LevelStochastic(
                    c.dropout().bit(),
                    c.dropout().p(),
                    levels(q, c, src, channels, bound, ScaleBit.KEPT),
                    levels(q, c, src, channels, bound, ScaleBit.DROPPED));
        }
        Value out = new Value(q.output().name(), q.output().type());
        return new Node.MultiThreshold(FoldThresholds.foldedName(c, q), c.source(), out, expected, st, q.base());
    }

    private static LevelSet levels(
            Node.Quantize q, FoldThresholds.Chain c, TensorType src, int channels, long bound, ScaleBit z) {
        int steps = q.steps();
        float[] qt = q.t();
        long[] t = new long[channels * steps];
        boolean[] ge = new boolean[channels];
        for (int ch = 0; ch < channels; ch++) {
            final int cc = ch;
            int row = (q.channels() == 1 ? 0 : ch) * steps;
            int dir = FoldThresholds.direction(c, ch, z);
            ge[ch] = dir >= 0;
            double lo = FoldThresholds.evalChain(c, src, -bound, ch, z);
            double hi = FoldThresholds.evalChain(c, src, bound, ch, z);
            for (int i = 0; i < steps; i++) {
                float th = qt[row + i];
                LongPredicate fires = x -> FoldThresholds.evalChain(c, src, x, cc, z) >= th;
                t[ch * steps + i] = boundary(fires, dir, bound, guess(lo, hi, th, dir, bound));
            }
        }
        return new LevelSet(t, ge, steps);
    }

    /**
     * The comparator threshold of one level: with a rising chain the smallest x in [-bound, bound] that fires
     * (bound + 1 if none), with a falling one the largest (-bound - 1 if none), with a constant one -bound or
     * bound + 1 as the constant fires or not.
     *
     * <p>{@code guess} only says where to look first (see {@link #guess}): {@code fires} is tested at the guess and
     * its neighbour, and a binary search covers whatever that leaves open. The result is the same for any guess, as
     * {@code fires} is monotone; a good one takes 2 tests instead of 11 (a 1024-row popcount).
     */
    static long boundary(LongPredicate fires, int dir, long bound, long guess) {
        if (dir == 0) return fires.test(0) ? -bound : bound + 1;
        long g = Math.max(-bound, Math.min(bound, guess));
        if (dir > 0) {
            // the answer stays in [lo, hi]
            long lo = -bound, hi = bound + 1;
            if (fires.test(g)) {
                hi = g;
                if (g > lo && !fires.test(g - 1)) lo = g;
            } else {
                lo = g + 1;
                if (g < bound && fires.test(g + 1)) hi = g + 1;
            }
            while (lo < hi) {
                long mid = Math.floorDiv(lo + hi, 2);
                if (fires.test(mid)) hi = mid;
                else lo = mid + 1;
            }
            return lo;
        }
        long lo = -bound - 1, hi = bound;
        if (fires.test(g)) {
            lo = g;
            if (g < hi && !fires.test(g + 1)) hi = g;
        } else {
            hi = g - 1;
            if (g > -bound && fires.test(g - 1)) lo = g - 1;
        }
        while (lo < hi) {
            long mid = Math.floorDiv(lo + hi + 1, 2);
            if (fires.test(mid)) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /**
     * Where the line through the chain's values at both ends of the popcount range, {@code yLo} at -bound and
     * {@code yHi} at bound, reaches {@code level}, rounded the way the boundary of {@code dir} is: the chains are
     * affine steps on an integer, so this lands on the boundary or next to it. NaN or infinite ends give 0.
     */
    static long guess(double yLo, double yHi, double level, int dir, long bound) {
        double a = yLo - level, b = yHi - level;
        double x = -bound + a * (2.0 * bound) / (a - b);
        if (!Double.isFinite(x)) return 0;
        return (long) (dir > 0 ? Math.ceil(x) : Math.floor(x));
    }
}
