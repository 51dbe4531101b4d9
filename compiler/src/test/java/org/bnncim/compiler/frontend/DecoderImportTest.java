package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;

/** The encoder-decoder imports on the IR they write, and their one-line refusals. */
class DecoderImportTest {
    private static Graph load(OnnxBuilder b) {
        return OnnxImporter.importModel(b.build(), "t", OnnxImporter.Options.DEFAULT);
    }

    private static String refusal(OnnxBuilder b) {
        BnncimException e = assertThrows(BnncimException.class, () -> load(b));
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static int[] halves(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i / 2;
        return r;
    }

    /** x [N,2,3,4] -> Sign -> the node under test ({@code op}, inputs after the signed tensor) -> y. */
    private static OnnxBuilder signedThen(int opset, String op, String[] attrs, String... extraInputs) {
        OnnxBuilder b = new OnnxBuilder("m").opset(opset).input("x", DataType.FLOAT, "N", 2, 3, 4);
        b.node("Sign", "s").inputs("x").outputs("xs").end();
        String[] ins = new String[extraInputs.length + 1];
        ins[0] = "xs";
        System.arraycopy(extraInputs, 0, ins, 1, extraInputs.length);
        var nb = b.node(op, "up").inputs(ins).outputs("y");
        for (int i = 0; i + 1 < attrs.length; i += 2) nb.attr(attrs[i], attrs[i + 1]);
        return nb.end().outputUnshaped("y", DataType.FLOAT);
    }

    @Test
    void pytorchUpsampleScaleFactor2IsReplication() {
        // nn.Upsample(scale_factor=2, mode='nearest') at opset 11+: asymmetric coordinates, nearest_mode floor
        OnnxBuilder b = signedThen(
                        13,
                        "Resize",
                        new String[] {"coordinate_transformation_mode", "asymmetric", "nearest_mode", "floor"},
                        "",
                        "scales")
                .initializer("scales", new int[] {4}, 1f, 1f, 2f, 2f);
        Graph g = load(b);
        DecoderNode.Resize r = g.nodesOf(DecoderNode.Resize.class).get(0);
        assertArrayEquals(halves(6), r.rows());
        assertArrayEquals(halves(8), r.cols());
        assertEquals(2, r.replicationFactor());
        assertEquals(ElemType.BIPOLAR, r.output().elem());
        assertArrayEquals(new int[] {2, 6, 8}, r.output().shape().dims());
    }

    @Test
    void kerasUpSampling2DAndTheDefaultModesReplicateToo() {
        // tf2onnx writes Keras UpSampling2D as tf_half_pixel_for_nn with floor; (i + 0.5) / 2 floors to i / 2
        OnnxBuilder keras = signedThen(
                        11,
                        "Resize",
                        new String[] {"coordinate_transformation_mode", "tf_half_pixel_for_nn", "nearest_mode", "floor"
                        },
                        "roi",
                        "scales",
                        "sizes")
                .initializer("roi", new int[] {0})
                .initializer("scales", new int[] {0})
                .initializerInt64("sizes", new int[] {4}, 1, 2, 6, 8);
        // half_pixel with round_prefer_floor: (i + 0.5) / 2 - 0.5 = i/2 - 0.25 rounds to i / 2
        OnnxBuilder dflt = signedThen(19, "Resize", new String[] {}, "", "scales")
                .initializer("scales", new int[] {4}, 1f, 1f, 2f, 2f);
        OnnxBuilder resize10 = signedThen(10, "Resize", new String[] {}, "scales")
                .initializer("scales", new int[] {4}, 1f, 1f, 2f, 2f);
        OnnxBuilder upsample9 = signedThen(9, "Upsample", new String[] {}, "scales")
                .initializer("scales", new int[] {4}, 1f, 1f, 2f, 2f);
        for (OnnxBuilder b : List.of(keras, dflt, resize10, upsample9)) {
            DecoderNode.Resize r = load(b).nodesOf(DecoderNode.Resize.class).get(0);
            assertArrayEquals(halves(6), r.rows());
            assertArrayEquals(halves(8), r.cols());
        }
    }

    @Test
    void nonIntegerScalesUseTheFloat32Coordinates() {
        // half_pixel, round_prefer_floor, H 3 -> 4 (scale 4/3 from sizes) and W 4 -> 6 (scale 1.5), by hand:
        // rows: (i + 0.5) / 1.3333334 - 0.5 = -0.125, 0.625, 1.375, 2.125 -> 0, 1, 1, 2
        // cols: (j + 0.5) / 1.5 - 0.5 = -1/6, 0.5, 7/6, 11/6, 2.5, 19/6 -> 0, 0 (tie to floor), 1, 2, 2, 3
        OnnxBuilder b = signedThen(13, "Resize", new String[] {}, "", "", "sizes")
                .initializerInt64("sizes", new int[] {4}, 1, 2, 4, 6);
        DecoderNode.Resize r = load(b).nodesOf(DecoderNode.Resize.class).get(0);
        assertArrayEquals(new int[] {0, 1, 1, 2}, r.rows());
        assertArrayEquals(new int[] {0, 0, 1, 2, 2, 3}, r.cols());
        assertEquals(0, r.replicationFactor());
        // the same with round_prefer_ceil: the tie at 0.5 goes up, 2.5 -> 3 (clamped to 3 anyway)
        OnnxBuilder c = signedThen(13, "Resize", new String[] {"nearest_mode", "round_prefer_ceil"}, "", "", "sizes")
                .initializerInt64("sizes", new int[] {4}, 1, 2, 4, 6);
        assertArrayEquals(
                new int[] {0, 1, 1, 2, 3, 3},
                load(c).nodesOf(DecoderNode.Resize.class).get(0).cols());
        // align_corners, W 4 -> 6: j * 3 / 5 = 0, 0.6, 1.2, 1.8, 2.4, 3 -> 0, 1, 1, 2, 2, 3
        OnnxBuilder a = signedThen(
                        13, "Resize", new String[] {"coordinate_transformation_mode", "align_corners"}, "", "", "sizes")
                .initializerInt64("sizes", new int[] {4}, 1, 2, 4, 6);
        assertArrayEquals(
                new int[] {0, 1, 1, 2, 2, 3},
                load(a).nodesOf(DecoderNode.Resize.class).get(0).cols());
    }

    @Test
    void resizeKeepsTheElementTypeOfFloatInput() {
        OnnxBuilder b = new OnnxBuilder("f")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 2, 3, 4)
                .initializer("scales", new int[] {4}, 1f, 1f, 2f, 3f)
                .node("Resize", "up")
                .inputs("x", "", "scales")
                .outputs("y")
                .end()
                .outputUnshaped("y", DataType.FLOAT);
        DecoderNode.Resize r = load(b).nodesOf(DecoderNode.Resize.class).get(0);
        assertEquals(ElemType.FLOAT32, r.output().elem());
        assertArrayEquals(new int[] {2, 6, 12}, r.output().shape().dims());
    }

    @Test
    void resizeKeepsPopcountAndKbitTypesAndTheirBounds() {
        // Sign -> binary 1x1 Conv (K = 2) -> Resize -> Quant 2-bit -> Resize
        OnnxBuilder b = new OnnxBuilder("kb")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 2, 3, 4)
                .initializer("w", new int[] {3, 2, 1, 1}, 1f, -1f, -1f, -1f, 1f, 1f)
                .initializer("scales", new int[] {4}, 1f, 1f, 2f, 2f)
                .initializer("qs", new int[] {}, 0.5f)
                .initializer("qz", new int[] {}, 0f)
                .initializer("qb", new int[] {}, 2f)
                .node("Sign", "s")
                .inputs("x")
                .outputs("xs")
                .end()
                .node("Conv", "c")
                .inputs("xs", "w")
                .outputs("p")
                .end()
                .node("Resize", "up1")
                .inputs("p", "", "scales")
                .outputs("pu")
                .end()
                .node("Quant", "q")
                .domain("qonnx.custom_op.general")
                .inputs("pu", "qs", "qz", "qb")
                .outputs("k")
                .attr("signed", 1L)
                .attr("narrow", 0L)
                .end()
                .node("Resize", "up2")
                .inputs("k", "", "scales")
                .outputs("y")
                .end()
                .outputUnshaped("y", DataType.FLOAT);
        Graph g = load(b);
        List<DecoderNode.Resize> rs = g.nodesOf(DecoderNode.Resize.class);
        assertEquals(2, rs.size());
        for (DecoderNode.Resize r : rs) {
            assertEquals(
                    g.value(r.input()).type(),
                    r.output().type().withShape(g.value(r.input()).shape()));
        }
        assertEquals(ElemType.INT32, rs.get(0).output().elem());
        assertEquals(
                2,
                org.bnncim.compiler.passes.IntBounds.maxAbs(
                        g, rs.get(0).output().name()));
        assertTrue(
                rs.get(1).output().elem().bits() == 2, rs.get(1).output().elem().toString());
        assertArrayEquals(new int[] {3, 12, 16}, rs.get(1).output().shape().dims());
    }

    @Test
    void unsupportedResizeFormsAreRefusedByName() {
        String[][] attrs = {
            {"mode", "linear"},
            {"coordinate_transformation_mode", "tf_crop_and_resize"},
            {"coordinate_transformation_mode", "half_pixel_symmetric"},
            {"keep_aspect_ratio_policy", "not_larger"},
        };
        String[] why = {"mode 'linear'", "tf_crop_and_resize", "half_pixel_symmetric", "keep_aspect_ratio_policy"};
        for (int i = 0; i < attrs.length; i++) {
            String m = refusal(signedThen(19, "Resize", attrs[i], "", "scales")
                    .initializer("scales", new int[] {4}, 1f, 1f, 2f, 2f));
            assertTrue(m.contains("'up' (Resize)") && m.contains(why[i]), m);
        }
        OnnxBuilder aa = new OnnxBuilder("aa")
                .opset(18)
                .input("x", DataType.FLOAT, "N", 2, 3, 4)
                .initializer("scales", new int[] {4}, 1f, 1f, 2f, 2f)
                .node("Resize", "up")
                .inputs("x", "", "scales")
                .outputs("y")
                .attr("antialias", 1L)
                .end()
                .outputUnshaped("y", DataType.FLOAT);
        String anti = refusal(aa);
        assertTrue(anti.contains("'up' (Resize)") && anti.contains("antialias"), anti);
        String channels = refusal(signedThen(13, "Resize", new String[] {}, "", "scales")
                .initializer("scales", new int[] {4}, 1f, 2f, 2f, 2f));
        assertTrue(channels.contains("'up' (Resize)") && channels.contains("N and C scale 1"), channels);
        String upsample10 = refusal(signedThen(10, "Upsample", new String[] {}, "scales")
                .initializer("scales", new int[] {4}, 1f, 1f, 2f, 2f));
        assertTrue(upsample10.contains("'up' (Upsample)") && upsample10.contains("export Resize"), upsample10);
    }

    /** x -> Sign -> a, and x -> Sign(x * k) -> b (k stays out of the sign), joined by Concat. */
    private static OnnxBuilder twoMaps(long axis, boolean floatSecond) {
        OnnxBuilder b = new OnnxBuilder("cat")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 2, 3, 4)
                .initializer("k", new int[] {1}, 3f)
                .node("Sign", "s1")
                .inputs("x")
                .outputs("a")
                .end()
                .node("Mul", "m")
                .inputs("x", "k")
                .outputs("xk")
                .end();
        if (!floatSecond) b.node("Sign", "s2").inputs("xk").outputs("b").end();
        return b.node("Concat", "join")
                .inputs("a", floatSecond ? "xk" : "b")
                .outputs("y")
                .attr("axis", axis)
                .end()
                .outputUnshaped("y", DataType.FLOAT);
    }

    @Test
    void concatJoinsFeatureMapsAlongChannels() {
        for (long axis : new long[] {1, -3}) {
            Graph g = load(twoMaps(axis, false));
            DecoderNode.Concat c = g.nodesOf(DecoderNode.Concat.class).get(0);
            assertEquals(2, c.sources().size());
            assertEquals(ElemType.BIPOLAR, c.output().elem());
            assertArrayEquals(new int[] {4, 3, 4}, c.output().shape().dims());
        }
    }

    @Test
    void concatOfOtherAxesMixedTypesOrConstantsIsRefusedByName() {
        String axis = refusal(twoMaps(2, false));
        assertTrue(axis.contains("'join' (Concat)") && axis.contains("axis 2") && axis.contains("channels"), axis);
        String mixed = refusal(twoMaps(1, true));
        assertTrue(mixed.contains("'join' (Concat)") && mixed.contains("one element type"), mixed);
        OnnxBuilder withConst = new OnnxBuilder("cc")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 2, 3, 4)
                .initializer("c", new int[] {1, 1, 3, 4}, new float[12])
                .node("Concat", "join")
                .inputs("x", "c")
                .outputs("y")
                .attr("axis", 1L)
                .end()
                .outputUnshaped("y", DataType.FLOAT);
        String cst = refusal(withConst);
        assertTrue(cst.contains("'join' (Concat)") && cst.contains("constant"), cst);
    }

    private static OnnxBuilder floatHead(int opset, String op, long axis) {
        var nb = new OnnxBuilder("head")
                .opset(opset)
                .input("x", DataType.FLOAT, "N", 3, 2, 2)
                .node(op, "out")
                .inputs("x")
                .outputs("y");
        if (axis != Long.MIN_VALUE) nb.attr("axis", axis);
        return nb.end().outputUnshaped("y", DataType.FLOAT);
    }

    @Test
    void softmaxOverChannelsIsPixelSoftmaxFromOpset13() {
        Graph g = load(floatHead(13, "Softmax", 1));
        assertEquals(1, g.nodesOf(DecoderNode.PixelSoftmax.class).size());
        assertEquals(
                1,
                load(floatHead(13, "Softmax", -3))
                        .nodesOf(DecoderNode.PixelSoftmax.class)
                        .size());
        // before opset 13, axis 1 flattens C*H*W into one softmax: the whole-vector Softmax, not per pixel
        Graph old = load(floatHead(11, "Softmax", 1));
        assertEquals(0, old.nodesOf(DecoderNode.PixelSoftmax.class).size());
        assertEquals(1, old.nodesOf(Node.Softmax.class).size());
        String last = refusal(floatHead(13, "Softmax", Long.MIN_VALUE));
        assertTrue(last.contains("'out' (Softmax)"), last);
    }

    @Test
    void sigmoidOfAFloatMapAndOfAPopcount() {
        Graph g = load(floatHead(13, "Sigmoid", Long.MIN_VALUE));
        DecoderNode.Sigmoid s = g.nodesOf(DecoderNode.Sigmoid.class).get(0);
        assertEquals("x", s.input());
        OnnxMl.ModelProto conv = new OnnxBuilder("pc")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 2, 3, 4)
                .initializer("w", new int[] {1, 2, 1, 1}, 1f, -1f)
                .node("Sign", "s")
                .inputs("x")
                .outputs("xs")
                .end()
                .node("Conv", "c")
                .inputs("xs", "w")
                .outputs("p")
                .end()
                .node("Sigmoid", "out")
                .inputs("p")
                .outputs("y")
                .end()
                .outputUnshaped("y", DataType.FLOAT)
                .build();
        Graph pg = OnnxImporter.importModel(conv, "t", OnnxImporter.Options.DEFAULT);
        DecoderNode.Sigmoid ps = pg.nodesOf(DecoderNode.Sigmoid.class).get(0);
        assertEquals(ElemType.FLOAT32, pg.value(ps.input()).elem());
        Node.Affine real = pg.nodesOf(Node.Affine.class).get(0);
        assertEquals(ps.input(), real.output().name());
        String bip = refusal(new OnnxBuilder("b")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 2, 3, 4)
                .node("Sign", "s")
                .inputs("x")
                .outputs("xs")
                .end()
                .node("Sigmoid", "out")
                .inputs("xs")
                .outputs("y")
                .end()
                .outputUnshaped("y", DataType.FLOAT));
        assertTrue(bip.contains("'out' (Sigmoid)") && bip.contains("bipolar"), bip);
    }
}
