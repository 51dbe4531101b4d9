package org.bnncim.oracle;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Small read-only helpers over ONNX protos: node descriptions for messages, attributes, tensor values. */
final class OnnxProtos {
    private OnnxProtos() {}

    static String describe(NodeProto n) {
        String name = n.getName().isEmpty()
                ? "<unnamed, output " + (n.getOutputCount() > 0 ? n.getOutput(0) : "?") + ">"
                : n.getName();
        String domain = n.getDomain().isEmpty() ? "ai.onnx" : n.getDomain();
        return "node '" + name + "' (op " + n.getOpType() + ", domain " + domain + ")";
    }

    static AttributeProto attr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) return a;
        }
        return null;
    }

    static long attrInt(NodeProto n, String name, long dflt) {
        AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getI();
    }

    static long numel(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) n *= d;
        return n;
    }

    /** Values of a float/double/integer tensor as float; null when stored externally or of another type. */
    static float[] floats(TensorProto t) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) return null;
        int n = (int) numel(t);
        float[] out = new float[n];
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !t.getRawData().isEmpty();
        switch (t.getDataType()) {
            case DataType.FLOAT_VALUE -> {
                if (hasRaw) raw.asFloatBuffer().get(out);
                else if (t.getFloatDataCount() == n) for (int i = 0; i < n; i++) out[i] = t.getFloatData(i);
                else return null;
            }
            case DataType.DOUBLE_VALUE -> {
                if (hasRaw) for (int i = 0; i < n; i++) out[i] = (float) raw.getDouble(8 * i);
                else if (t.getDoubleDataCount() == n) for (int i = 0; i < n; i++) out[i] = (float) t.getDoubleData(i);
                else return null;
            }
            default -> {
                long[] l = longs(t);
                if (l == null) return null;
                for (int i = 0; i < n; i++) out[i] = l[i];
            }
        }
        return out;
    }

    /** Values of an integer tensor; null for other types or external data. */
    static long[] longs(TensorProto t) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) return null;
        int n = (int) numel(t);
        long[] out = new long[n];
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !t.getRawData().isEmpty();
        switch (t.getDataType()) {
            case DataType.INT64_VALUE -> {
                if (hasRaw) raw.asLongBuffer().get(out);
                else if (t.getInt64DataCount() == n) for (int i = 0; i < n; i++) out[i] = t.getInt64Data(i);
                else return null;
            }
            case DataType.INT32_VALUE -> {
                if (hasRaw) for (int i = 0; i < n; i++) out[i] = raw.getInt(4 * i);
                else if (t.getInt32DataCount() == n) for (int i = 0; i < n; i++) out[i] = t.getInt32Data(i);
                else return null;
            }
            default -> {
                return null;
            }
        }
        return out;
    }
}
