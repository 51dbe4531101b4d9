package org.bnncim.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeTest {
    private static Value v(String name, ElemType e, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims)));
    }

    private static ThresholdSet set(long t0, long t1) {
        return new ThresholdSet(new long[] {t0, t1}, new boolean[] {true, false});
    }

    /** One well-formed node of every kind, chained so that the verifier accepts the graph. */
    static Graph everyKind() {
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
                new Node.Softmax("softmax", "f", v("sm", ElemType.FLOAT32, 2, 1, 1)),
                new Node.Quantize(
                        "q2", "f", v("q2", new ElemType(ElemType.Kind.INT, 2), 2, 1, 1), new float[] {0, 1, 2}, 3, -2),
                new Node.MultiThreshold(
                        "mt",
                        "d",
                        v("mt", ElemType.uint(2), 2),
                        new LevelSet(new long[] {-1, 0, 2, 3, 1, -4}, new boolean[] {true, false}, 3),
                        new Node.LevelStochastic(
                                2,
                                0.3f,
                                new LevelSet(new long[] {0, 1, 2, 3, 2, 1}, new boolean[] {true, false}, 3),
                                new LevelSet(new long[] {-2, -2, -2, 0, 0, 0}, new boolean[] {true, true}, 3)),
                        0),
                new DigitalNode.FloatConv(
                        "fconv",
                        "x",
                        v("fc", ElemType.FLOAT32, 2, 4, 4),
                        new float[] {1, -2, 0.5f, 0, 3, 1, -1, 2, 0.25f, 1, 1, 1, -1, -1, -1, 0, 0, 2},
                        new float[] {0.5f, -1f},
                        1,
                        1,
                        3,
                        3,
                        new int[] {1, 1},
                        new int[] {1, 1, 1, 1},
                        new int[] {1, 1}),
                new DigitalNode.Add("add", "fc", "fc", v("ad", ElemType.FLOAT32, 2, 4, 4)),
                new DigitalNode.FloatDense(
                        "fdense",
                        "r",
                        v("fd", ElemType.FLOAT32, 3),
                        new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
                        4,
                        3,
                        new float[0]),
                new DecoderNode.Resize(
                        "up", "b", v("u", ElemType.BIPOLAR, 1, 8, 7), new int[] {0, 0, 1, 1, 2, 2, 3, 3}, new int[] {
                            0, 0, 1, 2, 2, 3, 3
                        }),
                new DecoderNode.Concat("cat", List.of("b", "b"), v("ct", ElemType.BIPOLAR, 2, 4, 4)),
                new DecoderNode.BinaryConvTranspose(
                        "upconv",
                        "ct",
                        v("uc", ElemType.INT32, 1, 8, 8),
                        BitMatrix.of(18, 1, (k, c) -> k % 3 == 0),
                        2,
                        3,
                        3,
                        new int[] {2, 2},
                        new int[] {1, 1, 1, 1},
                        new int[] {1, 1}),
                new DecoderNode.PixelSoftmax("psm", "fc", v("ps", ElemType.FLOAT32, 2, 4, 4)),
                new DecoderNode.Sigmoid("sig", "fc", v("sig", ElemType.FLOAT32, 2, 4, 4)));
        return new Graph(
                "every",
                List.of(v("x", ElemType.FLOAT32, 1, 4, 4)),
                nodes,
                List.of("t", "sg", "sm", "q", "q2", "mt", "ad", "fd", "u", "uc", "ps", "sig"),
                Map.of("note", "kept"));
    }

    /** Every record that implements Node, through the sealed sub-interfaces (DigitalNode). */
    static Set<Class<?>> nodeKinds() {
        Set<Class<?>> out = new HashSet<>();
        java.util.ArrayDeque<Class<?>> todo = new java.util.ArrayDeque<>(List.of(Node.class));
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            if (c.isSealed()) todo.addAll(List.of(c.getPermittedSubclasses()));
            else out.add(c);
        }
        return out;
    }

    @Test
    void everyKindIsCoveredAndWellFormed() {
        Graph g = everyKind();
        Set<Class<?>> kinds = new HashSet<>();
        for (Node n : g.nodes()) kinds.add(n.getClass());
        assertEquals(nodeKinds(), kinds);
        assertEquals(List.of(), Verifier.check(g));
    }

    @Test
    void tagsAreTheProgramFormatOpcodes() {
        // docs/program-format.md: these numbers are in every program.bnc written so far
        Map<Class<?>, Integer> opcodes = Map.ofEntries(
                Map.entry(Node.InputQuantize.class, 0),
                Map.entry(Node.InputBinarize.class, 1),
                Map.entry(Node.BinaryDense.class, 2),
                Map.entry(Node.BinaryConv.class, 3),
                Map.entry(Node.ScaleDropout.class, 4),
                Map.entry(Node.Affine.class, 5),
                Map.entry(Node.Sign.class, 6),
                Map.entry(Node.Threshold.class, 7),
                Map.entry(Node.MaxPool.class, 8),
                Map.entry(Node.AvgPool.class, 9),
                Map.entry(Node.Reshape.class, 10),
                Map.entry(Node.Softmax.class, 11),
                Map.entry(Node.McDropout.class, 12),
                Map.entry(Node.Quantize.class, 13),
                Map.entry(Node.MultiThreshold.class, 14),
                Map.entry(DigitalNode.Add.class, 15),
                Map.entry(DigitalNode.FloatDense.class, 16),
                Map.entry(DigitalNode.FloatConv.class, 17),
                Map.entry(DecoderNode.Resize.class, 18),
                Map.entry(DecoderNode.Concat.class, 19),
                Map.entry(DecoderNode.BinaryConvTranspose.class, 20),
                Map.entry(DecoderNode.PixelSoftmax.class, 21),
                Map.entry(DecoderNode.Sigmoid.class, 22));
        for (Node n : everyKind().nodes()) {
            assertEquals(opcodes.get(n.getClass()), n.tag().code(), n.opName());
            assertSame(n.tag(), WireCode.find(NodeTag.class, n.tag().code()));
        }
        assertNull(WireCode.find(NodeTag.class, 42));
    }

    @Test
    void enumsWrittenToProgramsKeepTheirCodes() {
        assertEquals(
                List.of(0, 1, 2, 3, 4),
                List.of(
                        AffineStep.Op.MUL.code(),
                        AffineStep.Op.ADD.code(),
                        AffineStep.Op.SUB.code(),
                        AffineStep.Op.RSUB.code(),
                        AffineStep.Op.DIV.code()));
        assertEquals(
                List.of(0, 1),
                List.of(
                        org.bnncim.ir.arch.Architecture.WeightEncoding.SINGLE.code(),
                        org.bnncim.ir.arch.Architecture.WeightEncoding.COMPLEMENTARY.code()));
        var k = org.bnncim.ir.mapping.StochasticUnit.Kind.class;
        assertEquals(
                List.of(0, 1, 2),
                java.util.Arrays.stream(k.getEnumConstants())
                        .map(WireCode::code)
                        .toList());
        assertEquals(
                List.of(0, 1, 2, 3),
                List.of(
                        ElemType.Kind.BIPOLAR.code(),
                        ElemType.Kind.UINT.code(),
                        ElemType.Kind.INT.code(),
                        ElemType.Kind.FLOAT.code()));
    }

    @Test
    void gatedBipolarIsItsOwnKindButReadsAndPrintsAsBefore() {
        assertEquals("ternary", ElemType.GATED_BIPOLAR.toString());
        assertEquals("i2", new ElemType(ElemType.Kind.INT, 2).toString());
        assertEquals(2, ElemType.GATED_BIPOLAR.bits());
        assertEquals(ElemType.Kind.INT.code(), ElemType.GATED_BIPOLAR.kind().code());
        assertEquals(ElemType.GATED_BIPOLAR, ElemType.ofCode(2, 2));
        assertEquals(ElemType.INT32, ElemType.ofCode(2, 32));
        assertEquals(ElemType.uint(8), ElemType.ofCode(1, 8));
        assertNull(ElemType.ofCode(4, 1));
        assertEquals(1, ElemType.GATED_BIPOLAR.maxAbs());
    }

    @Test
    void mcDropoutMustProduceGatedBipolar() {
        Node.McDropout wrong = new Node.McDropout("drop", "r", v("g", new ElemType(ElemType.Kind.INT, 2), 4), 0.25f);
        assertEquals(
                List.of("output must be gated bipolar"),
                wrong.check(List.of(new TensorType(ElemType.BIPOLAR, Shape.of(4)))));
    }

    @Test
    void scaleBitPicksExpectationKeptOrDropped() {
        Node.ScaleDropout sd = new Node.ScaleDropout(
                "sd", "c", v("s", ElemType.FLOAT32, 2), new float[] {0.5f, 2f}, new float[] {0.25f}, 0.2f, 0);
        assertEquals(Node.ScaleDropout.expectation(2f, 0.25f, 0.2f), sd.factor(1, ScaleBit.EXPECTATION));
        assertEquals(2f, sd.factor(1, ScaleBit.KEPT));
        assertEquals(0.25f, sd.factor(1, ScaleBit.DROPPED));
        assertSame(ScaleBit.DROPPED, ScaleBit.of(true));
        assertSame(ScaleBit.KEPT, ScaleBit.of(false));

        Node.Threshold t = (Node.Threshold) everyKind().nodes().get(6);
        assertEquals(t.expected(), t.select(ScaleBit.EXPECTATION));
        assertEquals(t.stochastic().kept(), t.select(ScaleBit.KEPT));
        assertEquals(t.stochastic().dropped(), t.select(ScaleBit.DROPPED));
        Node.Threshold plain = new Node.Threshold("p", "d", t.output(), t.expected(), null);
        for (ScaleBit z : ScaleBit.values()) assertEquals(t.expected(), plain.select(z));

        Node.MultiThreshold mt = (Node.MultiThreshold) everyKind().nodes().get(14);
        assertEquals(mt.expected(), mt.select(ScaleBit.EXPECTATION));
        assertEquals(mt.stochastic().kept(), mt.select(ScaleBit.KEPT));
        assertEquals(mt.stochastic().dropped(), mt.select(ScaleBit.DROPPED));
    }

    @Test
    void levelsCountTheComparatorsThatFire() {
        // channel 0: x >= -1, 0, 2; channel 1: x <= 3, 1, -4
        LevelSet s = new LevelSet(new long[] {-1, 0, 2, 3, 1, -4}, new boolean[] {true, false}, 3);
        assertEquals(
                List.of(0, 1, 2, 2, 3),
                List.of(s.count(-2, 0), s.count(-1, 0), s.count(0, 0), s.count(1, 0), s.count(2, 0)));
        assertEquals(
                List.of(0, 1, 2, 2, 3),
                List.of(s.count(4, 1), s.count(3, 1), s.count(1, 1), s.count(0, 1), s.count(-4, 1)));
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> new LevelSet(new long[] {2, 1}, new boolean[] {true}, 2));
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> new LevelSet(new long[] {1, 2}, new boolean[] {false}, 2));
        Node.Quantize q = new Node.Quantize(
                "q", "x", v("q", new ElemType(ElemType.Kind.INT, 2), 2), new float[] {-0.5f, 0.5f, 1.5f}, 3, -2);
        assertEquals(
                List.of(-2, -1, -1, 0, 1, 1),
                List.of(
                        q.level(-1f, 0),
                        q.level(-0.5f, 0),
                        q.level(0f, 1),
                        q.level(0.5f, 0),
                        q.level(1.5f, 0),
                        q.level(Float.POSITIVE_INFINITY, 1)));
        assertEquals(-2, q.level(Float.NaN, 0));
    }

    @Test
    void bitSlotsAreTheScheduleSlotsOfScaleDropoutLayers() {
        Graph g = everyKind();
        assertEquals(3, g.stochasticBits());
        assertEquals(new Node.BitSlot(0, 0.2f), g.nodes().get(8).bitSlot().orElseThrow());
        assertEquals(new Node.BitSlot(1, 0.3f), g.nodes().get(6).bitSlot().orElseThrow());
        assertEquals(java.util.Optional.empty(), g.nodes().get(4).bitSlot());
        assertEquals(new Node.BitSlot(2, 0.3f), g.nodes().get(14).bitSlot().orElseThrow());
        assertEquals(java.util.Optional.empty(), g.nodes().get(13).bitSlot());
    }
}
