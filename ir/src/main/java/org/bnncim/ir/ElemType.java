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
        FLOAT(3),
        /**
         * {-1, 0, +1}: a bipolar activation after MC-Dropout, 0 where the neuron is dropped (its word line stays
         * undriven). It drives a crossbar like bipolar data, one pulse per row. Program format version 1 predates
         * this kind and stores it as a signed 2-bit integer; nothing else has that type, so the reader can tell
         * them apart by the width (see {@link #ofCode}).
         */
        GATED_BIPOLAR(2);

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
    /** Two bits, as the file stores it: the simulator sizes values by width. */
    public static final ElemType GATED_BIPOLAR = new ElemType(Kind.GATED_BIPOLAR, 2);

    public static final ElemType INT32 = new ElemType(Kind.INT, 32);
    public static final ElemType FLOAT32 = new ElemType(Kind.FLOAT, 32);

    public ElemType {
        if (bits < 1 || bits > 64) throw new IllegalArgumentException("bits out of range: " + bits);
        if (kind == Kind.BIPOLAR && bits != 1) throw new IllegalArgumentException("bipolar is 1 bit");
        if (kind == Kind.GATED_BIPOLAR && bits != 2) throw new IllegalArgumentException("gated bipolar is 2 bits");
    }

    /**
     * The type a version-1 {@code program.bnc} stores as (kind code, bits), or null when the code names no kind. Code 2
     * with 2 bits is gated bipolar, which format version 1 writes that way; version 2 gives gated bipolar a code of its
     * own so that a true signed 2-bit activation can be stored (backends' NodeCodec).
     */
    public static ElemType ofCode(int code, int bits) {
        if (code == Kind.GATED_BIPOLAR.code() && bits == 2) return GATED_BIPOLAR;
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

    /** Integer-valued: bipolar (gated or not), unsigned or signed integers. */
    public boolean isIntegral() {
        return kind != Kind.FLOAT;
    }

    /** Largest absolute value an element can take (bipolar 1, u8 255); meaningless for float. */
    public long maxAbs() {
        return switch (kind) {
            case BIPOLAR, GATED_BIPOLAR -> 1;
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
            // {-1, 0, +1}; "i2" is a true signed 2-bit value (a 2-bit activation)
            case GATED_BIPOLAR -> "ternary";
            case FLOAT -> "f" + bits;
        };
    }
}
