package org.bnncim.cli;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;
import org.bnncim.ir.SafeText;

/**
 * Everything the CLI prints passes through here: a node, model or run name holding ESC, BEL or NUL must not reach
 * the terminal raw (it could recolour it, move the cursor or hide text). Our own line breaks and tabs pass.
 */
final class VisibleWriter extends FilterWriter {
    private static final boolean CRLF = System.lineSeparator().contains("\r");

    VisibleWriter(Writer out) {
        super(out);
    }

    @Override
    public void write(int c) throws IOException {
        if (c == '\n' || c == '\t' || (c == '\r' && CRLF) || !SafeText.unsafe(c)) out.write(c);
        else out.write(String.format("\\u%04x", c));
    }

    @Override
    public void write(char[] buf, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) write(buf[i]);
    }

    @Override
    public void write(String s, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) write(s.charAt(i));
    }
}
