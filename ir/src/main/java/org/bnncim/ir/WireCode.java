package org.bnncim.ir;

/**
 * An enum constant's number in {@code program.bnc}. The numbers are written out explicitly because
 * {@code ordinal()} would silently renumber every stored program whenever someone reorders or inserts a constant.
 */
public interface WireCode {
    int code();

    /** The constant of {@code type} numbered {@code code}, or null: the reader turns that into its own message. */
    static <E extends Enum<E> & WireCode> E find(Class<E> type, int code) {
        for (E e : type.getEnumConstants()) if (e.code() == code) return e;
        return null;
    }
}
