package org.bnncim.compiler.frontend;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.bnncim.ir.BitMatrix;

/**
 * Constant folding kernels for the shape and weight subgraphs exporters emit. Float results are rounded to
 * float32 after every operation, as ONNX Runtime would compute them.
 */
final class ConstOps {
    private ConstOps() {}

    /** numpy-style broadcast of two shapes, or null when they do not broadcast. */
    static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i < r - a.length ? 1 : a[i - (r - a.length)];
            long db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) return null;
            out[i] = Math.max(da, db);
        }
        return out;
    }

    static ConstTensor binary(ConstTensor a, ConstTensor b, DoubleBinaryOperator op, boolean intResult) {
        long[] dims = broadcast(a.dims(), b.dims());
        if (dims == null)
            throw new IllegalArgumentException(
                    "shapes " + a.dimsString() + " and " + b.dimsString() + " do not broadcast");
        int n = ImportBudget.fold(ConstTensor.count(dims), intResult ? 16 : 12); // result + two index maps
        int[] ia = indexMap(a.dims(), dims), ib = indexMap(b.dims(), dims);
        if (intResult) {
            long[] l = new long[n];
            for (int i = 0; i < n; i++) l[i] = (long) op.applyAsDouble(a.get(ia[i]), b.get(ib[i]));
            return ConstTensor.ofLong(dims, l);
        }
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) op.applyAsDouble(a.getFloat(ia[i]), b.getFloat(ib[i]));
        return ConstTensor.ofFloat(dims, f);
    }

    static ConstTensor unary(ConstTensor a, DoubleUnaryOperator op) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) op.applyAsDouble(a.getFloat(i));
        return ConstTensor.ofFloat(a.dims(), f);
    }

    /**
     * {@code Sign} of a constant (0 and NaN give 0). Latent float weights binarized in the graph come through here
     * and through {@link #bipolar}: one plain loop each instead of a lambda call per weight.
     */
    static ConstTensor sign(ConstTensor a) {
        int[] f = bitsToOverwrite(a);
        int allLive = 1;
        // on the bits, without a branch: latent weights are positive or negative at random, and a branch on them
        // mispredicts every other element
        for (int i = 0; i < f.length; i++) {
            int b = f[i], abs = b & 0x7fffffff;
            int live = ((abs + 0x7fffffff) >>> 31) & ((abs - 0x7f800001) >>> 31); // neither zero nor NaN
            // +-1.0f with b's sign, or +0.0f
            f[i] = ((b & 0x80000000) | 0x3f800000) & -live;
            allLive &= live;
        }
        return ConstTensor.ofFloatBits(a.dims(), f, allLive == 1);
    }

    /** QONNX {@code BipolarQuant} of a constant: {@code s} where x >= 0, else {@code -s} (NaN gives -s). */
    static ConstTensor bipolar(ConstTensor a, float s) {
        int[] f = bitsToOverwrite(a);
        int sb = Float.floatToRawIntBits(s);
        for (int i = 0; i < f.length; i++) {
            int b = f[i], abs = b & 0x7fffffff;
            // x < 0 (sign set and not -0) or NaN, as a bit, flips the sign of s: the same without a branch
            int neg = ((b >>> 31) & ((abs + 0x7fffffff) >>> 31)) | ((0x7f800000 - abs) >>> 31);
            f[i] = sb ^ (neg << 31);
        }
        return ConstTensor.ofFloatBits(a.dims(), f, Math.abs(s) == 1f);
    }

    /**
     * A new array holding {@code a}'s values as float bits, for a result computed in place over them: an
     * initializer's floats are read once from the file's bytes, and the loop over ints is one C2 vectorises.
     */
    private static int[] bitsToOverwrite(ConstTensor a) {
        int[] f = new int[a.size()];
        if (a.kind() == ConstTensor.Kind.FLOAT) {
            a.bits().get(0, f);
        } else {
            for (int i = 0; i < f.length; i++) f[i] = Float.floatToRawIntBits(a.getFloat(i));
        }
        return f;
    }

    /** For every flat index of {@code out}, the flat index of the broadcast source element. */
    static int[] indexMap(long[] src, long[] out) {
        int n = (int) ConstTensor.count(out);
        int r = out.length;
        long[] srcFull = new long[r];
        for (int i = 0; i < r; i++) srcFull[i] = i < r - src.length ? 1 : src[i - (r - src.length)];
        int[] map = new int[n];
        int[] idx = new int[r];
        for (int i = 0; i < n; i++) {
            int s = 0;
            for (int d = 0; d < r; d++) s = (int) (s * srcFull[d] + (srcFull[d] == 1 ? 0 : idx[d]));
            map[i] = s;
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < out[d]) break;
                idx[d] = 0;
            }
        }
        return map;
    }

    static ConstTensor transpose(ConstTensor a, int[] perm) {
        int r = a.rank();
        if (perm == null) {
            perm = new int[r];
            for (int i = 0; i < r; i++) perm[i] = r - 1 - i;
        }
        checkPermutation(perm, r);
        if (r == 2 && perm[0] == 1 && a.kind() == ConstTensor.Kind.FLOAT) return transpose2d(a);
        long[] od = new long[r];
        for (int i = 0; i < r; i++) od[i] = a.dims()[perm[i]];
        long[] inStride = strides(a.dims());
        int n = a.size();
        int[] idx = new int[r];
        int[] src = new int[n];
        for (int i = 0; i < n; i++) {
            long s = 0;
            for (int d = 0; d < r; d++) s += idx[d] * inStride[perm[d]];
            src[i] = (int) s;
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < od[d]) break;
                idx[d] = 0;
            }
        }
        return gatherFlat(a, od, src);
    }

    /** A matrix transpose (weights stored [N, K] and transposed in the graph), walked in tiles that stay in cache. */
    private static ConstTensor transpose2d(ConstTensor a) {
        int rows = (int) a.dims()[0], cols = (int) a.dims()[1];
        if (a.knownBipolar()) {
            // a weight binarized before the Transpose (QONNX's MatMul weights): the MatMul reads its signs, which
            // are the source's read column by column, so they are packed from the source and the transposed values
            // are made only if an op computes with them
            BitMatrix signs = BitMatrix.ofSignBits(a.bits(), cols, rows, true);
            return ConstTensor.ofBipolarSigns(new long[] {cols, rows}, signs, () -> transposedBits(a, rows, cols));
        }
        return ConstTensor.ofFloatBits(new long[] {cols, rows}, transposedBits(a, rows, cols), false);
    }

    private static int[] transposedBits(ConstTensor a, int rows, int cols) {
        // moved as float bits: the values are only copied
        int[] x = new int[rows * cols], y = new int[x.length];
        a.bits().get(0, x);
        for (int r0 = 0; r0 < rows; r0 += 32) {
            int r1 = Math.min(rows, r0 + 32);
            for (int c0 = 0; c0 < cols; c0 += 32) {
                int c1 = Math.min(cols, c0 + 32);
                for (int r = r0; r < r1; r++) for (int c = c0; c < c1; c++) y[c * rows + r] = x[r * cols + c];
            }
        }
        return y;
    }

    static void checkPermutation(int[] perm, int rank) {
        boolean[] seen = new boolean[rank];
        if (perm.length != rank)
            throw new IllegalArgumentException("perm " + Arrays.toString(perm) + " for rank " + rank);
        for (int p : perm) {
            if (p < 0 || p >= rank || seen[p])
                throw new IllegalArgumentException("perm " + Arrays.toString(perm) + " is not a permutation");
            seen[p] = true;
        }
    }

    static long[] strides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    static ConstTensor gatherFlat(ConstTensor a, long[] dims, int[] src) {
        if (a.kind() == ConstTensor.Kind.FLOAT) {
            float[] f = new float[src.length];
            for (int i = 0; i < src.length; i++) f[i] = a.f()[src[i]];
            return ConstTensor.ofFloat(dims, f);
        }
        long[] l = new long[src.length];
        for (int i = 0; i < src.length; i++) l[i] = a.l()[src[i]];
        return new ConstTensor(a.kind(), dims, null, l);
    }

    static ConstTensor gather(ConstTensor data, ConstTensor indices, int axis) {
        int r = data.rank();
        if (axis < 0) axis += r;
        if (axis < 0 || axis >= r) throw new IllegalArgumentException("axis out of range");
        long[] dd = data.dims();
        long outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= dd[i];
        for (int i = axis + 1; i < r; i++) inner *= dd[i];
        long[] od = new long[r - 1 + indices.rank()];
        int k = 0;
        for (int i = 0; i < axis; i++) od[k++] = dd[i];
        for (long d : indices.dims()) od[k++] = d;
        for (int i = axis + 1; i < r; i++) od[k++] = dd[i];
        int ni = indices.size();
        // repeated indices can make the result far larger than the data: charged before the allocation
        int[] src = new int[ImportBudget.fold(Math.multiplyExact(Math.multiplyExact(outer, ni), inner), 12)];
        int p = 0;
        for (long o = 0; o < outer; o++) {
            for (int j = 0; j < ni; j++) {
                long ix = indices.getLong(j);
                if (ix < 0) ix += dd[axis];
                if (ix < 0 || ix >= dd[axis])
                    throw new IllegalArgumentException("index " + indices.getLong(j) + " out of range");
                for (long in = 0; in < inner; in++) src[p++] = (int) ((o * dd[axis] + ix) * inner + in);
            }
        }
        return gatherFlat(data, od, src);
    }

    static ConstTensor concat(ConstTensor[] parts, int axis) {
        if (parts.length == 0) throw new IllegalArgumentException("Concat of nothing");
        int r = parts[0].rank();
        if (axis < 0) axis += r;
        if (axis < 0 || axis >= r) throw new IllegalArgumentException("axis out of range for rank " + r);
        for (ConstTensor t : parts) {
            if (t.rank() != r) throw new IllegalArgumentException("concat of different ranks");
            for (int d = 0; d < r; d++) {
                if (d != axis && t.dims()[d] != parts[0].dims()[d])
                    throw new IllegalArgumentException("concat of mismatched shapes");
            }
        }
        long[] od = parts[0].dims().clone();
        od[axis] = 0;
        for (ConstTensor t : parts) {
            if (t.rank() != r) throw new IllegalArgumentException("concat of different ranks");
            od[axis] += t.dims()[axis];
        }
        long outer = 1;
        for (int i = 0; i < axis; i++) outer *= od[i];
        boolean isFloat = false;
        for (ConstTensor t : parts) isFloat |= t.kind() == ConstTensor.Kind.FLOAT;
        int n = (int) ConstTensor.count(od);
        float[] f = new float[n];
        long[] l = new long[n];
        int p = 0;
        for (long o = 0; o < outer; o++) {
            for (ConstTensor t : parts) {
                long chunk = t.size() / Math.max(1, outer);
                for (long c = 0; c < chunk; c++) {
                    int i = (int) (o * chunk + c);
                    f[p] = t.getFloat(i);
                    l[p] = t.getLong(i);
                    p++;
                }
            }
        }
        return isFloat ? ConstTensor.ofFloat(od, f) : ConstTensor.ofLong(od, l);
    }

    /** ONNX Reshape target resolution: 0 copies the input dim (unless allowzero), -1 is inferred. */
    static long[] reshapeTarget(long[] in, long[] target, boolean allowZero) {
        long[] out = target.clone();
        long known = 1;
        int infer = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && !allowZero) {
                if (i >= in.length) throw new IllegalArgumentException("0 in reshape beyond input rank");
                out[i] = in[i];
            }
            if (out[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("more than one -1 in reshape");
                infer = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException("negative dimension " + out[i] + " in reshape");
            } else {
                known *= out[i];
            }
        }
        long total = ConstTensor.count(in);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) throw new IllegalArgumentException("cannot infer -1 in reshape");
            out[infer] = total / known;
        }
        if (ConstTensor.count(out) != total) {
            throw new IllegalArgumentException(
                    "reshape " + Arrays.toString(in) + " to " + Arrays.toString(target) + " changes the size");
        }
        return out;
    }

    static long[] unsqueeze(long[] in, long[] axes) {
        int r = in.length + axes.length;
        boolean[] inserted = new boolean[r];
        for (long a : axes) {
            int ax = (int) (a < 0 ? a + r : a);
            if (ax < 0 || ax >= r || inserted[ax])
                throw new IllegalArgumentException("bad unsqueeze axes " + Arrays.toString(axes));
            inserted[ax] = true;
        }
        long[] out = new long[r];
        int k = 0;
        for (int i = 0; i < r; i++) out[i] = inserted[i] ? 1 : in[k++];
        return out;
    }

    static long[] squeeze(long[] in, long[] axes) {
        boolean[] drop = new boolean[in.length];
        if (axes == null || axes.length == 0) {
            for (int i = 0; i < in.length; i++) drop[i] = in[i] == 1;
        } else {
            for (long a : axes) {
                int ax = (int) (a < 0 ? a + in.length : a);
                if (ax < 0 || ax >= in.length || in[ax] != 1)
                    throw new IllegalArgumentException("cannot squeeze axis " + a);
                drop[ax] = true;
            }
        }
        return java.util.stream.IntStream.range(0, in.length)
                .filter(i -> !drop[i])
                .mapToLong(i -> in[i])
                .toArray();
    }
}
