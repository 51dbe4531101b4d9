package org.bnncim.compiler.frontend;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;

/**
 * Attribute readers with the ONNX defaults passed in: absent attributes are common and never an error here. A
 * present attribute of another type is refused: protobuf would hand back the unset field's default (an INT {@code
 * p} read as a float is 0), silently changing what the model means.
 */
final class OnnxAttributes {
    private OnnxAttributes() {}

    /** Thrown by the readers; the importer adds the node (it has no other way to get here than through one). */
    static final class WrongType extends RuntimeException {
        WrongType(String message) {
            super(message);
        }
    }

    static OnnxMl.AttributeProto attr(OnnxMl.NodeProto n, String name) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a;
        return null;
    }

    static long attrInt(OnnxMl.NodeProto n, String name, long dflt) {
        OnnxMl.AttributeProto a = typed(n, name, AttributeType.INT);
        return a == null ? dflt : a.getI();
    }

    static float attrFloat(OnnxMl.NodeProto n, String name, float dflt) {
        OnnxMl.AttributeProto a = typed(n, name, AttributeType.FLOAT);
        return a == null ? dflt : a.getF();
    }

    static long[] attrInts(OnnxMl.NodeProto n, String name) {
        OnnxMl.AttributeProto a = typed(n, name, AttributeType.INTS);
        if (a == null) return null;
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    static String attrString(OnnxMl.NodeProto n, String name, String dflt) {
        OnnxMl.AttributeProto a = typed(n, name, AttributeType.STRING);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    private static OnnxMl.AttributeProto typed(OnnxMl.NodeProto n, String name, AttributeType want) {
        OnnxMl.AttributeProto a = attr(n, name);
        if (a == null || a.getType() == want) return a;
        // very old exporters leave the type UNDEFINED: trust them only when the field we read is actually set
        if (a.getType() == AttributeType.UNDEFINED && holds(a, want)) return a;
        throw new WrongType("attribute " + name + " is " + a.getType() + ", expected " + want);
    }

    private static boolean holds(OnnxMl.AttributeProto a, AttributeType want) {
        return switch (want) {
            case INT -> a.hasI();
            case FLOAT -> a.hasF();
            case STRING -> a.hasS();
            case INTS -> a.getIntsCount() > 0;
            default -> false;
        };
    }
}
