package org.bnncim.compiler.testing;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.nio.file.Path;
import java.util.Random;
import org.bnncim.io.Npy;
import org.bnncim.oracle.OnnxBuilder;

/**
 * Segmentation-shaped models that need none of the decoder kinds: binary 3x3 convolutions with padding 1 keep H and
 * W, so the output is per pixel [C,H,W]: x [1,8,8] -> Conv 4 -> Scale-Dropout -> BN -> Sign -> Conv C -> Scale-Dropout
 * -> per-channel scale and bias (logits); and a matching dataset of noisy bright squares with their masks.
 */
public final class SegModels {
    private SegModels() {}

    public static final int SIDE = 8;

    private static float[] signs(Random r, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = r.nextBoolean() ? 1f : -1f;
        return w;
    }

    private static float[] gauss(Random r, int n, double mean, double sd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (mean + sd * r.nextGaussian());
        return v;
    }

    /** The per-pixel model with {@code channels} output channels (1: a foreground logit). */
    public static Path write(Path file, int channels, long seed) {
        Random r = new Random(seed);
        int c = channels;
        new OnnxBuilder("seg_tiny")
                .opset(13)
                .opset("ai.bnncim", 1)
                .input("x", DataType.FLOAT, "N", 1, SIDE, SIDE)
                .initializer("w1", new int[] {4, 1, 3, 3}, signs(r, 36))
                .initializer("s1", new int[] {4}, 1.5f, 0.75f, 1.25f, 1f)
                .initializer("g", new int[] {4}, gauss(r, 4, 1, 0.3))
                .initializer("b", new int[] {4}, gauss(r, 4, 0, 0.5))
                .initializer("m", new int[] {4}, gauss(r, 4, 0, 1))
                .initializer("v", new int[] {4}, 1f, 2f, 1.5f, 0.5f)
                .initializer("w2", new int[] {c, 4, 3, 3}, signs(r, 36 * c))
                .initializer("s2", new int[] {c}, gauss(r, c, 1, 0.2))
                .initializer("k", new int[] {c, 1, 1}, gauss(r, c, 0.3, 0.05))
                .initializer("kb", new int[] {c, 1, 1}, gauss(r, c, 0, 0.5))
                .node("Conv", "conv1")
                .inputs("x", "w1")
                .outputs("c1")
                .attrInts("kernel_shape", 3, 3)
                .attrInts("pads", 1, 1, 1, 1)
                .end()
                .node("ScaleDropout", "sd1")
                .domain("ai.bnncim")
                .inputs("c1", "s1")
                .outputs("d1")
                .attr("p", 0.5f)
                .end()
                .node("BatchNormalization", "bn")
                .inputs("d1", "g", "b", "m", "v")
                .outputs("a")
                .end()
                .node("Sign", "sign")
                .inputs("a")
                .outputs("y")
                .end()
                .node("Conv", "conv2")
                .inputs("y", "w2")
                .outputs("c2")
                .attrInts("kernel_shape", 3, 3)
                .attrInts("pads", 1, 1, 1, 1)
                .end()
                .node("ScaleDropout", "sd2")
                .domain("ai.bnncim")
                .inputs("c2", "s2")
                .outputs("d2")
                .attr("p", 0.5f)
                .end()
                .node("Mul", "scale")
                .inputs("d2", "k")
                .outputs("h")
                .end()
                .node("Add", "bias")
                .inputs("h", "kb")
                .outputs("logits")
                .end()
                .output("logits", DataType.FLOAT, "N", c, SIDE, SIDE)
                .save(file);
        return file;
    }

    /**
     * {@code n} images (uint8 [N,8,8]) of a bright square on a dark noisy background, its mask (uint8 [N,8,8],
     * 1 inside) and, when {@code channelAxis}, the images as [N,1,8,8]. Written as DIR/test-images.npy and
     * DIR/test-masks.npy.
     */
    public static Path dataset(Path dir, int n, long seed, boolean channelAxis) {
        Random r = new Random(seed);
        int hw = SIDE * SIDE;
        byte[] img = new byte[n * hw], mask = new byte[n * hw];
        for (int i = 0; i < n; i++) {
            int y0 = r.nextInt(5), x0 = r.nextInt(5), s = 2 + r.nextInt(3);
            for (int q = 0; q < hw; q++) {
                int y = q / SIDE, x = q % SIDE;
                boolean in = y >= y0 && y < y0 + s && x >= x0 && x < x0 + s;
                int v = (in ? 180 : 40) + (int) Math.round(r.nextGaussian() * 30);
                img[i * hw + q] = (byte) Math.max(0, Math.min(255, v));
                mask[i * hw + q] = (byte) (in ? 1 : 0);
            }
        }
        int[] shape = channelAxis ? new int[] {n, 1, SIDE, SIDE} : new int[] {n, SIDE, SIDE};
        Npy.write(dir.resolve("test-images.npy"), Npy.NpyArray.ofUint8(shape, img));
        Npy.write(dir.resolve("test-masks.npy"), Npy.NpyArray.ofUint8(new int[] {n, SIDE, SIDE}, mask));
        return dir;
    }
}
