package org.bnncim.compiler.frontend;

import org.bnncim.ir.BnncimException;

/**
 * Bytes the importer may allocate beyond what the model file holds: external data it reads and constants it makes
 * by folding ({@code ConstantOfShape}, broadcasting, gathering). A 269-byte model can ask for gigabytes this way;
 * every such allocation is taken from this budget first, so the refusal comes before the allocation. The cap is
 * {@code --max-mb} (docs/robustness.md, "Caps").
 */
final class ImportBudget {
    /**
     * The budget of the import running on this thread. The folding helpers are static and called from many
     * importers; a scoped budget spares threading one through each of them.
     */
    private static final ThreadLocal<ImportBudget> CURRENT = new ThreadLocal<>();

    private final long cap;
    private long used;

    ImportBudget(long cap) {
        this.cap = cap;
    }

    /** Takes {@code bytes} for {@code what} at {@code where}, or refuses naming both and the option that raises it. */
    void take(String where, String what, long bytes) {
        String why = refusal(what, bytes);
        if (why != null) throw new BnncimException(where + ": " + why);
        used += bytes;
    }

    private String refusal(String what, long bytes) {
        if (bytes >= 0 && bytes <= cap - used) return null;
        String need = bytes < 0 ? "more than 2^63" : String.valueOf(bytes);
        return what + " needs " + need + " bytes, beyond the import cap of " + (cap >> 20) + " MiB (" + used
                + " bytes already taken; raise it with --max-mb)";
    }

    /** A folded constant over the budget; the importer adds the node it was folding. */
    static final class Exceeded extends RuntimeException {
        Exceeded(String message) {
            super(message, null, false, false);
        }
    }

    /** Runs {@code body} with this budget as the one {@link #fold} charges. */
    <T> T during(java.util.function.Supplier<T> body) {
        ImportBudget outer = CURRENT.get();
        CURRENT.set(this);
        try {
            return body.get();
        } finally {
            if (outer == null) CURRENT.remove();
            else CURRENT.set(outer);
        }
    }

    /**
     * Charges a folded constant of {@code count} elements of {@code width} bytes to the running import, before it
     * is allocated; with no import running (unit tests of the helpers) only the Java array limit holds. Returns
     * the count as an int.
     */
    static int fold(long count, int width) {
        if (count < 0 || count > Integer.MAX_VALUE - 8L)
            throw new IllegalArgumentException("a folded constant of " + count + " elements is more than bnncim holds");
        ImportBudget b = CURRENT.get();
        if (b != null) {
            long bytes = bytes(count, width);
            String why = b.refusal("folding a constant of " + count + " elements", bytes);
            if (why != null) throw new Exceeded(why);
            b.used += bytes;
        }
        return (int) count;
    }

    /** Bytes of {@code count} elements of {@code width} bytes, or -1 when that overflows. */
    static long bytes(long count, int width) {
        try {
            return Math.multiplyExact(count, width);
        } catch (ArithmeticException e) {
            return -1;
        }
    }
}
