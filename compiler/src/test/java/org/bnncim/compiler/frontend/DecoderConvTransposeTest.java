package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;
import java.util.Random;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.oracle.OnnxBuilder;
import org.bnncim.oracle.OrtReference;
import org.junit.jupiter.api.Test;

/**
 * ConvTranspose with bipolar weights: the imported weight rows, pads and output shape. The imported node's
 * parameters drive a scatter-form transposed convolution written here (each input pixel adds its kernel into the
 * output), which must equal ONNX Runtime's ConvTranspose on the same small-integer input exactly.
 */
class DecoderConvTransposeTest {
    /** ConvTranspose attributes of one case; null leaves the attribute out. */
    record Case(
            int cin,
            int cout,
            int h,
            int w,
            int kh,
            int kw,
            long[] strides,
            long[] pads,
            long[] dil,
            long[] adj,
            long[] outShape,
            String autoPad) {}

    private static float[] signs(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = r.nextBoolean() ? 1f : -1f;
        return v;
    }

    static OnnxMl.ModelProto model(Case c, float[] w, float[] bias) {
        OnnxBuilder b = new OnnxBuilder("ct")
                .opset(13)
                .input("x", DataType.FLOAT, "N", c.cin, c.h, c.w)
                .initializer("w", new int[] {c.cin, c.cout, c.kh, c.kw}, w);
        if (bias != null) b.initializer("b", new int[] {c.cout}, bias);
        var nb = b.node("ConvTranspose", "up")
                .inputs(bias != null ? new String[] {"x", "w", "b"} : new String[] {"x", "w"});
        nb.outputs("y");
        if (c.strides != null) nb.attrInts("strides", c.strides);
        if (c.pads != null) nb.attrInts("pads", c.pads);
        if (c.dil != null) nb.attrInts("dilations", c.dil);
        if (c.adj != null) nb.attrInts("output_padding", c.adj);
        if (c.outShape != null) nb.attrInts("output_shape", c.outShape);
        if (c.autoPad != null) nb.attr("auto_pad", c.autoPad);
        return nb.end().outputUnshaped("y", DataType.FLOAT).build();
    }

    /** y[co][oy][ox] from the imported node: every input pixel scatters its kernel, W read from the weight rows. */
    static float[] scatter(DecoderNode.BinaryConvTranspose t, float[] x, int h, int w) {
        int cout = t.weights().cols(),
                oh = t.output().shape().dim(1),
                ow = t.output().shape().dim(2);
        int[] s = t.strides(), p = t.pads(), d = t.dilations();
        float[] y = new float[cout * oh * ow];
        for (int ci = 0; ci < t.inChannels(); ci++) {
            for (int iy = 0; iy < h; iy++) {
                for (int ix = 0; ix < w; ix++) {
                    float v = x[(ci * h + iy) * w + ix];
                    for (int i = 0; i < t.kh(); i++) {
                        for (int j = 0; j < t.kw(); j++) {
                            int oy = iy * s[0] - p[0] + i * d[0], ox = ix * s[1] - p[1] + j * d[1];
                            if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                            int row = (ci * t.kh() + i) * t.kw() + j;
                            for (int co = 0; co < cout; co++)
                                y[(co * oh + oy) * ow + ox] += v * t.weights().get(row, co);
                        }
                    }
                }
            }
        }
        return y;
    }

    private static final Case[] CASES = {
        new Case(2, 3, 4, 5, 2, 2, new long[] {2, 2}, null, null, null, null, null),
        new Case(3, 2, 5, 4, 3, 3, new long[] {2, 2}, new long[] {1, 1, 1, 1}, null, new long[] {1, 1}, null, null),
        new Case(2, 2, 3, 5, 3, 2, new long[] {2, 3}, new long[] {0, 1, 2, 0}, null, new long[] {1, 2}, null, null),
        new Case(2, 3, 4, 4, 3, 3, new long[] {1, 1}, new long[] {1, 0, 0, 2}, new long[] {2, 1}, null, null, null),
        // output_shape with an odd total padding: the odd pixel goes to the head (the tail for SAME_UPPER)
        new Case(2, 2, 4, 5, 3, 3, new long[] {2, 2}, null, null, null, new long[] {8, 10}, null),
        new Case(2, 2, 4, 5, 3, 3, new long[] {2, 2}, null, null, null, new long[] {8, 9}, "SAME_UPPER"),
        new Case(2, 2, 4, 5, 4, 3, new long[] {2, 2}, null, null, null, null, "SAME_UPPER"),
        new Case(2, 2, 4, 5, 4, 3, new long[] {2, 2}, null, null, null, null, "SAME_LOWER"),
        new Case(2, 2, 3, 3, 3, 2, new long[] {2, 2}, null, null, new long[] {1, 0}, null, "VALID"),
        new Case(1, 4, 3, 4, 2, 3, new long[] {2, 1}, null, new long[] {2, 2}, new long[] {1, 0}, null, null),
    };

    @Test
    void importedNodeEqualsOnnxRuntime() {
        Random r = new Random(17);
        for (int k = 0; k < CASES.length; k++) {
            Case c = CASES[k];
            float[] w = signs(r, c.cin * c.cout * c.kh * c.kw);
            OnnxMl.ModelProto m = model(c, w, null);
            Graph g = OnnxImporter.importModel(m, "t", OnnxImporter.Options.DEFAULT);
            DecoderNode.BinaryConvTranspose t =
                    g.nodesOf(DecoderNode.BinaryConvTranspose.class).get(0);
            float[] x = new float[c.cin * c.h * c.w];
            for (int i = 0; i < x.length; i++) x[i] = r.nextInt(7) - 3;
            float[] want;
            try (OrtReference ort = new OrtReference(m.toByteArray(), 1)) {
                want = ort.run(x, new int[] {c.cin, c.h, c.w}, 1, null)[0];
            }
            float[] got = scatter(t, x, c.h, c.w);
            assertArrayEquals(want, got, "case " + k + " " + c);
        }
    }

    @Test
    void weightRowsAreTheOnnxKernelsPerInputChannel() {
        Case c = CASES[1];
        float[] w = signs(new Random(3), c.cin * c.cout * c.kh * c.kw);
        Graph g = OnnxImporter.importModel(model(c, w, null), "t", OnnxImporter.Options.DEFAULT);
        DecoderNode.BinaryConvTranspose t =
                g.nodesOf(DecoderNode.BinaryConvTranspose.class).get(0);
        assertEquals(c.cin * c.kh * c.kw, t.weights().rows());
        for (int ci = 0; ci < c.cin; ci++)
            for (int co = 0; co < c.cout; co++)
                for (int i = 0; i < c.kh; i++)
                    for (int j = 0; j < c.kw; j++)
                        assertEquals(
                                (int) w[((ci * c.cout + co) * c.kh + i) * c.kw + j],
                                t.weights().get((ci * c.kh + i) * c.kw + j, co));
        // (5-1)*2 + 3 - 2 + 1 = 10 rows, (4-1)*2 + 3 - 2 + 1 = 8 cols
        assertArrayEquals(new int[] {c.cout, 10, 8}, t.output().shape().dims());
        assertArrayEquals(new int[] {1, 1}, t.outputPadding(c.h, c.w));
        assertEquals(ElemType.INT32, t.output().elem());
    }

    @Test
    void biasBecomesAnAffineAfterThePopcount() {
        Case c = CASES[0];
        Random r = new Random(5);
        float[] bias = {0.5f, -1.25f, 2f};
        Graph g = OnnxImporter.importModel(
                model(c, signs(r, c.cin * c.cout * 4), bias), "t", OnnxImporter.Options.DEFAULT);
        DecoderNode.BinaryConvTranspose t =
                g.nodesOf(DecoderNode.BinaryConvTranspose.class).get(0);
        Node.Affine a = g.nodesOf(Node.Affine.class).get(0);
        assertEquals(t.output().name(), a.input());
        assertArrayEquals(bias, a.steps().get(0).c());
        assertEquals("y", a.output().name());
    }

    private static String refusal(OnnxMl.ModelProto m) {
        BnncimException e = assertThrows(
                BnncimException.class, () -> OnnxImporter.importModel(m, "t", OnnxImporter.Options.DEFAULT));
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void nonBipolarWeightsGroupsAndOversizedOutputsAreRefusedByName() {
        Case c = CASES[0];
        float[] w = signs(new Random(1), c.cin * c.cout * 4);
        w[5] = 0.5f;
        String weights = refusal(model(c, w, null));
        assertTrue(weights.contains("'up' (ConvTranspose)") && weights.contains("not bipolar"), weights);
        OnnxMl.ModelProto plain = model(c, signs(new Random(1), c.cin * c.cout * 4), null);
        OnnxMl.GraphProto.Builder gb = plain.getGraph().toBuilder();
        gb.getNodeBuilder(0)
                .addAttribute(OnnxMl.AttributeProto.newBuilder()
                        .setName("group")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT)
                        .setI(2));
        OnnxMl.ModelProto grouped = plain.toBuilder().setGraph(gb).build();
        String group = refusal(grouped);
        assertTrue(group.contains("'up' (ConvTranspose)") && group.contains("group 2"), group);
        Case big = new Case(2, 2, 4, 5, 2, 2, new long[] {2, 2}, null, null, new long[] {3, 0}, null, null);
        String adj = refusal(model(big, signs(new Random(1), 16), null));
        assertTrue(adj.contains("'up' (ConvTranspose)") && adj.contains("output_padding"), adj);
    }

    @Test
    void theBinaryLayerReadsBipolarActivations() {
        Case c = CASES[0];
        OnnxMl.ModelProto m = new OnnxBuilder("signed")
                .opset(13)
                .input("x", DataType.FLOAT, "N", c.cin, c.h, c.w)
                .initializer("w", new int[] {c.cin, c.cout, 2, 2}, signs(new Random(2), c.cin * c.cout * 4))
                .node("Sign", "s")
                .inputs("x")
                .outputs("xs")
                .end()
                .node("ConvTranspose", "up")
                .inputs("xs", "w")
                .outputs("y")
                .attrInts("strides", 2, 2)
                .end()
                .output("y", DataType.FLOAT, "N", c.cout, 8, 10)
                .build();
        Graph g = OnnxImporter.importModel(m, "t", OnnxImporter.Options.DEFAULT);
        DecoderNode.BinaryConvTranspose t =
                g.nodesOf(DecoderNode.BinaryConvTranspose.class).get(0);
        assertEquals("xs", t.input());
        assertEquals(List.of(), g.nodesOf(Node.InputQuantize.class));
    }
}
