package org.bnncim.ir.mapping;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.Graph;
import org.bnncim.ir.arch.Architecture;

/**
 * Checks a mapping against its graph and architecture, as far as the mapping passes have built it: a mapping pass
 * that breaks one of these is a compiler bug, caught after the pass rather than as a wrong number in a report or a
 * simulator run. Every problem is one line naming the layer, piece or crossbar.
 */
public final class MappingVerifier {
    private MappingVerifier() {}

    /**
     * What to check beyond the layer maps (always checked: one per crossbar node, with the node's K x N); a check
     * applies once the pass that builds that part of the mapping has run.
     */
    public enum Check {
        /** Every weight bit in exactly one piece. */
        TILED,
        /** Pieces inside their crossbars and not overlapping; crossbars on tiles and chips the architecture has. */
        PLACED,
        /** The stochastic unit's schedule covers every Scale-Dropout node exactly once. */
        SCHEDULED,
        /** The Monte-Carlo schedule is the one the graph and its stochastic unit define. */
        PLANNED
    }

    /** Everything: a finished mapping, as a program file holds it. */
    public static final Set<Check> ALL = EnumSet.allOf(Check.class);

    /** The problems found, empty when the mapping is consistent as far as {@code checks} go. */
    public static List<String> check(MappedModel model, Set<Check> checks) {
        List<String> errors = new ArrayList<>();
        Graph g = model.graph();
        Mapping m = model.mapping();
        Map<String, BitMatrix> weights = CrossbarImages.weightsByLayer(g);
        layers(m, weights, errors);
        if (!errors.isEmpty()) return errors;
        if (checks.contains(Check.TILED)) for (LayerMap l : m.layers()) coverage(l, errors);
        if (checks.contains(Check.PLACED)) placement(m, errors);
        if (checks.contains(Check.SCHEDULED)) schedule(g, m, errors);
        if (checks.contains(Check.PLANNED) && errors.isEmpty()) planned(g, m, errors);
        return errors;
    }

    /** Throws {@link IllegalStateException} with every problem on one line. */
    public static void verify(MappedModel model, Set<Check> checks, String after) {
        List<String> errors = check(model, checks);
        if (!errors.isEmpty()) {
            throw new IllegalStateException(
                    "mapping verification failed after " + after + ": " + String.join("; ", errors));
        }
    }

    private static void layers(Mapping m, Map<String, BitMatrix> weights, List<String> errors) {
        Set<String> seen = new HashSet<>();
        for (LayerMap l : m.layers()) {
            BitMatrix w = weights.get(l.layer());
            if (w == null) {
                errors.add("layer " + l.layer() + ": mapped but not a crossbar node of the graph");
            } else if (!seen.add(l.layer())) {
                errors.add("layer " + l.layer() + ": mapped twice");
            } else if (w.rows() != l.k() || w.cols() != l.n()) {
                errors.add("layer " + l.layer() + ": mapped as " + l.k() + "x" + l.n() + " but its weights are "
                        + w.rows() + "x" + w.cols());
            }
        }
        for (String name : weights.keySet()) {
            if (!seen.contains(name) && errors.isEmpty())
                errors.add("layer " + name + ": crossbar node has no layer map");
        }
    }

    /** Pieces inside K x N, pairwise disjoint, and together as large as K x N: every weight bit exactly once. */
    private static void coverage(LayerMap l, List<String> errors) {
        long area = 0;
        List<Piece> ps = l.pieces();
        for (Piece p : ps) {
            if (!p.layer().equals(l.layer())) {
                errors.add("layer " + l.layer() + ": holds a piece of " + p.layer());
                return;
            }
            if (p.k0() + p.kLen() > l.k() || p.n0() + p.nLen() > l.n()) {
                errors.add("layer " + l.layer() + ": piece " + describe(p) + " reaches outside its " + l.k() + "x"
                        + l.n() + " weights");
                return;
            }
            area += p.weights();
        }
        for (int i = 0; i < ps.size(); i++) {
            for (int j = i + 1; j < ps.size(); j++) {
                Piece a = ps.get(i), b = ps.get(j);
                int k = Math.max(a.k0(), b.k0()), n = Math.max(a.n0(), b.n0());
                if (k < Math.min(a.k0() + a.kLen(), b.k0() + b.kLen())
                        && n < Math.min(a.n0() + a.nLen(), b.n0() + b.nLen())) {
                    errors.add("layer " + l.layer() + ": weight (" + k + "," + n + ") placed twice, in pieces "
                            + describe(a) + " and " + describe(b));
                    return;
                }
            }
        }
        if (area != l.weights()) {
            errors.add(
                    "layer " + l.layer() + ": " + (l.weights() - area) + " of " + l.weights() + " weights not placed");
        }
    }

    private static void placement(Mapping m, List<String> errors) {
        Architecture a = m.arch();
        List<CrossbarSlot> slots = m.crossbars();
        Set<List<Integer>> taken = new HashSet<>();
        for (int i = 0; i < slots.size(); i++) {
            CrossbarSlot s = slots.get(i);
            if (s.id() != i) {
                errors.add("crossbar slot " + i + " holds crossbar " + s.id());
                return;
            }
            if (s.chip() < 0
                    || s.chip() >= a.chips()
                    || s.tile() < 0
                    || s.tile() >= a.tilesPerChip()
                    || s.slot() < 0
                    || s.slot() >= a.crossbarsPerTile()) {
                errors.add("crossbar " + i + ": at chip " + s.chip() + " tile " + s.tile() + " slot " + s.slot()
                        + ", outside the " + a.chips() + " chip(s) x " + a.tilesPerChip() + " tiles x "
                        + a.crossbarsPerTile() + " crossbars of " + a.name());
                return;
            }
            if (!taken.add(List.of(s.chip(), s.tile(), s.slot()))) {
                errors.add("crossbar " + i + ": chip " + s.chip() + " tile " + s.tile() + " slot " + s.slot()
                        + " already holds another crossbar");
                return;
            }
        }
        Map<Integer, List<Piece>> byCrossbar = new HashMap<>();
        int cols = a.logicalCols();
        for (LayerMap l : m.layers()) {
            for (Piece p : l.pieces()) {
                if (p.crossbar() < 0 || p.crossbar() >= slots.size()) {
                    errors.add("layer " + l.layer() + ": piece " + describe(p) + " is on crossbar " + p.crossbar()
                            + " of " + slots.size());
                    return;
                }
                if (p.row() + p.kLen() > a.rows() || p.col() + p.nLen() > cols) {
                    errors.add("layer " + l.layer() + ": piece " + describe(p) + " reaches outside crossbar "
                            + p.crossbar() + " (" + a.rows() + " rows x " + cols + " weight columns)");
                    return;
                }
                byCrossbar.computeIfAbsent(p.crossbar(), k -> new ArrayList<>()).add(p);
            }
        }
        for (var e : byCrossbar.entrySet()) {
            List<Piece> ps = e.getValue();
            for (int i = 0; i < ps.size(); i++) {
                for (int j = i + 1; j < ps.size(); j++) {
                    Piece p = ps.get(i), q = ps.get(j);
                    if (p.row() < q.row() + q.kLen()
                            && q.row() < p.row() + p.kLen()
                            && p.col() < q.col() + q.nLen()
                            && q.col() < p.col() + p.nLen()) {
                        errors.add("crossbar " + e.getKey() + ": pieces " + p.layer() + " " + describe(p) + " and "
                                + q.layer() + " " + describe(q) + " overlap");
                        return;
                    }
                }
            }
        }
    }

    /** The stored schedule equals the one the graph defines: each Scale-Dropout node once, its slot, its p. */
    private static void schedule(Graph g, Mapping m, List<String> errors) {
        List<StochasticUnit.Entry> want = StochasticUnit.schedule(g);
        StochasticUnit u = m.stochastic();
        List<StochasticUnit.Entry> got = u.schedule();
        Map<String, Integer> times = new HashMap<>();
        for (StochasticUnit.Entry e : got) times.merge(e.node(), 1, Integer::sum);
        for (StochasticUnit.Entry w : want) {
            int n = times.getOrDefault(w.node(), 0);
            if (n != 1) {
                errors.add("stochastic schedule: Scale-Dropout node " + w.node() + " has " + n
                        + " entries, needs exactly 1");
                return;
            }
        }
        if (got.size() != want.size()) {
            errors.add("stochastic schedule: " + got.size() + " entries for " + want.size() + " Scale-Dropout node(s)");
            return;
        }
        for (int i = 0; i < got.size(); i++) {
            // slots ascend and never repeat; a slot can be empty when the import numbered a node that folding removed
            if (got.get(i).bit() < 0
                    || i > 0 && got.get(i).bit() <= got.get(i - 1).bit()) {
                errors.add("stochastic schedule: entry " + i + " (" + got.get(i).node() + ") draws bit "
                        + got.get(i).bit() + "; the unit emits each bit once, in ascending order");
                return;
            }
            if (!got.get(i).equals(want.get(i))) {
                errors.add(
                        "stochastic schedule: entry " + i + " is " + got.get(i) + ", the graph defines " + want.get(i));
                return;
            }
        }
        if (!got.isEmpty() && u.kind() == StochasticUnit.Kind.NONE)
            errors.add("stochastic schedule: " + got.size() + " entries but no stochastic unit");
        for (LayerMap l : m.layers()) {
            int bit = -1;
            for (StochasticUnit.Entry e : got) if (e.layer().equals(l.layer())) bit = e.bit();
            if (l.stochasticBit() != bit) {
                errors.add("layer " + l.layer() + ": threshold selected by stochastic bit " + l.stochasticBit()
                        + ", the schedule says " + bit);
                return;
            }
        }
    }

    /** Every node's depth and the pass order as {@link McSchedule#plan} derives them. */
    private static void planned(Graph g, Mapping m, List<String> errors) {
        McSchedule got = m.montecarlo();
        if (got == null) {
            errors.add("Monte-Carlo schedule: missing");
            return;
        }
        McSchedule want = McSchedule.plan(g, m.stochastic());
        if (got.stages().size() != want.stages().size()) {
            errors.add("Monte-Carlo schedule: " + got.stages().size() + " stages for "
                    + want.stages().size() + " nodes");
            return;
        }
        for (int i = 0; i < got.stages().size(); i++) {
            if (!got.stages().get(i).equals(want.stages().get(i))) {
                errors.add("Monte-Carlo schedule: stage " + i + " is "
                        + got.stages().get(i) + ", the graph defines "
                        + want.stages().get(i));
                return;
            }
        }
        if (got.order() != want.order())
            errors.add("Monte-Carlo schedule: order " + got.order() + ", the graph defines " + want.order());
    }

    private static String describe(Piece p) {
        return "rows " + p.k0() + ".." + (p.k0() + p.kLen() - 1) + " x cols " + p.n0() + ".." + (p.n0() + p.nLen() - 1);
    }
}
