package org.bnncim.compiler.cost;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.Value;
import org.bnncim.ir.arch.Architecture;

/**
 * The digital datapath beside the crossbars (residual networks, docs/architecture.md "Digital datapath"): shortcut
 * sums, full-precision dense and conv layers, average pooling and max pooling of float values, each costed as a node
 * of its own from the architecture file's fp32 figures.
 *
 * <p>The unit is an array of {@link #LANES} fp32 lanes, each one {@code digital_unit} of area, each doing one fp32 op
 * or one multiply-accumulate per {@code digital_float_op} latency (pipelined). A MAC costs two fp32 ops of energy (a
 * multiply and an add), a bias one add per output, an Add one op per element, an average pool one op per window tap
 * inside the input (the adds and the divide), a float max pool one compare per tap inside. Work spreads over the
 * lanes: latency is {@code ceil(issue slots / LANES)}, a MAC, a bias add, a sum or a tap one slot each. Buffer
 * traffic (energy {@code buffer_per_bit}): every input read and the output written at its element width (32 bits for
 * float32), a layer's float32 weights and bias read once per pass, and an Add's shortcut tensor written once into the
 * shortcut buffer (then read as an input). Area: the lanes, SRAM for the float weights, and a shortcut buffer as
 * large as the largest shortcut tensor.
 */
final class DigitalCost {
    static final int LANES = CostReport.Digital.LANES;

    static final int FLOAT_BITS = 32;

    private DigitalCost() {}

    /**
     * The rows, and what the datapath adds to the chip's area: weight SRAM bits, the shortcut buffer's bits, the
     * skip buffer's (an encoder-decoder's, {@link DecoderCost}) and the input interface's comparators (one per input
     * channel of a binarized input, shared by its positions).
     */
    record Result(
            List<CostReport.Digital> rows, long weightBits, long shortcutBits, long skipBits, int inputComparators) {
        double energyPj(String runsOn) {
            return rows.stream()
                    .filter(r -> r.runsOn().equals(runsOn))
                    .mapToDouble(CostReport.Digital::energyPj)
                    .sum();
        }

        /** Whether some row runs in the digital unit (not only data movement in the periphery). */
        boolean hasDigitalUnit() {
            return rows.stream().anyMatch(r -> r.runsOn().equals(CostReport.Digital.DIGITAL_UNIT));
        }

        double latencyNs() {
            return rows.stream().mapToDouble(CostReport.Digital::latencyNs).sum();
        }

        /** Area in µm² of the lanes and the weight SRAM (the shortcut buffer counts as buffers); 0 without a unit. */
        double unitArea(Architecture a) {
            return !hasDigitalUnit()
                    ? 0
                    : LANES * a.area().digitalUnit() + weightBits * a.area().bufferPerBit();
        }
    }

    /**
     * The datapath's rows in graph order. {@code tails}: names of the float nodes a crossbar layer's periphery already
     * counts (scale, batch norm and the like right after its popcount); every other elementwise float node (an affine
     * chain after a shortcut sum or a full-precision layer, a sign or quantizer of float values, a softmax) is a row.
     */
    static Result of(Graph g, Architecture a, Set<String> tails) {
        Map<String, Integer> producer = new HashMap<>();
        for (Value v : g.inputs()) producer.put(v.name(), -1);
        List<Node> nodes = g.nodes();
        for (int i = 0; i < nodes.size(); i++)
            producer.put(nodes.get(i).output().name(), i);
        List<CostReport.Digital> rows = new ArrayList<>();
        long weightBits = 0, maxShortcut = 0;
        int inputComparators = 0;
        for (Node n : nodes) {
            long out = n.output().shape().size();
            long in = bits(g.value(n.inputs().get(0)));
            long macs = 0, ops, slots, buffers = in + bits(n.output()), shortcut = 0;
            String detail;
            switch (n) {
                case DigitalNode.Add ad -> {
                    String a0 = ad.a(), b0 = ad.b();
                    // the shortcut is the input made earlier: it waits in the shortcut buffer for the main path
                    String sc = producer.getOrDefault(a0, -1) < producer.getOrDefault(b0, -1) ? a0 : b0;
                    shortcut = bits(g.value(sc));
                    buffers += bits(g.value(b0)) + shortcut;
                    ops = slots = out;
                    detail = "fp32 add, shortcut " + sc + " buffered (" + shortcut + " bits)";
                }
                case DigitalNode.FloatDense d -> {
                    macs = (long) d.k() * d.n();
                    long w = (macs + d.bias().length) * FLOAT_BITS;
                    weightBits += w;
                    buffers += w;
                    ops = 2 * macs + d.bias().length;
                    slots = macs + d.bias().length;
                    detail = "fp32 MACs " + macs + (d.bias().length > 0 ? " + bias" : "");
                }
                case DigitalNode.FloatConv c -> {
                    macs = convMacs(c, g.value(c.input()).shape(), c.output().shape());
                    long w = ((long) c.weights().length + c.bias().length) * FLOAT_BITS;
                    weightBits += w;
                    buffers += w;
                    long bias = c.bias().length == 0 ? 0 : out;
                    ops = 2 * macs + bias;
                    slots = macs + bias;
                    detail = "fp32 MACs " + macs + (bias > 0 ? " + bias" : "");
                }
                case Node.AvgPool p -> {
                    ops = slots = poolTaps(
                            p.kernel(),
                            p.strides(),
                            p.pads(),
                            g.value(p.input()).shape(),
                            p.output().shape());
                    detail = "fp32 adds and divides " + ops;
                }
                // a max pool on float32 values (a ResNet stem's): one compare per window tap inside the input
                case Node.MaxPool p
                when g.value(p.input()).elem().isFloat() -> {
                    ops = slots = poolTaps(
                            p.kernel(),
                            p.strides(),
                            p.pads(),
                            g.value(p.input()).shape(),
                            p.output().shape());
                    detail = "fp32 compares " + ops;
                }
                // a max pool on popcounts or activations runs in its crossbar layer's periphery: compares of words
                // as wide as the pooled values (a popcount as wide as its layer's partial sums), a tree per output
                case Node.MaxPool p -> {
                    rows.add(peripheryPool(p, g, a));
                    continue;
                }
                case Node.InputQuantize q -> {
                    rows.add(inputQuantize(q, a));
                    continue;
                }
                case Node.InputBinarize b -> {
                    rows.add(inputBinarize(b, g, a));
                    Shape is = g.value(b.input()).shape();
                    inputComparators += is.rank() == 3 ? is.dim(0) : is.size();
                    continue;
                }
                case Node.Affine af
                when !tails.contains(af.name()) -> {
                    ops = slots = out * af.steps().size();
                    detail = "fp32 "
                            + af.steps().stream()
                                    .map(st -> st.op().name().toLowerCase(java.util.Locale.ROOT))
                                    .collect(java.util.stream.Collectors.joining(", "))
                            + " per element";
                }
                case Node.Softmax sm
                when !tails.contains(sm.name()) -> {
                    ops = slots = 3 * out;
                    detail = "fp32 exp, sum and divide per element";
                }
                // binarizing or quantizing computed float values (a real-valued shortcut sum before the next
                // crossbar): one compare per element and level. A popcount's comparators belong to its crossbar
                // layer; converting the model's input is the input interface's, as InputBinarize/InputQuantize are
                case Node.Sign sg
                when computedFloat(g, producer, sg.input()) -> {
                    ops = slots = out;
                    detail = "fp32 compares against 0: " + ops;
                }
                case Node.Quantize q
                when computedFloat(g, producer, q.input()) -> {
                    ops = slots = out * q.steps();
                    detail = "fp32 compares against " + q.steps() + " level boundaries: " + ops;
                }
                case DecoderNode d -> {
                    CostReport.Digital row = DecoderCost.row(d, g, a, producer);
                    if (row != null) rows.add(row);
                    continue;
                }
                // exhaustive, so that a new node kind does not compile until it is costed somewhere: crossbar layers,
                // their comparators and their float tails are the layer rows' (CostModel), a reshape moves no data,
                // McDropout's masks are the stochastic units' and a tail step was matched above when it is not one
                case Node.BinaryDense d -> {
                    continue;
                }
                case Node.BinaryConv c -> {
                    continue;
                }
                case Node.Threshold t -> {
                    continue;
                }
                case Node.MultiThreshold t -> {
                    continue;
                }
                case Node.ScaleDropout sd -> {
                    continue;
                }
                case Node.Reshape r -> {
                    continue;
                }
                case Node.McDropout md -> {
                    continue;
                }
                case Node.Affine af -> {
                    continue;
                }
                case Node.Softmax sm -> {
                    continue;
                }
                // a popcount's comparator (the layer's) or the model input's (the input interface's)
                case Node.Sign sg -> {
                    continue;
                }
                case Node.Quantize q -> {
                    continue;
                }
            }
            maxShortcut = Math.max(maxShortcut, shortcut);
            Map<String, Double> br = new LinkedHashMap<>();
            br.put("fp32", ops * a.energy().digitalFloatOp());
            br.put("buffers", buffers * a.energy().bufferPerBit());
            double latency = Math.ceilDiv(slots, LANES) * a.latency().digitalFloatOp();
            rows.add(new CostReport.Digital(
                    n.name(),
                    n.opName(),
                    CostReport.Digital.DIGITAL_UNIT,
                    out,
                    macs,
                    ops,
                    buffers,
                    shortcut,
                    detail,
                    br.values().stream().mapToDouble(Double::doubleValue).sum(),
                    latency,
                    br));
        }
        return new Result(rows, weightBits, maxShortcut, DecoderCost.skipBits(g, producer), inputComparators);
    }

    /**
     * An integer max pool in the periphery: per output, one compare fewer than its window's taps inside the input,
     * each as costly as an adder of the pooled width; a compare tree per output, all outputs in parallel. Its
     * input and output buffer traffic is the crossbar layer's and the next layer's, so it is not counted again.
     */
    private static CostReport.Digital peripheryPool(Node.MaxPool p, Graph g, Architecture a) {
        Shape is = g.value(p.input()).shape(), os = p.output().shape();
        long out = os.size();
        long taps = poolTaps(p.kernel(), p.strides(), p.pads(), is, os);
        long compares = Math.max(0, taps - out);
        int width = PsumWidth.ofValue(g, p.input());
        int window = p.kernel()[0] * p.kernel()[1];
        int depth = window <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(window - 1); // ceil(log2(window))
        Map<String, Double> br = new LinkedHashMap<>();
        br.put("adder_trees", compares * width * a.energy().adderPerBit());
        return new CostReport.Digital(
                p.name(),
                p.opName(),
                CostReport.Digital.PERIPHERY_LOGIC,
                out,
                0,
                0,
                0,
                0,
                compares + " compares of " + width + "-bit values (" + p.kernel()[0] + "x" + p.kernel()[1]
                        + " windows, a tree of depth " + depth + " per output); buffers counted with the layers",
                br.get("adder_trees"),
                depth * a.latency().adderStage(),
                br);
    }

    /**
     * The input interface of a bit-serial first layer: the k-bit words round(x * levels) come from where the data is
     * made (an image sensor's 8-bit pixels), so the chip's cost is writing them into the input buffer; the layer's
     * reads of them, plane by plane, are the layer's. Written while the previous example runs (double-buffered), so
     * it adds no latency.
     */
    private static CostReport.Digital inputQuantize(Node.InputQuantize q, Architecture a) {
        long out = q.output().shape().size();
        long bits = out * q.bits();
        Map<String, Double> br = new LinkedHashMap<>();
        br.put("buffers", bits * a.energy().bufferPerBit());
        return new CostReport.Digital(
                q.name(),
                q.opName(),
                CostReport.Digital.PERIPHERY_LOGIC,
                out,
                0,
                0,
                bits,
                0,
                "input interface: " + out + " " + q.bits() + "-bit words written into the input buffer (" + bits
                        + " bits), overlapped with the previous example",
                br.get("buffers"),
                0,
                br);
    }

    /**
     * A binarized model input: one compare per element against its channel's threshold (the input arrives as words,
     * as for {@link #inputQuantize}), and the bits written into the input buffer. The comparators are those of one
     * input position (a dense input's elements, a conv input's channels), pipelined with the first layer's reads,
     * so one comparator delay of latency.
     */
    private static CostReport.Digital inputBinarize(Node.InputBinarize b, Graph g, Architecture a) {
        long out = b.output().shape().size();
        Map<String, Double> br = new LinkedHashMap<>();
        br.put("thresholds", out * a.energy().threshold());
        br.put("buffers", out * a.energy().bufferPerBit());
        return new CostReport.Digital(
                b.name(),
                b.opName(),
                CostReport.Digital.PERIPHERY_LOGIC,
                out,
                0,
                0,
                out,
                0,
                "input interface: " + out + " compares against "
                        + (b.t().length == 1 ? "one threshold" : b.t().length + " per-channel thresholds") + ", " + out
                        + " bits written into the input buffer",
                br.get("thresholds") + br.get("buffers"),
                a.latency().threshold(),
                br);
    }

    private static boolean computedFloat(Graph g, Map<String, Integer> producer, String v) {
        return producer.getOrDefault(v, -1) >= 0 && g.value(v).elem().isFloat();
    }

    private static long bits(Value v) {
        return (long) v.shape().size() * v.elem().bits();
    }

    /** Multiply-accumulates a float conv performs: taps inside the input (zero padding is skipped). */
    static long convMacs(DigitalNode.FloatConv c, Shape is, Shape os) {
        int[] s = c.strides(), p = c.pads(), d = c.dilations();
        long rows = taps(os.dim(1), is.dim(1), c.kh(), s[0], p[0], d[0]);
        long cols = taps(os.dim(2), is.dim(2), c.kw(), s[1], p[1], d[1]);
        return rows * cols * os.dim(0) * (c.inChannels() / c.group());
    }

    /** Window taps inside the input summed over the outputs of an average pool (its adds plus its divides). */
    static long poolTaps(int[] k, int[] s, int[] p, Shape is, Shape os) {
        return taps(os.dim(1), is.dim(1), k[0], s[0], p[0], 1)
                * taps(os.dim(2), is.dim(2), k[1], s[1], p[1], 1)
                * os.dim(0);
    }

    /** Over {@code out} output positions along one axis, the kernel taps that land inside [0, size). */
    private static long taps(int out, int size, int k, int stride, int pad, int dilation) {
        long t = 0;
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < k; i++) {
                int x = o * stride - pad + i * dilation;
                if (x >= 0 && x < size) t++;
            }
        }
        return t;
    }
}
