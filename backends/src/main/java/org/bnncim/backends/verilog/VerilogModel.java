package org.bnncim.backends.verilog;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bnncim.backends.sim.Program;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;
import org.bnncim.ir.mapping.LayerMap;

/**
 * The part of a program the Verilog datapath implements: a chain of crossbar layers joined by comparators. What
 * comes before the first crossbar layer (reshape, input quantize/binarize) is the host's input periphery, and
 * everything after the last one (float affine, Scale-Dropout on logits, softmax) is the host's float tail; the
 * chip hands over the last layer's integer popcounts. Anything else is refused here, naming the node, so the
 * generator never writes hardware that silently differs from the simulator.
 */
record VerilogModel(Graph graph, List<Layer> layers, Value chipInput, int inputBits, Value chipOutput) {

    /** One crossbar layer and the comparator bank that follows it (null for the last layer). */
    record Layer(
            int index,
            Node.BinaryDense node,
            String ident,
            LayerMap map,
            int k,
            int n,
            int inputBits,
            Node.Threshold threshold,
            String thresholdIdent) {}

    static VerilogModel of(Program p) {
        Graph g = p.graph();
        List<Node> nodes = g.nodes();
        List<Layer> layers = new ArrayList<>();
        Set<String> idents = new HashSet<>();
        Value chipInput = null;
        String expect = null; // value the next crossbar layer must read, via reshapes only
        Node.Threshold pending = null;
        int last = -1;
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i) instanceof Node.BinaryDense || nodes.get(i) instanceof Node.BinaryConv) last = i;
        }
        if (last < 0) throw new BnncimException("Verilog backend: " + g.name() + " has no crossbar layer");
        for (int i = 0; i <= last; i++) {
            Node n = nodes.get(i);
            switch (n) {
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
                case Node.Threshold t -> {
                    if (layers.isEmpty() || pending != null || !t.input().equals(expect)) {
                        throw unsupported(n, "a comparator that does not directly follow a crossbar layer");
                    }
                    pending = t;
                    expect = t.output().name();
                }
                case Node.BinaryDense d -> {
                    Value in = g.value(d.input());
                    int bits = in.elem().isBipolar() ? 1 : in.elem().bits();
                    if (layers.isEmpty()) {
                        if (!in.elem().isBipolar() && in.elem().kind() != ElemType.Kind.UINT) {
                            throw unsupported(n, "a first layer that reads " + in.elem());
                        }
                        chipInput = in;
                    } else {
                        if (pending == null || !d.input().equals(expect)) {
                            throw unsupported(
                                    n, "a crossbar layer that does not read the previous layer's comparators");
                        }
                        if (!in.elem().isBipolar()) throw unsupported(n, "a hidden layer that reads " + in.elem());
                        Layer prev = layers.remove(layers.size() - 1);
                        layers.add(new Layer(
                                prev.index(),
                                prev.node(),
                                prev.ident(),
                                prev.map(),
                                prev.k(),
                                prev.n(),
                                prev.inputBits(),
                                pending,
                                ident(pending.name(), prev.index(), "thr", idents)));
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
                case Node.Quantize q -> throw unsupported(n, "a k-bit activation quantizer (TODO kbit)");
                case Node.MultiThreshold t -> throw unsupported(n, "a k-bit comparator bank (TODO kbit)");
            }
        }
        if (pending != null) throw unsupported(pending, "a comparator after the last crossbar layer");
        for (int i = last + 1; i < nodes.size(); i++) {
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

    /** Width of the hidden activation register: the widest K of any layer after the first. */
    int actWidth() {
        int m = 1;
        for (Layer l : layers) if (l.index() > 0) m = Math.max(m, l.k());
        return m;
    }

    /** Largest |popcount| a layer's accumulator can hold; comparators are clamped just outside it. */
    static long bound(Layer l) {
        return (long) l.k() * ((1L << l.inputBits()) - 1);
    }

    static ThresholdSet[] sets(Node.Threshold t) {
        if (t.stochastic() == null) return new ThresholdSet[] {t.expected(), t.expected(), t.expected()};
        return new ThresholdSet[] {
            t.expected(), t.stochastic().kept(), t.stochastic().dropped()
        };
    }
}
