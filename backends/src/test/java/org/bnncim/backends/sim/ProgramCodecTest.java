package org.bnncim.backends.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.LevelSet;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;
import org.bnncim.ir.Window;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.Piece;
import org.bnncim.ir.mapping.StochasticUnit;
import org.junit.jupiter.api.Test;

class ProgramCodecTest {
    private static Value v(String name, ElemType e, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims)));
    }

    private static ThresholdSet set(long t0, long t1) {
        return new ThresholdSet(new long[] {t0, t1}, new boolean[] {true, false});
    }

    /** One node of every kind of format version 1, mapped onto two 8x8 crossbars. */
    static Program versionOne() {
        int[] none = {0, 0, 0, 0};
        List<Node> nodes = List.of(
                new Node.InputBinarize(
                        "bin", "x", v("b", ElemType.BIPOLAR, 1, 4, 4), new float[] {0.5f}, new boolean[] {true}),
                new Node.InputQuantize("quant", "x", v("q", ElemType.uint(8), 1, 4, 4), 8, 255),
                new Node.MaxPool(
                        "mp",
                        "b",
                        v("m", ElemType.BIPOLAR, 1, 2, 2),
                        new Window(new int[] {2, 2}, new int[] {2, 2}, none)),
                new Node.Reshape("flat", "m", v("r", ElemType.BIPOLAR, 4)),
                new Node.McDropout("drop", "r", v("g", ElemType.GATED_BIPOLAR, 4), 0.25f),
                new Node.BinaryDense(
                        "fc", "g", v("d", ElemType.INT32, 2), BitMatrix.of(4, 2, (k, c) -> (k + c) % 3 == 0)),
                new Node.Threshold(
                        "thr",
                        "d",
                        v("t", ElemType.BIPOLAR, 2),
                        set(1, -1),
                        new Node.Stochastic(1, 0.3f, set(2, 0), set(-2, 1))),
                new Node.BinaryConv(
                        "conv",
                        "b",
                        v("c", ElemType.INT32, 2, 3, 3),
                        BitMatrix.of(4, 2, (k, c) -> k % 2 == c),
                        1,
                        2,
                        2,
                        new int[] {1, 1},
                        none,
                        new int[] {1, 1}),
                new Node.ScaleDropout(
                        "sd",
                        "c",
                        v("s", ElemType.FLOAT32, 2, 3, 3),
                        new float[] {0.5f, 2f},
                        new float[] {0.25f},
                        0.2f,
                        0),
                new Node.AvgPool(
                        "ap",
                        "s",
                        v("a", ElemType.FLOAT32, 2, 1, 1),
                        new Window(new int[] {3, 3}, new int[] {1, 1}, none),
                        true),
                new Node.Affine(
                        "bn",
                        "a",
                        v("f", ElemType.FLOAT32, 2, 1, 1),
                        List.of(
                                new AffineStep(AffineStep.Op.MUL, new float[] {2f, 3f}),
                                new AffineStep(AffineStep.Op.ADD, new float[] {1f}),
                                new AffineStep(AffineStep.Op.SUB, new float[] {0.5f}),
                                new AffineStep(AffineStep.Op.RSUB, new float[] {4f}),
                                new AffineStep(AffineStep.Op.DIV, new float[] {8f, -8f}))),
                new Node.Sign("sign", "f", v("sg", ElemType.BIPOLAR, 2, 1, 1)),
                new Node.Softmax("softmax", "f", v("sm", ElemType.FLOAT32, 2, 1, 1)));
        Architecture arch = new Architecture(
                "tiny",
                8,
                8,
                Architecture.WeightEncoding.COMPLEMENTARY,
                4,
                4,
                1,
                8,
                new Architecture.Energy(
                        ProgramCodec.PRE_V5_CELL_WRITE_PJ, ProgramCodec.PRE_V5_WORDLINE_PJ, 3, 4, 5, 6, 7, 8, 9),
                new Architecture.Latency(ProgramCodec.PRE_V5_ROW_WRITE_NS, 1, 2, 3, 4, 5, 6),
                new Architecture.Area(1, ProgramCodec.PRE_V5_WORDLINE_UM2, 3, 4, 5, 6, 7, 8),
                ProgramCodec.PRE_V5_SENSING);
        Mapping m = new Mapping(
                arch,
                List.of(
                        new LayerMap(
                                "fc",
                                "dense",
                                4,
                                2,
                                1,
                                1,
                                1,
                                1,
                                List.of(new Piece("fc", 0, 4, 0, 2, 0, 0, 0)),
                                "",
                                1,
                                4),
                        new LayerMap(
                                "conv",
                                "conv",
                                4,
                                2,
                                9,
                                1,
                                1,
                                1,
                                List.of(new Piece("conv", 0, 4, 0, 2, 1, 2, 1)),
                                "none",
                                0,
                                0)),
                List.of(new CrossbarSlot(0, 0, 0, 0), new CrossbarSlot(1, 0, 0, 1)),
                new StochasticUnit(
                        StochasticUnit.Kind.MC_DROPOUT,
                        4,
                        List.of(
                                new StochasticUnit.Entry(0, "sd", "conv", 0.2f),
                                new StochasticUnit.Entry(1, "thr", "fc", 0.3f))));
        Graph g = new Graph(
                "every",
                List.of(v("x", ElemType.FLOAT32, 1, 4, 4)),
                nodes,
                List.of("t", "sg", "sm", "q"),
                Map.of("note", "kept"));
        return Program.of(new MappedModel(g, m));
    }

    /** {@link #versionOne} with the k-bit kinds of version 2: a quantizer on the input, a level bank on a popcount. */
    private static Program everyKind() {
        Program p = versionOne();
        Graph g = p.graph();
        List<Node> nodes = new java.util.ArrayList<>(g.nodes());
        nodes.add(new Node.Quantize(
                "kq",
                "x",
                new Value("kq", new TensorType(new ElemType(ElemType.Kind.INT, 2), Shape.of(1, 4, 4), 0.5)),
                new float[] {-0.25f, 0.25f, 0.75f},
                3,
                -2));
        nodes.add(new Node.MultiThreshold(
                "mt",
                "d",
                new Value("mt", new TensorType(ElemType.uint(3), Shape.of(2), 0.125)),
                new LevelSet(new long[] {-3, 0, 2, 5, 9, 1, -1, -4, -6, -7}, new boolean[] {true, false}, 5),
                null,
                1));
        List<String> outs = new java.util.ArrayList<>(g.outputs());
        outs.addAll(List.of("kq", "mt"));
        Graph k = new Graph(g.name(), g.inputs(), nodes, outs, g.notes());
        return Program.of(new MappedModel(k, p.mapping()));
    }

    /** {@link #everyKind} with the digital datapath of version 3: a shortcut sum, a float dense and conv layer. */
    static Program allKinds() {
        Program p = everyKind();
        Graph g = p.graph();
        List<Node> nodes = new java.util.ArrayList<>(g.nodes());
        nodes.add(new DigitalNode.Add("res", "a", "f", v("ad", ElemType.FLOAT32, 2, 1, 1)));
        float[] w = new float[18];
        for (int i = 0; i < w.length; i++) w[i] = (i - 9) / 4f;
        nodes.add(new DigitalNode.FloatDense(
                "fd", "r", v("fd", ElemType.FLOAT32, 3), java.util.Arrays.copyOf(w, 12), 4, 3, new float[0]));
        nodes.add(new DigitalNode.FloatConv(
                "fcv",
                "x",
                v("fc", ElemType.FLOAT32, 2, 2, 2),
                w,
                new float[] {0.5f, -1f},
                1,
                1,
                3,
                3,
                new int[] {1, 1},
                new int[] {0, 0, 0, 0},
                new int[] {1, 1}));
        List<String> outs = new java.util.ArrayList<>(g.outputs());
        outs.addAll(List.of("ad", "fd", "fc"));
        Graph k = new Graph(g.name(), g.inputs(), nodes, outs, g.notes());
        return Program.of(new MappedModel(k, p.mapping()));
    }

    /** Offset of the tag byte of the node named {@code name}: the tag is followed by the name as a string. */
    static int tagOffset(byte[] file, String name) {
        byte[] s = name.getBytes(StandardCharsets.UTF_8);
        byte[] pattern = new byte[4 + s.length];
        pattern[3] = (byte) s.length;
        System.arraycopy(s, 0, pattern, 4, s.length);
        for (int i = 1; i + pattern.length <= file.length; i++) {
            if (java.util.Arrays.equals(file, i, i + pattern.length, pattern, 0, pattern.length)) return i - 1;
        }
        throw new AssertionError(name + " not in the file");
    }

    @Test
    void roundTripKeepsEveryNodeKind() {
        Program p = DecoderCodecTest.withDecoderKinds(allKinds());
        Set<Class<?>> kinds = new HashSet<>();
        for (Node n : p.graph().nodes()) kinds.add(n.getClass());
        Set<Class<?>> all = new HashSet<>();
        for (Class<?> c : Node.class.getPermittedSubclasses())
            all.addAll(c.isSealed() ? List.of(c.getPermittedSubclasses()) : List.of(c));
        assertEquals(all, kinds, "the fixture must hold every node kind");

        byte[] bytes = ProgramCodec.encode(p);
        Program back = ProgramCodec.decode(bytes, "every.bnc");
        Graph a = p.graph(), b = back.graph();
        assertEquals(a.name(), b.name());
        assertEquals(a.notes(), b.notes());
        assertEquals(a.inputs(), b.inputs());
        assertEquals(a.nodes(), b.nodes());
        assertEquals(a.outputs(), b.outputs());
        assertEquals(p.mapping(), back.mapping());
        assertEquals(ElemType.GATED_BIPOLAR, b.value("g").elem());
        assertEquals(new ElemType(ElemType.Kind.INT, 2), b.value("kq").elem());
        assertEquals(6, bytes[ProgramCodec.MAGIC.length], "every program is written as version 6");
        assertArrayEquals(bytes, ProgramCodec.encode(back));
    }

    /**
     * earlier-formats/vN.bnc are the programs below as the last writer of versions 1 to 4 (commit ddbf36a) and of
     * version 5 (commit afa45c7) encoded them; v1.bnc is byte for byte what format version 1's first writer (commit
     * 258a565) wrote. They read back as the same program, with the pre-v5 sensing in place of their sense-amplifier
     * figures, which were dropped, and the Monte-Carlo schedule version 6 records derived from the graph.
     */
    @Test
    void programsOfVersionsOneToFiveStillRead() throws Exception {
        Program withDecoder = DecoderCodecTest.withDecoderKinds(allKinds());
        Program[] expected = {versionOne(), everyKind(), allKinds(), withDecoder, withDecoder};
        for (int v = 1; v <= 5; v++) {
            byte[] bytes;
            try (var in = ProgramCodecTest.class.getResourceAsStream("earlier-formats/v" + v + ".bnc")) {
                bytes = in.readAllBytes();
            }
            assertEquals(v, bytes[ProgramCodec.MAGIC.length]);
            if (v == 1) {
                String sha = java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(bytes));
                assertEquals(VERSION_ONE_SHA256, sha);
            }
            Program back = ProgramCodec.decode(bytes, "v" + v + ".bnc");
            assertEquals(expected[v - 1].graph().nodes(), back.graph().nodes(), "version " + v);
            assertEquals(expected[v - 1].graph().inputs(), back.graph().inputs(), "version " + v);
            assertEquals(expected[v - 1].mapping(), back.mapping(), "version " + v);
            assertArrayEquals(ProgramCodec.encode(expected[v - 1]), ProgramCodec.encode(back), "version " + v);
        }
    }

    private static final String VERSION_ONE_SHA256 = "b10d29280bc0dd4789a225b47f86d2238ceaa3d1b961776c74725b208a2703c5";

    @Test
    void newerVersionsAndVersionTwoTagsInVersionOneAreRefusedInOneLine() {
        byte[] newer = ProgramCodec.encode(everyKind());
        newer[ProgramCodec.MAGIC.length] = 7;
        BnncimException e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(newer, "p.bnc"));
        assertEquals("p.bnc: program format version 7, this bnncim reads versions 1 to 6", e.getMessage());
        byte[] old = ProgramCodec.encode(new TestPrograms(1, TestPrograms.floats("x", 8))
                .kQuantize(ElemType.uint(2), 0, 3, false)
                .dense(3)
                .program(Architecture.WeightEncoding.SINGLE, 8, 4));
        old[ProgramCodec.MAGIC.length] = 1;
        e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(old, "p.bnc"));
        assertEquals("p.bnc: node tag 13 at node #0 needs program format version 2", e.getMessage());
    }

    @Test
    void versionTwoGivesGatedBipolarItsOwnCode() {
        byte[] bytes = ProgramCodec.encode(everyKind());
        int g = tagOffset(bytes, "drop") + 1 + 4 + "drop".length() + 4 + 1 + 4 + 1;
        assertEquals("g", new String(bytes, g - 1, 1, StandardCharsets.UTF_8));
        assertEquals(4, bytes[g]);
        assertEquals(2, bytes[g + 1]);
        int q = tagOffset(bytes, "kq") + 1 + 4 + 2 + 4 + 1 + 4 + 2;
        assertEquals("kq", new String(bytes, q - 2, 2, StandardCharsets.UTF_8));
        assertEquals(2, bytes[q], "a signed 2-bit value is kind 2 in version 2");
        assertEquals(2, bytes[q + 1]);
    }

    @Test
    void tagsAreTheDocumentedOpcodes() throws Exception {
        Program every = DecoderCodecTest.withDecoderKinds(allKinds());
        byte[] all = ProgramCodec.encode(every);
        for (Node n : every.graph().nodes()) assertEquals(n.tag().code(), all[tagOffset(all, n.name())], n.name());
        // in version 1 gated bipolar keeps the file form of a signed 2-bit integer: kind 2, 2 bits
        byte[] bytes;
        try (var in = ProgramCodecTest.class.getResourceAsStream("earlier-formats/v1.bnc")) {
            bytes = in.readAllBytes();
        }
        int g = tagOffset(bytes, "drop") + 1 + 4 + "drop".length() + 4 + 1 + 4 + 1;
        assertEquals("g", new String(bytes, g - 1, 1, StandardCharsets.UTF_8));
        assertEquals(2, bytes[g]);
        assertEquals(2, bytes[g + 1]);
    }

    @Test
    void unknownNodeTagIsRefusedInOneLine() {
        byte[] bytes = ProgramCodec.encode(versionOne());
        bytes[tagOffset(bytes, "quant")] = 42;
        BnncimException e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(bytes, "out/program.bnc"));
        assertEquals("out/program.bnc: unknown node tag 42 at node #1", e.getMessage());
    }

    @Test
    void unknownCodesOfOtherEnumsAreRefusedInOneLine() {
        byte[] bytes = ProgramCodec.encode(everyKind());
        byte[] kind = bytes.clone();
        int x = tagOffset(kind, "bin") + 1 + 4 + 3 + 4 + 1 + 4 + 1; // output value "b": its kind byte
        kind[x] = 9;
        BnncimException e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(kind, "p.bnc"));
        assertEquals("p.bnc: unknown element kind 9 of value b", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void signedTwoBitValuesAreWrittenInVersionTwoAndReadBackSigned() {
        // version 1 could not tell them from gated bipolar; version 2 on (so every program written now) can
        Program p = versionOne();
        Graph g = p.graph();
        Value odd = v("i2", new ElemType(ElemType.Kind.INT, 2), 1, 4, 4);
        List<Node> nodes = new java.util.ArrayList<>(g.nodes());
        nodes.add(new Node.Reshape("same", "i2", v("i2b", new ElemType(ElemType.Kind.INT, 2), 1, 4, 4)));
        Graph withOdd = new Graph(g.name(), List.of(g.inputs().get(0), odd), nodes, g.outputs(), g.notes());
        byte[] bytes = ProgramCodec.encode(new Program(new MappedModel(withOdd, p.mapping()), p.crossbars()));
        assertEquals(ProgramCodec.VERSION, bytes[ProgramCodec.MAGIC.length]);
        Graph back = ProgramCodec.decode(bytes, "p.bnc").graph();
        assertEquals(odd, back.inputs().get(1));
        assertEquals(ElemType.GATED_BIPOLAR, back.value("g").elem());
        assertTrue(back.nodes().contains(nodes.get(nodes.size() - 1)));
    }
}
