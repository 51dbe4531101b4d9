package org.bnncim.backends.sim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bnncim.backends.sim.Tensor.Floats;
import org.bnncim.backends.sim.Tensor.Ints;
import org.bnncim.backends.sim.kernels.BlockKernel;
import org.bnncim.backends.sim.kernels.CellReads;
import org.bnncim.backends.sim.kernels.ChannelLastConv;
import org.bnncim.backends.sim.kernels.ConvGeometry;
import org.bnncim.backends.sim.kernels.ConvKernel;
import org.bnncim.backends.sim.kernels.CrossbarLayer;
import org.bnncim.backends.sim.kernels.DecoderKernels;
import org.bnncim.backends.sim.kernels.InputPlanes;
import org.bnncim.backends.sim.kernels.PoolGeometry;
import org.bnncim.backends.sim.kernels.Pooling;
import org.bnncim.backends.sim.kernels.Siblings;
import org.bnncim.backends.sim.kernels.Sums;
import org.bnncim.backends.sim.kernels.VectorKernel;
import org.bnncim.backends.sim.kernels.Vectors;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.LevelSet;
import org.bnncim.ir.Node;
import org.bnncim.ir.ScaleBit;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.mapping.McSchedule;

/**
 * Executes the nodes of one program, one node kind per case of {@link #step}. Everything a node needs beyond its
 * input (crossbar cells, geometry, comparators, channel sizes) is looked up once here, by node index, so that a
 * pass looks nothing up by name.
 */
final class PassInterpreter {
    private final Graph graph;
    private final Node[] nodes;
    private final TensorType[] inputType;
    /** Per two-input node ({@link DigitalNode.Add}): the type of its second input, else null. */
    private final TensorType[] secondType;
    /** Per full-precision layer: its float32 weights and bias, copied once out of the node. */
    private final float[][] floatWeights, floatBias;

    private final double readFlip;
    private final long seed;
    /** Per node: elements per channel of its input. */
    private final int[] perChannel;
    /** Per crossbar node: its cells. */
    private final CrossbarLayer[] crossbar;
    /** Per convolution whose channels fill whole words: its cells in channel-last row order, else null. */
    private final ChannelLastConv[] channelLast;
    /** Per node: how its input drives word lines (one bipolar read, or bit planes, signed or not). */
    private final InputPlanes[] inputBits;

    /** Per convolution or transposed convolution: its geometry, read once. */
    private final ConvGeometry[] conv;
    /** Per resize: its row and column index maps, read once (the node's accessors clone them). */
    private final int[][] resizeRows, resizeCols;

    private final PoolGeometry[] pool;
    /** Per comparator bank: the index of the max pool it is fused with in blocked runs ({@link PoolFirst}), or -1. */
    private final int[] poolFirst;
    /** Per max pool: whether the bank before it already pooled (blocked runs only). */
    private final boolean[] pooledBefore;
    /** Per Threshold node: the comparators of its expected, dropped and kept sets (the last two only if stochastic). */
    private final long[][][][] comparators;
    /** Per MultiThreshold node: the comparator banks, in the order of {@link #comparators}. */
    private final long[][][][] levelBanks;
    /** Per node: its slot in the stochastic unit's schedule (the one source of slots), or -1 when it draws none. */
    private final int[] stochasticBit;
    /** For node i, its depth in the program's Monte-Carlo schedule: the leading bits its value depends on. */
    private final int[] depth;

    private final McSchedule.Order order;
    /** Per McDropout node: its first unit in the MC-Dropout bank (the elements of McDropout nodes, graph order). */
    private final int[] unitBase;

    PassInterpreter(Program program, Map<String, CrossbarLayer> layers, Faults faults, long seed) {
        this.graph = program.graph();
        this.readFlip = faults.readFlip();
        this.seed = seed;
        List<Node> list = graph.nodes();
        int n = list.size();
        this.nodes = list.toArray(new Node[0]);
        this.inputType = new TensorType[n];
        this.secondType = new TensorType[n];
        this.floatWeights = new float[n][];
        this.floatBias = new float[n][];
        this.perChannel = new int[n];
        this.crossbar = new CrossbarLayer[n];
        this.channelLast = new ChannelLastConv[n];
        this.inputBits = new InputPlanes[n];
        this.conv = new ConvGeometry[n];
        this.resizeRows = new int[n][];
        this.resizeCols = new int[n][];
        this.pool = new PoolGeometry[n];
        this.comparators = new long[n][][][];
        this.levelBanks = new long[n][][][];
        this.depth = program.montecarlo().depths();
        this.order = program.montecarlo().order();
        this.stochasticBit = new int[n];
        this.unitBase = new int[n];
        for (int i = 0, u = 0; i < n; i++) {
            unitBase[i] = u;
            if (nodes[i] instanceof Node.McDropout m) u += m.output().shape().size();
        }
        for (int i = 0; i < n; i++) stochasticBit[i] = program.stochasticBit(nodes[i]);
        for (int i = 0; i < n; i++) {
            Node node = nodes[i];
            TensorType it = graph.value(node.inputs().get(0)).type();
            inputType[i] = it;
            perChannel[i] = it.shape().perChannel();
            // bipolar and MC-Dropout's gated bipolar (+1, 0, -1) drive the word lines in one read; integer inputs
            // are applied one bit plane per read, the top plane of a signed one subtracted
            inputBits[i] = switch (it.elem().kind()) {
                case BIPOLAR, GATED_BIPOLAR, FLOAT -> InputPlanes.BIPOLAR;
                case UINT -> InputPlanes.unsigned(it.elem().bits());
                case INT -> InputPlanes.signed(it.elem().bits());
            };
            // per-kind constants for the kinds that have them; what each kind computes is decided in step alone
            if (node instanceof Node.BinaryDense d) crossbar[i] = layers.get(d.name());
            if (node instanceof Node.BinaryConv c) {
                crossbar[i] = layers.get(c.name());
                conv[i] = ConvGeometry.of(c, it.shape(), c.output().shape());
                channelLast[i] = ChannelLastConv.of(crossbar[i], conv[i]);
            }
            if (node instanceof DecoderNode.BinaryConvTranspose t) {
                crossbar[i] = layers.get(t.name());
                conv[i] = ConvGeometry.of(t, it.shape(), t.output().shape());
            }
            if (node instanceof DecoderNode.Resize r) {
                resizeRows[i] = r.rows();
                resizeCols[i] = r.cols();
            }
            if (node instanceof DigitalNode.Add a)
                secondType[i] = graph.value(a.b()).type();
            if (node instanceof DigitalNode.FloatDense d) {
                floatWeights[i] = d.weights();
                floatBias[i] = d.bias();
            }
            if (node instanceof DigitalNode.FloatConv c) {
                floatWeights[i] = c.weights();
                floatBias[i] = c.bias();
            }
            if (node instanceof Node.MaxPool m)
                pool[i] = PoolGeometry.of(m.window(), it.shape(), m.output().shape());
            if (node instanceof Node.AvgPool a)
                pool[i] = PoolGeometry.of(a.window(), it.shape(), a.output().shape());
            if (node instanceof Node.Threshold t) {
                comparators[i] = t.stochastic() == null
                        ? new long[][][] {comparatorsOf(t.expected())}
                        : new long[][][] {
                            comparatorsOf(t.expected()),
                            comparatorsOf(t.stochastic().dropped()),
                            comparatorsOf(t.stochastic().kept())
                        };
            }
            if (node instanceof Node.MultiThreshold t) {
                levelBanks[i] = t.stochastic() == null
                        ? new long[][][] {levelsOf(t.expected())}
                        : new long[][][] {
                            levelsOf(t.expected()),
                            levelsOf(t.stochastic().dropped()),
                            levelsOf(t.stochastic().kept())
                        };
            }
        }
        this.poolFirst = PoolFirst.find(graph, nodes, pool);
        this.pooledBefore = new boolean[n];
        for (int f : poolFirst) if (f >= 0) pooledBefore[f] = true;
    }

    Graph graph() {
        return graph;
    }

    /** The order the program's Monte-Carlo passes run in. */
    McSchedule.Order order() {
        return order;
    }

    /** The max pool comparator bank {@code node} is computed with, pool first, in blocked runs; -1 if none. */
    int fusedPool(int node) {
        return poolFirst[node];
    }

    /** Node {@code node}'s depth in the Monte-Carlo schedule ({@link org.bnncim.ir.mapping.McSchedule}). */
    int depth(int node) {
        return depth[node];
    }

    /**
     * Node number {@code at} on one pass's input {@code x}; {@code bits == null} is the deterministic pass. Record
     * patterns bind the components a case reads, except where a node's accessors clone arrays (Scale-Dropout,
     * conv, windows): there the case reads what it needs from the node or from the geometry read once above.
     */
    Tensor step(int at, Tensor x, boolean[] bits, PassDraws noise) {
        return step(at, new Tensor[] {x}, bits, noise);
    }

    /**
     * {@link #step} given every input of the node in its input order: the second of an {@link DigitalNode.Add}, all
     * sources of a {@link DecoderNode.Concat}.
     */
    Tensor step(int at, Tensor[] ins, boolean[] bits, PassDraws noise) {
        TensorType it = inputType[at];
        Tensor x = ins[0];
        return switch (nodes[at]) {
            case DecoderNode.Resize r -> {
                int h = it.shape().dim(1), w = it.shape().dim(2);
                yield x instanceof Floats(float[] f)
                        ? new Floats(DecoderKernels.resize(f, h, w, resizeRows[at], resizeCols[at]))
                        : new Ints(DecoderKernels.resize(ints(x), h, w, resizeRows[at], resizeCols[at]));
            }
            case DecoderNode.Concat c -> concat(ins, c.output().shape().size());
            case DecoderNode.BinaryConvTranspose t ->
                new Ints(DecoderKernels.convolveTranspose(
                        crossbar[at],
                        ints(x),
                        conv[at],
                        inputBits[at],
                        t.output().shape().size(),
                        reads(noise)));
            case DecoderNode.PixelSoftmax s ->
                new Floats(DecoderKernels.pixelSoftmax(x.reals(it), it.shape().dim(0)));
            case DecoderNode.Sigmoid s -> new Floats(DecoderKernels.sigmoid(x.reals(it)));
            case Node.InputQuantize(var name, var input, var output, int width, int levels) ->
                quantize(floats(x), width, levels);
            case Node.InputBinarize b -> binarize(b, floats(x), perChannel[at]);
            case Node.BinaryDense d -> {
                CrossbarLayer l = crossbar[at];
                int[] acc = new int[l.n()];
                VectorKernel.accumulate(l, ints(x), inputBits[at], new Sums(acc, 0, 1, 0), reads(noise));
                yield new Ints(acc);
            }
            case Node.BinaryConv c ->
                new Ints(ConvKernel.convolve(
                        crossbar[at],
                        ints(x),
                        conv[at],
                        inputBits[at],
                        c.output().shape().size(),
                        reads(noise)));
            case Node.Threshold t -> threshold(ints(x), bank(comparators[at], at, bits), perChannel[at]);
            case Node.Quantize q -> {
                // the float comparator bank: level = base + thresholds reached
                int per = perChannel[at];
                int[] y = new int[x.size()];
                for (int i = 0, c = 0; i < y.length; c++)
                    for (int e = Math.min(y.length, i + per); i < e; i++) y[i] = q.level(x.real(i, it), c);
                yield new Ints(y);
            }
            case Node.MultiThreshold t ->
                levels(
                        ints(x),
                        bank(levelBanks[at], at, bits),
                        t.base(),
                        t.expected().steps(),
                        perChannel[at]);
            case DigitalNode.Add a -> {
                // float32 add of the two real values, as the reference interpreter
                TensorType bt = secondType[at];
                float[] y = new float[x.size()];
                Tensor x2 = ins[1];
                for (int i = 0; i < y.length; i++) y[i] = x.real(i, it) + x2.real(i, bt);
                yield new Floats(y);
            }
            case DigitalNode.FloatDense d ->
                new Floats(FloatLayers.dense(x.reals(it), floatWeights[at], floatBias[at], d.k(), d.n()));
            case DigitalNode.FloatConv c ->
                new Floats(FloatLayers.conv(
                        c,
                        x.reals(it),
                        floatWeights[at],
                        floatBias[at],
                        it.shape(),
                        c.output().shape()));
            case Node.Sign s -> {
                int[] y = new int[x.size()];
                for (int i = 0; i < y.length; i++) y[i] = x.real(i, it) >= 0 ? 1 : -1;
                yield new Ints(y);
            }
            case Node.ScaleDropout s -> {
                ScaleBit z = bits == null ? ScaleBit.EXPECTATION : ScaleBit.of(bits[stochasticBit[at]]);
                int per = perChannel[at];
                float[] y = new float[x.size()];
                for (int i = 0, c = 0; i < y.length; c++)
                    for (int e = Math.min(y.length, i + per); i < e; i++) y[i] = x.real(i, it) * s.factor(c, z);
                yield new Floats(y);
            }
            case Node.Affine a -> {
                int per = perChannel[at];
                float[] y = new float[x.size()];
                for (int i = 0, c = 0; i < y.length; c++)
                    for (int e = Math.min(y.length, i + per); i < e; i++) y[i] = a.apply(x.real(i, it), c);
                yield new Floats(y);
            }
            case Node.MaxPool m ->
                x instanceof Floats(float[] f)
                        ? new Floats(Pooling.max(f, pool[at]))
                        : new Ints(Pooling.max(ints(x), pool[at]));
            case Node.AvgPool(var name, var input, var output, var window, boolean countPad) ->
                new Floats(Pooling.average(x.reals(it), pool[at], countPad));
            case Node.Reshape r -> x;
            case Node.Softmax s -> softmax(x, it);
            case Node.McDropout(var name, var input, var output, float p) -> {
                int[] v = ints(x).clone();
                if (bits != null) for (int i = 0; i < v.length; i++) if (noise.dropped(unitBase[at] + i, p)) v[i] = 0;
                yield new Ints(v);
            }
        };
    }

    /**
     * Node {@code at} for the representatives {@code reps[0 .. r)} of a block of passes (runs without read faults),
     * {@code ins[input][pass]} holding every input of every pass. Crossbar layers take every representative through
     * one block kernel call; the other kinds are {@link #step} per representative.
     */
    Tensor[] stepGroups(int at, Tensor[][] ins, int[] reps, int r, boolean[][] bits, PassDraws[] noise) {
        Tensor[] yr = new Tensor[r];
        Tensor[] xs = ins[0];
        Node node = nodes[at];
        if (node instanceof Node.BinaryDense) {
            CrossbarLayer l = crossbar[at];
            int[][] x = new int[r][];
            for (int g = 0; g < r; g++) x[g] = ints(xs[reps[g]]);
            int nOut = l.n();
            // vector-major sums: each group's outputs are one run, copied out as they are
            int[] acc = new int[nOut * r];
            BlockKernel.accumulate(l, new Vectors(x, null, r), inputBits[at], new Sums(acc, 0, 1, nOut));
            for (int g = 0; g < r; g++) yr[g] = new Ints(java.util.Arrays.copyOfRange(acc, g * nOut, (g + 1) * nOut));
        } else if (node instanceof Node.BinaryConv c) {
            int size = c.output().shape().size();
            ChannelLastConv cl = inputBits[at].oneRead() ? channelLast[at] : null;
            ConvGeometry cg = conv[at];
            // a pass whose input differs from the group before's in few elements (its sibling under another
            // Scale-Dropout bank) updates that group's sums; cap: the updates (elements x taps) a whole
            // convolution's popcounts (positions x words) pay for
            int cap = cl == null ? 0 : cg.positions() * cl.words() / (cg.kh() * cg.kw());
            for (int g = 0; g < r; g++) {
                int[] x = ints(xs[reps[g]]);
                if (cl == null) {
                    yr[g] = new Ints(ConvKernel.convolveBlock(crossbar[at], x, cg, inputBits[at], size));
                    continue;
                }
                int[] x0 = g > 0 ? ints(xs[reps[g - 1]]) : null;
                yr[g] = new Ints(
                        x0 != null && Siblings.differences(x, x0, cap) <= cap
                                ? cl.convolveFrom(x, x0, ints(yr[g - 1]))
                                : cl.convolveBlock(x, size));
            }
        } else if (node instanceof DecoderNode.BinaryConvTranspose t) {
            int size = t.output().shape().size();
            for (int g = 0; g < r; g++)
                yr[g] = new Ints(DecoderKernels.convolveTransposeBlock(
                        crossbar[at], ints(xs[reps[g]]), conv[at], inputBits[at], size));
        } else if (poolFirst[at] >= 0) {
            pooledBanks(at, xs, reps, r, bits, yr);
        } else if (pooledBefore[at]) {
            for (int g = 0; g < r; g++) yr[g] = xs[reps[g]];
        } else {
            Tensor[] one = new Tensor[ins.length];
            for (int g = 0; g < r; g++) {
                int p = reps[g];
                for (int k = 0; k < ins.length; k++) one[k] = ins[k][p];
                yr[g] = step(at, one.clone(), bits[p], noise[p]);
            }
        }
        return yr;
    }

    /** The comparator bank a pass uses: the expected one, or the dropped / kept one by the pass's bit. */
    private long[][] bank(long[][][] sets, int at, boolean[] bits) {
        return sets[bankIndex(at, bits)];
    }

    /** 0 for the expected bank (no bit, or a deterministic pass), 1 for the dropped one, 2 for the kept one. */
    private int bankIndex(int at, boolean[] bits) {
        return stochasticBit[at] < 0 || bits == null ? 0 : bits[stochasticBit[at]] ? 1 : 2;
    }

    /** Bank {@code at} and the max pool after it, pool first ({@link PoolFirst}): the pool's output per group. */
    private void pooledBanks(int at, Tensor[] xs, int[] reps, int r, boolean[][] bits, Tensor[] yr) {
        PoolGeometry g = pool[poolFirst[at]];
        long[][][] sets = nodes[at] instanceof Node.Threshold ? comparators[at] : levelBanks[at];
        var pools = new PoolFirst.Pools(g, sets);
        int per = g.oh() * g.ow();
        for (int q = 0; q < r; q++) {
            int p = reps[q];
            int which = bankIndex(at, bits[p]);
            long[][] b = sets[which];
            int[] v = pools.forBank(ints(xs[p]), which);
            yr[q] = nodes[at] instanceof Node.MultiThreshold t
                    ? levels(v, b, t.base(), t.expected().steps(), per)
                    : threshold(v, b, per);
        }
    }

    /** One forward pass, every node computed. */
    Map<String, Tensor> pass(float[] input, boolean[] scaleBits, DropoutMasks masks, int example, int sample) {
        Map<String, Tensor> env = new LinkedHashMap<>();
        env.put(graph.inputs().get(0).name(), new Floats(input.clone()));
        PassDraws noise = draws(scaleBits != null, masks, example, sample);
        for (int i = 0; i < nodes.length; i++) {
            Node n = nodes[i];
            List<String> ins = n.inputs();
            Tensor[] xs = new Tensor[ins.size()];
            for (int k = 0; k < xs.length; k++) xs[k] = env.get(ins.get(k));
            env.put(n.output().name(), step(i, xs, scaleBits, noise));
        }
        return env;
    }

    /** The graph output as float32, integers converted by the output's scale. */
    float[] toFloat(Tensor y) {
        return switch (y) {
            case Floats(float[] f) -> f;
            case Ints(int[] v) -> {
                TensorType t = graph.output().type();
                float[] f = new float[v.length];
                for (int k = 0; k < v.length; k++) f[k] = t.toReal(v[k]);
                yield f;
            }
        };
    }

    /** The generator of one pass's draws (read flips, MC-Dropout masks): a function of (seed, example, pass) alone. */
    static long mix(long seed, long example, int sample) {
        long h = (seed + 0x632BE59BD9B4E019L) * 0x9E3779B97F4A7C15L;
        h ^= (example + 1) * 0xBF58476D1CE4E5B9L;
        h = Long.rotateLeft(h, 29) * 0x94D049BB133111EBL;
        return h ^ ((sample + 1L) * 0xD6E8FEB86659FD93L);
    }

    private CellReads reads(PassDraws noise) {
        return readFlip == 0 ? CellReads.EXACT : new CellReads(readFlip, noise.rng());
    }

    /** A pass's draws: none for a deterministic pass without read flips (it draws nothing). */
    PassDraws draws(boolean monteCarlo, DropoutMasks masks, int example, int sample) {
        if (readFlip == 0 && !monteCarlo) return null;
        return new PassDraws(new SplittableRandom(mix(seed, example, sample)), masks, example, sample);
    }

    /** The sources one after the other: channel-major layouts make a channel concat a plain append. */
    private static Tensor concat(Tensor[] ins, int size) {
        if (ins[0] instanceof Floats) {
            float[] y = new float[size];
            int at = 0;
            for (Tensor t : ins) {
                float[] f = floats(t);
                System.arraycopy(f, 0, y, at, f.length);
                at += f.length;
            }
            return new Floats(y);
        }
        int[] y = new int[size];
        int at = 0;
        for (Tensor t : ins) {
            int[] v = ints(t);
            System.arraycopy(v, 0, y, at, v.length);
            at += v.length;
        }
        return new Ints(y);
    }

    private static int[] ints(Tensor x) {
        return ((Ints) x).values();
    }

    private static float[] floats(Tensor x) {
        return ((Floats) x).values();
    }

    private static Ints quantize(float[] f, int width, int levels) {
        int max = (1 << width) - 1;
        int[] y = new int[f.length];
        for (int i = 0; i < f.length; i++) y[i] = Math.min(max, Math.max(0, Math.round(f[i] * (float) levels)));
        return new Ints(y);
    }

    private static Ints binarize(Node.InputBinarize b, float[] f, int per) {
        int[] y = new int[f.length];
        for (int i = 0, c = 0; i < f.length; c++)
            for (int e = Math.min(f.length, i + per); i < e; i++) y[i] = b.fires(f[i], c) ? 1 : -1;
        return new Ints(y);
    }

    private static Ints threshold(int[] v, long[][] ts, int per) {
        int[] y = new int[v.length];
        long[] t0 = ts[0], sign = ts[1];
        if (per == 1 && t0.length >= v.length) {
            for (int i = 0; i < v.length; i++) y[i] = 1 - 2 * (int) (((v[i] - t0[i]) * sign[i]) >>> 63);
        } else {
            for (int i = 0, c = 0; i < v.length; c++) {
                for (int e = Math.min(v.length, i + per); i < e; i++)
                    y[i] = 1 - 2 * (int) (((v[i] - t0[c]) * sign[c]) >>> 63);
            }
        }
        return new Ints(y);
    }

    /** base + the comparators of each element's channel that fire, from a bank as {@link #levelsOf} lays it out. */
    private static Ints levels(int[] v, long[][] bank, int base, int steps, int per) {
        int[] y = new int[v.length];
        long[] t = bank[0], sign = bank[1];
        for (int i = 0, c = 0; i < v.length; c++) {
            long sc = sign[c];
            int row = c * steps;
            for (int e = Math.min(v.length, i + per); i < e; i++) {
                int fired = steps;
                for (int s = 0; s < steps; s++) fired -= (int) (((v[i] - t[row + s]) * sc) >>> 63);
                y[i] = base + fired;
            }
        }
        return new Ints(y);
    }

    private static Floats softmax(Tensor x, TensorType it) {
        float[] y = new float[x.size()];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int i = 0; i < y.length; i++) max = Math.max(max, x.real(i, it));
        double[] e = new double[y.length];
        for (int i = 0; i < y.length; i++) sum += e[i] = Math.exp(x.real(i, it) - max);
        for (int i = 0; i < y.length; i++) y[i] = (float) (e[i] / sum);
        return new Floats(y);
    }

    /**
     * A threshold set as two per-channel arrays: the threshold clamped to just outside the int range (popcount
     * sums are ints, so every comparison comes out the same and x - t cannot overflow) and +1 for "x >= t", -1
     * for "x <= t": the comparator fires iff {@code (x - t) * sign >= 0}, computed without a branch.
     */
    private static long[][] comparatorsOf(ThresholdSet s) {
        int ch = s.channels();
        long[] t0 = new long[ch], sign = new long[ch];
        for (int i = 0; i < ch; i++) {
            t0[i] = Math.max(Integer.MIN_VALUE - 1L, Math.min(Integer.MAX_VALUE + 1L, s.threshold(i)));
            sign[i] = s.greaterOrEqual(i) ? 1 : -1;
        }
        return new long[][] {t0, sign};
    }

    /** A level set as {@link #comparatorsOf} lays out a threshold set: thresholds channel-major, then signs. */
    private static long[][] levelsOf(LevelSet s) {
        int ch = s.channels(), steps = s.steps();
        long[] t0 = new long[ch * steps], sign = new long[ch];
        for (int c = 0; c < ch; c++) {
            for (int i = 0; i < steps; i++) {
                long th = s.threshold(c, i);
                t0[c * steps + i] = Math.max(Integer.MIN_VALUE - 1L, Math.min(Integer.MAX_VALUE + 1L, th));
            }
            sign[c] = s.greaterOrEqual(c) ? 1 : -1;
        }
        return new long[][] {t0, sign};
    }
}
