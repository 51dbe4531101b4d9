package org.bnncim.ir;

/**
 * Names that come from a model, a manifest or a baseline may hold anything; these keep control characters (which
 * can move a terminal's cursor, recolour it or make XML unparsable) out of what bnncim writes, by spelling them as
 * {@code \}{@code u001b}. Ordinary text passes unchanged, byte for byte.
 */
public final class SafeText {
    /** What an error message quotes from a file at most: enough to recognise it, never the whole file. */
    public static final int QUOTE_LIMIT = 200;

    private SafeText() {}

    /** C0, DEL and C1 controls, the Unicode line/paragraph separators, and the two XML non-characters. */
    public static boolean unsafe(int c) {
        return Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || c == 0xFFFE || c == 0xFFFF;
    }

    /** Every unsafe character made visible, line breaks included: for a name inside a line. */
    public static String visible(String s) {
        return visible(s, false);
    }

    /** As {@link #visible(String)}, but a whole text's own line breaks ({@code \n}) and tabs are kept. */
    public static String visibleLines(String s) {
        return visible(s, true);
    }

    private static String visible(String s, boolean keepLines) {
        if (s == null) return "";
        // a char scan finds the same characters as a code point one: no unsafe character is a surrogate
        int first = 0, n = s.length();
        while (first < n && !shown(s.charAt(first), keepLines)) first++;
        if (first == n) return s;
        StringBuilder b = new StringBuilder(n + 16).append(s, 0, first);
        for (int i = first; i < n; i++) {
            char c = s.charAt(i);
            if (shown(c, keepLines)) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    /** True for a character written as an escape: unsafe, and not a kept line break or tab. */
    private static boolean shown(char c, boolean keepLines) {
        return unsafe(c) && !(keepLines && (c == '\n' || c == '\t'));
    }

    /** {@code s} with at most {@code max} characters, the cut marked with an ellipsis and the full length. */
    public static String clip(String s, int max) {
        if (s == null || s.length() <= max) return s;
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end) + "\u2026 (" + s.length() + " characters)";
    }

    /** A quotation from file content for an error message: visible and clipped. */
    public static String quote(String s) {
        return visible(clip(s, QUOTE_LIMIT));
    }
}
