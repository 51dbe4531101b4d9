package org.bnncim.ir;

/**
 * A problem with what the user gave us (a model, a file, an option): reported as one line, exit code 2.
 * Anything else that escapes is a bug in bnncim (exit code 3).
 */
public class BnncimException extends RuntimeException {
    public BnncimException(String message) {
        super(oneLine(message));
    }

    public BnncimException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** Names inside a message come from user files and may hold anything; the message must stay one line. */
    static String oneLine(String s) {
        if (s == null) return "unknown error";
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c == '\n' || c == '\r' || c == '\t') b.append(' ');
            else if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", c));
            else b.appendCodePoint(c);
        });
        return b.toString();
    }
}
