package org.bnncim.compiler.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bnncim.compiler.passes.InsertStochasticUnit;
import org.bnncim.compiler.passes.LowerToCrossbar;
import org.bnncim.compiler.passes.PackAndPlace;
import org.bnncim.compiler.passes.Pass;
import org.bnncim.compiler.passes.PassManager;
import org.bnncim.compiler.passes.PlanMonteCarlo;
import org.bnncim.compiler.passes.Property;
import org.bnncim.compiler.passes.TileCrossbars;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.bnncim.ir.Window;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.MappedModel;

/**
 * A small residual network in the IR after folding (what the frontend and the fold give a ResNet block): a float
 * stem conv, sign, then two blocks of binary conv, Scale-Dropout, batch-norm affine, the shortcut sum and sign (the
 * second block stride 2 with an average-pooled shortcut, odd sizes 9 and 5), a flatten and a float classifier.
 */
public final class ResidualGraphs {
    private ResidualGraphs() {}

    public static final int INPUT = 3 * 9 * 9;

    private static Value v(String name, ElemType e, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims)));
    }

    private static float[] floats(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = r.nextFloat() * 2 - 1;
        return f;
    }

    private static Node.BinaryConv conv(Random r, String name, String in, String out, int size, int stride) {
        long s = r.nextLong();
        return new Node.BinaryConv(
                name,
                in,
                v(out, ElemType.INT32, 4, size, size),
                BitMatrix.of(36, 4, (k, n) -> new Random(s ^ (k * 7919L + n)).nextBoolean()),
                4,
                3,
                3,
                new int[] {stride, stride},
                new int[] {1, 1, 1, 1},
                new int[] {1, 1});
    }

    private static Node.Affine bn(Random r, String name, String in, String out, int size, AffineStep.Op last) {
        return new Node.Affine(
                name,
                in,
                v(out, ElemType.FLOAT32, 4, size, size),
                List.of(
                        new AffineStep(AffineStep.Op.MUL, floats(r, 4)),
                        new AffineStep(AffineStep.Op.ADD, floats(r, 4)),
                        new AffineStep(last, last == AffineStep.Op.PRELU ? floats(r, 4) : new float[] {0})));
    }

    /** The residual graph; {@code stochastic} puts Scale-Dropout (bits 0 and 1) after both binary convs. */
    public static Graph residual(boolean stochastic) {
        Random r = new Random(3);
        List<Node> n = new ArrayList<>();
        n.add(new DigitalNode.FloatConv(
                "stem",
                "x",
                v("s", ElemType.FLOAT32, 4, 9, 9),
                floats(r, 4 * 3 * 9),
                floats(r, 4),
                3,
                1,
                3,
                3,
                new int[] {1, 1},
                new int[] {1, 1, 1, 1},
                new int[] {1, 1}));
        n.add(new Node.Sign("sign0", "s", v("b0", ElemType.BIPOLAR, 4, 9, 9)));
        n.add(conv(r, "conv1", "b0", "c1", 9, 1));
        String c1 = "c1", c2 = "c2";
        if (stochastic) {
            n.add(new Node.ScaleDropout(
                    "sd1", "c1", v("d1", ElemType.FLOAT32, 4, 9, 9), new float[] {1.25f}, new float[] {0.5f}, 0.2f, 0));
            c1 = "d1";
        }
        n.add(bn(r, "bn1", c1, "n1", 9, AffineStep.Op.MAX));
        n.add(new DigitalNode.Add("add1", "n1", "b0", v("r1", ElemType.FLOAT32, 4, 9, 9)));
        n.add(new Node.Sign("sign1", "r1", v("b1", ElemType.BIPOLAR, 4, 9, 9)));
        n.add(new Node.AvgPool(
                "pool",
                "b1",
                v("p", ElemType.FLOAT32, 4, 5, 5),
                new Window(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}),
                false));
        n.add(conv(r, "conv2", "b1", "c2", 5, 2));
        if (stochastic) {
            n.add(new Node.ScaleDropout(
                    "sd2", "c2", v("d2", ElemType.FLOAT32, 4, 5, 5), new float[] {1.5f}, new float[] {0.25f}, 0.3f, 1));
            c2 = "d2";
        }
        n.add(bn(r, "bn2", c2, "n2", 5, AffineStep.Op.PRELU));
        n.add(new DigitalNode.Add("add2", "n2", "p", v("r2", ElemType.FLOAT32, 4, 5, 5)));
        n.add(new Node.Sign("sign2", "r2", v("b2", ElemType.BIPOLAR, 4, 5, 5)));
        n.add(new Node.Reshape("flat", "b2", v("f", ElemType.BIPOLAR, 100)));
        n.add(new DigitalNode.FloatDense(
                "fc", "f", v("y", ElemType.FLOAT32, 10), floats(r, 1000), 100, 10, floats(r, 10)));
        return new Graph("resnet-tiny", List.of(v("x", ElemType.FLOAT32, 3, 9, 9)), n, List.of("y"), Map.of());
    }

    /**
     * A full-precision 1x1 convolution on a crossbar layer's popcounts, between two crossbar layers: the digital unit
     * does not evaluate float convolutions on chip values (only on the host's, as resnet's average-pooled shortcut).
     */
    public static Graph floatConvBetweenLayers() {
        Random r = new Random(5);
        List<Node> n = new ArrayList<>();
        n.add(new Node.Sign("sign0", "x", v("b0", ElemType.BIPOLAR, 4, 9, 9)));
        n.add(conv(r, "conv1", "b0", "c1", 9, 1));
        n.add(new DigitalNode.FloatConv(
                "mix",
                "c1",
                v("m", ElemType.FLOAT32, 4, 9, 9),
                floats(r, 16),
                floats(r, 4),
                4,
                1,
                1,
                1,
                new int[] {1, 1},
                new int[] {0, 0, 0, 0},
                new int[] {1, 1}));
        n.add(new Node.Sign("sign1", "m", v("b1", ElemType.BIPOLAR, 4, 9, 9)));
        n.add(conv(r, "conv2", "b1", "c2", 9, 1));
        return new Graph("float-conv-between", List.of(v("x", ElemType.FLOAT32, 4, 9, 9)), n, List.of("c2"), Map.of());
    }

    /** A plain binary network without a digital datapath: sign, binary conv, flatten. */
    public static Graph plain() {
        Random r = new Random(4);
        List<Node> n = new ArrayList<>();
        n.add(new Node.Sign("sign0", "x", v("b0", ElemType.BIPOLAR, 4, 9, 9)));
        n.add(conv(r, "conv1", "b0", "c1", 9, 1));
        n.add(new Node.Reshape("flat", "c1", v("f", ElemType.INT32, 324)));
        return new Graph("plain", List.of(v("x", ElemType.FLOAT32, 4, 9, 9)), n, List.of("f"), Map.of());
    }

    /** A ResNet stem's float max pool (3x3/2, pad 1, 9x9 -> 5x5) before a binary conv. */
    public static Graph stemPool() {
        Random r = new Random(6);
        List<Node> n = new ArrayList<>();
        n.add(new Node.MaxPool(
                "mpool",
                "x",
                v("m", ElemType.FLOAT32, 4, 5, 5),
                new Window(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1})));
        n.add(new Node.Sign("sign0", "m", v("b0", ElemType.BIPOLAR, 4, 5, 5)));
        n.add(conv(r, "conv1", "b0", "c1", 5, 1));
        return new Graph("stem-pool", List.of(v("x", ElemType.FLOAT32, 4, 9, 9)), n, List.of("c1"), Map.of());
    }

    /** A real-valued path outside any crossbar tail: x + x, then PReLU and sign before a binary conv. */
    public static Graph affineAfterAdd() {
        Random r = new Random(8);
        List<Node> n = new ArrayList<>();
        n.add(new DigitalNode.Add("add", "x", "x", v("s", ElemType.FLOAT32, 4, 9, 9)));
        n.add(new Node.Affine(
                "act",
                "s",
                v("a", ElemType.FLOAT32, 4, 9, 9),
                List.of(
                        new AffineStep(AffineStep.Op.ADD, floats(r, 4)),
                        new AffineStep(AffineStep.Op.PRELU, floats(r, 4)))));
        n.add(new Node.Sign("sign", "a", v("b", ElemType.BIPOLAR, 4, 9, 9)));
        n.add(conv(r, "conv1", "b", "c1", 9, 1));
        return new Graph("affine-after-add", List.of(v("x", ElemType.FLOAT32, 4, 9, 9)), n, List.of("c1"), Map.of());
    }

    /** The mapping passes (lowering, tiling, placement, stochastic unit) on an already folded graph. */
    public static MappedModel map(Graph g, Architecture a) {
        PassManager.State s = new PassManager.State(g, null, Set.of(Property.FOLDED));
        s = PassManager.apply(s, new LowerToCrossbar(a));
        for (Pass p :
                List.of(new TileCrossbars(), new PackAndPlace(), new InsertStochasticUnit(), new PlanMonteCarlo()))
            s = PassManager.apply(s, p);
        return new MappedModel(s.graph(), s.mapping());
    }

    /** Inputs in [-1, 1). */
    public static float[][] inputs(long seed, int count) {
        Random r = new Random(seed);
        float[][] x = new float[count][INPUT];
        for (float[] row : x) for (int j = 0; j < row.length; j++) row[j] = r.nextFloat() * 2 - 1;
        return x;
    }
}
