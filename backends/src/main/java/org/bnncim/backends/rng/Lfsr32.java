package org.bnncim.backends.rng;

/**
 * The behavioural stand-in for the chip's stochastic MTJ: a 32-bit Galois LFSR (polynomial x^32 + x^22 + x^2 + x + 1,
 * maximal length) whose 32-bit state, advanced 32 steps per draw, is compared with p as 32-bit fixed point.
 * The simulator and the generated Verilog implement exactly this, so their bits agree one for one.
 *
 * <p>Draw order (the stochastic unit's schedule): examples in input order, for each its T passes, for each pass
 * one draw per Scale-Dropout layer in layer order; a deterministic pass draws nothing. The generator runs
 * continuously across all of them from its seed.
 */
public final class Lfsr32 {
    /** Galois feedback mask of x^32 + x^22 + x^2 + x + 1 (bits 31, 21, 1, 0). */
    public static final int TAPS = 0x80200003;
    /** A zero state would lock the LFSR; seed 0 maps to this constant instead. */
    public static final int ZERO_SEED_STATE = 0xACE1ACE1;

    private int state;

    public Lfsr32(long seed) {
        int s = (int) (seed ^ (seed >>> 32));
        state = s == 0 ? ZERO_SEED_STATE : s;
    }

    public int state() {
        return state;
    }

    /** One shift: out = lsb; state >>= 1; if out, state ^= TAPS. */
    public void step() {
        int lsb = state & 1;
        state >>>= 1;
        if (lsb != 0) state ^= TAPS;
    }

    /** Advances 32 steps and returns the new 32-bit state as an unsigned value. */
    public long next32() {
        for (int i = 0; i < 32; i++) step();
        return Integer.toUnsignedLong(state);
    }

    /** p in [0,1) as the unsigned 32-bit threshold the comparator uses: round(p * 2^32), saturated. */
    public static long threshold(float p) {
        long t = Math.round((double) p * 4294967296.0);
        return Math.max(0, Math.min(0xFFFFFFFFL, t));
    }

    /** One Bernoulli draw: true (scale dropped) when the fresh state is below p's threshold. */
    public boolean draw(long threshold) {
        return next32() < threshold;
    }
}
