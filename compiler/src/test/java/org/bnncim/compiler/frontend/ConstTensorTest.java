package org.bnncim.compiler.frontend;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConstTensorTest {
    @Test
    void firstNonBipolarFindsTheFirstOffenderInAnyBlock() {
        float[] bad = {0f, -0f, 2f, -2f, Float.NaN, Float.POSITIVE_INFINITY, Math.nextUp(1f), Math.nextDown(-1f), 0.5f};
        for (int size : new int[] {1, 4095, 4096, 4097, 10_000}) {
            float[] a = new float[size];
            for (int i = 0; i < size; i++) a[i] = (i * 2654435761L & 4) == 0 ? 1f : -1f;
            assertEquals(-1, ConstTensor.ofFloat(new long[] {size}, a).firstNonBipolar());
            for (int at : new int[] {0, size / 2, size - 1}) {
                for (float v : bad) {
                    float[] b = a.clone();
                    b[at] = v;
                    if (at + 1 < size) b[size - 1] = 3f; // a later offender must not hide the first
                    assertEquals(at, ConstTensor.ofFloat(new long[] {size}, b).firstNonBipolar(), "value " + v + " at " + at + " of " + size);
                }
            }
        }
        long[] l = new long[5000];
        Arrays.fill(l, -1);
        l[4500] = 0;
        assertEquals(4500, ConstTensor.ofLong(new long[] {5000}, l).firstNonBipolar());
    }
}
