package org.bnncim.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Folding must not change a single output bit: the unfolded float chain (run by the interpreter) and the folded
 * comparator are compared on every integer the popcount can take, for every stochastic setting.
 */
class FoldThresholdsTest {
    private static final Boolean[] SETTINGS = {null, false, true};

    /** Runs unfolded and folded graphs on x = lo..hi in every channel at once and asserts identical outputs. */
    private static int assertSameOnRange(Graph unfolded, Graph folded, long lo, long hi, int channels) {
        ReferenceInterpreter a = new ReferenceInterpreter(unfolded), b = new ReferenceInterpreter(folded);
        int ties = 0;
        for (long x = lo; x <= hi; x++) {
            float[] in = new float[channels];
            java.util.Arrays.fill(in, x);
            for (Boolean z : SETTINGS) {
                Bits bits = z == null ? null : Bits.ofScale(z);
                var ua = a.run(in, bits);
                ties += ua.signZeroTies();
                float[] ya = a.output(in, bits), yb = b.output(in, bits);
                for (int c = 0; c < channels; c++) {
                    assertEquals(ya[c], yb[c], "x=" + x + " channel " + c + " z=" + z);
                }
            }
        }
        return ties;
    }

    private static Graph chainGraph(int channels, int bits, Node.ScaleDropout sd, List<AffineStep> steps) {
        return chainGraph(channels, bits, List.of(), sd, steps);
    }

    /** acc -> [affine before] -> [sd] -> affine -> sign; sd reads "acc" or, with steps before it, "pre". */
    private static Graph chainGraph(
            int channels, int bits, List<AffineStep> before, Node.ScaleDropout sd, List<AffineStep> steps) {
        Value in = new Value("acc", new TensorType(new ElemType(ElemType.Kind.INT, bits), Shape.of(channels)));
        List<Node> nodes = new ArrayList<>();
        String cur = "acc";
        if (!before.isEmpty()) {
            nodes.add(new Node.Affine(
                    "pre", cur, new Value("pre", new TensorType(ElemType.FLOAT32, Shape.of(channels))), before));
            cur = "pre";
        }
        if (sd != null) {
            if (!before.isEmpty()) {
                sd = new Node.ScaleDropout(sd.name(), cur, sd.output(), sd.scale(), sd.dropped(), sd.p(), sd.bit());
            }
            nodes.add(sd);
            cur = sd.output().name();
        }
        nodes.add(new Node.Affine(
                "bn", cur, new Value("bn", new TensorType(ElemType.FLOAT32, Shape.of(channels))), steps));
        nodes.add(new Node.Sign("sign", "bn", new Value("y", new TensorType(ElemType.BIPOLAR, Shape.of(channels)))));
        return new Graph("chain", List.of(in), nodes, List.of("y"), Map.of());
    }

    @Test
    void exactTiesFoldToThePlusOneSide() {
        // (x * 0.5 - 1.5) is exactly 0 at x = 3 -> sign(0) = +1, so channel 0 fires from x >= 3;
        // channel 1 multiplies by -0.5: -0.5x - 1.5 >= 0 exactly when x <= -3
        Graph g = chainGraph(
                2,
                8,
                null,
                List.of(
                        new AffineStep(AffineStep.Op.MUL, new float[] {0.5f, -0.5f}),
                        new AffineStep(AffineStep.Op.SUB, new float[] {1.5f})));
        Graph f = new FoldThresholds().run(g);
        Node.Threshold t = f.nodesOf(Node.Threshold.class).get(0);
        assertEquals(3, t.expected().threshold(0));
        assertTrue(t.expected().greaterOrEqual(0));
        assertEquals(-3, t.expected().threshold(1));
        assertTrue(!t.expected().greaterOrEqual(1));
        assertTrue(
                f.notes().get("sign_zero_ties").startsWith("2 of 2 comparator thresholds"),
                f.notes().toString());
        int ties = assertSameOnRange(g, f, -128, 128, 2);
        assertTrue(ties > 0, "the sweep must hit exact zeros");
    }

    @Test
    void randomChainsWithScaleDropoutMatchEverywhere() {
        Random r = new Random(42);
        AffineStep.Op[] ops = AffineStep.Op.values();
        for (int trial = 0; trial < 40; trial++) {
            int ch = 1 + r.nextInt(6);
            float[] scale = new float[ch], dropped = new float[ch];
            for (int c = 0; c < ch; c++) {
                scale[c] = pick(r);
                dropped[c] = r.nextInt(4) == 0 ? pick(r) : 1f;
            }
            var sd = new Node.ScaleDropout(
                    "sd",
                    "acc",
                    new Value("s", new TensorType(ElemType.FLOAT32, Shape.of(ch))),
                    scale,
                    dropped,
                    r.nextInt(4) / 4f,
                    0);
            List<AffineStep> before = new ArrayList<>(), steps = new ArrayList<>();
            int n = 1 + r.nextInt(4);
            boolean monotone = true;
            for (int i = 0; i < n; i++) {
                float[] k = new float[r.nextBoolean() ? 1 : ch];
                for (int c = 0; c < k.length; c++) k[c] = pick(r);
                AffineStep.Op op = ops[r.nextInt(ops.length)];
                if (op == AffineStep.Op.DIV) for (int c = 0; c < k.length; c++) if (k[c] == 0) k[c] = 3f;
                AffineStep st = new AffineStep(op, k);
                for (int c = 0; c < k.length; c++) monotone &= st.monotone(c);
                // affines before the Scale-Dropout (a bias) as well as after it: the chain runs in its order
                (i > 0 && r.nextInt(3) == 0 ? before : steps).add(st);
            }
            Graph g = chainGraph(ch, 9, before, r.nextBoolean() ? sd : null, steps);
            Graph f = new FoldThresholds().run(g);
            // a PReLU with a negative slope is not monotone: the chain stays unfolded
            assertEquals(monotone ? 1 : 0, f.nodesOf(Node.Threshold.class).size());
            assertSameOnRange(g, f, -256, 256, ch);
        }
    }

    /** Values that make ties likely: small integers, halves, zero and the odd irrational-looking one. */
    private static float pick(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> r.nextInt(9) - 4;
            case 1 -> (r.nextInt(17) - 8) / 2f;
            case 2 -> 0f;
            default -> (float) (r.nextGaussian() * 3);
        };
    }

    @Test
    @Tag("slow") // ~15 s: every channel of every reference model over its whole input range
    void everyLayerOfEveryModelFoldsExactly() throws Exception {
        List<Path> models = new ArrayList<>(List.of(Paths.tfc()));
        Path dir = Paths.testdata("models");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".onnx")).sorted().forEach(models::add);
            }
        }
        for (Path model : models) {
            Graph unfolded = OnnxImporter.importFile(model, OnnxImporter.Options.DEFAULT);
            Graph folded = new FoldThresholds().run(unfolded);
            for (Node.Threshold t : folded.nodesOf(Node.Threshold.class)) {
                Graph chain = extractChain(unfolded, t);
                // the model's own comparator, fed the same popcounts as the unfolded chain
                Graph single = new Graph("folded", chain.inputs(), List.of(t), chain.outputs(), Map.of());
                long bound = IntBounds.maxAbs(unfolded, t.input());
                int ch = chain.inputs().get(0).shape().channels();
                // sample the range (u8 first layers and conv maps are large), and always every threshold +-2
                int points =
                        Math.max(200, 2_000_000 / chain.inputs().get(0).shape().size());
                long step = Math.max(1, (2 * bound + 1) / points);
                ReferenceInterpreter a = new ReferenceInterpreter(chain), b = new ReferenceInterpreter(single);
                List<Long> xs = new ArrayList<>();
                for (long x = -bound; x <= bound; x += step) xs.add(x);
                for (int c = 0; c < ch; c++) {
                    for (var set : t.stochastic() == null
                            ? List.of(t.expected())
                            : List.of(
                                    t.expected(),
                                    t.stochastic().kept(),
                                    t.stochastic().dropped())) {
                        for (long d = -2; d <= 2; d++) xs.add(set.threshold(c) + d);
                    }
                }
                int size = chain.inputs().get(0).shape().size(); // conv: every pixel of every channel
                for (long x : xs) {
                    float[] in = new float[size];
                    java.util.Arrays.fill(in, x);
                    for (Boolean z : t.stochastic() == null ? new Boolean[] {null} : SETTINGS) {
                        boolean[] all = new boolean[chain.stochasticBits()];
                        java.util.Arrays.fill(all, z != null && z);
                        Bits bits = z == null ? null : Bits.ofScale(all);
                        float[] ya = a.output(in, bits), yb = b.output(in, bits);
                        for (int c = 0; c < ya.length; c++)
                            assertEquals(
                                    ya[c], yb[c], model + " " + t.name() + " x=" + x + " element " + c + " z=" + z);
                    }
                }
            }
        }
    }

    /** The unfolded nodes between t's popcount and its sign, as a graph whose input is the popcount itself. */
    private static Graph extractChain(Graph unfolded, Node.Threshold t) {
        List<Node> chain = new ArrayList<>();
        String v = t.output().name();
        Node n = unfolded.producer(v).orElseThrow();
        while (true) {
            chain.add(0, n);
            String in = n.inputs().get(0);
            if (in.equals(t.input())) break;
            n = unfolded.producer(in).orElseThrow();
        }
        TensorType src = unfolded.value(t.input()).type();
        long bound = IntBounds.maxAbs(unfolded, t.input());
        int bits = 64 - Long.numberOfLeadingZeros(bound) + 1;
        Value in =
                new Value(t.input(), new TensorType(new ElemType(ElemType.Kind.INT, bits), src.shape(), src.scale()));
        return new Graph("chain", List.of(in), chain, List.of(v), Map.of());
    }
}
