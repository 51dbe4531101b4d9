package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ConstTensorTest {
    @Test
    void firstNonBipolarFindsTheFirstOffenderInAnyBlock() {
        float[] bad = {0f, -0f, 2f, -2f, Float.NaN, Float.POSITIVE_INFINITY, Math.nextUp(1f), Math.nextDown(-1f), 0.5f};
        for (int size : new int[] {1, 4095, 4096, 4097, 10_000}) {
            float[] a = new float[size];
            for (int i = 0; i < size; i++) a[i] = (i * 2654435761L & 4) == 0 ? 1f : -1f;
            assertEquals(-1, ConstTensor.ofFloat(new long[] {size}, a).firstNonBipolar());
            for (int at : new int[] {0, size / 2, size - 1}) {
                for (float v : bad) {
                    float[] b = a.clone();
                    b[at] = v;
                    if (at + 1 < size) b[size - 1] = 3f; // a later offender must not hide the first
                    assertEquals(
                            at,
                            ConstTensor.ofFloat(new long[] {size}, b).firstNonBipolar(),
                            "value " + v + " at " + at + " of " + size);
                }
            }
        }
        long[] l = new long[5000];
        Arrays.fill(l, -1);
        l[4500] = 0;
        assertEquals(4500, ConstTensor.ofLong(new long[] {5000}, l).firstNonBipolar());
    }

    /**
     * What a binarization or transpose says about its result's bipolarity without a scan agrees with a scan: a
     * fresh tensor over the same values, which knows nothing.
     */
    @Test
    void knownBipolarityAgreesWithAScan() {
        float[][] latent = {{0.3f, -2f, 7f, -0.1f}, {0.3f, 0f, -1f, 1f}, {0.3f, Float.NaN, -1f, 1f}, {-0f, 1f, 1f, 1f}};
        for (float[] x : latent) {
            ConstTensor t = ConstTensor.ofFloat(new long[] {2, 2}, x);
            for (ConstTensor r : new ConstTensor[] {
                ConstOps.sign(t),
                ConstOps.bipolar(t, 1f),
                ConstOps.bipolar(t, -1f),
                ConstOps.bipolar(t, 0.5f),
                ConstOps.transpose(ConstOps.sign(t), new int[] {1, 0}),
                ConstOps.transpose(ConstOps.bipolar(t, 1f), new int[] {1, 0}),
                ConstOps.sign(t).reshape(new long[] {4}),
                t.reshape(new long[] {4, 1})
            }) {
                int scanned = ConstTensor.ofFloat(r.dims(), r.f().clone()).firstNonBipolar();
                assertEquals(scanned, r.firstNonBipolar(), Arrays.toString(x) + " -> " + Arrays.toString(r.f()));
            }
        }
    }

    /** A raw float initializer's decode says whether it is bipolar, as a scan of the decoded values does. */
    @Test
    void decodedInitializersKnowTheirBipolarity() {
        TensorDecoder d = new TensorDecoder(null, new ImportBudget(1L << 30));
        for (int size : new int[] {0, 1, 8191, 8192, 8193, 20_000}) {
            for (int at : new int[] {-1, 0, size / 2, size - 1}) {
                if (at >= size) continue;
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < size; i++) b.putFloat(i == at ? 0.5f : (i % 3 == 0 ? -1f : 1f));
                ai.onnx.proto.OnnxMl.TensorProto t = ai.onnx.proto.OnnxMl.TensorProto.newBuilder()
                        .setName("w")
                        .setDataType(TensorDecoder.FLOAT)
                        .addDims(size)
                        .setRawData(com.google.protobuf.ByteString.copyFrom(b.array()))
                        .build();
                ConstTensor c = d.decode(t, "test");
                assertEquals(at, c.firstNonBipolar(), size + " values, offender at " + at);
                // the values read in place and through an array agree, reshaped too
                assertEquals(size, c.size());
                ConstTensor r = c.reshape(new long[] {1, size});
                for (int i = 0; i < size; i += 97) {
                    assertEquals(b.getFloat(4 * i), c.getFloat(i));
                    assertEquals(b.getFloat(4 * i), r.get(i));
                }
                assertEquals(at, r.firstNonBipolar());
                int[] bits = new int[size];
                c.bits().get(bits);
                float[] all = new float[size];
                for (int i = 0; i < size; i++) all[i] = Float.intBitsToFloat(bits[i]);
                assertEquals(java.util.Arrays.toString(all), java.util.Arrays.toString(r.f()));
                assertEquals(ConstTensor.ofFloat(c.dims(), c.f().clone()).firstNonBipolar(), c.firstNonBipolar());
            }
        }
    }

    @Test
    void matrixTransposeAndBinarizationsOfConstants() {
        for (int[] rc : new int[][] {{1, 1}, {3, 70}, {33, 31}, {100, 64}}) {
            int rows = rc[0], cols = rc[1];
            float[] x = new float[rows * cols];
            long[] xl = new long[rows * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i * 37 % 11) - 5.5f;
                xl[i] = i * 37 % 11 - 5;
            }
            ConstTensor t = ConstOps.transpose(ConstTensor.ofFloat(new long[] {rows, cols}, x), new int[] {1, 0});
            ConstTensor tl = ConstOps.transpose(ConstTensor.ofLong(new long[] {rows, cols}, xl), new int[] {1, 0});
            assertEquals(java.util.List.of((long) cols, (long) rows), java.util.List.of(t.dims()[0], t.dims()[1]));
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    assertEquals(x[r * cols + c], t.f()[c * rows + r]);
                    assertEquals(xl[r * cols + c], tl.l()[c * rows + r]);
                }
            }
        }
        ConstTensor v = ConstTensor.ofFloat(new long[] {5}, new float[] {-2f, -0f, 0f, 3f, Float.NaN});
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                new float[] {-1f, 0f, 0f, 1f, 0f}, ConstOps.sign(v).f());
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                new float[] {-0.5f, 0.5f, 0.5f, 0.5f, -0.5f},
                ConstOps.bipolar(v, 0.5f).f());
        java.util.SplittableRandom r = new java.util.SplittableRandom(9);
        float[] w = new float[4000];
        for (int i = 0; i < w.length; i++) w[i] = Float.intBitsToFloat(r.nextInt()); // every class of float
        float[] special = {
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE,
            -Float.MIN_VALUE,
            Float.intBitsToFloat(0xffc00001)
        };
        System.arraycopy(special, 0, w, 0, special.length);
        ConstTensor t = ConstTensor.ofFloat(new long[] {w.length}, w);
        float[] sg = ConstOps.sign(t).f(), bq = ConstOps.bipolar(t, -1.5f).f();
        for (int i = 0; i < w.length; i++) {
            float x = w[i];
            assertEquals(x > 0 ? 1f : x < 0 ? -1f : 0f, sg[i], "sign of " + x);
            assertEquals(x >= 0 ? -1.5f : 1.5f, bq[i], "BipolarQuant of " + x);
        }
    }

    /** A weight checked by packing: the same verdict as a scan, and the same matrix as packing afterwards. */
    @Test
    void weightsCheckedByPackingAgreeWithAScanAndAPack() {
        java.util.Random r = new java.util.Random(23);
        for (long[] dims : new long[][] {{70, 3}, {5, 64}, {8, 3, 3, 3}, {2, 65, 1, 1}, {1, 1}}) {
            int n = (int) ConstTensor.count(dims);
            for (int at : new int[] {-1, 0, n - 1, n / 2}) {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = i == at ? 0.25f : r.nextBoolean() ? 1f : -1f;
                ConstTensor c = ConstTensor.ofFloat(dims, a.clone());
                ConstTensor scanned = ConstTensor.ofFloat(dims, a.clone());
                assertEquals(scanned.isBipolar(), c.isBipolarWeight(), Arrays.toString(dims) + " offender " + at);
                assertEquals(scanned.firstNonBipolar(), c.firstNonBipolar());
                if (at >= 0) continue;
                boolean dense = dims.length == 2;
                int cols = (int) (dense ? dims[1] : dims[0]), rows = n / cols;
                assertEquals(org.bnncim.ir.BitMatrix.ofSigns(a, rows, cols, !dense), c.signs(rows, cols, !dense));
                // another layout is packed anew
                assertEquals(org.bnncim.ir.BitMatrix.ofSigns(a, cols, rows, dense), c.signs(cols, rows, dense));
            }
        }
    }

    /** A binarized weight's transpose: its signs packed from the source, its values made on demand, both as eager. */
    @Test
    void transposedBinaryWeightsPackAndReadAsTheirValues() {
        java.util.Random r = new java.util.Random(31);
        for (int[] rc : new int[][] {{1, 1}, {64, 784}, {3, 70}, {65, 129}}) {
            int rows = rc[0], cols = rc[1];
            float[] x = new float[rows * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            ConstTensor b = ConstOps.bipolar(ConstTensor.ofFloat(new long[] {rows, cols}, x), 1f);
            float[] want = new float[x.length]; // the transpose of the binarized values, made here element by element
            for (int k = 0; k < rows; k++) for (int n = 0; n < cols; n++) want[n * rows + k] = b.getFloat(k * cols + n);
            ConstTensor t = ConstOps.transpose(b, new int[] {1, 0});
            assertEquals(-1, t.firstNonBipolar());
            assertEquals(org.bnncim.ir.BitMatrix.ofSigns(want, cols, rows, false), t.signs(cols, rows, false));
            assertEquals(cols * rows, t.size());
            // values read one by one first (made on demand), then whole
            for (int i = 0; i < want.length; i += 7) assertEquals(want[i], t.getFloat(i));
            org.junit.jupiter.api.Assertions.assertArrayEquals(want, t.f());
            assertEquals(
                    Arrays.toString(want),
                    Arrays.toString(t.reshape(new long[] {want.length}).f()));
        }
    }
}
