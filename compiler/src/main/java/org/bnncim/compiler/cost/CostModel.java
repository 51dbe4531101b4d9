package org.bnncim.compiler.cost;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.Piece;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * First-order energy, latency and area of a mapped model, from the architecture file's per-component figures.
 *
 * <p>Per pass, a crossbar layer costs: every piece activated once per output position and input bit (cells read,
 * one sense amplifier per weight column); an adder tree that sums the pieces covering each output (plus the
 * shift-adds of a bit-serial input, where a signed input's top plane is subtracted by the same adder); one comparator
 * per output, {@code steps} comparators per output for a k-bit activation (or fp32 steps in the digital unit for a
 * non-binarized tail); activation buffer traffic; and partial sums leaving the layer's home tile. Crossbars work
 * in parallel, pieces on one crossbar one after another; layers run in sequence. Monte-Carlo costs T passes naively,
 * and as the compiled schedule runs them in {@link McScheduleCost}.
 * The MC-Dropout baseline keeps the same datapath but draws one random bit per neuron of every stochastic layer
 * (one stochastic unit per neuron) and gates word lines with the masks.
 */
public final class CostModel {
    private CostModel() {}

    public static CostReport evaluate(MappedModel model, int samples) {
        Graph g = model.graph();
        Mapping m = model.mapping();
        Architecture a = m.arch();
        Architecture.Energy e = a.energy();
        Architecture.Latency t = a.latency();
        Map<Integer, CrossbarSlot> slots = new HashMap<>();
        for (CrossbarSlot s : m.crossbars()) slots.put(s.id(), s);
        Map<Integer, Long> usedCells = new HashMap<>();
        for (LayerMap l : m.layers()) {
            for (Piece p : l.pieces()) usedCells.merge(p.crossbar(), p.weights() * a.cellsPerWeight(), Long::sum);
        }
        List<CostReport.Layer> rows = new ArrayList<>();
        Map<String, Double> detBreak = new LinkedHashMap<>();
        for (String k : List.of(
                "cells",
                "wordline_drivers",
                "converters",
                "adder_trees",
                "thresholds",
                "buffers",
                "transfers",
                "digital",
                "stochastic")) {
            detBreak.put(k, 0.0);
        }
        double detLatency = 0;
        // the float nodes a crossbar layer's periphery runs (its tail); the digital datapath costs the others
        Set<String> tails = new HashSet<>();
        long maxActivationBits = 0;
        int thresholdUnits = 0;
        int widestPsum = 1; // the tiles' adders are built for the widest layer
        for (LayerMap l : m.layers()) {
            Map<String, Double> br = new LinkedHashMap<>();
            long apps = (long) l.positions() * l.inputBits();
            DecoderNode.BinaryConvTranspose transposed = transposed(g, l.layer());
            double cells = 0, sense = 0, wordlines = 0;
            Set<Long> driven = new HashSet<>(); // pieces on one crossbar over the same rows share their word lines
            double pieceNs = 0; // the slowest piece's reads per activation: the layer's read time
            Map<Integer, Set<Integer>> kRangesPerCrossbar = new HashMap<>();
            Map<Integer, Integer> piecesPerTile = new HashMap<>();
            double fractional = 0;
            double readAdds = 0; // the partial popcounts of one column's reads, summed before the adder tree
            // a bit-serial plane drives only the rows whose bit is 1; a bipolar input drives every row
            double ones = l.inputBits() > 1 ? a.activity().bitSerialOnes() : 1;
            for (Piece p : l.pieces()) {
                // a transposed conv's phases read only their driven rows; a padded Conv is costed as fully read
                long rowReads = transposed == null
                        ? apps * p.kLen()
                        : l.inputBits() * TransposedRows.driven(transposed, inShape(g, transposed), p.k0(), p.kLen());
                cells += rowReads * ones * p.nLen() * a.cellsPerWeight() * a.cellReadPj();
                if (driven.add(((long) p.crossbar() << 32) | p.k0())) wordlines += rowReads * ones * e.wordlineDrive();
                // each read of rowsPerRead word lines is one conversion per column; a transposed conv's phase is
                // costed as reading all the piece's rows (its undriven rows cannot be skipped by the row groups)
                int reads = a.readsFor(p.kLen());
                pieceNs = Math.max(pieceNs, reads * a.readNs(p.nLen()));
                sense += (double) apps * p.nLen() * reads * a.conversionPj();
                readAdds += (double) apps * p.nLen() * (reads - 1);
                kRangesPerCrossbar
                        .computeIfAbsent(p.crossbar(), x -> new HashSet<>())
                        .add(p.k0());
                CrossbarSlot s = slots.get(p.crossbar());
                int globalTile = s == null ? 0 : s.chip() * a.tilesPerChip() + s.tile();
                piecesPerTile.merge(globalTile, 1, Integer::sum);
                fractional += (double) (p.weights() * a.cellsPerWeight()) / usedCells.get(p.crossbar());
            }
            int[] cover = new int[l.n()];
            for (Piece p : l.pieces()) for (int j = p.n0(); j < p.n0() + p.nLen(); j++) cover[j]++;
            // an output covered by c pieces of a b-bit input gets b * c partial sums (one per piece and bit plane),
            // which take b * c - 1 adds (shift-adds for the planes), not (c - 1) + (b - 1)
            double adds = 0;
            for (int c : cover) adds += (double) c * l.inputBits() - 1;
            int psum = PsumWidth.of(l.k(), l.inputBits());
            widestPsum = Math.max(widestPsum, psum);
            double adder = (adds * l.positions() + readAdds) * psum * e.adderPerBit();
            Node consumer = periphery(g, l.layer());
            // a threshold is one comparator per output; a k-bit activation's bank is `steps` of them, all evaluated
            // in parallel; Scale-Dropout banks share the comparators (the bit selects which thresholds they read)
            int comparators = comparatorsPerNeuron(consumer);
            boolean thresholded = comparators > 0;
            double thr = (double) comparators * l.n() * l.positions() * e.threshold();
            int floatOps = thresholded ? 0 : floatSteps(g, l.layer(), tails);
            double digital = (double) floatOps * l.n() * l.positions() * e.digitalFloatOp();
            thresholdUnits += comparators * l.n();
            long inBits = transposed == null
                    ? (long) l.k() * l.positions() * l.inputBits()
                    : TransposedRows.driven(transposed, inShape(g, transposed)) * l.inputBits();
            int outWidth = consumer instanceof Node.MultiThreshold mt
                    ? mt.output().elem().bits()
                    : 1;
            long outBits = (long) l.n() * l.positions() * (thresholded ? outWidth : psum);
            maxActivationBits = Math.max(maxActivationBits, Math.max((long) l.k() * l.inputBits(), outBits));
            double buffers = (inBits + outBits) * e.bufferPerBit();
            int home = piecesPerTile.entrySet().stream()
                    .max(Map.Entry.<Integer, Integer>comparingByValue()
                            .thenComparing(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder())))
                    .map(Map.Entry::getKey)
                    .orElse(0);
            long remoteWords = 0;
            for (Piece p : l.pieces()) {
                CrossbarSlot s = slots.get(p.crossbar());
                int tile = s == null ? 0 : s.chip() * a.tilesPerChip() + s.tile();
                if (tile != home) remoteWords += (long) p.nLen() * l.positions();
            }
            double transfers =
                    remoteWords * psum * e.transferPerBit() * a.activity().interconnectToggle();
            br.put("cells", cells);
            br.put("wordline_drivers", wordlines);
            br.put("converters", sense);
            br.put("adder_trees", adder);
            br.put("thresholds", thr);
            br.put("buffers", buffers);
            br.put("transfers", transfers);
            br.put("digital", digital);
            double energy =
                    br.values().stream().mapToDouble(Double::doubleValue).sum();
            int serial = kRangesPerCrossbar.values().stream()
                    .mapToInt(Set::size)
                    .max()
                    .orElse(1);
            int maxCover = 0;
            for (int c : cover) maxCover = Math.max(maxCover, c);
            int treeDepth = maxCover <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(maxCover - 1); // ceil(log2(cover))
            double reads = (double) serial * apps * pieceNs;
            if (l.stochasticBit() >= 0) reads = Math.max(reads, t.stochasticBit());
            double latency = reads
                    + treeDepth * t.adderStage()
                    + (l.inputBits() > 1 ? t.adderStage() : 0)
                    + (thresholded ? t.threshold() : floatOps * t.digitalFloatOp())
                    // partial sums from other tiles cross the tile network one word at a time (issue #23: this was one
                    // word's time whatever the count)
                    + remoteWords * t.transferPerWord();
            detLatency += latency;
            for (var en : br.entrySet()) detBreak.merge(en.getKey(), en.getValue(), Double::sum);
            long layerCells = l.weights() * a.cellsPerWeight();
            rows.add(new CostReport.Layer(
                    l.layer(),
                    l.kind(),
                    l.k(),
                    l.n(),
                    l.positions(),
                    l.inputBits(),
                    l.rowTiles(),
                    l.colTiles(),
                    l.pieces().size(),
                    fractional,
                    kRangesPerCrossbar.size(),
                    piecesPerTile.size(),
                    layerCells / (fractional * a.cellsPerCrossbar()),
                    l.stochasticBit() >= 0,
                    l.stochasticBit(),
                    l.padding(),
                    (consumer instanceof Node.MultiThreshold mt
                                    ? "multi-threshold, " + mt.output().elem() + " output, comparators per neuron: "
                                            + comparators + (l.stochasticBit() >= 0 ? " (2 banks + expectation)" : "")
                                    : thresholded
                                            ? "threshold" + (l.stochasticBit() >= 0 ? " (2 sets + expectation)" : "")
                                            : floatOps > 0 ? "digital fp32 (" + floatOps + " ops/output)" : "none")
                            + pools(g, l.layer()).stream()
                                    .map(p -> "; max pool " + p + " (periphery logic)")
                                    .collect(java.util.stream.Collectors.joining()),
                    energy,
                    latency,
                    br,
                    peripheryOps(g, l.layer())));
        }
        int crossbars = m.crossbarCount();
        int tiles = (int) m.crossbars().stream()
                .map(s -> s.chip() * a.tilesPerChip() + s.tile())
                .distinct()
                .count();
        boolean digitalUnit = rows.stream().anyMatch(r -> r.periphery().startsWith("digital"));
        DigitalCost.Result digitalPath = DigitalCost.of(g, a, tails);
        if (!digitalPath.rows().isEmpty()) {
            detBreak.merge("digital", digitalPath.energyPj(CostReport.Digital.DIGITAL_UNIT), Double::sum);
            detBreak.merge("buffers", digitalPath.energyPj(CostReport.Digital.PERIPHERY), Double::sum);
            for (CostReport.Digital d : digitalPath.rows())
                if (d.runsOn().equals(CostReport.Digital.PERIPHERY_LOGIC))
                    d.energyBreakdownPj().forEach((k, v) -> detBreak.merge(k, v, Double::sum));
            detLatency += digitalPath.latencyNs();
        }

        StochasticUnit unit = m.stochastic();
        int sdLayers = unit.kind() == StochasticUnit.Kind.SCALE_DROPOUT
                ? unit.schedule().size()
                : 0;
        int mcNeurons = unit.kind() == StochasticUnit.Kind.MC_DROPOUT ? unit.units() : 0;
        // the baseline replaces each Scale-Dropout layer by per-neuron dropout on its outputs
        int baselineNeurons = mcNeurons;
        if (unit.kind() == StochasticUnit.Kind.SCALE_DROPOUT) {
            for (LayerMap l : m.layers()) if (l.stochasticBit() >= 0) baselineNeurons += l.n() * l.positions();
        }

        CostReport.Periphery periphery = new CostReport.Periphery(
                (long) crossbars * a.rows(),
                (long) crossbars * a.convertersPerCrossbar(),
                (long) crossbars * a.logicalCols() * widestPsum,
                thresholdUnits,
                digitalPath.inputComparators(),
                2 * maxActivationBits + digitalPath.shortcutBits() + digitalPath.skipBits());
        Map<String, Double> area = new LinkedHashMap<>();
        area.put("cells", crossbars * a.cellsPerCrossbar() * a.area().cell());
        area.put(
                "wordline_drivers",
                (double) periphery.wordlineDrivers() * a.area().wordlineDriver());
        area.put("converters", (double) periphery.converters() * a.converterAreaUm2());
        area.put("adder_trees", (double) periphery.adderBits() * a.area().adderPerBit());
        area.put(
                "thresholds",
                (double) (periphery.comparators() + periphery.inputComparators())
                        * a.area().thresholdUnit());
        area.put("buffers", (double) periphery.bufferBits() * a.area().bufferPerBit());
        // a digital datapath's lanes include the tail's unit
        area.put(
                "digital",
                digitalPath.hasDigitalUnit()
                        ? digitalPath.unitArea(a)
                        : (digitalUnit ? a.area().digitalUnit() : 0));
        Map<String, Double> detArea = new LinkedHashMap<>(area);
        detArea.put("stochastic", 0.0);
        Map<String, Double> ownArea = new LinkedHashMap<>(area);
        ownArea.put(
                "stochastic",
                unit.kind() == StochasticUnit.Kind.SCALE_DROPOUT
                        ? a.area().stochasticUnit()
                        : mcNeurons * (a.area().stochasticUnit() + a.area().maskGate()));
        Map<String, Double> baseArea = new LinkedHashMap<>(area);
        baseArea.put(
                "stochastic",
                baselineNeurons * (a.area().stochasticUnit() + a.area().maskGate()));

        double detEnergy = sum(detBreak);
        CostReport.Totals det = new CostReport.Totals(
                detEnergy, detLatency, mm2(detArea), new LinkedHashMap<>(detBreak), mm2Map(detArea));
        int tSamples = Math.max(1, samples);
        double stochPerPass = sdLayers * e.stochasticBit() + mcNeurons * (e.stochasticBit() + e.maskGate());
        double stochLatency =
                sdLayers > 0 ? 0 : mcNeurons > 0 ? t.stochasticBit() : 0; // SD bits overlap crossbar reads
        Map<String, Double> mcBreak = scaled(detBreak, tSamples);
        mcBreak.put("stochastic", stochPerPass * tSamples);
        CostReport.Totals mc = new CostReport.Totals(
                sum(mcBreak), tSamples * (detLatency + stochLatency), mm2(ownArea), mcBreak, mm2Map(ownArea));
        Map<String, Double> baseBreak = scaled(detBreak, tSamples);
        baseBreak.put("stochastic", (double) baselineNeurons * (e.stochasticBit() + e.maskGate()) * tSamples);
        CostReport.Totals base = new CostReport.Totals(
                sum(baseBreak),
                tSamples * (detLatency + (baselineNeurons > 0 ? t.stochasticBit() : 0)),
                mm2(baseArea),
                baseBreak,
                mm2Map(baseArea));

        CostReport.Schedule schedule = McScheduleCost.of(model, rows, digitalPath.rows(), tSamples, det, mc, base);
        // the CMOS periphery leaks over each run's latency: added once every figure it depends on is known
        det = withLeakage(det, a);
        mc = withLeakage(mc, a);
        base = withLeakage(base, a);
        List<CostReport.BitCost> sweep = bitCostSweep(
                unit.kind() == StochasticUnit.Kind.SCALE_DROPOUT,
                sdLayers,
                baselineNeurons,
                e,
                a.activity(),
                tSamples,
                mc,
                base,
                schedule);
        long weightCells = 0;
        for (LayerMap l : m.layers()) weightCells += l.weights() * a.cellsPerWeight();
        CostReport.Programming programming = programming(m);
        return new CostReport(
                g.name(),
                a.rows(),
                a.cols(),
                a.encoding().name().toLowerCase(java.util.Locale.ROOT),
                crossbars,
                m.lowerBound(),
                crossbars == 0 ? 0 : (double) weightCells / (crossbars * a.cellsPerCrossbar()),
                tiles,
                a.chips(),
                unit.kind().name().toLowerCase(java.util.Locale.ROOT),
                unit.kind() == StochasticUnit.Kind.SCALE_DROPOUT ? 1 : mcNeurons,
                unit.schedule(),
                rows,
                det,
                mc,
                base,
                baselineNeurons,
                tSamples,
                g.notes(),
                digitalPath.rows(),
                sweep,
                programming,
                schedule,
                SharedUnits.of(g, m),
                periphery);
    }

    /** {@code t} with the leakage of its area's CMOS periphery (all but the cells) over its latency, as "leakage". */
    static CostReport.Totals withLeakage(CostReport.Totals t, Architecture a) {
        double periphery = t.areaMm2() - t.areaBreakdownMm2().getOrDefault("cells", 0.0);
        double pj = a.activity().leakagePj(periphery, t.latencyNs());
        Map<String, Double> e = new LinkedHashMap<>(t.energyBreakdownPj());
        e.put("leakage", pj);
        return new CostReport.Totals(
                t.energyPj() - t.energyBreakdownPj().getOrDefault("leakage", 0.0) + pj,
                t.latencyNs(),
                t.areaMm2(),
                e,
                t.areaBreakdownMm2());
    }

    /** Writing every weight's cells once; each crossbar writes its occupied rows in turn, crossbars in parallel. */
    private static CostReport.Programming programming(Mapping m) {
        Architecture a = m.arch();
        Map<Integer, java.util.BitSet> rows = new HashMap<>();
        long cells = 0;
        for (LayerMap l : m.layers()) {
            for (Piece p : l.pieces()) {
                cells += p.weights() * a.cellsPerWeight();
                rows.computeIfAbsent(p.crossbar(), x -> new java.util.BitSet()).set(p.row(), p.row() + p.kLen());
            }
        }
        int most = rows.values().stream()
                .mapToInt(java.util.BitSet::cardinality)
                .max()
                .orElse(0);
        return new CostReport.Programming(
                cells, most, cells * a.energy().cellWrite(), most * a.latency().rowWrite());
    }

    /** Random-bit energies of the sweep (pJ): from a low-current stochastic MTJ to a conventional write. */
    static final double[] SWEEP_BIT_PJ = {0.02, 0.1, 0.3, 1.0};

    /**
     * The comparison at each bit energy of {@link #SWEEP_BIT_PJ} and the architecture's own, with everything but the
     * random bits as costed: Scale-Dropout draws {@code sdLayers} bits per pass, the baseline one per neuron plus
     * its mask gate. Empty without Scale-Dropout (nothing to compare).
     */
    private static List<CostReport.BitCost> bitCostSweep(
            boolean scaleDropout,
            int sdLayers,
            int baselineNeurons,
            Architecture.Energy e,
            Architecture.Activity split,
            int t,
            CostReport.Totals mc,
            CostReport.Totals base,
            CostReport.Schedule schedule) {
        if (!scaleDropout) return List.of();
        java.util.TreeSet<Double> bits = new java.util.TreeSet<>();
        for (double b : SWEEP_BIT_PJ) bits.add(b);
        bits.add(e.stochasticBit());
        double rest = mc.energyPj() - mc.energyBreakdownPj().get("stochastic");
        double baseRest = base.energyPj() - base.energyBreakdownPj().get("stochastic");
        CostReport.Totals sc = schedule.scheduled(), bsc = schedule.baselineScheduled();
        double schedRest = sc.energyPj() - sc.energyBreakdownPj().get("stochastic");
        double baseSchedRest = bsc.energyPj() - bsc.energyBreakdownPj().get("stochastic");
        List<CostReport.BitCost> out = new ArrayList<>();
        for (double b : bits) {
            double own = (double) sdLayers * b * t;
            double baseline = (double) baselineNeurons * (b + e.maskGate()) * t;
            out.add(new CostReport.BitCost(
                    b,
                    b * split.randomWrite(),
                    b * split.randomReset(),
                    b * split.randomRead(),
                    own,
                    baseline,
                    rest + own,
                    baseRest + baseline,
                    schedRest + own,
                    baseSchedRest + baseline,
                    b == e.stochasticBit()));
        }
        return out;
    }

    /** The node that consumes a crossbar layer's popcount (through pooling and reshapes). */
    static Node periphery(Graph g, String layer) {
        String v = null;
        for (Node n : g.nodes())
            if (n.name().equals(layer) && n.crossbarWeights().isPresent())
                v = n.output().name();
        while (v != null) {
            List<Node> cs = g.consumers(v);
            if (cs.size() != 1) return cs.isEmpty() ? null : cs.get(0);
            Node c = cs.get(0);
            if (!(c instanceof Node.MaxPool || c instanceof Node.Reshape)) return c;
            v = c.output().name();
        }
        return null;
    }

    /**
     * The integer max pools in a crossbar layer's periphery (before or after its comparators), named in its periphery
     * column and listed under it in the layer table; their cost is a row of their own (DigitalCost).
     */
    private static List<String> pools(Graph g, String layer) {
        String v = null;
        for (Node n : g.nodes())
            if (n.name().equals(layer) && n.crossbarWeights().isPresent())
                v = n.output().name();
        List<String> names = new ArrayList<>();
        // through its comparators and reshapes, as long as one path goes on (a skip's other readers do not count)
        while (v != null) {
            String next = null;
            int through = 0;
            for (Node c : g.consumers(v)) {
                boolean pool = c instanceof Node.MaxPool mp
                        && !g.value(mp.input()).elem().isFloat();
                if (pool) names.add(c.name());
                if (pool
                        || c instanceof Node.Reshape
                        || c instanceof Node.Threshold
                        || c instanceof Node.MultiThreshold) {
                    next = c.output().name();
                    through++;
                }
            }
            v = through == 1 ? next : null;
        }
        return names;
    }

    /** The input interface feeding a crossbar layer and the integer max pools after it (see {@link #pools}). */
    private static List<String> peripheryOps(Graph g, String layer) {
        List<String> ops = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (!n.name().equals(layer) || n.crossbarWeights().isEmpty()) continue;
            for (Node p : g.nodes())
                if (p.output().name().equals(n.inputs().get(0))
                        && (p instanceof Node.InputQuantize || p instanceof Node.InputBinarize)) ops.add(p.name());
        }
        ops.addAll(pools(g, layer));
        return ops;
    }

    private static DecoderNode.BinaryConvTranspose transposed(Graph g, String layer) {
        for (Node n : g.nodes())
            if (n instanceof DecoderNode.BinaryConvTranspose c && c.name().equals(layer)) return c;
        return null;
    }

    private static org.bnncim.ir.Shape inShape(Graph g, DecoderNode.BinaryConvTranspose c) {
        return g.value(c.input()).shape();
    }

    /** Integer comparators per output neuron of the node consuming a popcount: 1, steps, or 0 (not compared). */
    static int comparatorsPerNeuron(Node consumer) {
        if (consumer instanceof Node.Threshold) return 1;
        if (consumer instanceof Node.MultiThreshold mt) return mt.expected().steps();
        return 0;
    }

    /** fp32 operations per element of one node of the float tail; -1 for a node that ends the tail. */
    private static int floatOps(Node n) {
        return switch (n) {
            case DecoderNode.BinaryConvTranspose c -> -1;
            // data movement and the output activations are rows of their own (DecoderCost)
            case DecoderNode.Resize r -> -1;
            case DecoderNode.Concat c -> -1;
            case DecoderNode.PixelSoftmax s -> -1;
            case DecoderNode.Sigmoid s -> -1;
            case Node.Affine af -> af.steps().size();
            case Node.ScaleDropout s -> 1;
            case Node.Softmax s -> 3;
            case Node.InputQuantize q -> -1;
            case Node.InputBinarize b -> -1;
            case Node.BinaryDense d -> -1;
            case Node.BinaryConv c -> -1;
            case Node.Sign s -> -1;
            case Node.Threshold t -> -1;
            // the digital datapath's nodes are costed as nodes of their own (DigitalCost), not as tail steps
            case DigitalNode.Add a -> -1;
            case DigitalNode.FloatDense d -> -1;
            case DigitalNode.FloatConv c -> -1;
            case Node.Quantize q -> -1;
            case Node.MultiThreshold t -> -1;
            case Node.MaxPool m -> -1;
            case Node.AvgPool a -> -1;
            case Node.Reshape r -> -1;
            case Node.McDropout m -> -1;
        };
    }

    /** fp32 ops per output in the digital tail after a layer that is not thresholded; adds its nodes to tails. */
    private static int floatSteps(Graph g, String layer, Set<String> tails) {
        int ops = 0;
        Node n = periphery(g, layer);
        while (n != null) {
            int step = floatOps(n);
            if (step < 0) break;
            ops += step;
            tails.add(n.name());
            List<Node> cs = g.consumers(n.output().name());
            n = cs.size() == 1 ? cs.get(0) : null;
        }
        return ops;
    }

    private static double sum(Map<String, Double> m) {
        return m.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    private static Map<String, Double> scaled(Map<String, Double> m, int k) {
        Map<String, Double> out = new LinkedHashMap<>();
        m.forEach((key, v) -> out.put(key, v * k));
        return out;
    }

    private static double mm2(Map<String, Double> um2) {
        return sum(um2) / 1e6;
    }

    private static Map<String, Double> mm2Map(Map<String, Double> um2) {
        Map<String, Double> out = new LinkedHashMap<>();
        um2.forEach((k, v) -> out.put(k, v / 1e6));
        return out;
    }
}
