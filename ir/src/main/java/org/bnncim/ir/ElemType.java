package org.bnncim.ir;

/**
 * Element type of a tensor. Bipolar values are the {-1,+1} of the crossbar; integers are popcount-domain
 * accumulators or quantized inputs; float32 lives only in the digital periphery.
 */
public record ElemType(Kind kind, int bits) {
    /** The kind, with its code in {@code program.bnc} (docs/program-format.md). */
    public enum Kind implements WireCode {
        BIPOLAR(0),
        UINT(1),
        INT(2),
        FLOAT(3);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        @Override
        public int code() {
            return code;
        }
    }

    public static final ElemType BIPOLAR = new ElemType(Kind.BIPOLAR, 1);
    public static final ElemType INT32 = new ElemType(Kind.INT, 32);
    public static final ElemType FLOAT32 = new ElemType(Kind.FLOAT, 32);

    public ElemType {
        if (bits < 1 || bits > 64) throw new IllegalArgumentException("bits out of range: " + bits);
        if (kind == Kind.BIPOLAR && bits != 1) throw new IllegalArgumentException("bipolar is 1 bit");
    }

    /** The type {@code program.bnc} stores as (kind code, bits), or null when the code names no kind. */
    public static ElemType ofCode(int code, int bits) {
        Kind k = WireCode.find(Kind.class, code);
        return k == null ? null : new ElemType(k, bits);
    }

    public static ElemType uint(int bits) {
        return new ElemType(Kind.UINT, bits);
    }

    public boolean isBipolar() {
        return kind == Kind.BIPOLAR;
    }

    public boolean isFloat() {
        return kind == Kind.FLOAT;
    }

    /** Integer-valued: bipolar, unsigned or signed integers. */
    public boolean isIntegral() {
        return kind != Kind.FLOAT;
    }

    /** Largest absolute value an element can take (bipolar 1, u8 255); meaningless for float. */
    public long maxAbs() {
        return switch (kind) {
            case BIPOLAR -> 1;
            case UINT -> bits >= 63 ? Long.MAX_VALUE : (1L << bits) - 1;
            case INT -> bits >= 64 ? Long.MAX_VALUE : (1L << (bits - 1));
            case FLOAT -> Long.MAX_VALUE;
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case BIPOLAR -> "bipolar";
            case UINT -> "u" + bits;
            case INT -> "i" + bits;
            case FLOAT -> "f" + bits;
        };
    }
}
