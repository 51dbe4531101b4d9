package org.bnncim.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The full text form reads back into the graph it was printed from, and bad text fails on one line naming it. */
class TextParserTest {
    private static TensorType t(ElemType e, int... dims) {
        return new TensorType(e, Shape.of(dims));
    }

    private static BitMatrix random(int rows, int cols, long seed) {
        Random r = new Random(seed);
        boolean[][] b = new boolean[rows][cols];
        for (boolean[] row : b) for (int c = 0; c < cols; c++) row[c] = r.nextBoolean();
        return BitMatrix.of(rows, cols, (k, n) -> b[k][n]);
    }

    /** Random ordered comparator banks, with extreme thresholds. */
    private static LevelSet levels(int channels, int steps, long seed) {
        Random r = new Random(seed);
        long[] t = new long[channels * steps];
        boolean[] ge = new boolean[channels];
        for (int c = 0; c < channels; c++) {
            ge[c] = r.nextBoolean();
            long[] row = new long[steps];
            for (int i = 0; i < steps; i++) row[i] = r.nextInt(9) == 0 ? Long.MAX_VALUE : r.nextInt(200) - 100;
            java.util.Arrays.sort(row);
            for (int i = 0; i < steps; i++) t[c * steps + i] = ge[c] ? row[i] : row[steps - 1 - i];
        }
        return new LevelSet(t, ge, steps);
    }

    /** One node of every kind, with the awkward values: -0.0, NaN, infinities, odd scales and names. */
    static Graph everyKind() {
        ElemType i32 = ElemType.INT32, f32 = ElemType.FLOAT32, bp = ElemType.BIPOLAR;
        List<Node> n = new ArrayList<>();
        n.add(new Node.InputBinarize(
                "bin", "img", new Value("b", t(bp, 2, 5, 5)), new float[] {0.5f, -0.0f}, new boolean[] {true, false}));
        n.add(new Node.BinaryConv(
                "conv",
                "b",
                new Value("c", t(i32, 3, 3, 3)),
                random(2 * 3 * 3, 3, 1),
                2,
                3,
                3,
                new int[] {2, 1},
                new int[] {1, 0, 1, 2},
                new int[] {1, 2}));
        n.add(new Node.Threshold(
                "conv_t",
                "c",
                new Value("ct", t(bp, 3, 3, 3)),
                new ThresholdSet(new long[] {-19, 0, 19}, new boolean[] {true, false, true}),
                null));
        n.add(new Node.MaxPool(
                "pool",
                "ct",
                new Value("mp", t(bp, 3, 2, 2)),
                new Window(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0, 1, 1})));
        n.add(new Node.McDropout("mcd", "mp", new Value("md", t(ElemType.GATED_BIPOLAR, 3, 2, 2)), 0.1f));
        n.add(new Node.Reshape("flat", "md", new Value("fl", t(ElemType.GATED_BIPOLAR, 12))));
        n.add(new Node.BinaryDense("fc", "fl", new Value("acc", t(i32, 70)), random(12, 70, 2)));
        n.add(new Node.ScaleDropout(
                "sd", "acc", new Value("sdo", t(f32, 70)), new float[] {1.25f}, new float[] {0.1f}, 0.2f, 0));
        n.add(new Node.Affine(
                "bn",
                "sdo",
                new Value("bno", t(f32, 70)),
                List.of(
                        new AffineStep(AffineStep.Op.MUL, new float[] {3.4028235e38f}),
                        new AffineStep(AffineStep.Op.ADD, new float[] {Float.NaN}),
                        new AffineStep(AffineStep.Op.SUB, new float[] {Float.NEGATIVE_INFINITY}),
                        new AffineStep(AffineStep.Op.RSUB, new float[] {1.4e-45f}),
                        new AffineStep(AffineStep.Op.DIV, new float[] {1e7f}))));
        n.add(new Node.Sign("sign", "bno", new Value("s", t(bp, 70))));
        n.add(new Node.Sign("bq", "bno", new Value("bqs", t(bp, 70)), true));
        n.add(new Node.Threshold(
                "th",
                "acc",
                new Value("thr", t(bp, 2)),
                new ThresholdSet(new long[] {1, -2}, new boolean[] {true, false}),
                new Node.Stochastic(
                        3,
                        0.25f,
                        new ThresholdSet(new long[] {5, 6}, new boolean[] {false, true}),
                        new ThresholdSet(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, new boolean[] {true, true}))));
        n.add(new Node.Affine("empty", "s", new Value("e", t(f32, 70)), List.of()));
        n.add(new Node.Softmax("soft", "e", new Value("weird name \"q\" \\", t(f32, 70))));
        n.add(new Node.InputQuantize(
                "q", "img", new Value("q8", new TensorType(ElemType.uint(8), Shape.of(2, 5, 5), 1.0 / 255)), 8, 255));
        n.add(new Node.InputQuantize(
                "q3", "img", new Value("q3", new TensorType(ElemType.uint(3), Shape.of(2, 5, 5), 0.3)), 3, 7));
        n.add(new Node.AvgPool(
                "avg",
                "img",
                new Value("ap", t(f32, 2, 3, 3)),
                new Window(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}),
                true));
        n.add(new Node.AvgPool(
                "avg2 # with hash\\and\nnewline",
                "img",
                new Value("ap2", t(f32, 2, 2, 2)),
                new Window(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0, 0, 0}),
                false));
        n.add(new Node.InputBinarize(
                "bin1", "scalar", new Value("sb", t(bp)), new float[] {Float.NaN}, new boolean[] {true}));
        n.add(new Node.Quantize(
                "kq",
                "img",
                new Value("kq", new TensorType(new ElemType(ElemType.Kind.INT, 3), Shape.of(2, 5, 5), 0.375)),
                new float[] {Float.NEGATIVE_INFINITY, -0.0f, 1.4e-45f, 0.5f, 0, 3, 3e38f, Float.POSITIVE_INFINITY},
                4,
                -4));
        n.add(new Node.MultiThreshold(
                "kmt",
                "acc",
                new Value("kmt", new TensorType(ElemType.uint(2), Shape.of(70), 0.5)),
                levels(70, 3, 11),
                new Node.LevelStochastic(4, 0.125f, levels(70, 3, 12), levels(70, 3, 13)),
                0));
        n.add(new Node.MultiThreshold(
                "kmt1", "acc", new Value("kmt1", t(ElemType.uint(1), 70)), levels(70, 1, 14), null, 0));
        n.add(new DigitalNode.FloatConv(
                "fconv",
                "img",
                new Value("fconv", t(f32, 4, 3, 3)),
                new float[] {1.5f, -0.0f, Float.NaN, 3e38f, 1.4e-45f, -2f, 0.1f, 0.2f},
                new float[0],
                2,
                2,
                1,
                2,
                new int[] {2, 2},
                new int[] {0, 1, 0, 0},
                new int[] {1, 2}));
        n.add(new DigitalNode.FloatDense(
                "fdense", "s", new Value("fdense", t(f32, 2)), new float[140], 70, 2, new float[] {0.5f, -0.0f}));
        n.add(new DigitalNode.Add("res add", "ap2", "ap2", new Value("res", t(f32, 2, 2, 2))));
        // the encoder-decoder kinds: a replicating and a general resize, a three-way concat of k-bit values, a
        // transposed convolution with dilations reading them, the two output activations
        ElemType u3 = ElemType.uint(3);
        n.add(new DecoderNode.Resize(
                "up2", "q3", new Value("up2", new TensorType(u3, Shape.of(2, 10, 10), 0.3)), rep(10, 2), rep(10, 2)));
        n.add(new DecoderNode.Resize(
                "upx",
                "q3",
                new Value("upx", new TensorType(u3, Shape.of(2, 3, 7), 0.3)),
                new int[] {4, 0, 2},
                new int[] {0, 0, 1, 2, 3, 4, 4}));
        n.add(new DecoderNode.Concat(
                "cat", List.of("q3", "q3", "q3"), new Value("cat", new TensorType(u3, Shape.of(6, 5, 5), 0.3))));
        n.add(new DecoderNode.BinaryConvTranspose(
                "tconv",
                "cat",
                new Value("tconv", t(i32, 3, 11, 12)),
                random(6 * 2 * 3, 3, 3),
                6,
                2,
                3,
                new int[] {2, 2},
                new int[] {0, 1, 1, 0},
                new int[] {2, 2}));
        n.add(new DecoderNode.PixelSoftmax("psm", "fconv", new Value("psm", t(f32, 4, 3, 3))));
        n.add(new DecoderNode.Sigmoid("sig", "ap", new Value("sig", t(f32, 2, 3, 3))));
        Map<String, String> notes = new LinkedHashMap<>();
        notes.put("source", "unit test: every kind");
        notes.put("key: with colon\\", "value\nwith a newline and \\ backslash ");
        notes.put("empty", "");
        return new Graph(
                "every kind",
                List.of(new Value("img", t(f32, 2, 5, 5)), new Value("scalar", t(f32))),
                n,
                List.of(
                        "weird name \"q\" \\",
                        "thr",
                        "q8",
                        "q3",
                        "ap",
                        "ap2",
                        "sb",
                        "kq",
                        "kmt",
                        "kmt1",
                        "bqs",
                        "fconv",
                        "fdense",
                        "res",
                        "up2",
                        "upx",
                        "tconv",
                        "psm",
                        "sig"),
                notes);
    }

    /** The index map of replication by {@code s} over {@code size} outputs. */
    static int[] rep(int size, int s) {
        int[] r = new int[size];
        for (int i = 0; i < size; i++) r[i] = i / s;
        return r;
    }

    static void assertSameGraph(Graph a, Graph b) {
        assertEquals(a.name(), b.name());
        assertEquals(a.notes(), b.notes());
        assertEquals(a.inputs(), b.inputs());
        assertEquals(a.outputs(), b.outputs());
        assertEquals(a.nodes().size(), b.nodes().size());
        for (int i = 0; i < a.nodes().size(); i++)
            assertEquals(a.nodes().get(i), b.nodes().get(i), "node " + i);
    }

    @Test
    void theEveryKindGraphHoldsEveryPermittedNodeKind() {
        // the full printer and the parser dispatch by op name, which the compiler cannot check: this test is the
        // guard that a new node record is printed and parsed back
        java.util.Set<Class<?>> present = new java.util.HashSet<>();
        for (Node n : everyKind().nodes()) present.add(n.getClass());
        java.util.Set<Class<?>> permitted = NodeTest.nodeKinds();
        assertEquals(permitted, present);
    }

    @Test
    void everyNodeKindRoundTrips() {
        Graph g = everyKind();
        String text = TextPrinter.printFull(g);
        Graph back = TextParser.parse(text);
        assertSameGraph(g, back);
        assertEquals(text, TextPrinter.printFull(back));
        // the odd float values survive bit for bit
        Node.InputBinarize b = (Node.InputBinarize) back.nodes().get(0);
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(b.t()[1]));
        assertTrue(text.contains("<=-0.0"), text);
        assertTrue(text.contains("u8[2,5,5]*1/255"), text);
        assertTrue(text.contains("u3[2,5,5]*0.3"), text);
    }

    @Test
    void aNaNPayloadIsKept() {
        float odd = Float.intBitsToFloat(0x7fc00123);
        Graph g = new Graph(
                "g",
                List.of(new Value("x", t(ElemType.FLOAT32, 1))),
                List.of(new Node.McDropout("m", "x", new Value("y", t(ElemType.FLOAT32, 1)), odd)),
                List.of("y"),
                Map.of());
        String text = TextPrinter.printFull(g);
        assertTrue(text.contains("p=nan:0x7fc00123"), text);
        Node.McDropout m = (Node.McDropout) TextParser.parse(text).nodes().get(0);
        assertEquals(0x7fc00123, Float.floatToRawIntBits(m.p()));
    }

    @Test
    void weightsAreWrittenRowByRow() {
        BitMatrix w = BitMatrix.of(3, 2, (k, n) -> (k + n) % 2 == 0);
        Graph g = new Graph(
                "g",
                List.of(new Value("x", t(ElemType.BIPOLAR, 3))),
                List.of(new Node.BinaryDense("fc", "x", new Value("y", t(ElemType.INT32, 2)), w)),
                List.of("y"),
                Map.of());
        assertEquals("""
                graph g {
                  input %x : bipolar[3]
                  %y : i32[2] = binary_dense %x {weights=3x2}  # fc
                    +-
                    -+
                    +-
                  output %y
                }
                """, TextPrinter.printFull(g));
    }

    @Test
    void wideAndTallWeightsRoundTrip() {
        BitMatrix w = random(130, 67, 9);
        Graph g = new Graph(
                "g",
                List.of(new Value("x", t(ElemType.BIPOLAR, 130))),
                List.of(new Node.BinaryDense("fc", "x", new Value("y", t(ElemType.INT32, 67)), w)),
                List.of("y"),
                Map.of());
        assertSameGraph(g, TextParser.parse(TextPrinter.printFull(g)));
    }

    @Test
    void commentsAndBlankLinesAroundTheGraphAreIgnored() {
        Graph g = TextParser.parse("""
                // RUN: something

                graph g {
                  input %x : f32[2]

                  %y : bipolar[2] = input_binarize %x {+1 when x >= 0.5}  # b
                  output %y
                }
                // CHECK: whatever
                """);
        Node.InputBinarize b = (Node.InputBinarize) g.nodes().get(0);
        assertEquals(0.5f, b.t()[0]);
        assertTrue(b.ge()[0]);
    }

    private static String error(String text) {
        TextParser.ParseException e =
                assertThrows(TextParser.ParseException.class, () -> TextParser.parse(text, "t.ir"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static void assertStarts(String message, String prefix) {
        assertTrue(message.startsWith(prefix), message);
    }

    @Test
    void badTextFailsOnOneLineNamingTheLine() {
        String head = "graph g {\n  input %x : bipolar[4]\n";
        assertEquals("t.ir:3: unknown operation 'frobnicate'", error(head + "  %y : i32[1] = frobnicate %x  # n\n}\n"));
        assertEquals(
                "t.ir:3: binary_dense reads %z before it is defined",
                error(head + "  %y : i32[1] = binary_dense %z {weights=4x1}  # n\n}\n"));
        assertEquals(
                "t.ir:5: weight row 1 of 4 must be 1 characters of + and -, found '0'",
                error(head + "  %y : i32[1] = binary_dense %x {weights=4x1}  # n\n    +\n    0\n}\n"));
        assertStarts(
                error(head + "  %y : i32[1] = binary_dense %x {weights=4x1, plus_ones=50.0%, sha256=abc}  # n\n}\n"),
                "t.ir:3: weights are summarised by a hash");
        assertEquals("t.ir:3: value %x is defined twice", error(head + "  %x : bipolar[4] = sign %x  # n\n}\n"));
        assertStarts(error(head + "  %y : q7[4] = sign %x  # n\n}\n"), "t.ir:3: unknown element type 'q7'");
        assertStarts(error(head + "  %y : bipolar[4] = sign %x\n}\n"), "t.ir:3: expected '#'");
        assertStarts(error(head + "  %y : f32[4] = affine %x {mul [1 x]}  # n\n}\n"), "t.ir:3: expected a number");
        assertStarts(error(head + "  %y : f32[4] = affine %x {pow 2}  # n\n}\n"), "t.ir:3: unknown affine step 'pow'");
        assertStarts(
                error(head + "  %y : bipolar[4] = threshold %x {thresholds=[>=1 =2]}  # n\n}\n"),
                "t.ir:3: expected '>=' or '<='");
        assertEquals("t.ir:3: output %nope is never defined", error(head + "  output %nope\n}\n"));
        assertEquals("t.ir:2: graph g is not closed by '}'", error("graph g {\n  input %x : bipolar[4]"));
        assertEquals("t.ir:1: expected 'graph NAME {', found 'grph g {'", error("grph g {\n}\n"));
        assertStarts(error(head + "}\n%z : bipolar[4] = sign %x  # n\n"), "t.ir:4: text after the end of the graph");
        assertStarts(
                error(head + "  %y : i32[1] = binary_dense %x {weights=4x1}  # n\n    +"), "t.ir:3: weights=4x1 but");
        assertStarts(
                error(head + "  %y : bipolar[2] = threshold %x {thresholds=[>=1 >=2]}  # n\n  bogus\n}\n"),
                "t.ir:4: expected a note, 'input', 'output'");
        assertStarts(
                error(head + "  %y : u8[4] = input_quantize %x {bits=8 levels=255}  # n\n}\n"), "t.ir:3: expected ','");
    }
}
