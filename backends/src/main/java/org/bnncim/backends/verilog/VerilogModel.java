package org.bnncim.backends.verilog;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bnncim.backends.sim.Program;
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
 * The part of a program the Verilog datapath implements: a chain of crossbar layers joined by comparator banks
 * (bipolar {@link Node.Threshold} or k-bit {@link Node.MultiThreshold}). What comes before the first crossbar
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
     * ({@code steps} comparators per neuron, a k-bit output).
     */
    record Layer(
            int index,
            Node.BinaryDense node,
            String ident,
            LayerMap map,
            int k,
            int n,
            int inputBits,
            boolean serial,
            boolean signedInput,
            Node threshold,
            String thresholdIdent) {
        Layer withBank(Node bank, String bankIdent) {
            return new Layer(index, node, ident, map, k, n, inputBits, serial, signedInput, bank, bankIdent);
        }

        /** The bank is a k-bit {@link Node.MultiThreshold}. */
        boolean multi() {
            return threshold instanceof Node.MultiThreshold;
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
        int last = -1;
        // every crossbar layer, a transposed conv's too: the walk below must reach it (and refuse it in graph order)
        for (int i = 0; i < nodes.size(); i++)
            if (nodes.get(i).crossbarWeights().isPresent()) last = i;
        if (last < 0) throw new BnncimException("Verilog backend: " + g.name() + " has no crossbar layer");
        for (int i = 0; i <= last; i++) {
            Node n = nodes.get(i);
            switch (n) {
                case DecoderNode d -> throw decoder(d);
                case Node.BinaryConv c ->
                    throw new BnncimException("Verilog backend: conv not supported yet (node " + c.name() + ")");
                case Node.McDropout m -> throw unsupported(n, "an MC-Dropout mask");
                case Node.Reshape r -> {
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
                case Node.BinaryDense d -> {
                    Value in = g.value(d.input());
                    ElemType e = in.elem();
                    boolean integer = e.kind() == ElemType.Kind.UINT || e.kind() == ElemType.Kind.INT;
                    // the first layer reads the host's integers (8-bit pixels or wider, as before k-bit support)
                    if (!e.isBipolar() && !(integer && (layers.isEmpty() || e.bits() <= MAX_BITS))) {
                        throw unsupported(n, (layers.isEmpty() ? "a first" : "a hidden") + " layer that reads " + e);
                    }
                    int bits = e.isBipolar() ? 1 : e.bits();
                    if (layers.isEmpty()) {
                        chipInput = in;
                    } else {
                        if (pending == null || !d.input().equals(expect)) {
                            throw unsupported(
                                    n, "a crossbar layer that does not read the previous layer's comparators");
                        }
                        Layer prev = layers.remove(layers.size() - 1);
                        layers.add(prev.withBank(pending, ident(pending.name(), prev.index(), "thr", idents)));
                        pending = null;
                    }
                    LayerMap m = p.mapping().layer(d.name());
                    layers.add(new Layer(
                            layers.size(),
                            d,
                            ident(d.name(), layers.size(), "", idents),
                            m,
                            m.k(),
                            m.n(),
                            bits,
                            integer,
                            e.kind() == ElemType.Kind.INT,
                            null,
                            null));
                    expect = d.output().name();
                }
                // the float and pooling periphery runs on the host, after the chip's last layer only
                case Node.Sign s -> throw unsupported(n, n.opName() + " before the last crossbar layer");
                case Node.ScaleDropout s -> throw unsupported(n, n.opName() + " before the last crossbar layer");
                case Node.Affine a -> throw unsupported(n, n.opName() + " before the last crossbar layer");
                case Node.MaxPool m -> throw unsupported(n, n.opName() + " before the last crossbar layer");
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
        return new VerilogModel(
                g,
                List.copyOf(layers),
                chipInput,
                layers.get(0).inputBits(),
                out.node().output());
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

    int outputs() {
        return layers.get(layers.size() - 1).n();
    }

    int maxN() {
        int m = 1;
        for (Layer l : layers) m = Math.max(m, l.n());
        return m;
    }

    /** Elements per bit plane of the hidden activation register: the widest K of any layer after the first. */
    int actWidth() {
        int m = 1;
        for (Layer l : layers) if (l.index() > 0) m = Math.max(m, l.k());
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
