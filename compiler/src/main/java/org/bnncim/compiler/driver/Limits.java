package org.bnncim.compiler.driver;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnncim.ir.BnncimException;

/**
 * Caps on the counts and sizes a user can ask for, through an option or a regress manifest (docs/robustness.md).
 * They sit far above any real use, low enough that a typo or a hostile value is refused before it sizes an
 * allocation or a thread pool.
 */
public final class Limits {
    /** Simulator threads: more than this only adds scheduling overhead on any machine bnncim targets. */
    public static final int MAX_THREADS = 256;
    /** Monte-Carlo passes per example. */
    public static final int MAX_SAMPLES = 10_000;
    /** Rows or columns of one crossbar. */
    public static final int MAX_CROSSBAR_SIDE = 4096;
    /** Chips of the target system. */
    public static final int MAX_CHIPS = 4096;

    // digits are bounded so that an absurd side is reported as out of range rather than as an int overflow
    private static final Pattern RXC = Pattern.compile("([0-9]{1,9})[xX]([0-9]{1,9})");

    private Limits() {}

    /**
     * Rows and columns of {@code text}, which must be exactly {@code RxC} with each side in
     * [1, {@link #MAX_CROSSBAR_SIDE}]; {@code where} names the option or manifest key in the error.
     */
    public static int[] crossbar(String where, String text) {
        Matcher m = RXC.matcher(text == null ? "" : text.strip());
        if (!m.matches()) throw new BnncimException(where + " must look like RxC (e.g. 128x128), got '" + text + "'");
        int r = Integer.parseInt(m.group(1)), c = Integer.parseInt(m.group(2));
        if (r < 1 || r > MAX_CROSSBAR_SIDE || c < 1 || c > MAX_CROSSBAR_SIDE)
            throw new BnncimException(
                    where + ": each side must be between 1 and " + MAX_CROSSBAR_SIDE + ", got '" + text + "'");
        return new int[] {r, c};
    }

    /** {@code value} itself, once it is known to lie in [lo, hi]. */
    public static long range(String where, long value, long lo, long hi) {
        if (value < lo || value > hi) {
            String allowed =
                    hi == Long.MAX_VALUE || hi == Integer.MAX_VALUE ? ">= " + lo : "between " + lo + " and " + hi;
            throw new BnncimException(where + " must be " + allowed + ", got " + value);
        }
        return value;
    }
}
