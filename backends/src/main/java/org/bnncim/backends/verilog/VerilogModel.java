package org.bnncim.backends.verilog;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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
 * The part of a program the Verilog datapath implements: a chain of crossbar layers (dense, or convolutions run
 * once per output position) joined by comparator banks (bipolar {@link Node.Threshold} or k-bit
 * {@link Node.MultiThreshold}), each optionally followed by a max pool. What comes before the first crossbar
 * layer (reshape, input quantize/binarize, a float k-bit quantize) is the host's input periphery, and
 * everything after the last one (float affine, Scale-Dropout on logits, softmax) is the host's float tail; the
 * chip hands over the last layer's integer popcounts. Anything else is refused here, naming the node, so the
 * generator never writes hardware that silently differs from the simulator.
 */
record VerilogModel(Graph graph, List<Layer> layers, Value chipInput, int inputBits, Value chipOutput) {
    /** Widest k-bit activation a hidden crossbar layer reads bit-serially (the design's limit: k <= 8). */
    static final int MAX_BITS = 8;

    /**
     * One crossbar layer and the comparator bank that follows it (null for the last layer). {@code inputBits} is
     * the number of bit planes the layer reads: 1 for a bipolar input, k for a k-bit integer read bit-serially
     * ({@code serial}); a signed input's last plane has weight -2^(k-1) ({@code signedInput}). The bank is a
     * {@link Node.Threshold} (one comparator per neuron, bipolar output) or a {@link Node.MultiThreshold}
     * ({@code steps} comparators per neuron, a k-bit output). A convolution ({@code conv} non-null) runs the same
     * reads once per output position, its window gathered from the input map ({@code inSize} elements, CHW); a
     * dense layer has one position. {@code pool}: a max pool on the bank's output map, before the next layer.
     * {@code drop}: the MC-Dropout mask on this layer's input (its units from {@code dropUnit0} of the bank).
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
            int inSize,
            Node threshold,
            String thresholdIdent,
            PoolGeometry pool,
            Node.McDropout drop,
            int dropUnit0) {
        Layer withBank(Node bank, String bankIdent, PoolGeometry pooled) {
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
                    inSize,
                    bank,
                    bankIdent,
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
    }

    static VerilogModel of(Program p) {
        Graph g = p.graph();
        List<Node> nodes = g.nodes();
        List<Layer> layers = new ArrayList<>();
        Set<String> idents = new HashSet<>();
        Value chipInput = null;
        String expect = null; // value the next crossbar layer must read, via reshapes only
        Node pending = null; // the Threshold or MultiThreshold after the previous crossbar layer
        PoolGeometry pendingPool = null; // a max pool on that bank's output
        Node.McDropout pendingDrop = null; // an MC-Dropout mask on what the next layer reads
        int units = 0; // MC-Dropout units so far (the bank's numbering: McDropout elements in graph order)
        int last = -1;
        // every crossbar layer, a transposed conv's too: the walk below must reach it (and refuse it in graph order)
        for (int i = 0; i < nodes.size(); i++)
            if (nodes.get(i).crossbarWeights().isPresent()) last = i;
        if (last < 0) throw new BnncimException("Verilog backend: " + g.name() + " has no crossbar layer");
        for (int i = 0; i <= last; i++) {
            Node n = nodes.get(i);
            switch (n) {
                case DecoderNode d -> throw decoder(d);
                case Node.McDropout m -> {
                    if (layers.isEmpty()) throw unsupported(n, "an MC-Dropout mask on the chip input");
                    if (pending == null || pendingDrop != null || !m.input().equals(expect)) {
                        throw unsupported(n, "an MC-Dropout mask that does not directly follow a comparator bank");
                    }
                    if (!g.value(m.input()).elem().isBipolar()) {
                        throw unsupported(
                                n, "an MC-Dropout mask on " + g.value(m.input()).elem() + " values");
                    }
                    pendingDrop = m;
                    expect = m.output().name();
                }
                case Node.Reshape r -> {
                    // a flatten keeps the CHW order the activation buffer holds
                    if (expect != null && r.input().equals(expect))
                        expect = r.output().name();
                }
                case Node.InputQuantize q -> {
                    if (!layers.isEmpty()) throw unsupported(n, "input periphery after a crossbar layer");
                }
                case Node.InputBinarize b -> {
                    if (!layers.isEmpty()) throw unsupported(n, "input periphery after a crossbar layer");
                }
                // a float k-bit quantizer before the first crossbar layer is input periphery: the host applies it
                // and the chip reads its integers bit-serially, as after InputQuantize
                case Node.Quantize q -> {
                    if (!layers.isEmpty()) throw unsupported(n, "a float k-bit quantizer after a crossbar layer");
                }
                case Node.Threshold t -> {
                    if (layers.isEmpty() || pending != null || !t.input().equals(expect)) {
                        throw unsupported(n, "a comparator that does not directly follow a crossbar layer");
                    }
                    pending = t;
                    expect = t.output().name();
                }
                case Node.MultiThreshold t -> {
                    if (layers.isEmpty() || pending != null || !t.input().equals(expect)) {
                        throw unsupported(n, "a k-bit comparator bank that does not directly follow a crossbar layer");
                    }
                    if (t.output().elem().bits() > MAX_BITS) {
                        throw unsupported(
                                n, "a comparator bank producing " + t.output().elem());
                    }
                    pending = t;
                    expect = t.output().name();
                }
                case Node.MaxPool mp -> {
                    if (layers.isEmpty()) throw unsupported(n, "a max pool before the first crossbar layer");
                    if (pending == null) throw unsupported(n, "a max pool on popcounts (before the comparators)");
                    if (pendingDrop != null) throw unsupported(n, "a max pool after an MC-Dropout mask");
                    if (pendingPool != null || !mp.input().equals(expect)) {
                        throw unsupported(n, "a max pool that does not directly follow a comparator bank");
                    }
                    Value in = g.value(mp.input());
                    if (in.shape().rank() != 3) throw unsupported(n, "a max pool over a " + in.shape() + " map");
                    pendingPool =
                            PoolGeometry.of(mp.window(), in.shape(), mp.output().shape());
                    expect = mp.output().name();
                }
                case Node.BinaryDense d -> {
                    addLayer(p, layers, idents, d, d.input(), null, pending, pendingPool, expect, pendingDrop, units);
                    if (layers.size() == 1) chipInput = g.value(d.input());
                    if (pendingDrop != null)
                        units += pendingDrop.output().shape().size();
                    pending = null;
                    pendingPool = null;
                    pendingDrop = null;
                    expect = d.output().name();
                }
                case Node.BinaryConv c -> {
                    Value in = g.value(c.input());
                    if (in.shape().rank() != 3) throw unsupported(n, "a convolution over a " + in.shape() + " input");
                    ConvGeometry geo = ConvGeometry.of(c, in.shape(), c.output().shape());
                    addLayer(p, layers, idents, c, c.input(), geo, pending, pendingPool, expect, pendingDrop, units);
                    if (layers.size() == 1) chipInput = in;
                    if (pendingDrop != null)
                        units += pendingDrop.output().shape().size();
                    pending = null;
                    pendingPool = null;
                    pendingDrop = null;
                    expect = c.output().name();
                }
                // the float and pooling periphery runs on the host, after the chip's last layer only
                case Node.Sign s -> throw unsupported(n, n.opName() + " before the last crossbar layer");
                case Node.ScaleDropout s -> throw unsupported(n, n.opName() + " before the last crossbar layer");
                case Node.Affine a -> throw unsupported(n, n.opName() + " before the last crossbar layer");
                case Node.AvgPool a -> throw unsupported(n, n.opName() + " before the last crossbar layer");
                case Node.Softmax s -> throw unsupported(n, n.opName() + " before the last crossbar layer");
                // the digital datapath of residual networks (docs/verilog.md): not emitted yet
                case DigitalNode.Add a -> throw unsupported(n, "a residual add (digital datapath)");
                case DigitalNode.FloatDense d -> throw unsupported(n, "a full-precision dense layer (digital unit)");
                case DigitalNode.FloatConv c -> throw unsupported(n, "a full-precision convolution (digital unit)");
            }
        }
        if (pending != null) throw unsupported(pending, "a comparator after the last crossbar layer");
        for (int i = last + 1; i < nodes.size(); i++) {
            // the host's float tail cannot hold the per-pixel kinds either
            if (nodes.get(i) instanceof DecoderNode d) throw decoder(d);
            Node n = nodes.get(i);
            if (n instanceof Node.BinaryConv || n instanceof Node.BinaryDense || n instanceof Node.McDropout) {
                throw unsupported(n, "crossbar work after the output layer");
            }
        }
        Layer out = layers.get(layers.size() - 1);
        if (out.positions() != 1) {
            throw unsupported(out.node(), "a convolution as the output layer (the chip hands over one vector)");
        }
        return new VerilogModel(
                g,
                List.copyOf(layers),
                chipInput,
                layers.get(0).inputBits(),
                out.node().output());
    }

    /** Appends a crossbar layer, giving the previous layer the bank (and pool) it feeds through. */
    private static void addLayer(
            Program p,
            List<Layer> layers,
            Set<String> idents,
            Node n,
            String input,
            ConvGeometry conv,
            Node pending,
            PoolGeometry pool,
            String expect,
            Node.McDropout drop,
            int dropUnit0) {
        Value in = p.graph().value(input);
        // behind an MC-Dropout mask the layer reads bipolar values with dropped ones gated to 0 (undriven rows)
        ElemType e = drop != null && in.elem().kind() == ElemType.Kind.GATED_BIPOLAR ? ElemType.BIPOLAR : in.elem();
        boolean integer = e.kind() == ElemType.Kind.UINT || e.kind() == ElemType.Kind.INT;
        // the first layer reads the host's integers (8-bit pixels or wider, as before k-bit support)
        if (!e.isBipolar() && !(integer && (layers.isEmpty() || e.bits() <= MAX_BITS))) {
            throw unsupported(n, (layers.isEmpty() ? "a first" : "a hidden") + " layer that reads " + e);
        }
        if (!layers.isEmpty()) {
            if (pending == null || !input.equals(expect)) {
                throw unsupported(n, "a crossbar layer that does not read the previous layer's comparators");
            }
            Layer prev = layers.remove(layers.size() - 1);
            layers.add(prev.withBank(pending, ident(pending.name(), prev.index(), "thr", idents), pool));
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
                in.shape().size(),
                null,
                null,
                null,
                drop,
                dropUnit0));
    }

    /** Encoder-decoder graphs are not emitted yet: one line naming the node and its kind. */
    private static BnncimException decoder(DecoderNode d) {
        return unsupported(
                d,
                switch (d) {
                    case DecoderNode.Resize r -> "an upsampling (Resize)";
                    case DecoderNode.Concat c -> "a skip concatenation";
                    case DecoderNode.BinaryConvTranspose t -> "a transposed convolution";
                    case DecoderNode.PixelSoftmax s -> "a per-pixel softmax";
                    case DecoderNode.Sigmoid s -> "a sigmoid";
                });
    }

    private static BnncimException unsupported(Node n, String what) {
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

    int outputs() {
        return layers.get(layers.size() - 1).n();
    }

    int maxN() {
        int m = 1;
        for (Layer l : layers) m = Math.max(m, l.n());
        return m;
    }

    /**
     * Elements per bit plane of the activation buffers: the widest input map of a layer after the first, or output
     * map of a bank (before its pool).
     */
    int actWidth() {
        int m = 1;
        for (Layer l : layers) {
            if (l.index() > 0) m = Math.max(m, l.inSize());
            if (l.threshold() != null) m = Math.max(m, l.outSize());
        }
        return m;
    }

    /** Bit planes of the hidden activation register: the widest k-bit activation a layer after the first reads. */
    int actPlanes() {
        int m = 1;
        for (Layer l : layers) if (l.index() > 0) m = Math.max(m, l.inputBits());
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
