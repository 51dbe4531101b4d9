package org.bnncim.ir;

import java.util.Arrays;

/**
 * A bank of {@code steps} integer comparators per output channel: the output counts the comparators that fire,
 * {@code x >= t[c][i]} when {@code ge[c]}, {@code x <= t[c][i]} otherwise. This is a k-bit activation folded onto
 * the popcount, as {@link ThresholdSet} is a bipolar one (steps 1). Thresholds are stored channel-major; per channel
 * they are ordered so that comparator i + 1 can only fire when i does (ascending for {@code >=}, descending for
 * {@code <=}), which is what makes the count a monotone quantizer and lets hardware use a thermometer code.
 */
public record LevelSet(long[] t, boolean[] ge, int steps) {
    public LevelSet {
        if (steps < 1) throw new IllegalArgumentException("a level set needs at least one comparator per channel");
        if (t.length != (long) ge.length * steps) {
            throw new IllegalArgumentException("thresholds and directions differ in length");
        }
        t = t.clone();
        ge = ge.clone();
        for (int c = 0; c < ge.length; c++) {
            for (int i = 1; i < steps; i++) {
                long prev = t[c * steps + i - 1], cur = t[c * steps + i];
                if (ge[c] ? cur < prev : cur > prev) {
                    throw new IllegalArgumentException("thresholds of channel " + c + " are not "
                            + (ge[c] ? "ascending" : "descending") + " (" + prev + " then " + cur + ")");
                }
            }
        }
    }

    public int channels() {
        return ge.length;
    }

    /** How many comparators of {@code channel} fire for {@code x}. */
    public int count(long x, int channel) {
        int n = 0;
        int base = channel * steps;
        for (int i = 0; i < steps; i++) {
            long th = t[base + i];
            if (ge[channel] ? x >= th : x <= th) n++;
        }
        return n;
    }

    public long threshold(int channel, int step) {
        return t[channel * steps + step];
    }

    public boolean greaterOrEqual(int channel) {
        return ge[channel];
    }

    @Override
    public long[] t() {
        return t.clone();
    }

    @Override
    public boolean[] ge() {
        return ge.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LevelSet s && steps == s.steps && Arrays.equals(t, s.t) && Arrays.equals(ge, s.ge);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(t) * 31 + Arrays.hashCode(ge)) * 31 + steps;
    }

    @Override
    public String toString() {
        return "LevelSet" + Arrays.toString(t) + Arrays.toString(ge) + "/" + steps;
    }
}
