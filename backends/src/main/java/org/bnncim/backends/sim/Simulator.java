package org.bnncim.backends.sim;

import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarImages;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.Piece;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Executes a program as the chip would: every crossbar layer is computed piece by piece from the programmed
 * cells (64 cells per {@code long}, XNOR and popcount over the driven word lines), partial popcounts meet in the
 * adder tree, and each comparator uses the threshold set its stochastic bit selects. Independent of the
 * reference interpreter, against which it is tested.
 *
 * <p>Undriven word lines (ONNX zero padding, MC-Dropout masks) contribute nothing: a piece yields
 * {@code 2 * matches - K_active}. An 8-bit input is applied one bit plane at a time and shifted into the sum.
 * Results depend only on (program, input, bits, seed): the example order and thread count never matter.
 */
public final class Simulator {
    private final Program program;
    private final Graph graph;
    private final Faults faults;
    private final long seed;
    private final Map<String, XLayer> layers = new HashMap<>();
    /** For node i, how many stochastic bits (in schedule order) its value can depend on. */
    private final int[] prefix;
    /** Passes can share work only when nothing but the scale bits is random. */
    private final boolean shareable;
    /** For each value name, the index of the last node that reads it (batched runs free values after it). */
    private final Map<String, Integer> lastUse;
    /** Elements of the largest value of a pass (bounds a batched run's block size). */
    private final int largest;
    /** Per node: elements per channel of its input (looked up once, not per example). */
    private final int[] perChannel;
    /**
     * Per Threshold node: the comparators ({@link #comparatorsOf}) of its expected, dropped and kept sets (the last
     * two only for a stochastic one); indexed by node so that a pass looks nothing up.
     */
    private final long[][][][] comparators;

    /** A crossbar layer's pieces with the cells they read, aligned so bit 0 is the piece's first row. */
    private record XPiece(int k0, int kLen, int n0, int nLen, long[][] columns, int words, long[] flat,
                          AtomicReference<int[][]> rows) {
        /**
         * The same cells row by row as the weights they hold, +1 (set) or -1 ({@code [dk][dn]}), for multi-bit
         * inputs; made on first use (only a layer fed by unsigned inputs needs it). One array per row: the JIT
         * vectorises a loop over two arrays only when it can rule out their overlap, which it cannot for two offsets
         * into one array.
         */
        int[][] signRows() {
            int[][] r = rows.get();
            if (r == null) {
                r = new int[kLen][nLen];
                for (int dn = 0; dn < nLen; dn++) {
                    for (int dk = 0; dk < kLen; dk++) r[dk][dn] = 2 * ((int) (flat[dn * words + (dk >>> 6)] >>> dk) & 1) - 1;
                }
                rows.set(r);
            }
            return r;
        }
    }

    private record XLayer(int k, int n, List<XPiece> pieces) {
    }

    public Simulator(Program program, Faults faults, long seed) {
        this.program = program;
        this.graph = program.graph();
        this.faults = faults;
        this.seed = seed;
        this.prefix = new int[graph.nodes().size()];
        int used = 0;
        for (int i = 0; i < prefix.length; i++) {
            Node n = graph.nodes().get(i);
            if (n instanceof Node.ScaleDropout sd) used = Math.max(used, sd.bit() + 1);
            if (n instanceof Node.Threshold t && t.stochastic() != null) used = Math.max(used, t.stochastic().bit() + 1);
            prefix[i] = used;
        }
        this.shareable = faults.readFlip() == 0 && graph.nodesOf(Node.McDropout.class).isEmpty();
        Architecture a = program.mapping().arch();
        List<CrossbarImages.Image> images = stuck(program.crossbars(), a);
        boolean comp = a.encoding() == Architecture.WeightEncoding.COMPLEMENTARY;
        for (LayerMap l : program.mapping().layers()) {
            List<XPiece> pieces = new ArrayList<>();
            for (Piece p : l.pieces()) {
                CrossbarImages.Image img = images.get(p.crossbar());
                int words = (p.kLen() + 63) >>> 6;
                long[][] cols = new long[p.nLen()][words];
                for (int dn = 0; dn < p.nLen(); dn++) {
                    int col = comp ? 2 * (p.col() + dn) : p.col() + dn;
                    for (int w = 0; w < words; w++) {
                        cols[dn][w] = img.range(img.bits(), col, p.row() + 64 * w, Math.min(64, p.kLen() - 64 * w));
                    }
                }
                long[] flat = new long[p.nLen() * words];
                for (int dn = 0; dn < p.nLen(); dn++) System.arraycopy(cols[dn], 0, flat, dn * words, words);
                pieces.add(new XPiece(p.k0(), p.kLen(), p.n0(), p.nLen(), cols, words, flat, new AtomicReference<>()));
            }
            layers.put(l.layer(), new XLayer(l.k(), l.n(), pieces));
        }
        List<Node> nodes = graph.nodes();
        this.lastUse = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) lastUse.put(nodes.get(i).inputs().get(0), i);
        int big = 1;
        for (Node n : nodes) big = Math.max(big, n.output().shape().size());
        for (var v : graph.inputs()) big = Math.max(big, v.shape().size());
        this.largest = big;
        this.perChannel = new int[nodes.size()];
        this.comparators = new long[nodes.size()][][][];
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            perChannel[i] = graph.value(n.inputs().get(0)).type().shape().perChannel();
            if (!(n instanceof Node.Threshold t)) continue;
            comparators[i] = t.stochastic() == null ? new long[][][] {comparatorsOf(t.expected())}
                    : new long[][][] {comparatorsOf(t.expected()), comparatorsOf(t.stochastic().dropped()), comparatorsOf(t.stochastic().kept())};
        }
    }

    public Program program() {
        return program;
    }

    /** Stuck-at faults are a property of the programmed chip: drawn once from the seed, cell by cell. */
    private List<CrossbarImages.Image> stuck(List<CrossbarImages.Image> images, Architecture a) {
        if (faults.stuckAt() == 0) return images;
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<CrossbarImages.Image> out = new ArrayList<>();
        for (CrossbarImages.Image img : images) {
            long[] bits = img.bits().clone();
            int words = img.words();
            // drawn row by row, cell by cell: the order fixes which cells a seed makes stuck
            for (int i = 0; i < a.rows(); i++) {
                for (int c = 0; c < a.cols(); c++) {
                    if (r.nextDouble() < faults.stuckAt()) {
                        long bit = 1L << (i & 63);
                        int w = c * words + (i >>> 6);
                        bits[w] = r.nextBoolean() ? bits[w] | bit : bits[w] & ~bit;
                    }
                }
            }
            out.add(new CrossbarImages.Image(img.id(), img.rows(), img.cols(), bits, img.used()));
        }
        return out;
    }

    /** Every value of one pass by name (ints as int[], floats as float[]). */
    public record Trace(Map<String, Object> values) {
        public double[] get(String name) {
            Object v = values.get(name);
            if (v == null) throw new IllegalArgumentException("no value " + name);
            if (v instanceof int[] a) {
                double[] d = new double[a.length];
                for (int i = 0; i < a.length; i++) d[i] = a[i];
                return d;
            }
            float[] f = (float[]) v;
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) d[i] = f[i];
            return d;
        }
    }

    /**
     * One forward pass. {@code scaleBits == null} is the deterministic pass; {@code example} and {@code sample}
     * seed the per-read faults and MC-Dropout masks, so a pass is reproducible on its own.
     */
    public Trace pass(float[] input, boolean[] scaleBits, int example, int sample) {
        return pass(input, scaleBits, example, sample, null);
    }

    /**
     * With a {@code shared} memo (one per example), a node whose value depends only on bits the pass shares with an
     * earlier pass is not recomputed: a popcount before the first Scale-Dropout layer is computed once for all T
     * passes. Values are never mutated, so sharing them is safe.
     */
    private Trace pass(float[] input, boolean[] scaleBits, int example, int sample, Map<String, Object> shared) {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put(graph.inputs().get(0).name(), input.clone());
        SplittableRandom noise = faults.readFlip() > 0 || scaleBits != null
                ? new SplittableRandom(mix(seed, example, sample)) : null;
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            String key = shared == null ? null : memoKey(i, scaleBits);
            Object y = key == null ? null : shared.get(key);
            if (y == null) {
                Object x = env.get(n.inputs().get(0));
                TensorType it = graph.value(n.inputs().get(0)).type();
                y = step(i, n, x, it, scaleBits, noise);
                if (key != null) shared.put(key, y);
            }
            env.put(n.output().name(), y);
        }
        return new Trace(env);
    }

    private String memoKey(int node, boolean[] bits) {
        StringBuilder sb = new StringBuilder().append(node).append(':');
        if (bits != null) for (int k = 0; k < prefix[node]; k++) sb.append(bits[k] ? '1' : '0');
        return sb.toString();
    }

    public float[] output(float[] input, boolean[] scaleBits, int example, int sample) {
        return toFloat(pass(input, scaleBits, example, sample).values().get(graph.outputs().get(0)));
    }

    private float[] toFloat(Object y) {
        if (y instanceof float[] f) return f;
        int[] i = (int[]) y;
        float[] f = new float[i.length];
        for (int k = 0; k < i.length; k++) f[k] = graph.output().type().toReal(i[k]);
        return f;
    }

    /**
     * Outputs of {@code samples} passes (one deterministic pass when 0) for every input, on {@code threads}
     * threads: result[example][pass][output].
     */
    public float[][][] run(float[][] inputs, int samples, BitSource bits, int threads, Runnable onExample) {
        float[][][] out = new float[inputs.length][][];
        int passes = Math.max(1, samples);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "bnncim-sim");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> jobs = new ArrayList<>();
            int chunk = Math.max(1, inputs.length / (threads * 8));
            // blocked runs (no read-flip faults): examples per block, and jobs of at least one block while there
            // are two jobs per thread
            int per = (int) Math.max(1, Math.min(Math.min(BLOCK_EXAMPLES, BLOCK_PASSES / passes),
                    BLOCK_INTS / ((long) passes * largest)));
            if (faults.readFlip() == 0) chunk = Math.max(chunk, Math.min(per, (inputs.length + 2 * threads - 1) / (2 * threads)));
            for (int start = 0; start < inputs.length; start += chunk) {
                final int s = start, e = Math.min(inputs.length, start + chunk);
                jobs.add(pool.submit(() -> {
                    if (faults.readFlip() == 0) {
                        // no per-read draws: run blocks of examples layer by layer (same values, see runBlock)
                        for (int b = s; b < e; b += per) {
                            int be = Math.min(e, b + per);
                            runBlock(inputs, b, be, samples, bits, out);
                            if (onExample != null) for (int i = b; i < be; i++) onExample.run();
                        }
                        return;
                    }
                    for (int i = s; i < e; i++) {
                        out[i] = new float[passes][];
                        Map<String, Object> memo = shareable && passes > 1 ? new HashMap<>() : null;
                        for (int t = 0; t < passes; t++) {
                            var trace = pass(inputs[i], samples == 0 ? null : bits.bits(i, t), i, t, memo);
                            out[i][t] = toFloat(trace.values().get(graph.outputs().get(0)));
                        }
                        if (onExample != null) onExample.run();
                    }
                }));
            }
            for (Future<?> f : jobs) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("simulation interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            throw new IllegalStateException(c);
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    /** Target number of passes computed together per layer, and bound on the ints a block's values may hold. */
    private static final int BLOCK_PASSES = 1024, BLOCK_EXAMPLES = 64;
    private static final long BLOCK_INTS = 1L << 22;

    /**
     * Passes of examples [from, to) computed node by node over the whole block, for runs without read-flip faults
     * (then a pass draws randoms only in McDropout, from its own generator, in node order, exactly as in
     * {@link #pass}). With a shareable program, passes of one example whose value at a node depends on the same
     * stochastic-bit prefix share one computation, as with the per-example memo of the one-pass path. Crossbar layers
     * are computed for all distinct inputs of the block at once, from the same cells and with the same integer sums.
     */
    private void runBlock(float[][] inputs, int from, int to, int samples, BitSource bits, float[][][] out) {
        int passes = Math.max(1, samples);
        int m = (to - from) * passes;
        int[] ex = new int[m];
        boolean[][] pb = new boolean[m][];
        SplittableRandom[] noise = new SplittableRandom[m];
        Object[] in = new Object[m];
        for (int i = from; i < to; i++) {
            float[] x = inputs[i].clone();
            out[i] = new float[passes][];
            for (int t = 0; t < passes; t++) {
                int p = (i - from) * passes + t;
                ex[p] = i;
                pb[p] = samples == 0 ? null : bits.bits(i, t);
                noise[p] = pb[p] != null ? new SplittableRandom(mix(seed, i, t)) : null;
                in[p] = x;
            }
        }
        Map<String, Object[]> env = new HashMap<>();
        env.put(graph.inputs().get(0).name(), in);
        List<Node> nodes = graph.nodes();
        String outName = graph.outputs().get(0);
        int[] rep = new int[m];
        int[] reps = new int[m];
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            String inName = n.inputs().get(0);
            Object[] xs = env.get(inName);
            TensorType it = graph.value(inName).type();
            int r = 0;
            if (shareable && passes > 1) {
                r = group(prefix[i], m, passes, pb, rep, reps);
            } else {
                for (int p = 0; p < m; p++) {
                    rep[p] = p;
                    reps[p] = p;
                }
                r = m;
            }
            Object[] yr = new Object[r];
            if (n instanceof Node.BinaryDense d) {
                XLayer l = layers.get(d.name());
                int[][] x = new int[r][];
                for (int g = 0; g < r; g++) x[g] = (int[]) xs[reps[g]];
                int nOut = l.n();
                int[] acc = new int[nOut * r];
                accumulateBlock(l, x, null, r, inputBits(it), acc, 1, r); // acc[col * r + g]: one cache line per column
                transpose(acc, r, nOut, yr);
            } else if (n instanceof Node.BinaryConv c) {
                for (int g = 0; g < r; g++) yr[g] = convBlock(c, (int[]) xs[reps[g]], it);
            } else {
                for (int g = 0; g < r; g++) yr[g] = step(i, n, xs[reps[g]], it, pb[reps[g]], noise[reps[g]]);
            }
            Object[] ys = new Object[m];
            for (int p = 0; p < m; p++) ys[p] = yr[rep[p]];
            env.put(n.output().name(), ys);
            if (!inName.equals(outName) && lastUse.get(inName) == i) env.remove(inName);
        }
        Object[] ys = env.get(outName);
        for (int p = 0; p < m; p++) out[ex[p]][p % passes] = toFloat(ys[p]);
    }

    /** The r vectors' outputs from a block accumulator laid out {@code [col * r + g]}. */
    private static void transpose(int[] acc, int r, int n, Object[] out) {
        int[][] y = new int[r][n];
        for (int c = 0; c < n; c++) {
            int b = c * r;
            for (int g = 0; g < r; g++) y[g][c] = acc[b + g];
        }
        System.arraycopy(y, 0, out, 0, r);
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

    /**
     * Which passes of a block share a node's value: passes of one example (contiguous, {@code passes} each) whose
     * stochastic bits agree on the node's prefix ({@code len} bits), as the per-example memo of the one-pass path
     * keys them. Fills {@code rep[p]} (group of pass p) and {@code reps[g]} (first pass of group g); returns the
     * number of groups.
     */
    private static int group(int len, int m, int passes, boolean[][] pb, int[] rep, int[] reps) {
        int r = 0;
        for (int e0 = 0; e0 < m; e0 += passes) {
            int first = r;
            for (int p = e0; p < e0 + passes; p++) {
                int g = -1;
                for (int q = first; q < r && g < 0; q++) if (Arrays.equals(pb[reps[q]], 0, len, pb[p], 0, len)) g = q;
                if (g < 0) {
                    reps[r] = p;
                    g = r++;
                }
                rep[p] = g;
            }
        }
        return r;
    }

    private static int inputBits(TensorType it) {
        return it.elem().isBipolar() || it.elem().bits() == 2 ? 1 : it.elem().bits();
    }

    /**
     * For {@code v} input vectors {@code x[j][xBase[j] ...]} (base 0 when {@code xBase == null}), adds the layer's
     * popcounts into {@code acc[col * sn + j * sj]}:
     * the same per-piece sums as {@link #accumulate} without read faults, each piece's input packed once and each
     * column word read once for all vectors.
     */
    private static void accumulateBlock(XLayer l, int[][] x, int[] xBase, int v, int inputBits, int[] acc, int sj, int sn) {
        if (inputBits > 1) {
            accumulateUnsigned(l, x, xBase, v, inputBits, acc, sj, sn);
            return;
        }
        int k = l.k(), words = (k + 63) >>> 6;
        long[] packed = new long[v * 2 * words];
        for (int j = 0; j < v; j++) packBipolar(x[j], xBase == null ? 0 : xBase[j], k, packed, j * 2 * words, words);
        accumulatePacked(l, packed, words, v, acc, sj, sn);
    }

    /**
     * Patch of one output position: row (ci * kh + i) * kw + j of the layer input, packed like {@link #packBipolar}
     * one word at a time; padding is undriven.
     */
    private static void packPatch(int[] x, int cin, int h, int w, int kh, int kw, int y0, int x0, int dy, int dx,
                                  long[] out, int o, int words) {
        boolean inside = y0 >= 0 && y0 + (kh - 1) * dy < h && x0 >= 0 && x0 + (kw - 1) * dx < w;
        long act = 0, plus = 0;
        int bit = 0, word = o;
        for (int ci = 0; ci < cin; ci++) {
            for (int i = 0; i < kh; i++) {
                int iy = y0 + i * dy;
                boolean rowInside = inside || (iy >= 0 && iy < h);
                int rowBase = (ci * h + iy) * w;
                for (int j = 0; j < kw; j++) {
                    int ix = x0 + j * dx;
                    if (inside || (rowInside && ix >= 0 && ix < w)) {
                        int xv = x[rowBase + ix];
                        act |= (long) ((xv | -xv) >>> 31) << bit;
                        plus |= (long) ((-xv & ~xv) >>> 31) << bit;
                    }
                    if (++bit == 64) {
                        out[word] = act;
                        out[word + words] = plus;
                        word++;
                        bit = 0;
                        act = 0;
                        plus = 0;
                    }
                }
            }
        }
        if (bit > 0) {
            out[word] = act;
            out[word + words] = plus;
        }
    }

    /**
     * The same patches as {@link #packPatch} for undilated windows over rows of at most 64 columns (left padding
     * included): each input row is packed once into a driven and a +1 word, with column ix at bit ix + left pad, so
     * that a window's kw cells of one row are one shift and mask; padding columns and rows stay 0 (undriven).
     */
    private static void packPatchesFromRows(int[] x, int cin, int h, int w, int kh, int kw, int[] s, int[] p, int oh, int ow,
                                            long[] out, int words) {
        int pl = p[1];
        long[] ra = new long[cin * h], rp = new long[cin * h];
        for (int r = 0; r < cin * h; r++) {
            long a = 0, pp = 0;
            for (int ix = 0, b = r * w; ix < w; ix++) {
                int xv = x[b + ix];
                a |= (long) ((xv | -xv) >>> 31) << (ix + pl);
                pp |= (long) ((-xv & ~xv) >>> 31) << (ix + pl);
            }
            ra[r] = a;
            rp[r] = pp;
        }
        long kmask = kw == 64 ? -1L : (1L << kw) - 1;
        for (int oy = 0; oy < oh; oy++) {
            int y0 = oy * s[0] - p[0];
            for (int ox = 0; ox < ow; ox++) {
                int xs = ox * s[1], word = (oy * ow + ox) * 2 * words, bit = 0;
                long accA = 0, accP = 0;
                for (int ci = 0; ci < cin; ci++) {
                    for (int i = 0; i < kh; i++) {
                        int iy = y0 + i;
                        long sa = 0, sp = 0;
                        if (iy >= 0 && iy < h) {
                            int r = ci * h + iy;
                            sa = (ra[r] >>> xs) & kmask;
                            sp = (rp[r] >>> xs) & kmask;
                        }
                        accA |= sa << bit;
                        accP |= sp << bit;
                        bit += kw;
                        if (bit >= 64) {
                            out[word] = accA;
                            out[word + words] = accP;
                            word++;
                            bit -= 64;
                            accA = bit == 0 ? 0 : sa >>> (kw - bit);
                            accP = bit == 0 ? 0 : sp >>> (kw - bit);
                        }
                    }
                }
                if (bit > 0) {
                    out[word] = accA;
                    out[word + words] = accP;
                }
            }
        }
    }

    /** The kernel over v packed input vectors (vector j's driven rows at {@code packed[j * 2 * words]}, then its +1 rows). */
    private static void accumulatePacked(XLayer l, long[] packed, int words, int v, int[] acc, int sj, int sn) {
        int k = l.k(), planes = 2;
        for (XPiece p : l.pieces()) {
            int pw = p.words(), k0 = p.k0(), kLen = p.kLen();
            long[] src;
            int stride, off;
            if ((k0 & 63) == 0 && ((kLen & 63) == 0 || k0 + kLen == k)) {
                src = packed; // word-aligned piece: read the packed input in place
                stride = words;
                off = k0 >>> 6;
            } else {
                src = new long[v * planes * pw];
                for (int r = 0; r < v * planes; r++) sliceInto(packed, r * words, words, k0, kLen, src, r * pw);
                stride = pw;
                off = 0;
            }
            int[] kc = new int[v];
            for (int j = 0; j < v; j++) kc[j] = popcount(src, j * planes * stride + off, pw); // K_active
            long[] cols = p.flat();
            for (int dn = 0; dn < p.nLen(); dn++) {
                int ab = (p.n0() + dn) * sn, cb = dn * pw;
                if (pw == 4) bipolar4(cols, cb, src, stride, off, kc, acc, ab, sj, v);
                else bipolarN(cols, cb, pw, src, stride, off, kc, acc, ab, sj, v);
            }
        }
    }

    /** Examples per sweep of a piece's rows in {@link #accumulateUnsigned}: their partial sums stay in L1. */
    private static final int UNSIGNED_GROUP = 16;

    /**
     * Unsigned (multi-bit) inputs. Per piece the bit-plane sum of {@link #accumulate} is
     * {@code sum_b (2 * plusOnes_b - K_active_b) << b = 2 * S_on - S = sum_k x_k * w_k} (S the sum of the piece's inputs
     * masked to {@code inputBits}, S_on the sum of those on rows whose cell is set, w = +-1 the cell's weight): the
     * same integers, computed row by row. A group of examples sweeps the piece's rows together, so each row of cells
     * is read once per group and every example's partial sums stay in cache; rows whose input is 0 add nothing and
     * are skipped.
     */
    private static void accumulateUnsigned(XLayer l, int[][] x, int[] xBase, int v, int inputBits, int[] acc, int sj, int sn) {
        int mask = inputBits >= 31 ? -1 : (1 << inputBits) - 1;
        int maxN = 0;
        for (XPiece p : l.pieces()) maxN = Math.max(maxN, p.nLen());
        int[][] part = new int[UNSIGNED_GROUP][maxN];
        for (XPiece p : l.pieces()) {
            int[][] cells = p.signRows();
            int nLen = p.nLen(), kLen = p.kLen();
            for (int j0 = 0; j0 < v; j0 += UNSIGNED_GROUP) {
                int g = Math.min(UNSIGNED_GROUP, v - j0);
                for (int j = 0; j < g; j++) Arrays.fill(part[j], 0);
                for (int dk = 0; dk < kLen; dk++) {
                    int[] row = cells[dk];
                    for (int j = 0; j < g; j++) {
                        int xj = x[j0 + j][(xBase == null ? 0 : xBase[j0 + j]) + p.k0() + dk] & mask;
                        if (xj != 0) madd(part[j], row, nLen, xj);
                    }
                }
                for (int j = 0; j < g; j++) {
                    int ab = p.n0() * sn + (j0 + j) * sj;
                    int[] pj = part[j];
                    for (int dn = 0; dn < nLen; dn++) acc[ab + dn * sn] += pj[dn];
                }
            }
        }
    }

    /** {@code part[i] += x * row[i]} for i < n: the loop the JIT vectorises. */
    private static void madd(int[] part, int[] row, int n, int x) {
        for (int i = 0; i < n; i++) part[i] += x * row[i];
    }

    private static int popcount(long[] a, int from, int len) {
        int c = 0;
        for (int w = 0; w < len; w++) c += Long.bitCount(a[from + w]);
        return c;
    }

    /** Bits [from, from+len) of {@code src[base .. base+words)} shifted down to bit 0, into {@code dst[at ..]}. */
    private static void sliceInto(long[] src, int base, int words, int from, int len, long[] dst, int at) {
        int n = (len + 63) >>> 6, shift = from & 63, w0 = from >>> 6;
        for (int w = 0; w < n; w++) {
            long lo = w0 + w < words ? src[base + w0 + w] >>> shift : 0;
            long hi = shift != 0 && w0 + w + 1 < words ? src[base + w0 + w + 1] << (64 - shift) : 0;
            dst[at + w] = lo | hi;
        }
        int tail = len & 63;
        if (tail != 0) dst[at + n - 1] &= (1L << tail) - 1;
    }

    /** Driven rows (x != 0) into {@code out[o ..]}, rows driven +1 (x > 0) into {@code out[o + words ..]}. */
    private static void packBipolar(int[] x, int base, int k, long[] out, int o, int words) {
        for (int w = 0; w < words; w++) {
            long act = 0, plus = 0;
            for (int i = w << 6, e = Math.min(k, i + 64); i < e; i++) {
                int xv = x[base + i];
                act |= (long) ((xv | -xv) >>> 31) << i;
                plus |= (long) ((-xv & ~xv) >>> 31) << i;
            }
            out[o + w] = act;
            out[o + words + w] = plus;
        }
    }

    // One weight column (cells cols[cb ..]) against v packed inputs (vector j at src[j * planes * stride + off]).

    private static void bipolar4(long[] cols, int cb, long[] src, int stride, int off, int[] kc, int[] acc, int ab, int sj, int v) {
        long c0 = cols[cb], c1 = cols[cb + 1], c2 = cols[cb + 2], c3 = cols[cb + 3];
        for (int j = 0; j < v; j++) {
            int o = 2 * j * stride + off, q = o + stride;
            int miss = Long.bitCount((src[q] ^ c0) & src[o]) + Long.bitCount((src[q + 1] ^ c1) & src[o + 1])
                    + Long.bitCount((src[q + 2] ^ c2) & src[o + 2]) + Long.bitCount((src[q + 3] ^ c3) & src[o + 3]);
            acc[ab + j * sj] += kc[j] - 2 * miss; // 2 * matches - K_active
        }
    }

    private static void bipolarN(long[] cols, int cb, int pw, long[] src, int stride, int off, int[] kc, int[] acc, int ab, int sj, int v) {
        for (int j = 0; j < v; j++) {
            int o = 2 * j * stride + off, q = o + stride, miss = 0;
            for (int w = 0; w < pw; w++) miss += Long.bitCount((src[q + w] ^ cols[cb + w]) & src[o + w]);
            acc[ab + j * sj] += kc[j] - 2 * miss;
        }
    }

    /** A convolution for one input: all output positions' patches form one block of vectors (im2col). */
    private int[] convBlock(Node.BinaryConv c, int[] x, TensorType it) {
        Shape is = it.shape(), os = c.output().shape();
        int cin = is.dim(0), h = is.dim(1), w = is.dim(2), oh = os.dim(1), ow = os.dim(2);
        int[] s = c.strides(), p = c.pads(), d = c.dilations();
        XLayer l = layers.get(c.name());
        int k = l.k(), positions = oh * ow;
        int inBits = inputBits(it);
        int[] acc = new int[os.size()];
        if (inBits == 1) {
            // packed im2col: each patch straight into its driven / +1 row words (padding: undriven)
            int words = (k + 63) >>> 6;
            long[] packed = new long[positions * 2 * words];
            if (d[0] == 1 && d[1] == 1 && p[1] + w <= 64 && (ow - 1) * s[1] + c.kw() <= 64) {
                packPatchesFromRows(x, cin, h, w, c.kh(), c.kw(), s, p, oh, ow, packed, words);
            } else {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        packPatch(x, cin, h, w, c.kh(), c.kw(), oy * s[0] - p[0], ox * s[1] - p[1], d[0], d[1], packed,
                                (oy * ow + ox) * 2 * words, words);
                    }
                }
            }
            accumulatePacked(l, packed, words, positions, acc, 1, positions);
            return acc;
        }
        int[] col = new int[positions * k];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) patch(c, x, cin, h, w, oy, ox, col, (oy * ow + ox) * k);
        }
        int[][] xs = new int[positions][];
        int[] base = new int[positions];
        for (int q = 0; q < positions; q++) {
            xs[q] = col;
            base[q] = q * k;
        }
        accumulateBlock(l, xs, base, positions, inputBits(it), acc, 1, positions);
        return acc;
    }

    static long mix(long seed, long example, int sample) {
        long h = (seed + 0x632BE59BD9B4E019L) * 0x9E3779B97F4A7C15L;
        h ^= (example + 1) * 0xBF58476D1CE4E5B9L;
        h = Long.rotateLeft(h, 29) * 0x94D049BB133111EBL;
        return h ^ ((sample + 1L) * 0xD6E8FEB86659FD93L);
    }

    // --------------------------------------------------------------------------------------------- ops

    /** Node number {@code at} of the graph ({@code n}) on one pass's input {@code x}. */
    private Object step(int at, Node n, Object x, TensorType it, boolean[] bits, SplittableRandom noise) {
        if (n instanceof Node.InputQuantize q) {
            float[] f = (float[]) x;
            int max = (1 << q.bits()) - 1;
            int[] y = new int[f.length];
            for (int i = 0; i < f.length; i++) y[i] = (int) Math.min(max, Math.max(0, Math.round(f[i] * (float) q.levels())));
            return y;
        }
        if (n instanceof Node.InputBinarize b) {
            float[] f = (float[]) x;
            int per = perChannel[at];
            int[] y = new int[f.length];
            for (int i = 0, c = 0; i < f.length; c++) for (int e = Math.min(f.length, i + per); i < e; i++) y[i] = b.fires(f[i], c) ? 1 : -1;
            return y;
        }
        if (n instanceof Node.BinaryDense d) {
            XLayer l = layers.get(d.name());
            int[] acc = new int[l.n()];
            accumulate(l, (int[]) x, it.elem().isBipolar() || it.elem().bits() == 2 ? 1 : it.elem().bits(), acc, 0, 1, noise);
            return acc;
        }
        if (n instanceof Node.BinaryConv c) return conv(c, (int[]) x, it, noise);
        if (n instanceof Node.Threshold t) {
            int[] v = (int[]) x;
            long[][][] sets = comparators[at];
            long[][] ts = t.stochastic() == null || bits == null ? sets[0] : bits[t.stochastic().bit()] ? sets[1] : sets[2];
            int per = perChannel[at];
            int[] y = new int[v.length];
            long[] t0 = ts[0], sign = ts[1];
            if (per == 1 && t0.length >= v.length) {
                for (int i = 0; i < v.length; i++) y[i] = 1 - 2 * (int) (((v[i] - t0[i]) * sign[i]) >>> 63);
            } else {
                for (int i = 0, c = 0; i < v.length; c++) {
                    for (int e = Math.min(v.length, i + per); i < e; i++) y[i] = 1 - 2 * (int) (((v[i] - t0[c]) * sign[c]) >>> 63);
                }
            }
            return y;
        }
        if (n instanceof Node.Sign) {
            int[] y = new int[size(x)];
            for (int i = 0; i < y.length; i++) y[i] = real(x, i, it) >= 0 ? 1 : -1;
            return y;
        }
        if (n instanceof Node.ScaleDropout s) {
            Boolean z = bits == null ? null : bits[s.bit()];
            int per = perChannel[at];
            float[] y = new float[size(x)];
            for (int i = 0, c = 0; i < y.length; c++) for (int e = Math.min(y.length, i + per); i < e; i++) y[i] = real(x, i, it) * s.factor(c, z);
            return y;
        }
        if (n instanceof Node.Affine a) {
            int per = perChannel[at];
            float[] y = new float[size(x)];
            for (int i = 0, c = 0; i < y.length; c++) for (int e = Math.min(y.length, i + per); i < e; i++) y[i] = a.apply(real(x, i, it), c);
            return y;
        }
        if (n instanceof Node.MaxPool m) return maxPool((int[]) x, it.shape(), n.output().shape(), m.kernel(), m.strides(), m.pads());
        if (n instanceof Node.AvgPool a) return avgPool(x, it, n.output().shape(), a);
        if (n instanceof Node.Reshape) return x;
        if (n instanceof Node.Softmax) {
            float[] y = new float[size(x)];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < y.length; i++) max = Math.max(max, real(x, i, it));
            double[] e = new double[y.length];
            for (int i = 0; i < y.length; i++) sum += e[i] = Math.exp(real(x, i, it) - max);
            for (int i = 0; i < y.length; i++) y[i] = (float) (e[i] / sum);
            return y;
        }
        if (n instanceof Node.McDropout m) {
            int[] v = ((int[]) x).clone();
            if (bits == null) return v;
            for (int i = 0; i < v.length; i++) if (noise.nextDouble() < m.p()) v[i] = 0;
            return v;
        }
        throw new IllegalStateException("simulator does not know " + n.opName());
    }

    private static int size(Object x) {
        return x instanceof int[] a ? a.length : ((float[]) x).length;
    }

    private static float real(Object x, int i, TensorType t) {
        return x instanceof int[] a ? t.toReal(a[i]) : ((float[]) x)[i];
    }

    /**
     * Adds the layer's popcounts for one input vector into acc[n * stride + offset]. Bipolar inputs drive +1/-1
     * (0 = undriven); unsigned inputs are applied bit plane by bit plane.
     */
    private void accumulate(XLayer l, int[] x, int inputBits, int[] acc, int offset, int stride, SplittableRandom noise) {
        int words = (l.k() + 63) >>> 6;
        if (inputBits == 1) {
            long[] plus = new long[words], active = new long[words];
            for (int k = 0; k < l.k(); k++) {
                if (x[k] != 0) active[k >>> 6] |= 1L << (k & 63);
                if (x[k] > 0) plus[k >>> 6] |= 1L << (k & 63);
            }
            for (XPiece p : l.pieces()) {
                long[] xp = slice(plus, p.k0(), p.kLen()), ap = slice(active, p.k0(), p.kLen());
                int kActive = 0;
                for (long w : ap) kActive += Long.bitCount(w);
                for (int dn = 0; dn < p.nLen(); dn++) {
                    long[] wc = read(p.columns()[dn], p.kLen(), noise);
                    int matches = 0;
                    for (int w = 0; w < xp.length; w++) matches += Long.bitCount(~(xp[w] ^ wc[w]) & ap[w]);
                    acc[(p.n0() + dn) * stride + offset] += 2 * matches - kActive;
                }
            }
            return;
        }
        for (int b = 0; b < inputBits; b++) {
            long[] plane = new long[words];
            boolean any = false;
            for (int k = 0; k < l.k(); k++) {
                if (((x[k] >>> b) & 1) != 0) {
                    plane[k >>> 6] |= 1L << (k & 63);
                    any = true;
                }
            }
            if (!any) continue;
            for (XPiece p : l.pieces()) {
                long[] ap = slice(plane, p.k0(), p.kLen());
                int kActive = 0;
                for (long w : ap) kActive += Long.bitCount(w);
                if (kActive == 0) continue;
                for (int dn = 0; dn < p.nLen(); dn++) {
                    long[] wc = read(p.columns()[dn], p.kLen(), noise);
                    int plusOnes = 0;
                    for (int w = 0; w < ap.length; w++) plusOnes += Long.bitCount(wc[w] & ap[w]);
                    acc[(p.n0() + dn) * stride + offset] += (2 * plusOnes - kActive) << b;
                }
            }
        }
    }

    /** A column read, with each cell flipped with the read-flip probability (geometric skipping between flips). */
    private long[] read(long[] column, int len, SplittableRandom noise) {
        double r = faults.readFlip();
        if (r == 0) return column;
        long[] c = column.clone();
        double logq = Math.log1p(-r);
        int i = r >= 1 ? 0 : (int) Math.floor(Math.log(1 - noise.nextDouble()) / logq);
        while (i < len) {
            c[i >>> 6] ^= 1L << (i & 63);
            i += 1 + (r >= 1 ? 0 : (int) Math.floor(Math.log(1 - noise.nextDouble()) / logq));
        }
        return c;
    }

    /** Bits [from, from+len) of a packed vector, shifted down to bit 0. */
    static long[] slice(long[] src, int from, int len) {
        int words = (len + 63) >>> 6;
        long[] out = new long[words];
        int shift = from & 63, base = from >>> 6;
        for (int w = 0; w < words; w++) {
            long lo = base + w < src.length ? src[base + w] >>> shift : 0;
            long hi = shift != 0 && base + w + 1 < src.length ? src[base + w + 1] << (64 - shift) : 0;
            out[w] = lo | hi;
        }
        int tail = len & 63;
        if (tail != 0) out[words - 1] &= (1L << tail) - 1;
        return out;
    }

    /** The im2col patch of output position (oy, ox) into col[base..]: weight-row order, 0 where padding leaves a row undriven. */
    private static void patch(Node.BinaryConv c, int[] x, int cin, int h, int w, int oy, int ox, int[] col, int base) {
        int[] s = c.strides(), p = c.pads(), d = c.dilations();
        for (int ci = 0; ci < cin; ci++) {
            for (int i = 0; i < c.kh(); i++) {
                int iy = oy * s[0] - p[0] + i * d[0];
                for (int j = 0; j < c.kw(); j++) {
                    int ix = ox * s[1] - p[1] + j * d[1];
                    boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                    col[base + (ci * c.kh() + i) * c.kw() + j] = inside ? x[(ci * h + iy) * w + ix] : 0;
                }
            }
        }
    }

    private int[] conv(Node.BinaryConv c, int[] x, TensorType it, SplittableRandom noise) {
        Shape is = it.shape(), os = c.output().shape();
        int cin = is.dim(0), h = is.dim(1), w = is.dim(2), oh = os.dim(1), ow = os.dim(2);
        XLayer l = layers.get(c.name());
        int bits = it.elem().isBipolar() || it.elem().bits() == 2 ? 1 : it.elem().bits();
        int[] acc = new int[os.size()];
        int[] col = new int[l.k()];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                patch(c, x, cin, h, w, oy, ox, col, 0);
                accumulate(l, col, bits, acc, oy * ow + ox, oh * ow, noise);
            }
        }
        return acc;
    }

    private static int[] maxPool(int[] x, Shape is, Shape os, int[] k, int[] s, int[] p) {
        int ch = is.dim(0), h = is.dim(1), w = is.dim(2), oh = os.dim(1), ow = os.dim(2);
        int[] y = new int[os.size()];
        if (k[0] == 2 && k[1] == 2 && s[0] == 2 && s[1] == 2 && p[0] == 0 && p[1] == 0 && 2 * oh <= h && 2 * ow <= w) {
            // the common 2x2/2 window without padding: every window lies inside, no bounds tests
            for (int c = 0; c < ch; c++) {
                for (int oy = 0; oy < oh; oy++) {
                    int r0 = (c * h + 2 * oy) * w, r1 = r0 + w, o = (c * oh + oy) * ow;
                    for (int ox = 0; ox < ow; ox++) {
                        int i = 2 * ox;
                        y[o + ox] = Math.max(Math.max(x[r0 + i], x[r0 + i + 1]), Math.max(x[r1 + i], x[r1 + i + 1]));
                    }
                }
            }
            return y;
        }
        for (int c = 0; c < ch; c++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int best = Integer.MIN_VALUE;
                    for (int i = 0; i < k[0]; i++) {
                        int iy = oy * s[0] - p[0] + i;
                        if (iy < 0 || iy >= h) continue;
                        for (int j = 0; j < k[1]; j++) {
                            int ix = ox * s[1] - p[1] + j;
                            if (ix >= 0 && ix < w) best = Math.max(best, x[(c * h + iy) * w + ix]);
                        }
                    }
                    y[(c * oh + oy) * ow + ox] = best;
                }
            }
        }
        return y;
    }

    private static float[] avgPool(Object x, TensorType it, Shape os, Node.AvgPool a) {
        Shape is = it.shape();
        int ch = is.dim(0), h = is.dim(1), w = is.dim(2), oh = os.dim(1), ow = os.dim(2);
        int[] k = a.kernel(), s = a.strides(), p = a.pads();
        float[] y = new float[os.size()];
        for (int c = 0; c < ch; c++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double sum = 0;
                    int count = 0;
                    for (int i = 0; i < k[0]; i++) {
                        int iy = oy * s[0] - p[0] + i;
                        for (int j = 0; j < k[1]; j++) {
                            int ix = ox * s[1] - p[1] + j;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                sum += real(x, (c * h + iy) * w + ix, it);
                                count++;
                            } else if (a.countIncludePad() && iy < h + p[2] && ix < w + p[3]) {
                                count++;
                            }
                        }
                    }
                    y[(c * oh + oy) * ow + ox] = (float) (sum / count);
                }
            }
        }
        return y;
    }
}
