package org.bnncim.ir;

/**
 * The stochastic unit's bit as one Scale-Dropout layer sees it in one pass. The deterministic pass draws no bit
 * at all, which is why there are three cases and not a boolean.
 */
public enum ScaleBit {
    /** No bit drawn (deterministic pass): the layer applies its expectation {@code (1-p)*scale + p*dropped}. */
    EXPECTATION,
    /** Bit 0: the layer keeps its scale. */
    KEPT,
    /** Bit 1 (probability p): the layer applies its dropped scale. */
    DROPPED;

    public static ScaleBit of(boolean dropped) {
        return dropped ? DROPPED : KEPT;
    }
}
