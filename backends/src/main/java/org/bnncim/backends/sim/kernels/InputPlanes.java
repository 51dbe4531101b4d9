package org.bnncim.backends.sim.kernels;

/**
 * How a crossbar layer's input drives the word lines: bipolar data ({-1, 0, +1}, and 1-bit integers, whose values
 * are among these) in one read, or a {@code bits}-wide integer one bit plane per read, plane b weighing 2^b, except
 * that the top plane of a signed (two's complement) input weighs -2^(bits - 1): it is subtracted.
 */
public record InputPlanes(int bits, boolean signed) {
    /** One read driving +1, -1 or nothing per row. */
    public static final InputPlanes BIPOLAR = new InputPlanes(1, false);

    public InputPlanes {
        if (bits < 1 || bits > 32) throw new IllegalArgumentException("input bits out of range: " + bits);
    }

    public static InputPlanes unsigned(int bits) {
        return bits == 1 ? BIPOLAR : new InputPlanes(bits, false);
    }

    public static InputPlanes signed(int bits) {
        return bits == 1 ? BIPOLAR : new InputPlanes(bits, true);
    }

    /** One read per pass, +1/-1/undriven rows: bipolar data, or a 1-bit integer (0, 1 or 0, -1). */
    public boolean oneRead() {
        return bits == 1;
    }

    /** The integer the planes of stored {@code x} carry: x's low bits, sign-extended when signed. */
    int value(int x) {
        int shift = 32 - bits;
        return signed ? (x << shift) >> shift : (x << shift) >>> shift;
    }

    /** The weight sign of plane {@code b}: -1 for the top plane of a signed input, else +1. */
    int planeSign(int b) {
        return signed && b == bits - 1 ? -1 : 1;
    }
}
