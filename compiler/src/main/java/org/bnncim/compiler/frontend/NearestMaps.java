package org.bnncim.compiler.frontend;

/**
 * The gather index maps of nearest Resize/Upsample along one axis, as ONNX Runtime's CPU kernel computes them
 * (onnxruntime/core/providers/cpu/tensor/upsamplebase.h and upsample.cc): every coordinate in float32, the same
 * operations in the same order, then clamped to the input. Rounding a float32 coordinate differently from ONNX
 * Runtime would move whole rows of a feature map, so nothing here is simplified algebraically.
 *
 * <p>ONNX Runtime's compiled arithmetic is not always the correctly rounded float32 one: at a coordinate within an
 * ulp or two of a rounding boundary (e.g. 4.5 / 0.3f - 0.5 = 14.4999990 rounds to 14 here, 15 in ONNX Runtime 1.29)
 * it can pick the neighbour. Such positions only arise with non-integer scales; {@link #nearTies} counts them so the
 * importer can say so.
 */
final class NearestMaps {
    private NearestMaps() {}

    /** coordinate_transformation_mode values bnncim reads (tf_crop_and_resize and half_pixel_symmetric are not). */
    enum Coord {
        HALF_PIXEL,
        PYTORCH_HALF_PIXEL,
        ASYMMETRIC,
        ALIGN_CORNERS,
        TF_HALF_PIXEL_FOR_NN;

        static Coord of(String onnx) {
            return switch (onnx) {
                case "half_pixel" -> HALF_PIXEL;
                case "pytorch_half_pixel" -> PYTORCH_HALF_PIXEL;
                case "asymmetric" -> ASYMMETRIC;
                case "align_corners" -> ALIGN_CORNERS;
                case "tf_half_pixel_for_nn" -> TF_HALF_PIXEL_FOR_NN;
                default -> null;
            };
        }
    }

    /** nearest_mode values; SIMPLE is Upsample's and Resize-10's rule (no nearest_mode attribute yet). */
    enum Nearest {
        ROUND_PREFER_FLOOR,
        ROUND_PREFER_CEIL,
        FLOOR,
        CEIL,
        SIMPLE;

        static Nearest of(String onnx) {
            return switch (onnx) {
                case "round_prefer_floor" -> ROUND_PREFER_FLOOR;
                case "round_prefer_ceil" -> ROUND_PREFER_CEIL;
                case "floor" -> FLOOR;
                case "ceil" -> CEIL;
                default -> null;
            };
        }
    }

    /** Output length for a scale: ONNX Runtime truncates the float32 product scale * length. */
    static long outputLength(float scale, long inLen) {
        return (long) (scale * (float) inLen);
    }

    /** The scale ONNX Runtime derives from a requested size: a float32 quotient. */
    static float scaleFor(long outLen, long inLen) {
        return (float) outLen / (float) inLen;
    }

    /** For each output index along the axis, the input index it copies. */
    static int[] map(int inLen, int outLen, float scale, Coord coord, Nearest nearest) {
        int[] m = new int[outLen];
        for (int i = 0; i < outLen; i++) {
            // ONNX Runtime skips the transformation when the scale is exactly 1 (then outLen == inLen)
            if (scale == 1.0f) {
                m[i] = Math.min(i, inLen - 1);
                continue;
            }
            float x = original(coord, i, scale, outLen, inLen);
            long idx = pixel(nearest, x, scale < 1f);
            if (idx > inLen - 1) idx = inLen - 1;
            if (idx < 0) idx = 0;
            m[i] = (int) idx;
        }
        return m;
    }

    /**
     * Output indices whose float32 coordinate lies within two ulps of, but not exactly on, the boundary where the
     * nearest mode switches input index (a half-integer for the rounding modes, an integer for floor, ceil and
     * truncation).
     */
    static int nearTies(int inLen, int outLen, float scale, Coord coord, Nearest nearest) {
        if (scale == 1.0f) return 0;
        int n = 0;
        for (int i = 0; i < outLen; i++) if (nearTie(coord, nearest, i, scale, outLen, inLen)) n++;
        return n;
    }

    static boolean nearTie(Coord coord, Nearest nearest, int i, float scale, int outLen, int inLen) {
        float x = original(coord, i, scale, outLen, inLen);
        boolean half = nearest == Nearest.ROUND_PREFER_FLOOR || nearest == Nearest.ROUND_PREFER_CEIL;
        double b = half ? Math.floor(x) + 0.5 : Math.rint(x);
        double d = Math.abs(x - b);
        return d > 0 && d <= 2 * Math.ulp(x);
    }

    static float original(Coord coord, int i, float scale, int outLen, int inLen) {
        float xr = i, lr = outLen, lo = inLen;
        return switch (coord) {
            case ASYMMETRIC -> xr / scale;
            case PYTORCH_HALF_PIXEL -> lr > 1 ? (xr + 0.5f) / scale - 0.5f : 0.0f;
            case TF_HALF_PIXEL_FOR_NN -> (xr + 0.5f) / scale;
            case ALIGN_CORNERS -> lr == 1 ? 0f : xr * (lo - 1) / (lr - 1);
            case HALF_PIXEL -> ((xr + 0.5f) / scale) - 0.5f;
        };
    }

    static long pixel(Nearest nearest, float x, boolean downsample) {
        return switch (nearest) {
            case SIMPLE -> downsample ? (long) Math.ceil(x) : (long) x;
            case ROUND_PREFER_CEIL -> roundHalfAway(x);
            case FLOOR -> (long) Math.floor(x);
            case CEIL -> (long) Math.ceil(x);
            // a tie is detected as x == trunc(x) + 0.5 in float32, which is never true for negative ties
            case ROUND_PREFER_FLOOR -> x == (float) (long) x + 0.5f ? (long) Math.floor(x) : roundHalfAway(x);
        };
    }

    /** C's round(): halves away from zero (Java's Math.round rounds them up, and -0.5 to 0). */
    static long roundHalfAway(float x) {
        double a = Math.abs((double) x);
        double r = Math.floor(a);
        if (a - r >= 0.5) r += 1;
        return (long) (x < 0 ? -r : r);
    }
}
