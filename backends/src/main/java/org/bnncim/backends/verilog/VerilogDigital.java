package org.bnncim.backends.verilog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.kernels.PoolGeometry;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Value;

/**
 * The digital unit of residual networks: the float32 nodes between crossbar layers (and after the last one, up to
 * what the host's tail reads), evaluated element by element into one buffer per value, in graph order. Values that
 * depend on the example alone (the stem, and float nodes reading only stem values, such as resnet's average-pooled
 * 1x1 shortcut convolution) stay on the host and come in on the input bus as float32 words; popcounts that float
 * nodes read are kept per output position ({@code pv<layer>}) and read through {@code TensorType.toReal}.
 */
final class VerilogDigital {
    /**
     * One float node on the chip: {@code size} output elements, {@code per} per channel, run after layer
     * {@code after}'s reads; {@code reads} are its inputs' element expressions ({@code %s}: the element index).
     */
    record Op(int index, Node node, int size, int per, int after, List<String> reads, int bit) {
        boolean sign() {
            return node instanceof Node.Sign;
        }
    }

    private final Graph g;
    private final Set<String> host = new HashSet<>();
    private final Map<String, String> real = new HashMap<>();
    private final List<Op> ops = new ArrayList<>();
    private final Map<String, Integer> hostIns = new LinkedHashMap<>();
    private final Set<Integer> kept = new HashSet<>();
    private final Map<String, Integer> opOf = new HashMap<>();
    private int hostWords;
    private String lastValue;

    VerilogDigital(Graph g, int first) {
        this.g = g;
        for (Value v : g.inputs()) host.add(v.name());
        for (int i = 0; i < first; i++) host.add(g.nodes().get(i).output().name());
    }

    List<Op> ops() {
        return ops;
    }

    /** Host float values the chip reads, in bus order (value name -> first word). */
    Map<String, Integer> hostInputs() {
        return hostIns;
    }

    int hostWords() {
        return hostWords;
    }

    /** Layers whose popcounts the digital unit reads: kept per position instead of going to a comparator bank. */
    Set<Integer> kept() {
        return kept;
    }

    /** The value the digital unit computed last (the chip output when it runs after the last crossbar layer). */
    String lastValue() {
        return lastValue;
    }

    /** The op whose buffer holds {@code value} (through reshapes), or -1. */
    int opOf(String value) {
        return opOf.getOrDefault(value, -1);
    }

    boolean active() {
        return !ops.isEmpty();
    }

    /** A float value the digital unit or the host holds. */
    boolean knows(String v) {
        return real.containsKey(v) || host.contains(v);
    }

    /** The tail's nodes the chip evaluates after the last crossbar layer: those reading only what it holds. */
    boolean tailNode(Node n, Map<String, Integer> bankOf) {
        boolean kind = n instanceof Node.Affine
                || n instanceof DigitalNode.Add
                || n instanceof Node.ScaleDropout
                || n instanceof Node.AvgPool
                || n instanceof Node.Reshape;
        if (!kind) return false;
        for (String in : n.inputs()) if (!knows(in) && !bankOf.containsKey(in)) return false;
        return true;
    }

    /**
     * Adds float node {@code n} after layer {@code after}; gives the bipolar map a Sign produces as a source for
     * later layers.
     */
    VerilogModel.Source add(Program program, Node n, int after, Map<String, Integer> bankOf) {
        boolean allHost = n.inputs().stream().allMatch(host::contains);
        if (allHost && !(n instanceof Node.ScaleDropout) && !(n instanceof Node.Sign)) {
            // a function of the example alone: the host computes it once, like the stem
            host.add(n.output().name());
            return null;
        }
        List<String> reads = new ArrayList<>();
        for (String in : n.inputs()) reads.add(read(n, in, bankOf));
        if (n instanceof Node.Reshape) {
            real.put(n.output().name(), reads.get(0));
            Integer from = opOf.get(n.inputs().get(0));
            if (from != null) opOf.put(n.output().name(), from);
            lastValue = n.output().name();
            return null;
        }
        switch (n) {
            case Node.Affine a -> {}
            case DigitalNode.Add a -> {}
            case Node.ScaleDropout s -> {}
            case Node.AvgPool a -> {}
            case Node.Sign s -> {}
            default -> throw VerilogModel.unsupported(n, n.opName() + " on values computed on the chip");
        }
        Value in = g.value(n.inputs().get(0));
        int bit = n instanceof Node.ScaleDropout ? program.stochasticBit(n) : -1;
        Op op = new Op(ops.size(), n, n.output().shape().size(), in.shape().perChannel(), after, reads, bit);
        ops.add(op);
        lastValue = n.output().name();
        opOf.put(lastValue, op.index());
        if (op.sign()) {
            // a float node reading the map sees +1 / -1 through toReal
            real.put(
                    n.output().name(),
                    String.format(
                            Locale.ROOT,
                            "fp32_real(smap%d[%%s] ? 32'd1 : 32'hffffffff, 64'h%016x)",
                            op.index(),
                            Double.doubleToRawLongBits(n.output().type().scale())));
            return new VerilogModel.Source.Signed(op.index());
        }
        real.put(n.output().name(), "fv" + op.index() + "[%s]");
        return null;
    }

    private String read(Node n, String in, Map<String, Integer> bankOf) {
        String r = real.get(in);
        if (r != null) return r;
        if (host.contains(in)) {
            // the host sends any value as the float32 words toReal gives
            Value v = g.value(in);
            Integer at = hostIns.get(in);
            if (at == null) {
                at = hostWords;
                hostIns.put(in, at);
                hostWords += v.shape().size();
            }
            return "finp[(" + at + " + (%s))*32 +: 32]";
        }
        Integer l = bankOf.get(in);
        if (l == null) throw VerilogModel.unsupported(n, "a float node reading " + in);
        kept.add(l);
        double scale = g.value(in).type().scale();
        r = String.format(Locale.ROOT, "fp32_real(pv%d[%%s], 64'h%016x)", l, Double.doubleToRawLongBits(scale));
        real.put(in, r);
        return r;
    }

    /** The window geometry of an average pool op. */
    PoolGeometry pool(Op op) {
        Node.AvgPool a = (Node.AvgPool) op.node();
        return PoolGeometry.of(
                a.window(), g.value(a.input()).shape(), a.output().shape());
    }
}
