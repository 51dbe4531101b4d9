package org.bnncim.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The text forms of the encoder-decoder kinds: the summary lines a person reads (checked line by line, as a
 * FileCheck test would), the full form read back exactly, and malformed text refused on one line.
 */
class DecoderTextTest {
    private static final String FULL = """
            graph seg {
              input %x : bipolar[2,3,3]
              %u : bipolar[2,6,6] = resize %x {scale=2}  # up
              %g : bipolar[2,2,4] = resize %x {rows=[2 0], cols=[0 0 1 2]}  # gather
              %s : bipolar[2,6,6] = resize %x {scale=2}  # skip
              %c : bipolar[4,6,6] = concat %u, %s  # cat
              %c3 : bipolar[8,6,6] = concat %u, %s, %c  # cat3
              %t : i32[1,4,6] = binary_conv_transpose %g {kernel=2x2, strides=[2,2], pads=[0,1,0,1], \
            dilations=[1,1], in_channels=2, weights=8x1}  # tconv
                +
                -
                +
                +
                -
                -
                +
                -
              %f : f32[1,4,6] = affine %t {mul 0.5}  # bn
              %p : f32[1,4,6] = sigmoid %f  # sig
              %q : f32[1,4,6] = pixel_softmax %f  # soft
              output %p
              output %q
              output %c3
            }
            """;

    @Test
    void theFullFormReadsBackExactly() {
        Graph g = TextParser.parse(FULL);
        assertEquals(List.of(), Verifier.check(g));
        assertEquals(FULL, TextPrinter.printFull(g));
        TextParserTest.assertSameGraph(g, TextParser.parse(TextPrinter.printFull(g)));
        var up = (DecoderNode.Resize) g.nodes().get(0);
        assertEquals(
                List.of(0, 0, 1, 1, 2, 2),
                java.util.Arrays.stream(up.rows()).boxed().toList());
        var t = (DecoderNode.BinaryConvTranspose) g.nodes().get(5);
        assertEquals(-1, t.weights().get(1, 0));
        assertEquals(List.of("u", "s", "c"), ((DecoderNode.Concat) g.nodes().get(4)).sources());
    }

    @Test
    void theSummaryNamesEveryAttribute() {
        String text = TextPrinter.print(TextParser.parse(FULL));
        List<String> checks = List.of(
                "%u : bipolar[2,6,6] = resize %x {scale=2}  # up",
                "%g : bipolar[2,2,4] = resize %x {rows=[2 0], cols=[0 0 1 2]}  # gather",
                "%c : bipolar[4,6,6] = concat %u, %s  # cat",
                "%c3 : bipolar[8,6,6] = concat %u, %s, %c  # cat3",
                "%t : i32[1,4,6] = binary_conv_transpose %g {kernel=2x2, strides=[2,2], pads=[0,1,0,1], weights=8x1,"
                        + " plus_ones=50.0%, sha256=",
                "%p : f32[1,4,6] = sigmoid %f  # sig",
                "%q : f32[1,4,6] = pixel_softmax %f  # soft");
        int from = 0;
        for (String c : checks) {
            int at = text.indexOf(c, from);
            assertTrue(at >= 0, "CHECK: " + c + "\n" + text);
            from = at + c.length();
        }
    }

    @Test
    void aDilatedTransposeAndAnIdentityResizeRoundTrip() {
        Graph g = new Graph(
                "g",
                List.of(new Value("x", new TensorType(ElemType.uint(2), Shape.of(1, 2, 2), 0.5))),
                List.of(
                        new DecoderNode.Resize(
                                "id",
                                "x",
                                new Value("r", new TensorType(ElemType.uint(2), Shape.of(1, 2, 2), 0.5)),
                                new int[] {0, 1},
                                new int[] {0, 1}),
                        new DecoderNode.BinaryConvTranspose(
                                "t",
                                "r",
                                new Value("t", new TensorType(ElemType.INT32, Shape.of(2, 6, 5))),
                                BitMatrix.of(4, 2, (k, n) -> k == n),
                                1,
                                2,
                                2,
                                new int[] {1, 2},
                                new int[] {0, 0, 0, 0},
                                new int[] {3, 2})),
                List.of("t"),
                Map.of());
        assertEquals(List.of(), Verifier.check(g));
        String text = TextPrinter.printFull(g);
        assertTrue(text.contains("resize %x {scale=1}"), text);
        assertTrue(text.contains("dilations=[3,2]"), text);
        TextParserTest.assertSameGraph(g, TextParser.parse(text));
        assertTrue(TextPrinter.print(g).contains("dilations=[3,2]"), TextPrinter.print(g));
    }

    private static String error(String line) {
        String text = "graph g {\n  input %x : bipolar[2,3,3]\n  input %y : bipolar[1,3,3]\n" + line + "\n}\n";
        var e = assertThrows(TextParser.ParseException.class, () -> TextParser.parse(text, "t.ir"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static void assertStarts(String message, String prefix) {
        assertTrue(message.startsWith(prefix), message);
    }

    @Test
    void malformedDecoderTextIsRefusedOnOneLine() {
        assertStarts(error("  %c : bipolar[3,3,3] = concat %x  # c"), "t.ir:4: expected ',' at column");
        assertEquals(
                "t.ir:4: concat reads %z before it is defined", error("  %c : bipolar[3,3,3] = concat %x, %z  # c"));
        assertStarts(error("  %c : bipolar[3,3,3] = concat %x, %y, # c"), "t.ir:4: expected a value '%name'");
        assertEquals(
                "t.ir:4: resize scale must be >= 1, is 0", error("  %u : bipolar[2,6,6] = resize %x {scale=0}  # u"));
        assertStarts(error("  %u : bipolar[6] = resize %x {scale=2}  # u"), "t.ir:4: resize output must be [C,H,W]");
        assertEquals("t.ir:4: empty index list", error("  %u : bipolar[2,1,1] = resize %x {rows=[], cols=[0]}  # u"));
        assertStarts(
                error("  %u : bipolar[2,1,1] = resize %x {rows=[0 1, cols=[0]}  # u"), "t.ir:4: expected an integer");
        assertStarts(error("  %u : bipolar[2,1,1] = resize %x {rows=[0]}  # u"), "t.ir:4: expected ','");
        assertStarts(error("  %u : bipolar[2,1,1] = resize %x {size=2}  # u"), "t.ir:4: expected 'rows='");
        assertStarts(
                error("  %t : i32[1,6,6] = binary_conv_transpose %x {kernel=2x2, strides=[2,2], pads=[0,0,0,0], "
                        + "in_channels=2, weights=8x1}  # t\n    +"),
                "t.ir:6: weight row 1 of 8 must be 1 characters of + and -, found '}'");
        assertStarts(
                error("  %t : i32[1,6,6] = binary_conv_transpose %x {kernel=2x2, strides=[2], pads=[0,0,0,0], "
                        + "in_channels=2, weights=8x1}  # t"),
                "t.ir:4: expected 2 integers");
        assertStarts(
                error("  %t : i32[1,6,6] = binary_conv_transpose %x {kernel=2x2, strides=[2,2], pads=[0,0,0,0], "
                        + "in_channels=2, weights=8x1, plus_ones=50.0%, sha256=abc}  # t"),
                "t.ir:4: weights are summarised by a hash");
        assertStarts(error("  %p : f32[2,3,3] = sigmoid %x {x=1}  # p"), "t.ir:4: expected '}'");
        assertStarts(error("  %p : f32[2,3,3] = pixel_softmax %x"), "t.ir:4: expected '#'");
    }
}
