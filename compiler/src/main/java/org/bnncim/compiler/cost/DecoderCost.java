package org.bnncim.compiler.cost;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Value;
import org.bnncim.ir.arch.Architecture;

/**
 * The encoder-decoder kinds outside the crossbars (docs/architecture.md "Encoder-decoder"): upsampling and skip
 * concatenation move data in the periphery's buffers, the per-pixel output activations run in the digital unit.
 *
 * <p>A Resize materialises its output in the activation buffer so that the reader's windows address it like any
 * other map: every output element is read from the source and written once at its element width, no fp32 op; the
 * moves are issued {@link DigitalCost#LANES} per {@code digital_float_op} cycle, like the digital unit's lanes. A
 * Concat is a view; only its skip sources (every source but the one produced last) cost: each is written once into
 * the skip buffer when produced and read once when the Concat's reader reads it, with no latency of its own (the
 * write overlaps its producer's output, the read the reader's input). The skip buffer holds the most skip bits live
 * at once. A pixel softmax is 3 fp32 ops per element (subtract the max and exp, add to the sum, divide) plus a
 * per-pixel divide (the reciprocal of the sum); a sigmoid 3 per element (exp, add 1, divide).
 */
final class DecoderCost {
    /** fp32 operations per element of a sigmoid: exp(-x), 1 + e, and the divide. */
    static final int SIGMOID_OPS = 3;

    /** fp32 operations per element of a pixel softmax (max-subtract and exp, sum, scale), besides one per pixel. */
    static final int SOFTMAX_OPS = 3;

    private DecoderCost() {}

    /**
     * The row of one decoder node, or null for the transposed conv (a crossbar layer). {@code producer}: the graph
     * position of each value's producer, -1 for the graph's inputs.
     */
    static CostReport.Digital row(DecoderNode n, Graph g, Architecture a, Map<String, Integer> producer) {
        long out = n.output().shape().size();
        return switch (n) {
            case DecoderNode.BinaryConvTranspose c -> null;
            case DecoderNode.Resize r -> {
                long moved = 2 * bits(r.output());
                int s = r.replicationFactor();
                yield periphery(
                        n,
                        out,
                        moved,
                        0,
                        Math.ceilDiv(out, DigitalCost.LANES) * a.latency().digitalFloatOp(),
                        "address generation" + (s > 0 ? " x" + s : "") + ": " + out + " elements read and written at "
                                + r.output().elem().bits() + " bit(s)",
                        a);
            }
            case DecoderNode.Concat c -> {
                List<String> skips = skips(c, producer);
                long skip = 0;
                for (String v : skips) skip += bits(g.value(v));
                yield periphery(
                        n,
                        out,
                        2 * skip,
                        skip,
                        0,
                        "view: the reader's word lines take every source; skip " + String.join(", ", skips)
                                + " buffered (" + skip + " bits, written once, read once)",
                        a);
            }
            case DecoderNode.PixelSoftmax s -> {
                long pixels =
                        (long) s.output().shape().dim(1) * s.output().shape().dim(2);
                yield unit(
                        n,
                        out,
                        SOFTMAX_OPS * out + pixels,
                        bits(g.value(s.input())) + bits(s.output()),
                        "fp32 max, exp, sum and divide over "
                                + s.output().shape().dim(0) + " channels at " + pixels + " pixels",
                        a);
            }
            case DecoderNode.Sigmoid s ->
                unit(
                        n,
                        out,
                        SIGMOID_OPS * out,
                        bits(g.value(s.input())) + bits(s.output()),
                        "fp32 exp, add and divide per element",
                        a);
        };
    }

    /**
     * The most skip-buffer bits live at once: a skip source occupies it from its producer to its Concat, in graph
     * order (the schedule); nested U-Net levels hold their skips together.
     */
    static long skipBits(Graph g, Map<String, Integer> producer) {
        List<long[]> live = new ArrayList<>(); // {from, to, bits}
        for (int i = 0; i < g.nodes().size(); i++) {
            if (g.nodes().get(i) instanceof DecoderNode.Concat c) {
                for (String v : skips(c, producer))
                    live.add(new long[] {producer.getOrDefault(v, -1), i, bits(g.value(v))});
            }
        }
        long peak = 0;
        for (int t = -1; t < g.nodes().size(); t++) {
            long sum = 0;
            for (long[] l : live) if (l[0] <= t && t <= l[1]) sum += l[2];
            peak = Math.max(peak, sum);
        }
        return peak;
    }

    /** Every source but the one produced last: those wait for the decoder while it computes the last. */
    private static List<String> skips(DecoderNode.Concat c, Map<String, Integer> producer) {
        String last = c.sources().get(0);
        for (String v : c.sources()) if (producer.getOrDefault(v, -1) > producer.getOrDefault(last, -1)) last = v;
        List<String> out = new ArrayList<>();
        for (String v : c.sources()) if (!v.equals(last) && !out.contains(v)) out.add(v);
        return out;
    }

    private static CostReport.Digital periphery(
            DecoderNode n, long out, long bufferBits, long skip, double latency, String detail, Architecture a) {
        Map<String, Double> br = new LinkedHashMap<>();
        br.put("buffers", bufferBits * a.energy().bufferPerBit());
        return new CostReport.Digital(
                n.name(),
                n.opName(),
                CostReport.Digital.PERIPHERY,
                out,
                0,
                0,
                bufferBits,
                skip,
                detail,
                br.get("buffers"),
                latency,
                br);
    }

    private static CostReport.Digital unit(
            DecoderNode n, long out, long ops, long bufferBits, String detail, Architecture a) {
        Map<String, Double> br = new LinkedHashMap<>();
        br.put("fp32", ops * a.energy().digitalFloatOp());
        br.put("buffers", bufferBits * a.energy().bufferPerBit());
        return new CostReport.Digital(
                n.name(),
                n.opName(),
                CostReport.Digital.DIGITAL_UNIT,
                out,
                0,
                ops,
                bufferBits,
                0,
                detail,
                br.get("fp32") + br.get("buffers"),
                Math.ceilDiv(ops, DigitalCost.LANES) * a.latency().digitalFloatOp(),
                br);
    }

    private static long bits(Value v) {
        return (long) v.shape().size() * v.elem().bits();
    }
}
