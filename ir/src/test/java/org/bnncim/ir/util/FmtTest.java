package org.bnncim.ir.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FmtTest {
    @Test
    void fixedPointMatchesStringFormatIncludingTiesAndSigns() {
        double[] special = {
            0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -2.5,
            0.125,
            0.375,
            1.005,
            2.675,
            1.0005,
            0.045,
            99.995,
            1e-9,
            -1e-9,
            123456789.125,
            1e14 + 0.5,
            1e16,
            9.999999999e17,
            Double.MIN_VALUE,
            Double.MAX_VALUE,
            Double.NaN,
            Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY,
            137.508 * 7 % 360
        };
        SplittableRandom r = new SplittableRandom(3);
        for (int n = 0; n <= 4; n++) {
            String p = "%." + n + "f";
            for (double v : special) assertEquals(String.format(Locale.ROOT, p, v), Fmt.format(p, v), p + " of " + v);
            for (int i = 0; i < 20_000; i++) {
                double v = (r.nextBoolean() ? 1 : -1) * Math.pow(10, r.nextDouble(-6, 9)) * r.nextDouble();
                if (i % 4 == 0) v = Math.round(v * 1000) / 1000.0 + (i % 8 == 0 ? 0.0005 : 0.005); // near ties
                assertEquals(String.format(Locale.ROOT, p, v), Fmt.format(p, v), p + " of " + v);
                float f = (float) v;
                assertEquals(String.format(Locale.ROOT, p, f), Fmt.format(p, f), p + " of float " + f);
            }
        }
    }

    @Test
    void widthsMatchStringFormat() {
        SplittableRandom r = new SplittableRandom(5);
        String[] patterns = {"%9.2f|", "%-9.3f|", "%6d|", "%-6d|", "%7s|", "%-7s|", "%1.0f|", "%12.4f %-4s %3d"};
        for (int i = 0; i < 5_000; i++) {
            double v = (r.nextBoolean() ? 1 : -1) * Math.pow(10, r.nextDouble(-3, 8)) * r.nextDouble();
            long l = r.nextLong() >> r.nextInt(64);
            String t = "x".repeat(r.nextInt(10));
            for (String p : patterns) {
                Object[] args = p.contains("%12")
                        ? new Object[] {v, t, l}
                        : p.endsWith("f|") ? new Object[] {v} : p.endsWith("d|") ? new Object[] {l} : new Object[] {t};
                assertEquals(String.format(Locale.ROOT, p, args), Fmt.format(p, args), p);
            }
        }
    }

    @Test
    void otherConversionsMatchStringFormat() {
        Object[][] cases = {
            {"<rect x=\"%d\" y=\"%.2f\">%s</rect>%n", 3, 1.25, "a<b"},
            {"%d%%", Long.MIN_VALUE},
            {"%s and %s", null, 7},
            {"%.3e", 12345.678},
            {"%5d|%-4s|", 42, "x"},
            {"plain"},
            {"%d", 1, 2},
            {"%-34s %14s %14s %10s%n", "totals", "energy[pJ]", null, "area[mm2]"},
            {"%-34s %14.2f %14.1f %10.4f%n", "a name longer than thirty-four characters", -1.005, 2.25, 1e-5},
            {" %8d %10d %12.2f|%-3d|%3s|", -42, Long.MAX_VALUE, -0.0, 7, "toolong"},
            {"%05d", 42},
            {"%-5d", -3},
            {"%1000s", "x"},
            {"%2$s %1$s", "a", "b"},
            {"%10.3e", 1.5},
        };
        for (Object[] c : cases) {
            Object[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            assertEquals(
                    String.format(Locale.ROOT, (String) c[0], args), Fmt.format((String) c[0], args), (String) c[0]);
        }
        assertThrows(java.util.IllegalFormatException.class, () -> Fmt.format("%d", 1.5));
        assertThrows(java.util.IllegalFormatException.class, () -> Fmt.format("%d and %d", 1));
        assertThrows(java.util.IllegalFormatException.class, () -> Fmt.format("%-d", 1));
        assertThrows(java.util.IllegalFormatException.class, () -> Fmt.format("%5d", "x"));
    }
}
