package org.bnncim.compiler.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;
import org.bnncim.ir.Window;

/**
 * A small U-Net in the IR after folding (what the frontend and the fold give an encoder-decoder BNN): sign of the
 * 2x6x6 input, a 3x3 binary conv to 4 channels with Scale-Dropout folded into its threshold (bit 0), a 2x2 max pool
 * to 3x3, a second 3x3 binary conv and threshold, nearest upsampling by 2 back to 6x6, concatenation with the
 * encoder's 4x6x6 skip (8 channels), a 3x3 binary transposed conv, stride 2, pads 1, output padding 1 (6x6 to 12x12,
 * 3 channels) with Scale-Dropout folded into its threshold (bit 1), a 1x1 binary conv head, its scale, and a pixel
 * softmax over 2 classes or a sigmoid on 1.
 */
public final class DecoderGraphs {
    private DecoderGraphs() {}

    private static Value v(String name, ElemType e, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims)));
    }

    private static BitMatrix bits(Random r, int k, int n) {
        long s = r.nextLong();
        return BitMatrix.of(k, n, (i, j) -> new Random(s ^ (i * 7919L + j)).nextBoolean());
    }

    private static ThresholdSet set(int channels, long t) {
        long[] ts = new long[channels];
        boolean[] ge = new boolean[channels];
        for (int c = 0; c < channels; c++) {
            ts[c] = t + c;
            ge[c] = c % 2 == 0;
        }
        return new ThresholdSet(ts, ge);
    }

    private static Node.Threshold threshold(String name, String in, Value out, int channels, int bit, float p) {
        Node.Stochastic sd = bit < 0 ? null : new Node.Stochastic(bit, p, set(channels, 1), set(channels, -1));
        return new Node.Threshold(name, in, out, set(channels, 0), sd);
    }

    private static Node.BinaryConv conv(Random r, String name, String in, Value out, int inC, int k, int pad) {
        return new Node.BinaryConv(
                name,
                in,
                out,
                bits(r, inC * k * k, out.shape().dim(0)),
                inC,
                k,
                k,
                new int[] {1, 1},
                new int[] {pad, pad, pad, pad},
                new int[] {1, 1});
    }

    /** The U-Net; {@code softmax}: a 2-class pixel softmax head, otherwise a 1-class sigmoid. */
    public static Graph unet(boolean softmax) {
        Random r = new Random(17);
        int classes = softmax ? 2 : 1;
        List<Node> n = new ArrayList<>();
        n.add(new Node.Sign("sign0", "x", v("b0", ElemType.BIPOLAR, 2, 6, 6)));
        n.add(conv(r, "enc1", "b0", v("c1", ElemType.INT32, 4, 6, 6), 2, 3, 1));
        n.add(threshold("t1", "c1", v("e1", ElemType.BIPOLAR, 4, 6, 6), 4, 0, 0.2f));
        n.add(new Node.MaxPool(
                "pool",
                "e1",
                v("p1", ElemType.BIPOLAR, 4, 3, 3),
                new Window(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0, 0, 0})));
        n.add(conv(r, "enc2", "p1", v("c2", ElemType.INT32, 4, 3, 3), 4, 3, 1));
        n.add(threshold("t2", "c2", v("e2", ElemType.BIPOLAR, 4, 3, 3), 4, -1, 0));
        int[] up = {0, 0, 1, 1, 2, 2};
        n.add(new DecoderNode.Resize("up", "e2", v("u", ElemType.BIPOLAR, 4, 6, 6), up, up));
        n.add(new DecoderNode.Concat("cat", List.of("u", "e1"), v("k", ElemType.BIPOLAR, 8, 6, 6)));
        n.add(new DecoderNode.BinaryConvTranspose(
                "dec",
                "k",
                v("d", ElemType.INT32, 3, 12, 12),
                bits(r, 72, 3),
                8,
                3,
                3,
                new int[] {2, 2},
                new int[] {1, 1, 1, 1},
                new int[] {1, 1}));
        n.add(threshold("t3", "d", v("e3", ElemType.BIPOLAR, 3, 12, 12), 3, 1, 0.3f));
        n.add(conv(r, "head", "e3", v("h", ElemType.INT32, classes, 12, 12), 3, 1, 0));
        float[] scale = new float[classes];
        for (int c = 0; c < classes; c++) scale[c] = 0.5f + c;
        n.add(new Node.Affine(
                "scale",
                "h",
                v("s", ElemType.FLOAT32, classes, 12, 12),
                List.of(new AffineStep(AffineStep.Op.MUL, scale))));
        Value y = v("y", ElemType.FLOAT32, classes, 12, 12);
        n.add(softmax ? new DecoderNode.PixelSoftmax("out", "s", y) : new DecoderNode.Sigmoid("out", "s", y));
        return new Graph(
                softmax ? "unet-softmax" : "unet-sigmoid",
                List.of(v("x", ElemType.FLOAT32, 2, 6, 6)),
                n,
                List.of("y"),
                Map.of());
    }
}
