package org.bnncim.backends.sim.kernels;

/**
 * Monte-Carlo passes that share a layer's input up to the last Scale-Dropout bank before it differ in the elements
 * where that bank's dropped and kept comparators disagree: a few per cent at most in a trained model. A crossbar
 * layer's sums for one such input follow from its sibling's by the changed reads times their weight rows: exact
 * (integers), and cheaper than the whole layer when the changes are few ({@link ChannelLastConv#convolveFrom}; for
 * dense layers the popcounts of the whole vector measured as fast as the update, so they run whole).
 */
public final class Siblings {
    private Siblings() {}

    /**
     * Elements in which bipolar inputs {@code x} and {@code x0} differ as the word lines read them (driven or not,
     * +1 or not), counted no further than just past {@code cap}.
     */
    public static int differences(int[] x, int[] x0, int cap) {
        int d = 0;
        // blocks of 512 without an exit test, and no compare in the loop: it vectorises
        for (int b = 0; b < x.length && d <= cap; b += 512) {
            for (int i = b, e = Math.min(x.length, b + 512); i < e; i++) {
                int t = Integer.signum(x[i]) - Integer.signum(x0[i]);
                d += (t | -t) >>> 31;
            }
        }
        return d;
    }
}
