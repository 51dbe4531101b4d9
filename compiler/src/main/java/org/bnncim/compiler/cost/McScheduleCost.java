package org.bnncim.compiler.cost;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.McSchedule;

/**
 * The Monte-Carlo run as the compiled schedule executes it, beside the naive T passes: every crossbar layer and
 * digital node charged its expected runs ({@link McSchedule#expectedRuns}) instead of T. A crossbar layer's reads
 * run at the layer's depth and its comparators at the depth of the node they implement (a popcount before the first
 * Scale-Dropout layer is read once and thresholded once per distinct bit). The random bits are drawn for all T
 * passes either way. The baseline (per-neuron MC-Dropout in place of each Scale-Dropout layer) reuses only its
 * deterministic prefix: a node at depth 0 runs once, every other T times.
 *
 * <p>Costs the schedule adds: the reuse buffer (every value read across a depth boundary is kept, one copy, see
 * {@link McSchedule#buffered}) and, for the sorted order, the pattern counter table (2^L counters of
 * {@link #COUNTER_BITS} bits: T increments, one read-modify-write each, and one scan of the table per inference).
 */
final class McScheduleCost {
    private McScheduleCost() {}

    /** Width of a pattern counter: T is at most 65,535 (the controller's 16-bit pass count). */
    static final int COUNTER_BITS = 16;

    static CostReport.Schedule of(
            MappedModel model,
            List<CostReport.Layer> layers,
            List<CostReport.Digital> digital,
            int t,
            CostReport.Totals det,
            CostReport.Totals mc,
            CostReport.Totals base) {
        Graph g = model.graph();
        Architecture a = model.mapping().arch();
        McSchedule plan = model.mapping().montecarlo() != null
                ? model.mapping().montecarlo()
                : McSchedule.plan(g, model.mapping().stochastic());
        float[] p = model.mapping().stochastic().probabilities();
        Map<String, Integer> depth = new HashMap<>();
        for (McSchedule.Stage s : plan.stages()) depth.put(s.node(), s.depth());
        IntToDoubleFunction own = d -> plan.expectedRuns(d, t, p);
        IntToDoubleFunction baseline = d -> d == 0 ? 1 : t;

        List<CostReport.Runs> runs = new ArrayList<>();
        for (CostReport.Layer l : layers) {
            int d = depth.getOrDefault(l.name(), 0);
            runs.add(new CostReport.Runs(
                    l.name(), "crossbar layer", d, own.applyAsDouble(d), baseline.applyAsDouble(d)));
        }
        for (CostReport.Digital r : digital) {
            int d = depth.getOrDefault(r.name(), 0);
            runs.add(new CostReport.Runs(r.name(), r.runsOn(), d, own.applyAsDouble(d), baseline.applyAsDouble(d)));
        }

        long reuseBits = bufferBits(g, model, plan.buffered(g));
        int bits = model.mapping().stochastic().bits();
        boolean sorted = plan.order() == McSchedule.Order.SORTED && bits > 0 && t > 1;
        long counterBits = sorted ? (1L << bits) * COUNTER_BITS : 0;
        double counterPj =
                sorted ? (2.0 * t + (1L << bits)) * COUNTER_BITS * a.energy().bufferPerBit() : 0;
        McSchedule perPass = baselinePlan(plan);
        long baseReuseBits = bufferBits(g, model, perPass.buffered(g));

        CostReport.Totals scheduled = totals(g, a, layers, digital, depth, own, det, mc, t, reuseBits + counterBits);
        scheduled.energyBreakdownPj().merge("buffers", counterPj, Double::sum);
        scheduled = new CostReport.Totals(
                scheduled.energyPj() + counterPj,
                scheduled.latencyNs(),
                scheduled.areaMm2(),
                scheduled.energyBreakdownPj(),
                scheduled.areaBreakdownMm2());
        CostReport.Totals baseScheduled = totals(g, a, layers, digital, depth, baseline, det, base, t, baseReuseBits);
        scheduled = CostModel.withLeakage(scheduled, a);
        baseScheduled = CostModel.withLeakage(baseScheduled, a);
        return new CostReport.Schedule(
                plan.order().name().toLowerCase(java.util.Locale.ROOT),
                bits,
                List.copyOf(runs),
                scheduled,
                baseScheduled,
                reuseBits,
                counterBits,
                baseReuseBits);
    }

    /** The baseline's schedule: every node past the deterministic prefix is drawn anew in each pass. */
    private static McSchedule baselinePlan(McSchedule plan) {
        List<McSchedule.Stage> stages = new ArrayList<>();
        for (McSchedule.Stage s : plan.stages())
            stages.add(new McSchedule.Stage(s.node(), s.depth() == 0 ? 0 : McSchedule.PER_PASS));
        return new McSchedule(McSchedule.Order.DRAW, stages);
    }

    /**
     * Energy and latency with each row charged {@code runs(depth)} times, plus the random bits and their latency as
     * the naive run {@code naive} has them (drawn for every pass either way); area is the naive run's plus
     * {@code extraBufferBits} of buffer.
     */
    private static CostReport.Totals totals(
            Graph g,
            Architecture a,
            List<CostReport.Layer> layers,
            List<CostReport.Digital> digital,
            Map<String, Integer> depth,
            IntToDoubleFunction runs,
            CostReport.Totals det,
            CostReport.Totals naive,
            int t,
            long extraBufferBits) {
        Map<String, Double> energy = new LinkedHashMap<>();
        for (String k : det.energyBreakdownPj().keySet()) energy.put(k, 0.0);
        double latency = 0;
        for (CostReport.Layer l : layers) {
            double read = runs.applyAsDouble(depth.getOrDefault(l.name(), 0));
            Node consumer = CostModel.periphery(g, l.name());
            double compare = consumer == null ? read : runs.applyAsDouble(depth.getOrDefault(consumer.name(), 0));
            for (var en : l.energyBreakdownPj().entrySet()) {
                boolean periphery =
                        en.getKey().equals("thresholds") || en.getKey().equals("digital");
                energy.merge(en.getKey(), en.getValue() * (periphery ? compare : read), Double::sum);
            }
            double compareNs = compareLatency(a, l);
            latency += read * (l.latencyNs() - compareNs) + compare * compareNs;
        }
        for (CostReport.Digital r : digital) {
            double n = runs.applyAsDouble(depth.getOrDefault(r.name(), 0));
            latency += n * r.latencyNs();
            switch (r.runsOn()) {
                case CostReport.Digital.DIGITAL_UNIT -> energy.merge("digital", n * r.energyPj(), Double::sum);
                case CostReport.Digital.PERIPHERY -> energy.merge("buffers", n * r.energyPj(), Double::sum);
                case CostReport.Digital.PERIPHERY_LOGIC ->
                    r.energyBreakdownPj().forEach((k, v) -> energy.merge(k, n * v, Double::sum));
                default -> {} // a crossbar row's cost is its layer's
            }
        }
        energy.put("stochastic", naive.energyBreakdownPj().getOrDefault("stochastic", 0.0));
        latency += naive.latencyNs() - t * det.latencyNs(); // the random bits' own latency, if any
        double total = energy.values().stream().mapToDouble(Double::doubleValue).sum();
        Map<String, Double> area = new LinkedHashMap<>(naive.areaBreakdownMm2());
        double extraMm2 = extraBufferBits * a.area().bufferPerBit() * 1e-6;
        area.merge("buffers", extraMm2, Double::sum);
        return new CostReport.Totals(total, latency, naive.areaMm2() + extraMm2, energy, area);
    }

    /** The part of a layer's latency its comparators (or its fp32 tail) take: they run at the periphery's depth. */
    private static double compareLatency(Architecture a, CostReport.Layer l) {
        double thr = l.energyBreakdownPj().getOrDefault("thresholds", 0.0);
        double dig = l.energyBreakdownPj().getOrDefault("digital", 0.0);
        if (thr > 0) return a.latency().threshold();
        if (dig > 0 && a.energy().digitalFloatOp() > 0) {
            double ops = dig / (a.energy().digitalFloatOp() * l.n() * l.positions());
            return Math.round(ops) * a.latency().digitalFloatOp();
        }
        return 0;
    }

    /**
     * Bits of the values kept across passes: a crossbar layer's popcount at its partial-sum width, other values at
     * their element width.
     */
    private static long bufferBits(Graph g, MappedModel model, List<String> values) {
        long bits = 0;
        for (String v : values) {
            long size = g.value(v).shape().size();
            var producer = g.producer(v);
            int width = g.value(v).elem().bits();
            if (producer.isPresent() && producer.get().crossbarWeights().isPresent()) {
                LayerMap l = model.mapping().layer(producer.get().name());
                width = PsumWidth.of(l.k(), l.inputBits());
            }
            bits += size * width;
        }
        return bits;
    }
}
