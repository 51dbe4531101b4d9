package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.bnncim.compiler.driver.Regression;
import org.bnncim.compiler.driver.RegressionService;
import org.bnncim.ir.SafeText;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue #18 class 8: names from a model or a baseline never reach a terminal, report or XML file raw. */
class OutputTextTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> hostileNames() {
        return Stream.of(
                Arguments.of("ESC colour", "sign\u001b[31mRED", "mm\u001b]0;title\u0007"),
                Arguments.of("NUL and bell", "s\u0000nul", "bell\u0007<b>&amp;"),
                Arguments.of("newline and CR", "fake\nbnncim: ok", "over\rwrite"),
                Arguments.of("C1 and DEL", "nel\u0085csi\u009b2J", "del\u007f\u2028"));
    }

    /** x[1,8] -> Sign (named a) -> MatMul (named b) -> Sign: a model whose node names are hostile. */
    private Path model(String a, String b) throws Exception {
        byte[] m = new OnnxBuilder("g\u001bname")
                .opset(13)
                .input("x", DataType.FLOAT, 1, 8)
                .initializer(
                        "W",
                        new int[] {8, 4},
                        1,
                        -1,
                        1,
                        1,
                        -1,
                        -1,
                        1,
                        1,
                        1,
                        -1,
                        1,
                        1,
                        -1,
                        -1,
                        1,
                        1,
                        1,
                        -1,
                        1,
                        1,
                        -1,
                        -1,
                        1,
                        1,
                        1,
                        -1,
                        1,
                        1,
                        -1,
                        -1,
                        1,
                        1)
                .node("Sign", a)
                .inputs("x")
                .outputs("x\u001bb")
                .end()
                .node("MatMul", b)
                .inputs("x\u001bb", "W")
                .outputs("h")
                .end()
                .node("Sign", "s\u0007")
                .inputs("h")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, 1, 4)
                .build()
                .toByteArray();
        Path f = tmp.resolve("hostile\u001b[2J.onnx");
        Files.write(f, m);
        return f;
    }

    private static void noRawControls(String where, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\t') continue;
            assertFalse(SafeText.unsafe(c), where + ": raw U+" + Integer.toHexString(c) + " at " + i);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileNames")
    void compiledReportsAndTerminalShowNamesVisibly(String label, String a, String b) throws Exception {
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run("compile", model(a, b).toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        noRawControls("stdout", r.out());
        noRawControls("stderr", r.err());
        noRawControls("report.txt", Files.readString(out.resolve("report.txt")));
        String html = Files.readString(out.resolve("report.html"));
        noRawControls("report.html", html);
        assertFalse(html.contains("<b>&amp;"), "a name's markup is escaped in report.html");
        String json = Files.readString(out.resolve("report.json"));
        noRawControls("report.json", json);
        new ObjectMapper().readTree(json); // still valid JSON
        // the inspect listing a terminal shows: names visible, never executed
        Cli.Result inspect = Cli.run("inspect", model(a, b).toString());
        assertEquals(0, inspect.code(), inspect.toString());
        noRawControls("inspect", inspect.out());
        assertTrue(inspect.out().contains("\\u001b") || inspect.out().contains("\\u00"), inspect.out());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileNames")
    void junitXmlIsWellFormedWhateverTheRunName(String label, String a, String b) throws Exception {
        List<Regression.Row> rows = List.of(
                new Regression.Row(
                        a,
                        "energy_pj",
                        new TextNode("1"),
                        new TextNode("2"),
                        "+100% " + b,
                        Regression.Verdict.REGRESSION),
                new Regression.Row(b, "program_sha256", new TextNode(a), new TextNode(a), "", Regression.Verdict.OK));
        String xml = RegressionService.junitXml(rows);
        noRawControls("junit xml", xml);
        var doc = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        assertEquals(2, doc.getElementsByTagName("testcase").getLength());
        assertEquals(
                SafeText.visible(a),
                doc.getElementsByTagName("testcase")
                        .item(0)
                        .getAttributes()
                        .getNamedItem("classname")
                        .getNodeValue());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileNames")
    void errorMessagesStayOneVisibleLine(String label, String a, String b) throws Exception {
        Path f = tmp.resolve("x.onnx");
        Files.write(
                f,
                new OnnxBuilder("g")
                        .opset(13)
                        .input("x", DataType.FLOAT, 1, 8)
                        .node("Frobnicate", a + b)
                        .inputs("x")
                        .outputs("y")
                        .end()
                        .output("y", DataType.FLOAT, 1, 8)
                        .build()
                        .toByteArray());
        Cli.Result r = Cli.run("compile", f.toString(), "-o", tmp.resolve("o").toString());
        assertEquals(2, r.code(), r.toString());
        noRawControls("stderr", r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @ParameterizedTest(name = "header of {0} bytes")
    @org.junit.jupiter.params.provider.ValueSource(ints = {300, 70_000, 1_000_000})
    void aHugeMalformedNpyHeaderIsQuotedClipped(int size) throws Exception {
        Path model = model("a", "b");
        StringBuilder h = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 8), ");
        while (h.length() < size) h.append("\u001bA");
        h.append("}\n"); // a bare ESC where a key should be: a malformed dict quoted in the error
        byte[] hb = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        java.nio.ByteBuffer bb =
                java.nio.ByteBuffer.allocate(12 + hb.length + 32).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.put((byte) 0x93)
                .put("NUMPY".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 2)
                .put((byte) 0);
        bb.putInt(hb.length).put(hb).put(new byte[32]);
        Path npy = tmp.resolve("in.npy");
        Files.write(npy, bb.array());
        Path out = tmp.resolve("o");
        assertEquals(
                0, Cli.run("compile", model.toString(), "-o", out.toString()).code());
        Cli.Result r = Cli.run("run", out.toString(), "--input", npy.toString());
        assertEquals(2, r.code(), r.toString());
        noRawControls("stderr", r.err());
        assertTrue(r.err().length() < 1000, r.err().length() + " chars: " + r.err());
    }
}
