package org.bnncim.ir.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.bnncim.ir.Verifier;
import org.junit.jupiter.api.Test;

/**
 * The encoder-decoder kinds on graphs small enough to work out by hand; the transposed convolution also against a
 * brute-force scatter written here, which adds every input element times every tap into the output position it
 * lands on (ONNX's definition), independent of the interpreter's gather.
 */
class DecoderInterpreterTest {
    private static Value v(String n, ElemType e, int... dims) {
        return new Value(n, new TensorType(e, Shape.of(dims)));
    }

    private static Graph graph(Value in, List<Node> nodes, String out) {
        Graph g = new Graph("t", List.of(in), nodes, List.of(out), Map.of());
        assertEquals(List.of(), Verifier.check(g));
        return g;
    }

    /** x (f32) -> input_binarize at 0 -> transposed conv, 1 in and 1 out channel, k = 3, s = 2, pads 1, op 1. */
    private static double[] transposeOf2x2(float[] x, BitMatrix w) {
        var t = new DecoderNode.BinaryConvTranspose(
                "t",
                "b",
                v("y", ElemType.INT32, 1, 4, 4),
                w,
                1,
                3,
                3,
                new int[] {2, 2},
                new int[] {1, 1, 1, 1},
                new int[] {1, 1});
        assertArrayEquals(new int[] {1, 1}, t.outputPadding(2, 2));
        var bin = new Node.InputBinarize(
                "bin", "x", v("b", ElemType.BIPOLAR, 1, 2, 2), new float[] {0f}, new boolean[] {true});
        Graph g = graph(v("x", ElemType.FLOAT32, 1, 2, 2), List.of(bin, t), "y");
        return new ReferenceInterpreter(g).run(x, null).get("y");
    }

    @Test
    void strideTwoKernelThreeWithPadsAndOutputPaddingByHand() {
        // x = [[1, -1], [-1, 1]]. The uncropped output has 5 rows; pad 1 drops row 0 and output padding keeps row 4.
        // Output row oy takes input row iy with tap i where 2 iy + i = oy + 1: oy 0 <- iy 0; oy 1 <- iy 0 and 1;
        // oy 2 <- iy 1; oy 3 <- iy 1 (tap 2). Columns alike. With every weight +1, y[oy][ox] sums those x.
        float[] x = {1, -1, -1, 1};
        double[] allPlus = {1, 0, -1, -1, 0, 0, 0, 0, -1, 0, 1, 1, -1, 0, 1, 1};
        assertArrayEquals(allPlus, transposeOf2x2(x, BitMatrix.of(9, 1, (k, n) -> true)));
        // tap (0, 0) at -1: it reaches output (2 iy - 1, 2 ix - 1), only (1, 1) from x[1][1] = 1: y[1][1] = 0 - 2
        double[] corner = allPlus.clone();
        corner[5] = -2;
        assertArrayEquals(corner, transposeOf2x2(x, BitMatrix.of(9, 1, (k, n) -> k != 0)));
        // tap (2, 1) at -1: output (2 iy + 1, 2 ix), i.e. (1, 0) (1, 2) (3, 0) (3, 2) from x00, x01, x10, x11
        double[] mid = allPlus.clone();
        mid[4] -= 2 * 1;
        mid[6] -= 2 * -1;
        mid[12] -= 2 * -1;
        mid[14] -= 2 * 1;
        assertArrayEquals(mid, transposeOf2x2(x, BitMatrix.of(9, 1, (k, n) -> k != 7)));
    }

    /** ONNX ConvTranspose by its definition: every input element times every tap, added where it lands. */
    private static long[] scatter(
            int[] x,
            int cin,
            int h,
            int w,
            BitMatrix wm,
            int kh,
            int kw,
            int[] s,
            int[] p,
            int[] d,
            int cout,
            int oh,
            int ow) {
        long[] y = new long[cout * oh * ow];
        for (int ci = 0; ci < cin; ci++)
            for (int iy = 0; iy < h; iy++)
                for (int ix = 0; ix < w; ix++)
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++) {
                            int oy = iy * s[0] - p[0] + i * d[0], ox = ix * s[1] - p[1] + j * d[1];
                            if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                            for (int co = 0; co < cout; co++) {
                                int wv = wm.get((ci * kh + i) * kw + j, co);
                                y[(co * oh + oy) * ow + ox] += (long) x[(ci * h + iy) * w + ix] * wv;
                            }
                        }
        return y;
    }

    @Test
    void randomTransposedConvolutionsMatchTheScatterForm() {
        SplittableRandom r = new SplittableRandom(17);
        for (int trial = 0; trial < 60; trial++) {
            int cin = r.nextInt(1, 4), cout = r.nextInt(1, 4), h = r.nextInt(1, 6), w = r.nextInt(1, 6);
            int kh = r.nextInt(1, 5), kw = r.nextInt(1, 5);
            int[] s = {r.nextInt(1, 4), r.nextInt(1, 4)}, d = {r.nextInt(1, 3), r.nextInt(1, 3)};
            int[] p = {r.nextInt(0, kh), r.nextInt(0, kw), r.nextInt(0, kh), r.nextInt(0, kw)};
            int oh = s[0] * (h - 1) + (kh - 1) * d[0] + 1 - p[0] - p[2] + r.nextInt(Math.max(s[0], d[0]));
            int ow = s[1] * (w - 1) + (kw - 1) * d[1] + 1 - p[1] - p[3] + r.nextInt(Math.max(s[1], d[1]));
            if (oh < 1 || ow < 1) continue;
            long seed = r.nextLong();
            BitMatrix wm =
                    BitMatrix.of(cin * kh * kw, cout, (k, n) -> new SplittableRandom(seed + 31L * k + n).nextBoolean());
            // a signed 3-bit input, stored as its levels -4 .. 3, read as integers as binary_conv reads them
            ElemType i3 = new ElemType(ElemType.Kind.INT, 3);
            Value q = new Value("q", new TensorType(i3, Shape.of(cin, h, w), 0.5));
            float[] thresholds = new float[7];
            for (int i = 0; i < 7; i++) thresholds[i] = i - 3.5f;
            var quant = new Node.Quantize("quant", "x", q, thresholds, 7, -4);
            var t = new DecoderNode.BinaryConvTranspose(
                    "t", "q", v("y", ElemType.INT32, cout, oh, ow), wm, cin, kh, kw, s, p, d);
            Graph g = graph(v("x", ElemType.FLOAT32, cin, h, w), List.of(quant, t), "y");
            float[] x = new float[cin * h * w];
            int[] levels = new int[x.length];
            for (int i = 0; i < x.length; i++) {
                levels[i] = r.nextInt(-4, 4);
                x[i] = levels[i] + 0.25f; // between thresholds levels[i] - 0.5 and levels[i] + 0.5
            }
            var trace = new ReferenceInterpreter(g).run(x, null);
            double[] got = trace.get("y");
            long[] want = scatter(levels, cin, h, w, wm, kh, kw, s, p, d, cout, oh, ow);
            assertArrayEquals(java.util.Arrays.stream(levels).asDoubleStream().toArray(), trace.get("q"));
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], "trial " + trial + " element " + i);
        }
    }

    @Test
    void resizeGathersAndConcatStacksChannels() {
        // x = [[0, 1, 2], [3, 4, 5]] quantized to u8 with scale 1/255: stored values are x * 255 / 255 levels
        ElemType u8 = ElemType.uint(8);
        Value q = new Value("q", new TensorType(u8, Shape.of(1, 2, 3), 1.0 / 255));
        var quant = new Node.InputQuantize("quant", "x", q, 8, 255);
        Value r = new Value("r", new TensorType(u8, Shape.of(1, 3, 4), 1.0 / 255));
        var resize = new DecoderNode.Resize("rs", "q", r, new int[] {1, 0, 1}, new int[] {2, 2, 0, 1});
        Value up = new Value("up", new TensorType(u8, Shape.of(1, 4, 6), 1.0 / 255));
        var rep = new DecoderNode.Resize("up", "q", up, new int[] {0, 0, 1, 1}, new int[] {0, 0, 1, 1, 2, 2});
        Value q2 = new Value("q2", new TensorType(u8, Shape.of(1, 3, 4), 1.0 / 255));
        var resize2 = new DecoderNode.Resize("rs2", "q", q2, new int[] {0, 0, 0}, new int[] {0, 1, 2, 0});
        Value c = new Value("c", new TensorType(u8, Shape.of(3, 3, 4), 1.0 / 255));
        var cat = new DecoderNode.Concat("cat", List.of("r", "q2", "r"), c);
        Graph g = graph(v("x", ElemType.FLOAT32, 1, 2, 3), List.of(quant, resize, rep, resize2, cat), "c");
        float[] x = {0, 1 / 255f, 2 / 255f, 3 / 255f, 4 / 255f, 5 / 255f};
        var t = new ReferenceInterpreter(g).run(x, null);
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5}, t.get("q"));
        double[] rs = {5, 5, 3, 4, 2, 2, 0, 1, 5, 5, 3, 4};
        assertArrayEquals(rs, t.get("r"));
        assertArrayEquals(
                new double[] {0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 3, 3, 4, 4, 5, 5}, t.get("up"));
        double[] q2v = {0, 1, 2, 0, 0, 1, 2, 0, 0, 1, 2, 0};
        double[] want = new double[36];
        System.arraycopy(rs, 0, want, 0, 12);
        System.arraycopy(q2v, 0, want, 12, 12);
        System.arraycopy(rs, 0, want, 24, 12);
        assertArrayEquals(want, t.get("c"));
    }

    @Test
    void pixelSoftmaxAndSigmoidInFloat32() {
        // three channels, four pixels; per pixel: equal logits, one far above the rest, the max subtracted first
        var sm = new DecoderNode.PixelSoftmax("sm", "x", v("p", ElemType.FLOAT32, 3, 1, 4));
        var sg = new DecoderNode.Sigmoid("sg", "x", v("s", ElemType.FLOAT32, 3, 1, 4));
        Graph g = graph(v("x", ElemType.FLOAT32, 3, 1, 4), List.of(sm, sg), "p");
        float ln2 = (float) Math.log(2);
        float[] x = {5, 1000, 0, 0, 5, 0, ln2, -1000, 5, 0, 0, 1000};
        var t = new ReferenceInterpreter(g).run(x, null);
        float third = 1f / 3f;
        // pixel 2 = (0, ln 2, 0): exp(0 - ln 2) = 0.5 (up to float rounding of ln 2), exp(0) = 1; sum 2
        double[] p = t.get("p");
        assertArrayEquals(new double[] {third, 1, p[2], 0, third, 0, p[6], 0, third, 0, p[10], 1}, p);
        assertEquals(0.25, p[2], 1e-7);
        assertEquals(0.5, p[6], 1e-7);
        assertEquals(0.25, p[10], 1e-7);
        assertEquals(1f, (float) (p[2] + p[6] + p[10]), 1e-7);
        // sigmoid: 1 / (1 + e^-x): 5 -> 0.9933071, 1000 -> 1, 0 -> 0.5, -1000 -> 0, ln 2 -> 2/3
        double[] s = t.get("s");
        assertEquals((float) 0.9933071490757153, s[0]);
        assertEquals(1.0, s[1]);
        assertEquals(0.5, s[2]);
        assertEquals(0.0, s[7]);
        assertEquals(2.0 / 3, s[6], 1e-7);
        for (double e : s) assertEquals(e, (float) e); // every value is a float32
    }

    @Test
    void resizeAndConcatCarryInexactnessFromSigmoidToASign() {
        // sigmoid(0.001) - 0.50025 is a few ulps from 0 and computed through exp: a near tie once the value has
        // passed a resize and a concat; the same value from exact float arithmetic is not
        Value x = v("x", ElemType.FLOAT32, 1, 1, 2);
        for (boolean viaSigmoid : new boolean[] {true, false}) {
            String src = viaSigmoid ? "s" : "x";
            var sg = new DecoderNode.Sigmoid("sg", "x", v("s", ElemType.FLOAT32, 1, 1, 2));
            var rs = new DecoderNode.Resize(
                    "rs", src, v("r", ElemType.FLOAT32, 1, 1, 2), new int[] {0}, new int[] {0, 1});
            var cat = new DecoderNode.Concat("cat", List.of("r", "x"), v("c", ElemType.FLOAT32, 2, 1, 2));
            float c0 = viaSigmoid ? (float) (1.0 / (1.0 + Math.exp(-0.001f))) : 0.001f;
            var sub = new Node.Affine(
                    "sub",
                    "c",
                    v("a", ElemType.FLOAT32, 2, 1, 2),
                    List.of(new AffineStep(AffineStep.Op.SUB, new float[] {Math.nextUp(c0)})));
            var sign = new Node.Sign("sign", "a", v("y", ElemType.BIPOLAR, 2, 1, 2));
            Graph g = graph(x, List.of(sg, rs, cat, sub, sign), "y");
            var t = new ReferenceInterpreter(g).run(new float[] {0.001f, 100}, null);
            assertEquals(viaSigmoid ? 1 : 0, t.nearTies(), "via sigmoid " + viaSigmoid);
            assertEquals(-1.0, t.get("y")[0]);
        }
    }
}
