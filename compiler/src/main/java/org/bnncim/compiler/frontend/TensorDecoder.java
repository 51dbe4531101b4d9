package org.bnncim.compiler.frontend;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.bnncim.ir.BnncimException;

/** Decodes ONNX TensorProtos (typed fields, raw_data, or external data beside the model) into constants. */
final class TensorDecoder {
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, INT16 = 5, INT32 = 6, INT64 = 7, BOOL = 9, DOUBLE = 11;

    private final Path modelDir;
    private final ImportBudget budget;

    /** @param modelDir the model's folder, the only place external data may live; null when there is none */
    TensorDecoder(Path modelDir, ImportBudget budget) {
        this.modelDir = modelDir;
        this.budget = budget;
    }

    ConstTensor decode(OnnxMl.TensorProto t, String where) {
        long[] dims = new long[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
            if (dims[i] < 0)
                throw new BnncimException(where + ": tensor '" + t.getName() + "' has a negative dimension");
            count = mulChecked(count, dims[i], where, t);
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new BnncimException(
                    where + ": tensor '" + t.getName() + "' declares " + count + " elements, more than bnncim handles");
        }
        int n = (int) count;
        int type = t.getDataType();
        ByteBuffer raw = null;
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            raw = external(t, where, (long) n * elemSize(type, t, where));
        } else if (t.hasRawData()) {
            raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        if (raw != null) {
            long need = (long) n * elemSize(type, t, where);
            if (raw.remaining() != need) {
                throw new BnncimException(where + ": tensor '" + t.getName() + "' has " + raw.remaining()
                        + " bytes of data, its shape needs " + need);
            }
            return fromRaw(type, dims, n, raw);
        }
        return fromFields(t, type, dims, n, where);
    }

    private static long mulChecked(long a, long b, String where, OnnxMl.TensorProto t) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new BnncimException(where + ": tensor '" + t.getName() + "' has an impossibly large shape");
        }
    }

    private static int elemSize(int type, OnnxMl.TensorProto t, String where) {
        return switch (type) {
            case FLOAT, INT32 -> 4;
            case UINT8, INT8, BOOL -> 1;
            case INT16 -> 2;
            case INT64, DOUBLE -> 8;
            default ->
                throw new BnncimException(where + ": tensor '" + t.getName() + "' has element type " + typeName(type)
                        + "; bnncim reads float, double, int8/16/32/64, uint8 and bool constants");
        };
    }

    static String typeName(int type) {
        OnnxMl.TensorProto.DataType dt = OnnxMl.TensorProto.DataType.forNumber(type);
        return dt == null ? "#" + type : dt.name();
    }

    private static ConstTensor fromRaw(int type, long[] dims, int n, ByteBuffer b) {
        switch (type) {
            case FLOAT -> {
                // the values stay in the file's bytes: binary weights are checked and packed from there, and only
                // a constant that is computed with gets an array (ConstTensor.f)
                return ConstTensor.ofRawFloat(dims, b);
            }
            case DOUBLE -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = (float) b.getDouble(b.position() + 8 * i);
                return ConstTensor.ofFloat(dims, f);
            }
            default -> {
                long[] l = new long[n];
                int p = b.position();
                for (int i = 0; i < n; i++) {
                    l[i] = switch (type) {
                        case INT64 -> b.getLong(p + 8 * i);
                        case INT32 -> b.getInt(p + 4 * i);
                        case INT16 -> b.getShort(p + 2 * i);
                        case INT8 -> b.get(p + i);
                        case UINT8 -> b.get(p + i) & 0xFF;
                        case BOOL -> b.get(p + i) != 0 ? 1 : 0;
                        default -> throw new IllegalStateException("unreachable");
                    };
                }
                return type == BOOL ? ConstTensor.ofBool(dims, l) : ConstTensor.ofLong(dims, l);
            }
        }
    }

    private static ConstTensor fromFields(OnnxMl.TensorProto t, int type, long[] dims, int n, String where) {
        int have;
        switch (type) {
            case FLOAT -> {
                have = t.getFloatDataCount();
                if (have == n) {
                    float[] f = new float[n];
                    for (int i = 0; i < n; i++) f[i] = t.getFloatData(i);
                    return ConstTensor.ofFloat(dims, f);
                }
            }
            case DOUBLE -> {
                have = t.getDoubleDataCount();
                if (have == n) {
                    float[] f = new float[n];
                    for (int i = 0; i < n; i++) f[i] = (float) t.getDoubleData(i);
                    return ConstTensor.ofFloat(dims, f);
                }
            }
            case INT64 -> {
                have = t.getInt64DataCount();
                if (have == n) {
                    long[] l = new long[n];
                    for (int i = 0; i < n; i++) l[i] = t.getInt64Data(i);
                    return ConstTensor.ofLong(dims, l);
                }
            }
            case INT32, INT16, INT8, UINT8, BOOL -> {
                have = t.getInt32DataCount();
                if (have == n) {
                    long[] l = new long[n];
                    for (int i = 0; i < n; i++) l[i] = type == UINT8 ? t.getInt32Data(i) & 0xFF : t.getInt32Data(i);
                    return type == BOOL ? ConstTensor.ofBool(dims, l) : ConstTensor.ofLong(dims, l);
                }
            }
            default -> {
                elemSize(type, t, where);
                have = -1;
            }
        }
        throw new BnncimException(
                where + ": tensor '" + t.getName() + "' has " + have + " values, its shape needs " + n);
    }

    /** External data must stay inside the model's folder: a path that leaves it is refused, never opened. */
    private ByteBuffer external(OnnxMl.TensorProto t, String where, long need) {
        String location = null;
        long offset = 0, length = -1;
        for (OnnxMl.StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = parseLong(e.getValue(), where, t);
                case "length" -> length = parseLong(e.getValue(), where, t);
                default -> {}
            }
        }
        if (location == null || location.isEmpty()) {
            throw new BnncimException(where + ": tensor '" + t.getName() + "' is external but names no location");
        }
        if (modelDir == null) {
            throw new BnncimException(
                    where + ": tensor '" + t.getName() + "' refers to external data, which needs a model file on disk");
        }
        String tensor = where + ": tensor '" + t.getName() + "'";
        if (length < 0) length = need;
        if (length != need || offset < 0) {
            throw new BnncimException(
                    tensor + " external data length " + length + " does not match its shape (" + need + " bytes)");
        }
        if (length > Integer.MAX_VALUE - 8L) {
            throw new BnncimException(tensor + " has " + length + " bytes of external data; one tensor holds at most "
                    + (Integer.MAX_VALUE - 8L));
        }
        Path real = org.bnncim.io.InputFiles.confined(modelDir, location, tensor);
        // checked before the allocation: one 2 GiB blob, or one file named by a thousand tensors, is a refusal
        budget.take(tensor, "external data", length);
        try (java.nio.channels.FileChannel f = org.bnncim.io.InputFiles.openConfined(real)) {
            if (offset > f.size() - length) {
                throw new BnncimException(tensor + " external data runs past the end of '" + location + "'");
            }
            byte[] bytes = org.bnncim.io.InputFiles.readAt(f, offset, (int) length);
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new BnncimException(where + ": cannot read external data '" + location + "' ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static long parseLong(String s, String where, OnnxMl.TensorProto t) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new BnncimException(
                    where + ": tensor '" + t.getName() + "' has a malformed external-data number '" + s + "'");
        }
    }
}
