package org.bnncim.backends.sim;

import org.bnncim.backends.rng.Lfsr32;
import org.bnncim.ir.Graph;
import org.bnncim.ir.interp.BitSampler;

/**
 * The stochastic unit's bits for pass {@code sample} of example {@code example}: one per Scale-Dropout layer, in
 * schedule order. Either the counter-based model (any order, any thread count, same bits) or the LFSR the Verilog
 * implements (a sequential stream, precomputed for the whole run).
 */
public interface BitSource {
    boolean[] bits(int example, int sample);

    static BitSource counterBased(Graph g, long seed, double bias) {
        float[] p = BitSampler.probabilities(g);
        for (int i = 0; i < p.length; i++) p[i] = (float) Math.max(0, Math.min(1, p[i] + bias));
        BitSampler s = new BitSampler(p, seed);
        return s::bits;
    }

    /** The LFSR stream for {@code examples} x {@code samples} passes, drawn in the documented order. */
    static BitSource lfsr(Graph g, long seed, double bias, int examples, int samples) {
        float[] p = BitSampler.probabilities(g);
        long[] thr = new long[p.length];
        for (int i = 0; i < p.length; i++) thr[i] = Lfsr32.threshold((float) Math.max(0, Math.min(1, p[i] + bias)));
        Lfsr32 r = new Lfsr32(seed);
        boolean[][][] all = new boolean[examples][samples][p.length];
        for (int e = 0; e < examples; e++) {
            for (int t = 0; t < samples; t++) {
                for (int k = 0; k < p.length; k++) all[e][t][k] = r.draw(thr[k]);
            }
        }
        return (e, t) -> all[e][t].clone();
    }
}
