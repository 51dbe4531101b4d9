package org.bnncim.compiler.robustness;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.bnncim.compiler.robustness.ProgramLayout.Field;

/**
 * Mutators for program files: a field rewritten with a value chosen for its kind (boundaries, off-by-one, powers
 * of two that make a product overflow or an allocation explode, non-finite floats), or raw bytes as for models.
 */
final class ProgramMutations {
    private ProgramMutations() {}

    /** One to three fields of {@code layout} rewritten in a copy of {@code program}. */
    static byte[] fields(byte[] program, List<Field> layout, Random r) {
        ByteBuffer b = ByteBuffer.wrap(program.clone());
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            Field f = layout.get(r.nextInt(layout.size()));
            switch (f.kind()) {
                case COUNT, STRING_LENGTH, INT, DIM -> b.putInt(f.offset(), integer(b.getInt(f.offset()), r));
                case FLOAT -> b.putFloat(f.offset(), (float) real(b.getFloat(f.offset()), r));
                case DOUBLE -> b.putDouble(f.offset(), real(b.getDouble(f.offset()), r));
                case LONG -> b.putLong(f.offset(), wide(b.getLong(f.offset()), r));
                case BOOL -> b.put(f.offset(), (byte) pick(r, 0, 1, 2, 255));
                case BYTE ->
                    b.put(f.offset(), (byte) pick(r, 0, 1, 2, 3, 4, 8, 16, 31, 32, 33, 64, 255, r.nextInt(256)));
                case ENUM -> {
                    int v = b.get(f.offset()) & 0xFF;
                    b.put(f.offset(), (byte) pick(r, 0, 1, 2, 3, 4, 5, v - 1, v + 1, 22, 23, 127, 255, r.nextInt(32)));
                }
            }
        }
        return b.array();
    }

    private static int integer(int v, Random r) {
        return switch (r.nextInt(20)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> -1;
            case 3 -> 2;
            case 4 -> Integer.MAX_VALUE;
            case 5 -> Integer.MIN_VALUE;
            case 6 -> v - 1;
            case 7 -> v + 1;
            case 8 -> v * 2;
            case 9 -> v / 2;
            case 10 -> 1 << 16;
            case 11 -> 1 << 20;
            case 12 -> 1 << 24;
            case 13 -> 1 << 28;
            case 14 -> (1 << 28) + 1;
            case 15 -> 46341; // its square overflows an int
            case 16 -> -v;
            case 17 -> r.nextInt(256);
            case 18 -> 65536 + r.nextInt(3) - 1;
            default -> r.nextInt();
        };
    }

    private static double real(double v, Random r) {
        return switch (r.nextInt(14)) {
            case 0 -> Double.NaN;
            case 1 -> Double.POSITIVE_INFINITY;
            case 2 -> Double.NEGATIVE_INFINITY;
            case 3 -> -0.0;
            case 4 -> 0;
            case 5 -> 1;
            case 6 -> -1;
            case 7 -> Float.MAX_VALUE;
            case 8 -> Double.MAX_VALUE;
            case 9 -> Float.MIN_VALUE;
            case 10 -> v * 2;
            case 11 -> -v;
            case 12 -> 1e30;
            default -> r.nextGaussian() * 100;
        };
    }

    private static long wide(long v, Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> -1;
            case 3 -> Long.MAX_VALUE;
            case 4 -> Long.MIN_VALUE;
            case 5 -> v + 1;
            case 6 -> -v;
            default -> r.nextLong();
        };
    }

    private static int pick(Random r, int... values) {
        return values[r.nextInt(values.length)];
    }
}
