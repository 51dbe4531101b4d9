package org.bnncim.backends.verilog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.kernels.ConvGeometry;
import org.bnncim.backends.sim.kernels.PoolGeometry;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.LevelSet;
import org.bnncim.ir.Node;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;
import org.bnncim.ir.mapping.LayerMap;

/**
 * The part of a program the Verilog datapath implements: crossbar layers (dense, convolutions and transposed
 * convolutions run once per output position), each followed by a comparator bank (bipolar {@link Node.Threshold}
 * or k-bit {@link Node.MultiThreshold}) whose output map is kept in its own buffer, optionally max-pooled, and read
 * by later layers directly, through a flatten, an MC-Dropout mask, a nearest-neighbour resize or a channel concat
 * (skip connections). What comes before the first crossbar layer is the host's input periphery (it must not draw
 * random bits), and everything after the chip's output is the host's tail; the chip hands over the last layer's
 * popcounts (every output position's, for a convolution), or the map of a comparator bank right after a convolution
 * output layer. In a residual network the float nodes between crossbar layers go to the digital unit
 * ({@link VerilogDigital}), which also hands over the chip's output as float32 values. Anything else is refused
 * here, naming the node, so the generator never writes hardware that silently differs from the simulator.
 */
record VerilogModel(
        Graph graph,
        List<Layer> layers,
        Value chipInput,
        int inputBits,
        Value chipOutput,
        boolean mapOutput,
        VerilogDigital digital) {
    /** Widest k-bit activation a hidden crossbar layer reads bit-serially (the design's limit: k <= 8). */
    static final int MAX_BITS = 8;

    /** Where a layer's input elements come from; element idx of the value in CHW order. */
    sealed interface Source {
        /** The chip input bus. */
        record Chip() implements Source {}

        /** Layer {@code layer}'s comparator output map. */
        record Bank(int layer) implements Source {}

        /** Layer {@code layer}'s max-pooled comparator output map. */
        record Pooled(int layer) implements Source {}

        /** A nearest-neighbour resize of {@code src} ([c, h, w]): element (c, i, j) is src's (c, rows[i], cols[j]). */
        record Resized(Source src, int h, int w, int[] rows, int[] cols) implements Source {}

        /** A channel concat: the parts' elements one after the other ({@code sizes[i]} elements each). */
        record Concat(List<Source> parts, int[] sizes) implements Source {}

        /** The bipolar map digital-unit op {@code op} (a Sign of float values) wrote. */
        record Signed(int op) implements Source {}
    }

    /**
     * One crossbar layer and its comparator bank (null for the output layer of a dense chain). {@code inputBits} is
     * the number of bit planes the layer reads: 1 for a bipolar input, k for a k-bit integer read bit-serially
     * ({@code serial}); a signed input's last plane has weight -2^(k-1) ({@code signedInput}). A convolution
     * ({@code conv} non-null; a transposed one when {@code transposed}) runs the same reads once per output
     * position, its window gathered from the input ({@code inSize} elements, CHW, from {@code input}); a dense
     * layer has one position. {@code pool}: a max pool on the bank's output map. {@code drop}: the MC-Dropout mask
     * on this layer's input (its units from {@code dropUnit0} of the bank).
     */
    record Layer(
            int index,
            Node node,
            String ident,
            LayerMap map,
            int k,
            int n,
            int inputBits,
            boolean serial,
            boolean signedInput,
            ConvGeometry conv,
            boolean transposed,
            int inSize,
            Source input,
            Node threshold,
            String thresholdIdent,
            PoolGeometry pool,
            Node.McDropout drop,
            int dropUnit0) {
        Layer withBank(Node bank, String bankIdent) {
            return new Layer(
                    index,
                    node,
                    ident,
                    map,
                    k,
                    n,
                    inputBits,
                    serial,
                    signedInput,
                    conv,
                    transposed,
                    inSize,
                    input,
                    bank,
                    bankIdent,
                    pool,
                    drop,
                    dropUnit0);
        }

        Layer withPool(PoolGeometry pooled) {
            return new Layer(
                    index,
                    node,
                    ident,
                    map,
                    k,
                    n,
                    inputBits,
                    serial,
                    signedInput,
                    conv,
                    transposed,
                    inSize,
                    input,
                    threshold,
                    thresholdIdent,
                    pooled,
                    drop,
                    dropUnit0);
        }

        /** The bank is a k-bit {@link Node.MultiThreshold}. */
        boolean multi() {
            return threshold instanceof Node.MultiThreshold;
        }

        /** Output positions: one for a dense layer. */
        int positions() {
            return conv == null ? 1 : conv.positions();
        }

        /** Bit planes of the bank's output: 1 for bipolar, k for a k-bit bank. */
        int outPlanes() {
            return threshold instanceof Node.MultiThreshold t
                    ? t.output().elem().bits()
                    : 1;
        }

        /** Elements of the bank's output map (before pooling). */
        int outSize() {
            return n * positions();
        }

        /** Elements of the pooled map. */
        int pooledSize() {
            return pool.channels() * pool.oh() * pool.ow();
        }
    }

    static VerilogModel of(Program p) {
        Graph g = p.graph();
        List<Node> nodes = g.nodes();
        int first = -1, last = -1;
        // every crossbar layer: the walk below must reach it (and refuse it in graph order)
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).crossbarWeights().isPresent()) {
                if (first < 0) first = i;
                last = i;
            }
        }
        if (last < 0) throw new BnncimException("Verilog backend: " + g.name() + " has no crossbar layer");
        List<Layer> layers = new ArrayList<>();
        Set<String> idents = new HashSet<>();
        Map<String, Source> src = new HashMap<>();
        Map<String, Node.McDropout> masked = new HashMap<>(); // values behind an MC-Dropout mask
        Map<String, Integer> maskUnit0 = new HashMap<>();
        Map<String, Integer> bankOf = new HashMap<>(); // a layer's popcounts -> the layer
        Value chipInput = null, chipOutput = null;
        boolean mapOutput = false;
        int units = 0;
        VerilogDigital dig = new VerilogDigital(g, first);
        int end = last; // the last node the chip evaluates
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (i < first) {
                // an MC-Dropout mask on the chip input is drawn on the chip like any other (the host sends the
                // unmasked map once per example); any other draw here would be the host's, once per example
                if (n instanceof Node.McDropout m && masksChipInput(g, m, nodes.get(first))) {
                    units = mask(m, units, masked, maskUnit0);
                    continue;
                }
                if (n instanceof Node.ScaleDropout || n instanceof Node.McDropout) {
                    throw unsupported(n, "a random draw in the input periphery (before the first crossbar layer)");
                }
                continue;
            }
            if (i > last) {
                // the bank right after a convolution output layer goes on the chip: the chip hands over its map
                Layer out = layers.get(layers.size() - 1);
                if (chipOutput == null
                        && out.positions() > 1
                        && isBank(n)
                        && n.inputs().get(0).equals(out.node().output().name())) {
                    bank(g, n, layers, idents, src, bankOf);
                    chipOutput = n.output();
                    mapOutput = true;
                    end = i;
                    continue;
                }
                // a residual network: the digital unit runs on until the host's tail reads one value only
                if (chipOutput == null && dig.active() && dig.tailNode(n, bankOf)) {
                    dig.add(p, n, layers.size() - 1, bankOf);
                    end = i;
                    continue;
                }
                break;
            }
            switch (n) {
                case Node.BinaryDense d -> {
                    if (layers.isEmpty()) chipInput = chipInput(g, d.input(), src, masked);
                    addLayer(p, layers, idents, d, d.input(), null, false, src, masked, maskUnit0, bankOf);
                }
                case Node.BinaryConv c -> {
                    if (layers.isEmpty()) chipInput = chipInput(g, c.input(), src, masked);
                    Value in = g.value(c.input());
                    if (in.shape().rank() != 3) throw unsupported(n, "a convolution over a " + in.shape() + " input");
                    ConvGeometry geo = ConvGeometry.of(c, in.shape(), c.output().shape());
                    addLayer(p, layers, idents, c, c.input(), geo, false, src, masked, maskUnit0, bankOf);
                }
                case DecoderNode.BinaryConvTranspose t -> {
                    if (layers.isEmpty()) chipInput = chipInput(g, t.input(), src, masked);
                    Value in = g.value(t.input());
                    if (in.shape().rank() != 3) {
                        throw unsupported(n, "a transposed convolution over a " + in.shape() + " input");
                    }
                    ConvGeometry geo = ConvGeometry.of(t, in.shape(), t.output().shape());
                    addLayer(p, layers, idents, t, t.input(), geo, true, src, masked, maskUnit0, bankOf);
                }
                case Node.Threshold t -> bank(g, t, layers, idents, src, bankOf);
                case Node.MultiThreshold t -> {
                    if (t.output().elem().bits() > MAX_BITS) {
                        throw unsupported(
                                n, "a comparator bank producing " + t.output().elem());
                    }
                    bank(g, t, layers, idents, src, bankOf);
                }
                case Node.MaxPool mp -> {
                    if (!(src.get(mp.input()) instanceof Source.Bank(int l)) || masked.containsKey(mp.input())) {
                        throw unsupported(n, "a max pool that does not directly follow a comparator bank");
                    }
                    Layer at = layers.get(l);
                    if (at.pool() != null) throw unsupported(n, "a second max pool of one comparator bank");
                    Value in = g.value(mp.input());
                    if (in.shape().rank() != 3) throw unsupported(n, "a max pool over a " + in.shape() + " map");
                    layers.set(
                            l,
                            at.withPool(PoolGeometry.of(
                                    mp.window(), in.shape(), mp.output().shape())));
                    src.put(mp.output().name(), new Source.Pooled(l));
                }
                case Node.McDropout m -> {
                    Source s = src.get(m.input());
                    if (s == null || s instanceof Source.Chip) {
                        throw unsupported(n, "an MC-Dropout mask that does not follow a comparator bank");
                    }
                    if (!g.value(m.input()).elem().isBipolar()) {
                        throw unsupported(
                                n, "an MC-Dropout mask on " + g.value(m.input()).elem() + " values");
                    }
                    src.put(m.output().name(), s);
                    units = mask(m, units, masked, maskUnit0);
                }
                case Node.Reshape r -> {
                    // a flatten keeps the CHW order every buffer holds
                    Source s = src.get(r.input());
                    if (s == null && dig.knows(r.input())) {
                        dig.add(p, n, layers.size() - 1, bankOf);
                        continue;
                    }
                    if (s == null) throw unsupported(n, "a reshape of popcounts (before the comparators)");
                    src.put(r.output().name(), s);
                    if (masked.containsKey(r.input())) {
                        masked.put(r.output().name(), masked.get(r.input()));
                        maskUnit0.put(r.output().name(), maskUnit0.get(r.input()));
                    }
                }
                case DecoderNode.Resize r -> {
                    Source s = src.get(r.input());
                    if (s == null || masked.containsKey(r.input())) {
                        throw unsupported(n, "an upsampling (Resize) of something other than a comparator map");
                    }
                    Value in = g.value(r.input());
                    src.put(
                            r.output().name(),
                            new Source.Resized(s, in.shape().dim(1), in.shape().dim(2), r.rows(), r.cols()));
                }
                case DecoderNode.Concat c -> {
                    List<Source> parts = new ArrayList<>();
                    int[] sizes = new int[c.sources().size()];
                    for (int k = 0; k < sizes.length; k++) {
                        String v = c.sources().get(k);
                        if (src.get(v) == null || masked.containsKey(v)) {
                            throw unsupported(n, "a skip concatenation of something other than comparator maps");
                        }
                        parts.add(src.get(v));
                        sizes[k] = g.value(v).shape().size();
                    }
                    src.put(c.output().name(), new Source.Concat(List.copyOf(parts), sizes));
                }
                case DecoderNode.PixelSoftmax s -> throw unsupported(n, "a per-pixel softmax");
                case DecoderNode.Sigmoid s -> throw unsupported(n, "a sigmoid");
                case Node.InputQuantize q -> throw unsupported(n, "input periphery after a crossbar layer");
                case Node.InputBinarize b -> throw unsupported(n, "input periphery after a crossbar layer");
                case Node.Quantize q -> throw unsupported(n, "a float k-bit quantizer after a crossbar layer");
                case Node.Softmax s -> throw unsupported(n, n.opName() + " before the last crossbar layer");
                // the digital unit: float nodes between crossbar layers
                case Node.Sign s -> digital(p, dig, n, layers, bankOf, src);
                case Node.ScaleDropout s -> digital(p, dig, n, layers, bankOf, src);
                case Node.Affine a -> digital(p, dig, n, layers, bankOf, src);
                case Node.AvgPool a -> digital(p, dig, n, layers, bankOf, src);
                case DigitalNode.Add a -> digital(p, dig, n, layers, bankOf, src);
                case DigitalNode.FloatDense d -> digital(p, dig, n, layers, bankOf, src);
                case DigitalNode.FloatConv c -> digital(p, dig, n, layers, bankOf, src);
            }
        }
        // every layer but the output layer feeds later layers through its comparators
        for (Layer l : layers.subList(0, layers.size() - 1)) {
            if (l.threshold() == null && !dig.kept().contains(l.index())) {
                throw unsupported(l.node(), "a crossbar layer whose popcounts do not go through a comparator bank");
            }
        }
        for (int l : dig.kept()) {
            if (layers.get(l).threshold() != null) {
                throw unsupported(layers.get(l).node(), "popcounts read by both comparators and float nodes");
            }
        }
        Layer out = layers.get(layers.size() - 1);
        if (chipOutput == null && dig.active()) {
            if (!dig.kept().contains(out.index()) || end == last) {
                throw unsupported(out.node(), "a residual network whose output layer does not feed the digital unit");
            }
            chipOutput = g.value(dig.lastValue());
        }
        if (chipOutput == null) {
            if (out.threshold() != null)
                throw unsupported(out.threshold(), "a comparator bank nothing on the chip reads");
            chipOutput = out.node().output();
        }
        tail(g, nodes, end, chipOutput);
        return new VerilogModel(
                g, List.copyOf(layers), chipInput, layers.get(0).inputBits(), chipOutput, mapOutput, dig);
    }

    /** A float node between crossbar layers goes to the digital unit; a Sign gives later layers its map. */
    private static void digital(
            Program p,
            VerilogDigital dig,
            Node n,
            List<Layer> layers,
            Map<String, Integer> bankOf,
            Map<String, Source> src) {
        Source s = dig.add(p, n, layers.size() - 1, bankOf);
        if (s != null) src.put(n.output().name(), s);
    }

    private static boolean isBank(Node n) {
        return n instanceof Node.Threshold || n instanceof Node.MultiThreshold;
    }

    private static Value chipInput(Graph g, String input, Map<String, Source> src, Map<String, Node.McDropout> masked) {
        src.put(input, new Source.Chip());
        // behind a mask the host sends the map before it: the chip's dropout bank gates its rows
        Node.McDropout m = masked.get(input);
        return g.value(m == null ? input : m.input());
    }

    /** Gives mask {@code m} the bank's next units (from {@code units}, in graph order); returns the next free unit. */
    private static int mask(
            Node.McDropout m, int units, Map<String, Node.McDropout> masked, Map<String, Integer> maskUnit0) {
        masked.put(m.output().name(), m);
        maskUnit0.put(m.output().name(), units);
        return units + m.output().shape().size();
    }

    /** A bipolar MC-Dropout mask read by the first crossbar layer only. */
    private static boolean masksChipInput(Graph g, Node.McDropout m, Node first) {
        String out = m.output().name();
        if (!g.value(m.input()).elem().isBipolar() || !first.inputs().get(0).equals(out)) return false;
        return g.nodes().stream().filter(x -> x.inputs().contains(out)).count() == 1
                && !g.outputs().contains(out);
    }

    /** Gives the layer whose popcounts {@code t} reads its comparator bank. */
    private static void bank(
            Graph g,
            Node t,
            List<Layer> layers,
            Set<String> idents,
            Map<String, Source> src,
            Map<String, Integer> bankOf) {
        Integer l = bankOf.remove(t.inputs().get(0));
        if (l == null) throw unsupported(t, "a comparator bank that does not directly follow a crossbar layer");
        Layer at = layers.get(l);
        layers.set(l, at.withBank(t, ident(t.name(), l, "thr", idents)));
        src.put(t.output().name(), new Source.Bank(l));
    }

    /** The host's tail may only read the chip's output and what it computes from it. */
    private static void tail(Graph g, List<Node> nodes, int last, Value chipOutput) {
        Set<String> known = new HashSet<>();
        known.add(chipOutput.name());
        for (int i = last + 1; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (n.output().name().equals(chipOutput.name())) continue;
            if (n.crossbarWeights().isPresent() || n instanceof Node.McDropout) {
                throw unsupported(n, "crossbar work after the output layer");
            }
            for (String in : n.inputs()) {
                if (!known.contains(in)
                        && !g.inputs().stream().anyMatch(v -> v.name().equals(in))) {
                    throw unsupported(n, "a host tail node that reads " + in + " (not the chip's output)");
                }
            }
            known.add(n.output().name());
        }
    }

    /** Appends a crossbar layer reading {@code input}. */
    private static void addLayer(
            Program p,
            List<Layer> layers,
            Set<String> idents,
            Node n,
            String input,
            ConvGeometry conv,
            boolean transposed,
            Map<String, Source> src,
            Map<String, Node.McDropout> masked,
            Map<String, Integer> maskUnit0,
            Map<String, Integer> bankOf) {
        Source s = src.get(input);
        if (s == null) throw unsupported(n, "a crossbar layer that does not read comparator outputs");
        Value in = p.graph().value(input);
        Node.McDropout drop = masked.get(input);
        // behind an MC-Dropout mask the layer reads bipolar values with dropped ones gated to 0 (undriven rows)
        ElemType e = drop != null && in.elem().kind() == ElemType.Kind.GATED_BIPOLAR ? ElemType.BIPOLAR : in.elem();
        boolean integer = e.kind() == ElemType.Kind.UINT || e.kind() == ElemType.Kind.INT;
        // the first layer reads the host's integers (8-bit pixels or wider, as before k-bit support)
        if (!e.isBipolar() && !(integer && (layers.isEmpty() || e.bits() <= MAX_BITS))) {
            throw unsupported(n, (layers.isEmpty() ? "a first" : "a hidden") + " layer that reads " + e);
        }
        LayerMap m = p.mapping().layer(n.name());
        layers.add(new Layer(
                layers.size(),
                n,
                ident(n.name(), layers.size(), "", idents),
                m,
                m.k(),
                m.n(),
                e.isBipolar() ? 1 : e.bits(),
                integer,
                e.kind() == ElemType.Kind.INT,
                conv,
                transposed,
                in.shape().size(),
                s,
                null,
                null,
                null,
                drop,
                drop == null ? 0 : maskUnit0.get(input)));
        bankOf.put(n.output().name(), layers.size() - 1);
    }

    static BnncimException unsupported(Node n, String what) {
        return new BnncimException("Verilog backend: " + what + " is not supported (node " + n.name() + ")");
    }

    /**
     * A Verilog identifier that still reads as the ONNX node: non-identifier characters become '_', and the layer
     * number in front keeps it unique and starting with a letter.
     */
    static String ident(String onnx, int layer, String suffix, Set<String> used) {
        String s = onnx.replaceAll("[^A-Za-z0-9_]", "_").replaceAll("_+", "_");
        s = s.replaceAll("^_|_$", "");
        if (s.length() > 40) s = s.substring(0, 40);
        String base = "L" + layer + "_" + (s.isEmpty() ? "node" : s) + (suffix.isEmpty() ? "" : "_" + suffix);
        String id = base;
        for (int i = 2; !used.add(id.toLowerCase(Locale.ROOT)); i++) id = base + "_" + i;
        return id;
    }

    /** The MC-Dropout bank's units: every masked layer input's elements. */
    int dropUnits() {
        int u = 0;
        for (Layer l : layers) if (l.drop() != null) u += l.inSize();
        return u;
    }

    /** The chip hands over the popcounts of every output position of a convolution. */
    boolean popMapOutput() {
        return !mapOutput && !floatOutput() && layers.get(layers.size() - 1).positions() > 1;
    }

    /** The digital unit computes the chip's output: float32 bit patterns. */
    boolean floatOutput() {
        return digital.active() && !mapOutput;
    }

    /** Elements the chip hands over: the output layer's popcounts, or its comparator map. */
    int outputs() {
        return chipOutput.shape().size();
    }

    int maxN() {
        int m = 1;
        for (Layer l : layers) m = Math.max(m, l.n());
        return m;
    }

    /** Largest |popcount| a layer's accumulator can hold; comparators are clamped just outside it. */
    static long bound(Layer l) {
        return (long) l.k() * ((1L << l.inputBits()) - 1);
    }

    /** The bank's three comparator sets (expected, kept, dropped) as one comparator per channel. */
    static ThresholdSet[] sets(Node.Threshold t) {
        if (t.stochastic() == null) return new ThresholdSet[] {t.expected(), t.expected(), t.expected()};
        return new ThresholdSet[] {
            t.expected(), t.stochastic().kept(), t.stochastic().dropped()
        };
    }

    /** The k-bit bank's three comparator sets (expected, kept, dropped), {@code steps} per channel. */
    static LevelSet[] sets(Node.MultiThreshold t) {
        if (t.stochastic() == null) return new LevelSet[] {t.expected(), t.expected(), t.expected()};
        return new LevelSet[] {
            t.expected(), t.stochastic().kept(), t.stochastic().dropped()
        };
    }
}
