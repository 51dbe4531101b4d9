package org.bnncim.backends.sim;

import java.util.Locale;
import org.bnncim.backends.rng.Lfsr32;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;

/**
 * The MC-Dropout baseline's masks as the generated Verilog draws them: a bank of stochastic units, one per dropped
 * neuron (the elements of every McDropout node, in graph order), each an LFSR stand-in like the Scale-Dropout unit.
 * Unit u starts from the run's 32-bit seed state S as {@code S ^ ((u + 1) * 0x9E3779B9)} (a zero state maps to
 * {@link Lfsr32#ZERO_SEED_STATE}) and draws one bit per Monte-Carlo pass, in example-major order; 1 drops the
 * neuron. Precomputed for the whole run, packed 64 units a word.
 */
public final class DropoutMasks {
    /** Spreads the units' start states over the LFSR's cycle (the 32-bit golden ratio). */
    public static final int UNIT_STRIDE = 0x9E3779B9;
    /** The bank's draws are precomputed (each unit's LFSR is sequential): at most 128 MiB of them per run. */
    public static final long MAX_DRAWS = 1L << 30;

    private final int units, samples, words;
    private final long[] bits; // [example * samples + sample][unit / 64]

    private DropoutMasks(int units, int samples, long[] bits) {
        this.units = units;
        this.samples = samples;
        this.words = (units + 63) >>> 6;
        this.bits = bits;
    }

    /** Units of a graph: every McDropout element, in graph order. */
    public static int units(Graph g) {
        int u = 0;
        for (Node n : g.nodes())
            if (n instanceof Node.McDropout m) u += m.output().shape().size();
        return u;
    }

    /** The 32-bit start state of unit u for a run seeded with {@code seed}. */
    public static int unitState(long seed, int unit) {
        return new Lfsr32(Integer.toUnsignedLong(new Lfsr32(seed).state() ^ ((unit + 1) * UNIT_STRIDE))).state();
    }

    /** The bank's draws for {@code examples} x {@code samples} passes; null when the graph drops no neuron. */
    public static DropoutMasks lfsr(Graph g, long seed, double bias, int examples, int samples) {
        int units = units(g);
        if (units == 0) return null;
        long draws = (long) units * examples * samples;
        if (draws > MAX_DRAWS) {
            throw new BnncimException(String.format(
                    Locale.ROOT,
                    "--bits lfsr: the MC-Dropout bank of %s draws %,d bits (%,d units x %,d examples x %,d"
                            + " passes), more than the %,d precomputed per run; use --bits counter or fewer examples",
                    g.name(),
                    draws,
                    units,
                    examples,
                    samples,
                    MAX_DRAWS));
        }
        int words = (units + 63) >>> 6;
        long[] bits = new long[Math.multiplyExact(Math.multiplyExact(examples, samples), words)];
        int u = 0;
        for (Node n : g.nodes()) {
            if (!(n instanceof Node.McDropout m)) continue;
            long thr = Lfsr32.threshold((float) Math.max(0, Math.min(1, m.p() + bias)));
            for (int end = u + m.output().shape().size(); u < end; u++) {
                Lfsr32 r = new Lfsr32(Integer.toUnsignedLong(unitState(seed, u)));
                for (int pass = 0, all = examples * samples; pass < all; pass++)
                    if (r.draw(thr)) bits[pass * words + (u >>> 6)] |= 1L << (u & 63);
            }
        }
        return new DropoutMasks(units, samples, bits);
    }

    /** Whether unit {@code unit} drops its neuron in pass {@code sample} of example {@code example}. */
    public boolean dropped(int example, int sample, int unit) {
        if (unit < 0 || unit >= units) throw new IllegalArgumentException("unit " + unit + " of " + units);
        return (bits[(example * samples + sample) * words + (unit >>> 6)] >>> (unit & 63) & 1L) != 0;
    }
}
