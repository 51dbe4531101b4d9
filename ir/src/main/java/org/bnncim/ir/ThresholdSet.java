package org.bnncim.ir;

import java.util.Arrays;

/**
 * One comparator setting per output channel: the output is +1 when {@code ge[c] ? x >= t[c] : x <= t[c]}. A
 * channel whose output never changes uses a threshold outside the input's range, so hardware needs no special
 * case.
 */
public record ThresholdSet(long[] t, boolean[] ge) {
    public ThresholdSet {
        if (t.length != ge.length) throw new IllegalArgumentException("thresholds and directions differ in length");
        t = t.clone();
        ge = ge.clone();
    }

    public int channels() {
        return t.length;
    }

    public boolean fires(long x, int channel) {
        return ge[channel] ? x >= t[channel] : x <= t[channel];
    }

    @Override
    public long[] t() {
        return t.clone();
    }

    @Override
    public boolean[] ge() {
        return ge.clone();
    }

    public long threshold(int channel) {
        return t[channel];
    }

    public boolean greaterOrEqual(int channel) {
        return ge[channel];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ThresholdSet s && Arrays.equals(t, s.t) && Arrays.equals(ge, s.ge);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(t) * 31 + Arrays.hashCode(ge);
    }
}
