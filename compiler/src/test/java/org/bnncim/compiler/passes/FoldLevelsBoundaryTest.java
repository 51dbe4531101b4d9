package org.bnncim.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

/**
 * The boundary search started at a guess returns what a plain scan of the range gives, for every guess: a guess may
 * only save tests, never move a threshold.
 */
class FoldLevelsBoundaryTest {
    /** The answer by definition, one test per integer of the range. */
    private static long scan(LongPredicate fires, int dir, long bound) {
        if (dir == 0) return fires.test(0) ? -bound : bound + 1;
        if (dir > 0) {
            for (long x = -bound; x <= bound; x++) if (fires.test(x)) return x;
            return bound + 1;
        }
        for (long x = bound; x >= -bound; x--) if (fires.test(x)) return x;
        return -bound - 1;
    }

    @Test
    void everyGuessGivesTheScannedBoundary() {
        Random r = new Random(7);
        for (int trial = 0; trial < 400; trial++) {
            long bound = 1 + r.nextInt(70);
            int dir = r.nextInt(3) - 1;
            // a step anywhere in the range or beyond either end, rising or falling as dir says
            long step = -bound - 3 + r.nextInt((int) (2 * bound + 7));
            LongPredicate fires = dir > 0 ? x -> x >= step : dir < 0 ? x -> x <= step : x -> step > 0;
            long expected = scan(fires, dir, bound);
            for (long guess = -bound - 5; guess <= bound + 5; guess++) {
                assertEquals(
                        expected,
                        FoldLevels.boundary(fires, dir, bound, guess),
                        "bound " + bound + " dir " + dir + " step " + step + " guess " + guess);
            }
            assertEquals(expected, FoldLevels.boundary(fires, dir, bound, Long.MAX_VALUE));
            assertEquals(expected, FoldLevels.boundary(fires, dir, bound, Long.MIN_VALUE));
        }
    }

    @Test
    void theGuessOfAnAffineChainIsItsBoundary() {
        // y = 0.37 x - 12.5 crosses 0 at 33.78...: the smallest integer that reaches it is 34
        double lo = 0.37 * -100 - 12.5, hi = 0.37 * 100 - 12.5;
        assertEquals(34, FoldLevels.guess(lo, hi, 0, 1, 100));
        // falling: y = -2 x + 7 reaches 0 up to x = 3.5, the largest integer is 3
        assertEquals(3, FoldLevels.guess(2 * 100 + 7, -2 * 100 + 7, 0, -1, 100));
        // flat or undefined lines give a guess of 0, which the search only starts from
        assertEquals(0, FoldLevels.guess(1, 1, 0, 1, 100));
        assertEquals(0, FoldLevels.guess(Double.NaN, 1, 0, 1, 100));
        assertEquals(0, FoldLevels.guess(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, 0, 1, 100));
    }
}
