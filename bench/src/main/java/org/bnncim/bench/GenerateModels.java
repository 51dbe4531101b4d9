package org.bnncim.bench;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bnncim.oracle.OnnxBuilder;

/**
 * Writes the generated benchmark models: binarized MLPs and a CNV-style convnet with seeded random ±1 weights,
 * each hidden layer MatMul/Conv - ai.bnncim::ScaleDropout - BatchNormalization - Sign, the first layer reading
 * 8-bit pixels and the last ending in BatchNormalization (logits), as the testdata models do.
 *
 * <p>Usage: {@code GenerateModels OUT_DIR [NAME ...]}; without names every model is written. A file that already
 * exists is kept: the bytes are a pure function of the name, so regenerating would only cost time (the 50 M
 * model is 200 MB of float32 weights).
 */
public final class GenerateModels {
    private GenerateModels() {}

    /** Widths of the scaling family 784-W-W-W-10, chosen so 784W + 2W^2 + 10W lands near 1e5 ... 5e7. */
    static final Map<String, Integer> SCALING = new LinkedHashMap<>();

    static {
        SCALING.put("mlp-1e5", 105);
        SCALING.put("mlp-3e5", 250);
        SCALING.put("mlp-1e6", 530);
        SCALING.put("mlp-3e6", 1060);
        SCALING.put("mlp-1e7", 2050);
        SCALING.put("mlp-2e7", 2980);
        SCALING.put("mlp-5e7", 4820);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: GenerateModels OUT_DIR [lfc|cnv|mlp-1e5|...|mlp-5e7 ...]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        List<String> names = new ArrayList<>(List.of(args).subList(1, args.length));
        if (names.isEmpty()) {
            names.add("lfc");
            names.add("cnv");
            names.addAll(SCALING.keySet());
        }
        for (String name : names) {
            Path file = out.resolve(name + ".onnx");
            if (Files.exists(file)) {
                System.out.println("kept " + file);
                continue;
            }
            long t0 = System.nanoTime();
            long weights;
            if (name.equals("lfc")) {
                weights = mlp("lfc", new int[] {784, 1024, 1024, 1024, 10}, 1).save(file);
            } else if (name.equals("cnv")) {
                weights = cnv(2).save(file);
            } else if (SCALING.containsKey(name)) {
                int w = SCALING.get(name);
                weights = mlp(name, new int[] {784, w, w, w, 10}, 3 + w).save(file);
            } else {
                throw new IllegalArgumentException("unknown model " + name);
            }
            System.out.printf(
                    "wrote %s: %,d binary weights, %,d bytes, %.1f s%n",
                    file, weights, Files.size(file), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** A model under construction and its binary weight count. */
    record Built(OnnxBuilder builder, long weights) {
        long save(Path file) {
            builder.save(file);
            return weights;
        }
    }

    /** 784 (8-bit pixels, [N,784]) - hidden layers - 10 logits. */
    static Built mlp(String name, int[] dims, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        OnnxBuilder b = new OnnxBuilder(name)
                .opset(13)
                .opset(OnnxBuilder.BNNCIM_DOMAIN, 1)
                .input("x", DataType.FLOAT, "N", dims[0]);
        String v = "x";
        long weights = 0;
        for (int l = 0; l + 1 < dims.length; l++) {
            int in = dims[l], outs = dims[l + 1];
            boolean last = l + 2 == dims.length;
            b.initializer("w" + l, new int[] {in, outs}, signs(r, in * outs));
            weights += (long) in * outs;
            b.node("MatMul", "mm" + l).inputs(v, "w" + l).outputs("h" + l).end();
            // the first layer sums pixels in [0, 1]; later layers sum ±1
            double spread = Math.sqrt(in) * (l == 0 ? 0.5 : 1);
            v = block(b, r, "" + l, "h" + l, outs, spread, last);
        }
        b.output(v, DataType.FLOAT, "N", dims[dims.length - 1]);
        return new Built(b, weights);
    }

    /**
     * FINN's CNV topology: 3x32x32 input, 3x3 valid convolutions 64-64-pool-128-128-pool-256-256
     * (32-30-28-14-12-10-5-3-1), then dense 256-512-512-10: about 1.5 M binary weights.
     */
    static Built cnv(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        OnnxBuilder b = new OnnxBuilder("cnv")
                .opset(13)
                .opset(OnnxBuilder.BNNCIM_DOMAIN, 1)
                .input("x", DataType.FLOAT, "N", 3, 32, 32);
        int[] channels = {3, 64, 64, 128, 128, 256, 256};
        String v = "x";
        long weights = 0;
        for (int l = 0; l < 6; l++) {
            int cin = channels[l], cout = channels[l + 1];
            b.initializer("cw" + l, new int[] {cout, cin, 3, 3}, signs(r, cout * cin * 9));
            weights += (long) cout * cin * 9;
            b.node("Conv", "conv" + l)
                    .inputs(v, "cw" + l)
                    .outputs("c" + l)
                    .attrInts("kernel_shape", 3, 3)
                    .end();
            double spread = Math.sqrt(cin * 9.0) * (l == 0 ? 0.5 : 1);
            v = block(b, r, "c" + l, "c" + l, cout, spread, false);
            if (l == 1 || l == 3) {
                b.node("MaxPool", "pool" + l)
                        .inputs(v)
                        .outputs("p" + l)
                        .attrInts("kernel_shape", 2, 2)
                        .attrInts("strides", 2, 2)
                        .end();
                v = "p" + l;
            }
        }
        b.node("Flatten", "flat").inputs(v).outputs("f").end();
        v = "f";
        int[] dense = {256, 512, 512, 10};
        for (int l = 0; l < 3; l++) {
            int in = dense[l], outs = dense[l + 1];
            b.initializer("dw" + l, new int[] {in, outs}, signs(r, in * outs));
            weights += (long) in * outs;
            b.node("MatMul", "dmm" + l).inputs(v, "dw" + l).outputs("d" + l).end();
            v = block(b, r, "d" + l, "d" + l, outs, Math.sqrt(in), l == 2);
        }
        b.output(v, DataType.FLOAT, "N", 10);
        return new Built(b, weights);
    }

    /**
     * ScaleDropout - BatchNormalization - Sign after a binary layer with {@code n} outputs (the last layer keeps
     * BatchNormalization only, as logits). BN statistics are drawn around the popcount's spread so that the
     * folded thresholds fall inside the popcount range and activations are not constant.
     */
    private static String block(
            OnnxBuilder b, SplittableRandom r, String id, String in, int n, double spread, boolean last) {
        float[] scale = new float[n],
                gamma = new float[n],
                beta = new float[n],
                mean = new float[n],
                var = new float[n];
        for (int i = 0; i < n; i++) {
            scale[i] = (float) (0.5 + r.nextDouble());
            gamma[i] = (float) (0.5 + r.nextDouble());
            beta[i] = (float) (r.nextDouble() - 0.5);
            mean[i] = (float) ((r.nextDouble() - 0.5) * spread * 0.2);
            var[i] = (float) (spread * spread * (0.5 + r.nextDouble()));
        }
        b.initializer("s" + id, new int[] {n}, scale)
                .initializer("g" + id, new int[] {n}, gamma)
                .initializer("b" + id, new int[] {n}, beta)
                .initializer("m" + id, new int[] {n}, mean)
                .initializer("v" + id, new int[] {n}, var);
        if (!last) {
            b.node("ScaleDropout", "sd" + id)
                    .domain(OnnxBuilder.BNNCIM_DOMAIN)
                    .inputs(in, "s" + id)
                    .outputs("sdo" + id)
                    .attr("p", 0.2f)
                    .end();
            in = "sdo" + id;
        }
        b.node("BatchNormalization", "bn" + id)
                .inputs(in, "g" + id, "b" + id, "m" + id, "v" + id)
                .outputs("a" + id)
                .end();
        if (last) {
            return "a" + id;
        }
        b.node("Sign", "sign" + id).inputs("a" + id).outputs("y" + id).end();
        return "y" + id;
    }

    private static float[] signs(SplittableRandom r, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = r.nextBoolean() ? 1f : -1f;
        }
        return w;
    }
}
