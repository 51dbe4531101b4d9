package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed and hostile models, each compiled through the CLI: exit code 2, one line on stderr naming the
 * problem, no stack trace, no out-of-memory, and no output folder left behind.
 */
class CorpusTest {
    @TempDir
    Path tmp;

    /** x[N,4] -> Sign -> MatMul(W 4x2) -> Sign: the healthy base most cases break one way. */
    private static OnnxBuilder base(float... w) {
        return new OnnxBuilder("base")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer("W", new int[] {4, 2}, w.length == 0 ? new float[] {1, -1, 1, 1, -1, -1, 1, 1} : w);
    }

    /** Sign -> MatMul(W) -> Sign -> y on {@code b}, which declares x[N,4] and W[4,2]. */
    static byte[] layer(OnnxBuilder b) {
        return b.node("Sign", "s0")
                .inputs("x")
                .outputs("a")
                .end()
                .node("MatMul", "mm")
                .inputs("a", "W")
                .outputs("h")
                .end()
                .node("Sign", "s1")
                .inputs("h")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build()
                .toByteArray();
    }

    private static OnnxMl.ModelProto parse(byte[] b) throws Exception {
        return OnnxMl.ModelProto.parseFrom(b);
    }

    private Map<String, Object[]> corpus() throws Exception {
        Map<String, Object[]> c = new LinkedHashMap<>(); // name -> {bytes, words the message must contain}
        byte[] tfc = Files.readAllBytes(Paths.tfc());
        c.put("truncated", new Object[] {Arrays.copyOf(tfc, tfc.length / 3), "not a valid ONNX model"});
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        c.put("random-bytes", new Object[] {noise, "random-bytes.onnx"});
        c.put("empty", new Object[] {new byte[0], "empty file"});
        // (a flipped weight bit, or any non-bipolar weight, is no longer an error: the layer runs in float32 on the
        // digital unit, named in the graph notes; see QuantImportTest and BadInputTest)
        OnnxMl.ModelProto.Builder huge = parse(layer(base())).toBuilder();
        huge.getGraphBuilder().getInitializerBuilder(0).setDims(0, 1L << 40);
        c.put("dims-2^40", new Object[] {huge.build().toByteArray(), "W"});
        OnnxMl.ModelProto.Builder neg = parse(layer(base())).toBuilder();
        neg.getGraphBuilder().getInitializerBuilder(0).setDims(0, -4);
        c.put("negative-dim", new Object[] {neg.build().toByteArray(), "negative dimension"});
        OnnxMl.ModelProto.Builder zero = parse(layer(base())).toBuilder();
        zero.getGraphBuilder()
                .getInputBuilder(0)
                .getTypeBuilder()
                .getTensorTypeBuilder()
                .getShapeBuilder()
                .getDimBuilder(1)
                .setDimValue(0);
        c.put("zero-dim-input", new Object[] {zero.build().toByteArray(), "input 'x'"});
        c.put("cycle", new Object[] {
            base().node("Sign", "s1")
                    .inputs("b")
                    .outputs("a")
                    .end()
                    .node("Sign", "s2")
                    .inputs("a")
                    .outputs("b")
                    .end()
                    .output("b", DataType.FLOAT, "N", 4)
                    .build()
                    .toByteArray(),
            "cycle"
        });
        c.put("undefined-value", new Object[] {
            base().node("MatMul", "mm")
                    .inputs("ghost", "W")
                    .outputs("y")
                    .end()
                    .output("y", DataType.FLOAT, "N", 2)
                    .build()
                    .toByteArray(),
            "mm",
            "ghost"
        });
        OnnxMl.ModelProto.Builder missing = parse(layer(base())).toBuilder();
        missing.getGraphBuilder().clearInitializer();
        c.put("missing-initializer", new Object[] {missing.build().toByteArray(), "mm", "'W'"});
        OnnxMl.ModelProto.Builder dtype = parse(layer(base())).toBuilder();
        dtype.getGraphBuilder()
                .getInputBuilder(0)
                .getTypeBuilder()
                .getTensorTypeBuilder()
                .setElemType(DataType.INT32.getNumber());
        c.put("wrong-dtype", new Object[] {dtype.build().toByteArray(), "INT32"});
        OnnxMl.ModelProto.Builder strDtype = parse(layer(base())).toBuilder();
        strDtype.getGraphBuilder().getInitializerBuilder(0).setDataType(DataType.STRING.getNumber());
        c.put("string-weights", new Object[] {strDtype.build().toByteArray(), "STRING"});
        c.put("unknown-op", new Object[] {
            base().node("Frobnicate", "f1")
                    .inputs("x")
                    .outputs("y")
                    .end()
                    .output("y", DataType.FLOAT, "N", 4)
                    .build()
                    .toByteArray(),
            "f1",
            "Frobnicate"
        });
        c.put("unknown-domain", new Object[] {
            base().node("Sign", "s9")
                    .domain("com.evil")
                    .inputs("x")
                    .outputs("y")
                    .end()
                    .output("y", DataType.FLOAT, "N", 4)
                    .build()
                    .toByteArray(),
            "s9",
            "com.evil"
        });
        c.put("multi-bit-quant", new Object[] {
            base().opset("qonnx.custom_op.general", 1)
                    .initializer("sc", new int[0], 1f)
                    .initializer("zp", new int[0], 0f)
                    .initializer("bw", new int[0], 12f)
                    .node("Quant", "q4")
                    .domain("qonnx.custom_op.general")
                    .inputs("x", "sc", "zp", "bw")
                    .outputs("y")
                    .end()
                    .output("y", DataType.FLOAT, "N", 4)
                    .build()
                    .toByteArray(),
            "q4",
            "bitwidth 12"
        });
        c.put("multi-threshold", new Object[] {
            base().opset("qonnx.custom_op.general", 1)
                    // a 4-level quantizer whose thresholds are not sorted: no monotone level function
                    .initializer("th", new int[] {4, 3}, new float[] {3, 2, 1, 0, 1, 2, 0, 1, 2, 0, 1, 2})
                    .node("MultiThreshold", "mt")
                    .domain("qonnx.custom_op.general")
                    .inputs("x", "th")
                    .outputs("y")
                    .end()
                    .output("y", DataType.FLOAT, "N", 4)
                    .build()
                    .toByteArray(),
            "mt",
            "not sorted ascending"
        });
        c.put("control-flow", new Object[] {
            base().node("Loop", "loop1")
                    .inputs("x")
                    .outputs("y")
                    .end()
                    .output("y", DataType.FLOAT, "N", 4)
                    .build()
                    .toByteArray(),
            "loop1",
            "control flow"
        });
        OnnxMl.ModelProto.Builder ext = parse(layer(base())).toBuilder();
        ext.getGraphBuilder()
                .getInitializerBuilder(0)
                .clearRawData()
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder()
                        .setKey("location")
                        .setValue("../../../../etc/passwd"));
        c.put("external-traversal", new Object[] {ext.build().toByteArray(), "outside the model's folder"});
        c.put("declared-1GB-raw-data", new Object[] {declaredHugeRawData(), "not a valid ONNX model"});
        c.put("transpose-bad-perm", new Object[] {
            base().node("Transpose", "tp")
                    .inputs("W")
                    .outputs("Wt")
                    .attrInts("perm", 0, 1 << 20)
                    .end()
                    .node("Sign", "s0")
                    .inputs("x")
                    .outputs("a")
                    .end()
                    .node("MatMul", "mm")
                    .inputs("a", "Wt")
                    .outputs("y")
                    .end()
                    .output("y", DataType.FLOAT, "N", 2)
                    .build()
                    .toByteArray(),
            "tp",
            "not a permutation"
        });
        c.put("concat-bad-axis", new Object[] {
            base().initializerInt64("s1", new int[] {1}, 1)
                    .initializerInt64("s2", new int[] {1}, -1)
                    .node("Concat", "cat")
                    .inputs("s1", "s2")
                    .outputs("shape")
                    .attr("axis", 3L)
                    .end()
                    .node("Reshape", "rs")
                    .inputs("x", "shape")
                    .outputs("y")
                    .end()
                    .output("y", DataType.FLOAT, "N", 4)
                    .build()
                    .toByteArray(),
            "cat",
            "axis"
        });
        c.put("too-big-for-chip", new Object[] {tfc, "too-big-for-chip", "needs 1844 crossbars", "--chips 4"});
        return c;
    }

    /** A tensor whose raw_data claims 1 GiB, in a file of a few hundred bytes: must not allocate the gigabyte. */
    private static byte[] declaredHugeRawData() throws Exception {
        byte[] valid = layer(base());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(valid);
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        // ModelProto.graph (field 7) containing an initializer (field 5) whose raw_data (field 9) says 1 GiB
        ByteString tensorHeader;
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        CodedOutputStream tc = CodedOutputStream.newInstance(t);
        tc.writeTag(9, 2);
        tc.writeUInt32NoTag(1 << 30);
        tc.flush();
        tensorHeader = ByteString.copyFrom(t.toByteArray());
        cos.writeTag(7, 2);
        cos.writeUInt32NoTag(1 << 30);
        cos.writeTag(5, 2);
        cos.writeUInt32NoTag((1 << 30) - 8);
        cos.writeRawBytes(tensorHeader);
        cos.flush();
        return out.toByteArray();
    }

    @Test
    void everyHostileModelIsRefusedCleanly() throws Exception {
        for (var e : corpus().entrySet()) {
            String name = e.getKey();
            Path dir = Files.createDirectories(tmp.resolve(name));
            Path model = dir.resolve(name + ".onnx");
            Files.write(model, (byte[]) e.getValue()[0]);
            Path out = dir.resolve("out");
            List<String> args = new java.util.ArrayList<>(List.of("compile", model.toString(), "-o", out.toString()));
            if (name.equals("too-big-for-chip")) args.addAll(List.of("--crossbar", "8x8"));
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(2, r.code(), name + ": " + r);
            String err = r.err().strip();
            assertFalse(err.contains("\n"), name + ": one line only: " + err);
            assertTrue(err.startsWith("bnncim: "), name + ": " + err);
            assertFalse(
                    err.contains("Exception") || err.contains("\tat ") || err.contains("internal error"),
                    name + ": " + err);
            for (int i = 1; i < e.getValue().length; i++) {
                assertTrue(
                        err.contains((String) e.getValue()[i]),
                        name + ": '" + e.getValue()[i] + "' missing from: " + err);
            }
            assertFalse(Files.exists(out), name + ": no output folder may be left behind");
            try (var files = Files.list(dir)) {
                assertEquals(1, files.count(), name + ": no temporary files left behind");
            }
        }
    }

    @Test
    void aFailedCompileIntoAnExistingFolderLeavesItUntouched() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("existing"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        Path bad = tmp.resolve("bad.onnx");
        Files.write(
                bad,
                base().node("Tanh", "t")
                        .inputs("x")
                        .outputs("y")
                        .end()
                        .output("y", DataType.FLOAT, "N", 4)
                        .build()
                        .toByteArray());
        assertEquals(2, Cli.run("compile", bad.toString(), "-o", out.toString()).code());
        try (var files = Files.list(out)) {
            assertEquals(
                    List.of("keep.txt"),
                    files.map(p -> p.getFileName().toString()).toList());
        }
    }
}
