package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.bnncim.ir.BnncimException;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue #18 class 6: custom-op attributes, values, arities and op-set versions are checked, not trusted. */
class OpSemanticsTest {
    private static final float NAN = Float.NaN;

    /** x [1,8] -> Sign -> MatMul 8x4 -> ScaleDropout "sd" (customized) -> y. */
    private static OnnxMl.ModelProto dropout(long version, float[] scale, UnaryOperator<OnnxBuilder.NodeBuilder> sd) {
        float[] w = new float[32];
        for (int i = 0; i < w.length; i++) w[i] = i % 3 == 0 ? -1f : 1f;
        OnnxBuilder b = new OnnxBuilder("opsem")
                .opset(13)
                .opset("ai.bnncim", version)
                .input("x", DataType.FLOAT, 1, 8)
                .initializer("w", new int[] {8, 4}, w)
                .initializer("s", new int[] {scale.length}, scale)
                .initializer("d", new int[] {4}, 1f, 1f, NAN, 1f)
                .initializer("e", new int[] {4}, 1f, 1f, 1f, 1f)
                .node("Sign", "sign")
                .inputs("x")
                .outputs("xb")
                .end()
                .node("MatMul", "mm")
                .inputs("xb", "w")
                .outputs("h")
                .end();
        return sd.apply(b.node("ScaleDropout", "sd").domain("ai.bnncim").outputs("y"))
                .end()
                .output("y", DataType.FLOAT, 1, 4)
                .build();
    }

    private static OnnxMl.ModelProto dropout(UnaryOperator<OnnxBuilder.NodeBuilder> sd) {
        return dropout(1, new float[] {1f, 2f, 0.5f, 1f}, sd);
    }

    /** x [1,4] -> Sign -> MatMul by Quant/BipolarQuant of w, or MultiThreshold on x: a custom node "q" customized. */
    private static OnnxMl.ModelProto custom(String op, String domain, UnaryOperator<OnnxBuilder.NodeBuilder> q) {
        OnnxBuilder b = new OnnxBuilder("opsem")
                .opset(13)
                .input("x", DataType.FLOAT, 1, 4)
                .initializer("w", new int[] {4, 4}, new float[16])
                .initializer("one", new int[] {}, 1f)
                .initializer("nan", new int[] {}, NAN)
                .initializer("zero", new int[] {}, 0f)
                .initializer("bits", new int[] {}, 1f)
                .initializer("th", new int[] {1, 1}, 0f);
        return q.apply(b.node(op, "q").domain(domain).outputs("q_out"))
                .end()
                .output("q_out", DataType.FLOAT, 1, 4)
                .build();
    }

    static Stream<Arguments> refused() {
        String qonnx = "qonnx.custom_op.general";
        String finn = "finn.custom_op.general";
        return Stream.of(
                Arguments.of("p as INT", dropout(n -> n.inputs("h", "s").attr("p", 0L)), "attribute p is INT"),
                Arguments.of("p as STRING", dropout(n -> n.inputs("h", "s").attr("p", "0.3")), "attribute p is STRING"),
                Arguments.of("p NaN", dropout(n -> n.inputs("h", "s").attr("p", NAN)), "attribute p = NaN"),
                Arguments.of("p 1", dropout(n -> n.inputs("h", "s").attr("p", 1f)), "attribute p = 1.0 is outside"),
                Arguments.of("p -0.1", dropout(n -> n.inputs("h", "s").attr("p", -0.1f)), "attribute p = -0.1"),
                Arguments.of("p missing", dropout(n -> n.inputs("h", "s")), "attribute p is required"),
                Arguments.of(
                        "axis as FLOAT",
                        dropout(n -> n.inputs("h", "s").attr("p", 0.3f).attr("axis", 1f)),
                        "attribute axis is FLOAT"),
                Arguments.of(
                        "NaN scale",
                        dropout(
                                1,
                                new float[] {1f, NAN, 1f, 1f},
                                n -> n.inputs("h", "s").attr("p", 0.3f)),
                        "scale holds NaN"),
                Arguments.of(
                        "Inf scale",
                        dropout(
                                1,
                                new float[] {Float.POSITIVE_INFINITY},
                                n -> n.inputs("h", "s").attr("p", 0.3f)),
                        "scale holds Infinity"),
                Arguments.of(
                        "NaN dropped scale",
                        dropout(n -> n.inputs("h", "s", "d").attr("p", 0.3f)),
                        "dropped_scale holds NaN"),
                Arguments.of(
                        "fourth input",
                        dropout(n -> n.inputs("h", "s", "e", "e").attr("p", 0.3f)),
                        "4 inputs; ScaleDropout takes at most 3"),
                Arguments.of(
                        "ai.bnncim version 2",
                        dropout(2, new float[] {1f}, n -> n.inputs("h", "s").attr("p", 0.3f)),
                        "opset import ai.bnncim version 2 does not exist"),
                Arguments.of(
                        "ai.bnncim version 0",
                        dropout(0, new float[] {1f}, n -> n.inputs("h", "s").attr("p", 0.3f)),
                        "opset import ai.bnncim version 0"),
                Arguments.of(
                        "Quant signed as STRING",
                        custom(
                                "Quant",
                                qonnx,
                                n -> n.inputs("w", "one", "zero", "bits").attr("signed", "yes")),
                        "attribute signed is STRING"),
                Arguments.of(
                        "Quant narrow as FLOAT",
                        custom(
                                "Quant",
                                qonnx,
                                n -> n.inputs("w", "one", "zero", "bits").attr("narrow", 1f)),
                        "attribute narrow is FLOAT"),
                Arguments.of(
                        "Quant fifth input",
                        custom("Quant", qonnx, n -> n.inputs("w", "one", "zero", "bits", "bits")),
                        "5 inputs; Quant takes at most 4"),
                Arguments.of(
                        "BipolarQuant NaN scale",
                        custom("BipolarQuant", qonnx, n -> n.inputs("x", "nan")),
                        "scale holds NaN"),
                Arguments.of(
                        "BipolarQuant third input",
                        custom("BipolarQuant", qonnx, n -> n.inputs("x", "one", "one")),
                        "3 inputs; BipolarQuant takes at most 2"),
                Arguments.of(
                        "MultiThreshold out_scale as INT",
                        custom("MultiThreshold", finn, n -> n.inputs("x", "th").attr("out_scale", 2L)),
                        "attribute out_scale is INT"),
                Arguments.of(
                        "MultiThreshold data_layout as INT",
                        custom("MultiThreshold", finn, n -> n.inputs("x", "th").attr("data_layout", 0L)),
                        "attribute data_layout is INT"),
                Arguments.of(
                        "Trunc rounding_mode as INT",
                        custom(
                                "Trunc",
                                qonnx,
                                n -> n.inputs("x", "one", "zero", "bits", "bits")
                                        .attr("rounding_mode", 0L)),
                        "attribute rounding_mode is INT"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusedInOneLineNamingTheNode(String name, OnnxMl.ModelProto model, String fragment) {
        BnncimException e = assertThrows(
                BnncimException.class, () -> OnnxImporter.importModel(model, "m.onnx", OnnxImporter.Options.DEFAULT));
        String msg = e.getMessage();
        assertTrue(msg.contains(fragment), name + ": " + msg);
        assertFalse(msg.contains("\n"), msg);
        assertTrue(msg.contains("node '") || msg.contains("opset import"), msg);
    }

    @ParameterizedTest(name = "p = {0}")
    @org.junit.jupiter.params.provider.ValueSource(floats = {0f, 0.3f, 0.99f})
    void validDropoutStillImports(float p) {
        OnnxImporter.importModel(
                dropout(n -> n.inputs("h", "s", "e").attr("p", p).attr("axis", 1L)),
                "m.onnx",
                OnnxImporter.Options.DEFAULT);
    }
}
