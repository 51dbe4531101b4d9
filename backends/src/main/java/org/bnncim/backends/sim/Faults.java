package org.bnncim.backends.sim;

import java.util.Locale;
import org.bnncim.ir.BnncimException;

/**
 * Device faults to simulate: a share of MTJ cells stuck at a fixed state (drawn once per run), a probability that
 * any cell read returns the wrong state (drawn per read), and a bias added to every switching probability of
 * the stochastic unit. All drawn from the run's seed.
 */
public record Faults(double stuckAt, double readFlip, double rngBias) {
    public static final Faults NONE = new Faults(0, 0, 0);

    public Faults {
        if (!(stuckAt >= 0 && stuckAt <= 1) || !(readFlip >= 0 && readFlip <= 1)) {
            throw new BnncimException("fault rates must be between 0 and 1");
        }
        if (!(Math.abs(rngBias) <= 1)) throw new BnncimException("rng-bias must be between -1 and 1");
    }

    public boolean any() {
        return stuckAt > 0 || readFlip > 0 || rngBias != 0;
    }

    /** Parses {@code stuck-at=RATE,read-flip=RATE,rng-bias=DELTA} (any subset, any order). */
    public static Faults parse(String spec) {
        double s = 0, r = 0, b = 0;
        if (spec == null || spec.isBlank()) return NONE;
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) throw new BnncimException("--faults: expected key=value, got '" + part + "'");
            double v;
            try {
                v = Double.parseDouble(kv[1].trim());
            } catch (NumberFormatException e) {
                throw new BnncimException("--faults: '" + kv[1] + "' is not a number");
            }
            switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "stuck-at" -> s = v;
                case "read-flip" -> r = v;
                case "rng-bias" -> b = v;
                default ->
                    throw new BnncimException(
                            "--faults: unknown fault '" + kv[0] + "' (stuck-at, read-flip, rng-bias)");
            }
        }
        return new Faults(s, r, b);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "stuck-at=%s,read-flip=%s,rng-bias=%s", stuckAt, readFlip, rngBias);
    }
}
