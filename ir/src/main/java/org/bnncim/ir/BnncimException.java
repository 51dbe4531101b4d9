package org.bnncim.ir;

/**
 * A problem with what the user gave us (a model, a file, an option): reported as one line, exit code 2.
 * Anything else that escapes is a bug in bnncim (exit code 3).
 */
public class BnncimException extends RuntimeException {
    public BnncimException(String message) {
        super(message);
    }

    public BnncimException(String message, Throwable cause) {
        super(message, cause);
    }
}
