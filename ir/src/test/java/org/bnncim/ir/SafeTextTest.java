package org.bnncim.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SafeTextTest {
    /** The definition, code point by code point: what the char scan must agree with. */
    private static String reference(String s, boolean keepLines) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (SafeText.unsafe(c) && !(keepLines && (c == '\n' || c == '\t'))) b.append(String.format("\\u%04x", c));
            else b.appendCodePoint(c);
        });
        return b.toString();
    }

    @Test
    void safeTextIsReturnedItself() {
        String s = "layer conv1 \u00d7 \ud83d\ude00 caf\u00e9";
        assertSame(s, SafeText.visible(s));
        String lines = "a\tb\nc\n";
        assertSame(lines, SafeText.visibleLines(lines));
        assertEquals("a\\u0009b\\u000ac\\u000a", SafeText.visible(lines));
    }

    @Test
    void escapesMatchTheCodePointDefinitionOnRandomText() {
        char[] pool = {
            'a', 'Z', ' ', '\n', '\t', '\r', 0x1b, 0x7f, 0x85, 0x9f, 0xa0, 0xe9, 0x2028, 0x2029, 0xfffe, 0xffff, 0xfffd,
            0xd83d, 0xde00, 0xdbff, 0xdc00, 0x4e2d
        };
        SplittableRandom r = new SplittableRandom(7);
        for (int t = 0; t < 20_000; t++) {
            StringBuilder b = new StringBuilder();
            for (int i = r.nextInt(12); i > 0; i--) b.append(pool[r.nextInt(pool.length)]);
            String s = b.toString();
            assertEquals(reference(s, false), SafeText.visible(s), s);
            assertEquals(reference(s, true), SafeText.visibleLines(s), s);
        }
    }
}
