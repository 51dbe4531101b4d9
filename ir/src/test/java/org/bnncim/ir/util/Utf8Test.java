package org.bnncim.ir.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Utf8Test {
    @Test
    void bytesAreTheJdksUtf8OnRandomText() {
        char[] pool = {'a', ' ', '<', '\n', 0, 0x7f, 0x80, 0xb5, 0xb2, 0xd7, 0xff, 0x100, 0x2014, 0xd83d, 0xde00, 0xdc00
        };
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < 20_000; t++) {
            StringBuilder b = new StringBuilder();
            boolean wide = r.nextInt(4) == 0;
            for (int i = r.nextInt(40); i > 0; i--) {
                char c = pool[r.nextInt(pool.length)];
                b.append(c > 0xff && !wide ? 'x' : c);
            }
            String s = b.toString();
            assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), Utf8.bytes(s), s);
        }
    }
}
