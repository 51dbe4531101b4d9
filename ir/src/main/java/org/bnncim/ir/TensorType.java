package org.bnncim.ir;

/**
 * Type of an IR value. {@code scale} gives integer-typed values a real meaning (real = scale * stored); it is 1
 * except downstream of a quantized input (an 8-bit pixel read as k/255 has scale 1/255).
 */
public record TensorType(ElemType elem, Shape shape, double scale) {
    public TensorType {
        if (!(scale > 0) || Double.isInfinite(scale)) throw new IllegalArgumentException("scale must be positive");
        if (elem.isFloat() && scale != 1.0) throw new IllegalArgumentException("float values carry no scale");
    }

    public TensorType(ElemType elem, Shape shape) {
        this(elem, shape, 1.0);
    }

    /**
     * The real number a stored element means, rounded to float32: what every float operation reading this value
     * sees. Shared by the interpreter and threshold folding so both round identically.
     */
    public float toReal(double stored) {
        return elem.isFloat() ? (float) stored : (float) (stored * scale);
    }

    public TensorType withShape(Shape s) {
        return new TensorType(elem, s, scale);
    }

    @Override
    public String toString() {
        String s = elem + shape.toString();
        return scale == 1.0 ? s : s + "*" + formatScale(scale);
    }

    private static String formatScale(double scale) {
        double inv = 1.0 / scale;
        if (Math.abs(inv - Math.rint(inv)) < 1e-9) return "1/" + (long) Math.rint(inv);
        return Double.toString(scale);
    }
}
