package org.bnncim.ir;

import java.util.Arrays;

/**
 * One elementwise float32 operation with a per-channel (or scalar) constant, kept exactly as the model wrote it
 * (not pre-fused) so the interpreter rounds the way ONNX Runtime does, and threshold folding stays exact.
 */
public record AffineStep(Op op, float[] c) {
    /** The operation, with its code in {@code program.bnc}. */
    public enum Op implements WireCode {
        /** x * c */
        MUL(0),
        /** x + c */
        ADD(1),
        /** x - c */
        SUB(2),
        /** c - x */
        RSUB(3),
        /** x / c */
        DIV(4),
        /** max(x, c): ReLU (c = 0), the lower bound of Clip/Hardtanh */
        MAX(5),
        /** min(x, c): the upper bound of Clip/Hardtanh */
        MIN(6),
        /** x >= 0 ? x : c * x (PReLU, LeakyReLU) */
        PRELU(7);

        private final int code;

        Op(int code) {
            this.code = code;
        }

        @Override
        public int code() {
            return code;
        }
    }

    public AffineStep {
        if (c.length == 0) throw new IllegalArgumentException("empty constant");
        c = c.clone();
    }

    public float constant(int channel) {
        return c.length == 1 ? c[0] : c[channel];
    }

    public float apply(float x, int channel) {
        float k = constant(channel);
        return switch (op) {
            case MUL -> x * k;
            case ADD -> x + k;
            case SUB -> x - k;
            case RSUB -> k - x;
            case DIV -> x / k;
            // Math.max/min return NaN for a NaN x, as ONNX's Max/Min/Relu do
            case MAX -> Math.max(x, k);
            case MIN -> Math.min(x, k);
            case PRELU -> x >= 0 ? x : k * x;
        };
    }

    /**
     * +1 if the step is non-decreasing in x for this channel, -1 if non-increasing, 0 if constant; meaningless when
     * the step is not {@link #monotone}.
     */
    public int direction(int channel) {
        float k = constant(channel);
        return switch (op) {
            case ADD, SUB, MAX, MIN -> 1;
            case PRELU -> k >= 0 ? 1 : 0;
            case RSUB -> -1;
            case MUL -> k > 0 ? 1 : k < 0 ? -1 : 0;
            case DIV -> k > 0 ? 1 : k < 0 ? -1 : 0; // x/0 is +-inf: constant in sign
        };
    }

    /** Whether the step is monotone in x for this channel: folding into a comparator needs every step monotone. */
    public boolean monotone(int channel) {
        return op != Op.PRELU || constant(channel) >= 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AffineStep s && op == s.op && Arrays.equals(c, s.c);
    }

    @Override
    public int hashCode() {
        return op.hashCode() * 31 + Arrays.hashCode(c);
    }

    @Override
    public String toString() {
        return op.name().toLowerCase() + (c.length == 1 ? " " + c[0] : " [" + c.length + "]");
    }
}
