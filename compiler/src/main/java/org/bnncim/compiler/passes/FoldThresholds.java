package org.bnncim.compiler.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.ScaleBit;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;

/**
 * Folds "popcount -> [ScaleDropout] -> affine steps -> Sign" into one integer comparator per channel,
 * "popcount -> [ScaleDropout] -> affine steps -> Quantize" into one per level and channel ({@link FoldLevels}), and
 * "model input -> affine steps -> Sign" into an input binarizer.
 *
 * <p>The threshold is found by binary search over the input range, evaluating the very same float32 chain the
 * interpreter evaluates. Every float32 step is monotone, so the comparator equals the unfolded chain for every
 * integer input, exact ties included, by construction rather than by a closed-form formula that could round
 * the other way. A Scale-Dropout layer gets three sets: kept, dropped and the deterministic expectation.
 */
public final class FoldThresholds implements GraphPass {
    private static final PassInfo INFO = new PassInfo("fold-thresholds", Set.of(), Set.of(Property.FOLDED));

    @Override
    public PassInfo info() {
        return INFO;
    }

    /**
     * The periphery chain between an integer (or model-input) value and the Sign that binarizes it: {@code steps}
     * in evaluation order, affines and at most one Scale-Dropout ({@code dropout}) in any position.
     */
    record Chain(String source, Node.ScaleDropout dropout, List<Node> steps, List<Node> removed) {}

    @Override
    public Graph run(Graph g) {
        Map<String, Integer> uses = new HashMap<>();
        for (Node n : g.nodes()) for (String in : n.inputs()) uses.merge(in, 1, Integer::sum);
        Set<String> outputs = new HashSet<>(g.outputs());
        Map<Node, Node> replace = new HashMap<>();
        Set<Node> drop = new HashSet<>();
        int[] tieCount = new int[2]; // comparators whose threshold is an exact zero of the unfolded chain, of all
        for (Node n : g.nodes()) {
            if (n instanceof Node.Quantize q) {
                Chain c = chain(g, q.input(), uses, outputs);
                // a Quantize on the model-input path stays: a float comparator bank in the periphery
                if (c == null || g.value(c.source()).elem().isFloat()) continue;
                replace.put(q, FoldLevels.fold(g, q, c, g.value(c.source()).type()));
                drop.addAll(c.removed());
                continue;
            }
            if (!(n instanceof Node.Sign s)) continue;
            Chain c = chain(g, s.input(), uses, outputs);
            if (c == null) continue;
            TensorType srcType = g.value(c.source()).type();
            Node folded;
            if (srcType.elem().isFloat()) {
                if (c.dropout() != null) continue;
                folded = inputBinarize(g, s, c, srcType);
            } else {
                folded = threshold(g, s, c, srcType, tieCount);
            }
            replace.put(s, folded);
            drop.addAll(c.removed());
        }
        if (replace.isEmpty()) return g;
        List<Node> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (drop.contains(n)) continue;
            out.add(replace.getOrDefault(n, n));
        }
        Map<String, String> notes = new java.util.LinkedHashMap<>(g.notes());
        if (tieCount[1] > 0) {
            notes.put(
                    "sign_zero_ties",
                    tieCount[0] + " of " + tieCount[1] + " comparator thresholds sit on an exact zero of the"
                            + " unfolded pre-activation: a popcount equal to the threshold "
                            + "gives sign(0) = +1 on the chip, 0 in ONNX Runtime's Sign");
        }
        return g.withNodes(out).withNotes(notes);
    }

    private static Chain chain(Graph g, String value, Map<String, Integer> uses, Set<String> outputs) {
        List<Node> steps = new ArrayList<>();
        List<Node> removed = new ArrayList<>();
        Node.ScaleDropout dropout = null;
        String v = value;
        while (true) {
            var p = g.producer(v);
            if (p.isEmpty() || !(p.get() instanceof Node.Affine || p.get() instanceof Node.ScaleDropout)) break;
            if (uses.getOrDefault(v, 0) != 1 || outputs.contains(v)) return null; // someone else needs the float
            Node n = p.get();
            if (n instanceof Node.ScaleDropout sd) {
                if (dropout != null) return null; // two random bits on one comparator: not one threshold set
                dropout = sd;
            } else if (!monotone((Node.Affine) n)) {
                return null; // PReLU with a negative slope: no single comparator
            }
            steps.add(0, n);
            removed.add(n);
            v = n.inputs().get(0);
        }
        if (g.value(v).elem().isBipolar()) return null; // a sign of a bipolar value stays a (no-op) sign
        if (g.value(v).elem().isFloat() && !isModelInput(g, v)) return null; // float datapath: not ours to fold
        return new Chain(v, dropout, List.copyOf(steps), removed);
    }

    private static boolean monotone(Node.Affine a) {
        for (var st : a.steps()) for (int ch = 0; ch < st.c().length; ch++) if (!st.monotone(ch)) return false;
        return true;
    }

    private static boolean isModelInput(Graph g, String v) {
        while (true) {
            var p = g.producer(v);
            if (p.isEmpty()) return true;
            if (!(p.get() instanceof Node.Reshape r)) return false;
            v = r.input();
        }
    }

    /** The float the Sign would see, computed exactly as the interpreter computes it. */
    static float evalChain(Chain c, TensorType src, double x, int channel, ScaleBit z) {
        float y = src.toReal(x);
        for (Node n : c.steps()) {
            y = n instanceof Node.ScaleDropout sd ? y * sd.factor(channel, z) : ((Node.Affine) n).apply(y, channel);
        }
        return y;
    }

    static int direction(Chain c, int channel, ScaleBit z) {
        int d = 1;
        for (Node n : c.steps()) {
            if (n instanceof Node.ScaleDropout sd) {
                float f = sd.factor(channel, z);
                d *= f > 0 ? 1 : f < 0 ? -1 : 0;
            } else {
                d *= ((Node.Affine) n).direction(channel);
            }
        }
        return d;
    }

    private static Node.Threshold threshold(Graph g, Node.Sign s, Chain c, TensorType src, int[] tieCount) {
        long bound = IntBounds.maxAbs(g, c.source());
        int channels = src.shape().channels();
        ThresholdSet expected = set(c, src, channels, bound, ScaleBit.EXPECTATION);
        Node.Stochastic st = null;
        if (c.dropout() != null) {
            st = new Node.Stochastic(
                    c.dropout().bit(),
                    c.dropout().p(),
                    set(c, src, channels, bound, ScaleBit.KEPT),
                    set(c, src, channels, bound, ScaleBit.DROPPED));
        }
        // a source binarizer that also gives +1 at 0 (BipolarQuant, MultiThreshold) agrees with the chip at a tie
        if (!s.sourceZeroIsPlus()) {
            tieCount[0] += ties(c, src, expected, bound, ScaleBit.EXPECTATION);
            tieCount[1] += channels;
            if (st != null) {
                tieCount[0] += ties(c, src, st.kept(), bound, ScaleBit.KEPT)
                        + ties(c, src, st.dropped(), bound, ScaleBit.DROPPED);
                tieCount[1] += 2 * channels;
            }
        }
        Value out = new Value(s.output().name(), s.output().type());
        return new Node.Threshold(foldedName(c, s), c.source(), out, expected, st);
    }

    static String foldedName(Chain c, Node s) {
        StringBuilder sb = new StringBuilder();
        for (int i = c.removed().size() - 1; i >= 0; i--)
            sb.append(c.removed().get(i).name()).append('+');
        return sb.append(s.name()).toString();
    }

    private static ThresholdSet set(Chain c, TensorType src, int channels, long bound, ScaleBit z) {
        long[] t = new long[channels];
        boolean[] ge = new boolean[channels];
        for (int ch = 0; ch < channels; ch++) {
            final int cc = ch;
            int dir = direction(c, ch, z);
            ge[ch] = dir >= 0;
            long guess =
                    FoldLevels.guess(evalChain(c, src, -bound, ch, z), evalChain(c, src, bound, ch, z), 0, dir, bound);
            t[ch] = FoldLevels.boundary(x -> evalChain(c, src, x, cc, z) >= 0, dir, bound, guess);
        }
        return new ThresholdSet(t, ge);
    }

    /**
     * Comparators whose threshold sits exactly on a zero of the unfolded computation: an input equal to the
     * threshold makes the float pre-activation exactly 0, where the chip's sign(0) = +1 and ONNX Runtime's Sign
     * gives 0. Decided statically, since the popcount is an integer.
     */
    private static int ties(Chain c, TensorType src, ThresholdSet s, long bound, ScaleBit z) {
        int n = 0;
        for (int ch = 0; ch < s.channels(); ch++) {
            long t = s.threshold(ch);
            if (t >= -bound && t <= bound && evalChain(c, src, t, ch, z) == 0f) n++;
        }
        return n;
    }

    private static Node.InputBinarize inputBinarize(Graph g, Node.Sign s, Chain c, TensorType src) {
        boolean scalar = true;
        for (Node n : c.steps()) {
            if (n instanceof Node.Affine a) for (var st : a.steps()) scalar &= st.c().length == 1;
        }
        int channels = scalar ? 1 : src.shape().channels();
        float[] t = new float[channels];
        boolean[] ge = new boolean[channels];
        for (int ch = 0; ch < channels; ch++) {
            final int cc = ch;
            int dir = direction(c, ch, ScaleBit.EXPECTATION);
            java.util.function.IntPredicate fires =
                    key -> evalChain(c, src, fromKey(key), cc, ScaleBit.EXPECTATION) >= 0;
            int lo = toKey(Float.NEGATIVE_INFINITY), hi = toKey(Float.POSITIVE_INFINITY);
            if (dir == 0) {
                ge[ch] = true;
                t[ch] = fires.test(toKey(0f)) ? Float.NEGATIVE_INFINITY : Float.NaN;
            } else if (dir > 0) {
                ge[ch] = true;
                if (!fires.test(hi)) {
                    t[ch] = Float.NaN; // never fires
                    continue;
                }
                while (lo < hi) {
                    int mid = (int) Math.floorDiv((long) lo + hi, 2);
                    if (fires.test(mid)) hi = mid;
                    else lo = mid + 1;
                }
                t[ch] = fromKey(lo);
            } else {
                ge[ch] = false;
                if (!fires.test(lo)) {
                    t[ch] = Float.NaN;
                    continue;
                }
                while (lo < hi) {
                    int mid = (int) Math.floorDiv((long) lo + hi + 1, 2);
                    if (fires.test(mid)) lo = mid;
                    else hi = mid - 1;
                }
                t[ch] = fromKey(lo);
            }
        }
        Value out = new Value(s.output().name(), s.output().type());
        return new Node.InputBinarize(foldedName(c, s), c.source(), out, t, ge);
    }

    /** Total order of non-NaN floats as ints (-0.0 sorts just below +0.0). */
    public static int toKey(float f) {
        int b = Float.floatToRawIntBits(f);
        return b >= 0 ? b : b ^ 0x7fffffff;
    }

    public static float fromKey(int k) {
        return Float.intBitsToFloat(k >= 0 ? k : k ^ 0x7fffffff);
    }
}
