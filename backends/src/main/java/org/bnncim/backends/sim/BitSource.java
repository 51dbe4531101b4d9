package org.bnncim.backends.sim;

import org.bnncim.backends.rng.Lfsr32;
import org.bnncim.ir.Graph;
import org.bnncim.ir.interp.BitSampler;
import org.bnncim.ir.mapping.MappedModel;

/**
 * The stochastic unit's bits for pass {@code sample} of example {@code example}: one per Scale-Dropout layer, in
 * schedule order. Either the counter-based model (any order, any thread count, same bits) or the LFSR the Verilog
 * implements (a sequential stream, precomputed for the whole run). The probabilities come from the stochastic
 * unit's schedule; an unmapped graph's from the schedule its mapping would store.
 */
public interface BitSource {
    boolean[] bits(int example, int sample);

    /** The MC-Dropout bank's masks that go with these bits (the LFSR model), or null: each pass's own generator. */
    default DropoutMasks masks() {
        return null;
    }

    static BitSource counterBased(MappedModel m, long seed, double bias) {
        return counterBased(m.mapping().stochastic().probabilities(), seed, bias);
    }

    static BitSource counterBased(Graph unmapped, long seed, double bias) {
        return counterBased(BitSampler.probabilities(unmapped), seed, bias);
    }

    static BitSource counterBased(float[] p, long seed, double bias) {
        p = p.clone();
        for (int i = 0; i < p.length; i++) p[i] = (float) Math.max(0, Math.min(1, p[i] + bias));
        BitSampler s = new BitSampler(p, seed);
        return s::bits;
    }

    /** The LFSR stream for {@code examples} x {@code samples} passes, drawn in the documented order. */
    static BitSource lfsr(MappedModel m, long seed, double bias, int examples, int samples) {
        float[] p = m.mapping().stochastic().probabilities();
        long[] thr = new long[p.length];
        for (int i = 0; i < p.length; i++) thr[i] = Lfsr32.threshold((float) Math.max(0, Math.min(1, p[i] + bias)));
        Lfsr32 r = new Lfsr32(seed);
        boolean[][][] all = new boolean[examples][samples][p.length];
        for (int e = 0; e < examples; e++) {
            for (int t = 0; t < samples; t++) {
                for (int k = 0; k < p.length; k++) all[e][t][k] = r.draw(thr[k]);
            }
        }
        DropoutMasks masks = DropoutMasks.lfsr(m.graph(), seed, bias, examples, samples);
        return new BitSource() {
            public boolean[] bits(int e, int t) {
                return all[e][t].clone();
            }

            public DropoutMasks masks() {
                return masks;
            }
        };
    }
}
