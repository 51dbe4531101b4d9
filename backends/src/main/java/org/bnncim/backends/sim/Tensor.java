package org.bnncim.backends.sim;

import org.bnncim.ir.TensorType;

/**
 * One value of one pass, as the chip holds it: integers (bipolar activations, popcount sums, quantised inputs) or
 * float32 (the digital periphery). Bipolar values are integers too, not packed bits: an MC-Dropout mask or padding
 * leaves a word line undriven (0), a third state the kernels read. Values are never mutated once made, which is
 * what lets Monte-Carlo passes share them; the records therefore hand out their arrays without copying.
 */
public sealed interface Tensor permits Tensor.Ints, Tensor.Floats {
    int size();

    /** Element {@code i} as a float operation reads it: integers mean {@code stored * scale} of their type. */
    float real(int i, TensorType type);

    /** Every element as a double (exact for both kinds), the form the reference interpreter's traces use. */
    double[] toDoubles();

    /** Every element as {@link #real} reads it. */
    default float[] reals(TensorType type) {
        float[] f = new float[size()];
        for (int i = 0; i < f.length; i++) f[i] = real(i, type);
        return f;
    }

    record Ints(int[] values) implements Tensor {
        @Override
        public int size() {
            return values.length;
        }

        @Override
        public float real(int i, TensorType type) {
            return type.toReal(values[i]);
        }

        @Override
        public double[] toDoubles() {
            double[] d = new double[values.length];
            for (int i = 0; i < values.length; i++) d[i] = values[i];
            return d;
        }
    }

    record Floats(float[] values) implements Tensor {
        @Override
        public int size() {
            return values.length;
        }

        @Override
        public float real(int i, TensorType type) {
            return values[i];
        }

        @Override
        public double[] toDoubles() {
            double[] d = new double[values.length];
            for (int i = 0; i < values.length; i++) d[i] = values[i];
            return d;
        }

        /** {@link #real} needs no conversion: the array itself. */
        @Override
        public float[] reals(TensorType type) {
            return values;
        }
    }
}
