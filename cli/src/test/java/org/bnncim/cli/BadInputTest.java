package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets exit code 2 and exactly one line on stderr that names the file (and node), never a stack trace. */
class BadInputTest {
    @TempDir
    Path tmp;

    static void assertOneLineError(Cli.Result r, String... mustContain) {
        assertEquals(2, r.code(), r.toString());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line only:\n" + err);
        assertTrue(err.startsWith("bnncim: "), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        for (String s : mustContain) assertTrue(err.contains(s), "'" + s + "' missing from: " + err);
    }

    @Test
    void truncatedModel() throws Exception {
        byte[] all = Files.readAllBytes(Paths.tfc());
        Path f = tmp.resolve("truncated.onnx");
        Files.write(f, Arrays.copyOf(all, all.length / 2));
        assertOneLineError(Cli.run("inspect", f.toString()), "truncated.onnx", "not a valid ONNX model");
    }

    @Test
    void notAnOnnxFile() throws Exception {
        Path f = tmp.resolve("readme.onnx");
        Files.writeString(f, "This is a text file, not a model.\n");
        assertOneLineError(Cli.run("inspect", f.toString()), "readme.onnx");
    }

    @Test
    void missingFileAndFolder() {
        assertOneLineError(Cli.run("inspect", tmp.resolve("nope.onnx").toString()), "nope.onnx", "no such file");
        assertOneLineError(Cli.run("inspect", tmp.toString()), "is a folder");
    }

    @Test
    void usageErrors() {
        Cli.Result r = Cli.run("inspect");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("bnncim: "), r.err());
        assertEquals(2, Cli.run("frobnicate").code());
        assertOneLineError(Cli.run("inspect", "--format", "yaml", Paths.tfc().toString()), "--format");
        // the architecture options are shared by compile, run, eval and verify
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", "unused", "--crossbar", "12"), "--crossbar");
        assertOneLineError(
                Cli.run("verify", Paths.tfc().toString(), "--weight-encoding", "triple"), "--weight-encoding");
        assertOneLineError(
                Cli.run(
                        "run",
                        Paths.tfc().toString(),
                        "--input",
                        "x.npy",
                        "--crossbar",
                        "3x3",
                        "--weight-encoding",
                        "complementary"),
                "even number of columns");
    }

    /** x[N,4] -> Sign -> MatMul(W) -> Sign: a minimal binary layer to break in different ways. */
    private static OnnxBuilder layer(float[] w) {
        return new OnnxBuilder("layer")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer("W", new int[] {4, 2}, w);
    }

    @Test
    void unknownOperatorNamesNodeAndDomain() {
        Path f = tmp.resolve("unknown.onnx");
        layer(new float[] {1, -1, 1, 1, -1, -1, 1, 1})
                .node("Sign", "s")
                .inputs("x")
                .outputs("xb")
                .end()
                .node("FancyOp", "fancy_7")
                .domain("com.example")
                .inputs("xb")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 4)
                .save(f);
        assertOneLineError(Cli.run("inspect", f.toString()), "unknown.onnx", "fancy_7", "com.example::FancyOp");
    }

    @Test
    void unsupportedStandardOperator() {
        Path f = tmp.resolve("tanh.onnx");
        layer(new float[] {1, -1, 1, 1, -1, -1, 1, 1})
                .node("Tanh", "tanh_1")
                .inputs("x")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 4)
                .save(f);
        assertOneLineError(Cli.run("inspect", f.toString()), "tanh_1", "Tanh");
    }

    @Test
    void twoBitQuantizerWithAPerChannelScaleIsRefused() {
        Path f = tmp.resolve("quant2.onnx");
        layer(new float[] {1, -1, 1, 1, -1, -1, 1, 1})
                .opset("qonnx.custom_op.general", 1)
                .initializer("scale", new int[] {4}, 0.5f, 0.25f, 0.5f, 1f)
                .initializer("zp", new int[0], 0f)
                .initializer("bw", new int[0], 2f)
                .node("Quant", "quant_act")
                .domain("qonnx.custom_op.general")
                .inputs("x", "scale", "zp", "bw")
                .outputs("q")
                .attr("signed", 1L)
                .attr("narrow", 0L)
                .attr("rounding_mode", "ROUND")
                .end()
                .node("MatMul", "mm")
                .inputs("q", "W")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .save(f);
        assertOneLineError(
                Cli.run("inspect", f.toString()), "quant_act", "per-channel scale", "per-tensor (scalar) scale");
    }

    @Test
    void nonBinaryWeightsOnABinaryLayerRunOnTheDigitalUnit() {
        Path f = tmp.resolve("float-weights.onnx");
        layer(new float[] {1, -1, 0.37f, 1, -1, -1, 1, 1})
                .node("Sign", "s")
                .inputs("x")
                .outputs("xb")
                .end()
                .node("MatMul", "dense_3")
                .inputs("xb", "W")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .save(f);
        // not an error since residual networks (issue #16): a full-precision layer, named in the notes
        Cli.Result r = Cli.run("inspect", f.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("dense_3 (weights not bipolar) run in float32 on the digital unit"), r.out());
    }

    @Test
    void exportReferenceWritesAModelOnnxRuntimeRuns() throws Exception {
        Path out = tmp.resolve("ref.onnx");
        Cli.Result r = Cli.run("export-reference", Paths.tfc().toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        byte[] bytes = Files.readAllBytes(out);
        try (var ort = new org.bnncim.oracle.OrtReference(bytes, 1)) {
            float[][] y = ort.run(new float[784], new int[] {1, 28, 28}, 1, null);
            assertEquals(10, y[0].length);
        }
        var model = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(bytes);
        assertTrue(
                model.getGraph().getNodeList().stream()
                        .allMatch(n -> n.getDomain().isEmpty()),
                "standard ops only");
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temp file left behind");
        }
    }
}
