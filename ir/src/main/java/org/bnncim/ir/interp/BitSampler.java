package org.bnncim.ir.interp;

import java.util.SplittableRandom;
import org.bnncim.ir.Graph;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * Reproducible stochastic bits: the bits of pass {@code t} of example {@code i} depend only on (seed, i, t), so
 * any number of threads, in any order, draws the same bits. Bits are drawn in the stochastic unit's schedule
 * order: layer 0 first.
 */
public final class BitSampler {
    private final long seed;
    private final float[] p;

    public BitSampler(Graph g, long seed) {
        this(probabilities(g), seed);
    }

    /** @param p switching probability of each bit slot (e.g. biased to model a faulty unit) */
    public BitSampler(float[] p, long seed) {
        this.seed = seed;
        this.p = p.clone();
    }

    /** p of each stochastic bit slot of a graph not (yet) mapped: from the schedule the mapping would store. */
    public static float[] probabilities(Graph g) {
        return StochasticUnit.probabilities(StochasticUnit.schedule(g));
    }

    public int layers() {
        return p.length;
    }

    public boolean[] bits(int example, int sample) {
        return bits((long) example, sample);
    }

    public boolean[] bits(long example, int sample) {
        SplittableRandom r = new SplittableRandom(mix(seed, example, sample));
        boolean[] z = new boolean[p.length];
        for (int k = 0; k < p.length; k++) z[k] = r.nextDouble() < p[k];
        return z;
    }

    private static long mix(long seed, long example, int sample) {
        long h = seed * 0x9E3779B97F4A7C15L;
        h ^= (example + 1) * 0xC2B2AE3D27D4EB4FL;
        h = Long.rotateLeft(h, 31) * 0x165667B19E3779F9L;
        h ^= (sample + 1L) * 0x27D4EB2F165667C5L;
        return h;
    }
}
