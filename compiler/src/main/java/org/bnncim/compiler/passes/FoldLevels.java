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
            for (int i = 0; i < steps; i++) {
                float th = qt[row + i];
                LongPredicate fires = x -> FoldThresholds.evalChain(c, src, x, cc, z) >= th;
                t[ch * steps + i] = boundary(fires, dir, bound);
            }
        }
        return new LevelSet(t, ge, steps);
    }

    /**
     * The comparator threshold of one level: with a rising chain the smallest x in [-bound, bound] that fires
     * (bound + 1 if none), with a falling one the largest (-bound - 1 if none), with a constant one -bound or
     * bound + 1 as the constant fires or not.
     */
    static long boundary(LongPredicate fires, int dir, long bound) {
        if (dir == 0) return fires.test(0) ? -bound : bound + 1;
        if (dir > 0) {
            long lo = -bound, hi = bound + 1;
            while (lo < hi) {
                long mid = Math.floorDiv(lo + hi, 2);
                if (fires.test(mid)) hi = mid;
                else lo = mid + 1;
            }
            return lo;
        }
        long lo = -bound - 1, hi = bound;
        while (lo < hi) {
            long mid = Math.floorDiv(lo + hi + 1, 2);
            if (fires.test(mid)) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
}
