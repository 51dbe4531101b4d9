package org.bnncim.compiler.frontend;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.nio.file.Path;
import org.bnncim.ir.BnncimException;

/** Reads an ONNX file into a ModelProto, turning every way it can be wrong into a one-line user error. */
public final class OnnxFiles {
    /** protobuf cannot represent a message larger than 2 GiB; refuse before reading such a file. */
    private static final long MAX_FILE = Integer.MAX_VALUE - 8L;

    private OnnxFiles() {}

    public static OnnxMl.ModelProto read(Path file) {
        return parse(bytes(file), file.toString());
    }

    /** The file's bytes, checked as {@link #read} checks them (callers that also hash the file read it once). */
    public static byte[] bytes(Path file) {
        return org.bnncim.io.InputFiles.read(file, "model", MAX_FILE, "protobuf messages end at 2 GiB");
    }

    public static OnnxMl.ModelProto parse(byte[] bytes, String source) {
        if (bytes.length == 0) throw new BnncimException(source + ": empty file, not an ONNX model");
        OnnxMl.ModelProto model;
        try {
            // initializers view the file's bytes instead of copying them (they are never modified): protobuf aliases
            // only a buffer it was told is immutable, which newInstance(byte[]) does not say (a copy of every
            // initializer was 8 % of lfc's compile)
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.enableAliasing(true);
            in.setRecursionLimit(64);
            model = OnnxMl.ModelProto.parseFrom(in);
            in.checkLastTagWas(0);
        } catch (InvalidProtocolBufferException e) {
            throw new BnncimException(
                    source + ": not a valid ONNX model (truncated or not protobuf: " + oneLine(e.getMessage()) + ")");
        } catch (IOException e) {
            throw new BnncimException(source + ": cannot parse (" + oneLine(e.getMessage()) + ")");
        }
        // protobuf happily parses many non-ONNX byte strings into a message with unknown fields only
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0 || model.getIrVersion() <= 0) {
            throw new BnncimException(source + ": not an ONNX model (no graph, no nodes or no ir_version)");
        }
        return model;
    }

    static String oneLine(String s) {
        if (s == null) return "no detail";
        String t = s.replaceAll("\\s+", " ").trim();
        return t.length() > 160 ? t.substring(0, 160) + "..." : t;
    }
}
