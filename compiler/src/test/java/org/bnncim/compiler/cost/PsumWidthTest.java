package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Partial sums sized per layer, by hand: bits of the largest magnitude plus a sign. */
class PsumWidthTest {
    @Test
    void widthsByHand() {
        // mlp-sd's first layer: 784 rows of 8-bit input, |sum| <= 784 x 255 = 199,920 < 2^18: 18 bits and a sign
        assertEquals(19, PsumWidth.of(784, 8));
        // 256 binary rows: |sum| <= 256 = 2^8: 9 bits and a sign
        assertEquals(10, PsumWidth.of(256, 1));
        assertEquals(9, PsumWidth.of(255, 1));
        // 2-bit activations over 64 rows: 64 x 3 = 192 < 2^8
        assertEquals(9, PsumWidth.of(64, 2));
        assertEquals(2, PsumWidth.of(1, 1));
    }
}
