package org.bnncim.compiler.passes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.Piece;

/**
 * Packs tiled pieces into as few crossbars as possible, then places crossbars on the chip's tiles.
 *
 * <p>Objective, in order: (1) fewest crossbars; (2) fewest pieces (each extra piece is an extra partial sum);
 * (3) each layer's crossbars inside as few chip tiles as possible, so partial sums stay on one adder tree.
 *
 * <p>Algorithm (deterministic): a piece that fills a whole crossbar gets its own. The remaining partial pieces,
 * largest first, go into shared crossbars managed as MaxRects free lists: a piece that fits is placed in the free
 * rectangle leaving the shortest side over (best short side fit). A piece that fits nowhere whole, while the open
 * crossbars still have room for it, is split to fill the free rectangle it overlaps most (guillotine cut; the
 * right and bottom remainders are queued again), as long as that rectangle takes at least a quarter of it;
 * otherwise a new crossbar is opened. Crossbars are then assigned to tiles in layer order, a layer's group
 * starting a fresh tile when it would otherwise straddle two.
 */
public final class PackAndPlace implements MappingPass {
    private static final PassInfo INFO = new PassInfo("pack-place", Set.of(Property.TILED), Set.of(Property.PLACED));

    @Override
    public PassInfo info() {
        return INFO;
    }

    private record Rect(int row, int col, int h, int w) {
        long area() {
            return (long) h * w;
        }

        boolean contains(Rect o) {
            return o.row >= row && o.col >= col && o.row + o.h <= row + h && o.col + o.w <= col + w;
        }

        boolean intersects(Rect o) {
            return o.row < row + h && row < o.row + o.h && o.col < col + w && col < o.col + o.w;
        }
    }

    /** One shared crossbar's free space (MaxRects: maximal free rectangles, possibly overlapping). */
    private static final class Bin {
        final int id;
        List<Rect> free = new ArrayList<>();

        Bin(int id, int rows, int cols) {
            this.id = id;
            free.add(new Rect(0, 0, rows, cols));
        }

        void occupy(Rect used) {
            List<Rect> next = new ArrayList<>();
            for (Rect f : free) {
                if (!f.intersects(used)) {
                    next.add(f);
                    continue;
                }
                if (used.row > f.row) next.add(new Rect(f.row, f.col, used.row - f.row, f.w));
                if (used.row + used.h < f.row + f.h) {
                    next.add(new Rect(used.row + used.h, f.col, f.row + f.h - used.row - used.h, f.w));
                }
                if (used.col > f.col) next.add(new Rect(f.row, f.col, f.h, used.col - f.col));
                if (used.col + used.w < f.col + f.w) {
                    next.add(new Rect(f.row, used.col + used.w, f.h, f.col + f.w - used.col - used.w));
                }
            }
            List<Rect> pruned = new ArrayList<>();
            for (int i = 0; i < next.size(); i++) {
                Rect a = next.get(i);
                boolean redundant = false;
                for (int j = 0; j < next.size() && !redundant; j++) {
                    if (i == j) continue;
                    Rect b = next.get(j);
                    redundant = b.contains(a) && (!a.contains(b) || j < i);
                }
                if (!redundant) pruned.add(a);
            }
            pruned.sort(Comparator.comparingInt(Rect::row)
                    .thenComparingInt(Rect::col)
                    .thenComparingInt(Rect::h)
                    .thenComparingInt(Rect::w));
            free = pruned;
        }
    }

    @Override
    public Mapping run(MappedModel model) {
        Mapping m = model.mapping();
        Architecture a = m.arch();
        int rows = a.rows(), cols = a.logicalCols();
        Map<String, List<Piece>> placed = new LinkedHashMap<>();
        Map<String, Integer> layerIndex = new HashMap<>();
        List<String> owner = new ArrayList<>(); // crossbar id -> layer that opened it
        List<Piece> partial = new ArrayList<>();
        for (LayerMap l : m.layers()) {
            layerIndex.put(l.layer(), layerIndex.size());
            placed.put(l.layer(), new ArrayList<>());
            for (Piece p : l.pieces()) {
                if (p.kLen() == rows && p.nLen() == cols) {
                    placed.get(l.layer()).add(p.at(owner.size(), 0, 0));
                    owner.add(l.layer());
                } else {
                    partial.add(p);
                }
            }
        }
        partial.sort(Comparator.comparingLong((Piece p) -> -p.weights())
                .thenComparingInt(p -> layerIndex.get(p.layer()))
                .thenComparingInt(Piece::k0)
                .thenComparingInt(Piece::n0));
        Deque<Piece> queue = new ArrayDeque<>(partial);
        List<Bin> bins = new ArrayList<>();
        long freeCells = 0;
        while (!queue.isEmpty()) {
            Piece p = queue.poll();
            Bin bestBin = null;
            Rect best = null;
            int bestShort = Integer.MAX_VALUE;
            for (Bin b : bins) {
                for (Rect f : b.free) {
                    if (f.h >= p.kLen() && f.w >= p.nLen()) {
                        int shortSide = Math.min(f.h - p.kLen(), f.w - p.nLen());
                        if (shortSide < bestShort) {
                            bestShort = shortSide;
                            best = f;
                            bestBin = b;
                        }
                    }
                }
            }
            if (best == null && freeCells >= p.weights()) {
                long bestOverlap = 0;
                for (Bin b : bins) {
                    for (Rect f : b.free) {
                        long overlap = (long) Math.min(f.h, p.kLen()) * Math.min(f.w, p.nLen());
                        if (overlap > bestOverlap) {
                            bestOverlap = overlap;
                            best = f;
                            bestBin = b;
                        }
                    }
                }
                if (best != null && bestOverlap * 4 >= p.weights()) {
                    int kh = Math.min(best.h, p.kLen()), nw = Math.min(best.w, p.nLen());
                    if (p.kLen() > kh)
                        queue.addFirst(new Piece(
                                p.layer(), p.k0() + kh, p.kLen() - kh, p.n0(), p.nLen(), Piece.UNPLACED, 0, 0));
                    if (p.nLen() > nw)
                        queue.addFirst(
                                new Piece(p.layer(), p.k0(), kh, p.n0() + nw, p.nLen() - nw, Piece.UNPLACED, 0, 0));
                    p = new Piece(p.layer(), p.k0(), kh, p.n0(), nw, Piece.UNPLACED, 0, 0);
                } else {
                    best = null;
                }
            }
            if (best == null) {
                bestBin = new Bin(owner.size(), rows, cols);
                owner.add(p.layer());
                bins.add(bestBin);
                freeCells += (long) rows * cols;
                best = bestBin.free.get(0);
            }
            bestBin.occupy(new Rect(best.row, best.col, p.kLen(), p.nLen()));
            freeCells -= p.weights();
            placed.get(p.layer()).add(p.at(bestBin.id, best.row, best.col));
        }
        List<LayerMap> layers = new ArrayList<>();
        for (LayerMap l : m.layers()) {
            List<Piece> ps = placed.get(l.layer());
            ps.sort(Comparator.comparingInt(Piece::k0).thenComparingInt(Piece::n0));
            layers.add(l.withPieces(ps, rowTiles(ps, l.n()), colTiles(ps)));
        }
        Mapping packed = m.withLayers(layers);
        return packed.withCrossbars(place(model.graph().name(), packed, owner));
    }

    /** The most partial sums any output column adds up: the depth the adder tree must serve. */
    static int rowTiles(List<Piece> ps, int n) {
        int[] cover = new int[n];
        for (Piece p : ps) for (int j = p.n0(); j < p.n0() + p.nLen(); j++) cover[j]++;
        int max = 0;
        for (int c : cover) max = Math.max(max, c);
        return max;
    }

    /** Number of distinct column ranges the layer's outputs are cut into. */
    static int colTiles(List<Piece> ps) {
        TreeSet<Integer> starts = new TreeSet<>();
        for (Piece p : ps) starts.add(p.n0());
        return starts.size();
    }

    private static List<CrossbarSlot> place(String model, Mapping m, List<String> owner) {
        Architecture a = m.arch();
        int count = owner.size();
        long capacity = a.crossbarCapacity();
        if (count > capacity) {
            long chipsNeeded = (count + a.crossbarsPerChip() - 1) / a.crossbarsPerChip();
            throw new BnncimException(model + ": the model needs " + count + " crossbars of " + a.rows() + "x"
                    + a.cols()
                    + " (lower bound " + m.lowerBound() + "); " + a.chips() + " chip(s) hold " + capacity
                    + " (" + a.tilesPerChip() + " tiles x " + a.crossbarsPerTile() + "): use --chips " + chipsNeeded
                    + " or larger crossbars");
        }
        List<CrossbarSlot> aligned = assign(a, owner, true);
        return aligned != null ? aligned : assign(a, owner, false);
    }

    /** Slots in crossbar order; with {@code align}, a layer's group never straddles a tile if it fits in one. */
    private static List<CrossbarSlot> assign(Architecture a, List<String> owner, boolean align) {
        int per = a.crossbarsPerTile();
        long tiles = (long) a.tilesPerChip() * a.chips();
        List<CrossbarSlot> out = new ArrayList<>();
        int tile = 0, slot = 0;
        int i = 0;
        while (i < owner.size()) {
            int j = i;
            while (j < owner.size() && owner.get(j).equals(owner.get(i))) j++;
            int size = j - i;
            if (align && slot > 0 && size <= per && slot + size > per) {
                tile++;
                slot = 0;
            }
            for (int id = i; id < j; id++) {
                if (tile >= tiles) return null;
                out.add(new CrossbarSlot(id, tile / a.tilesPerChip(), tile % a.tilesPerChip(), slot));
                if (++slot == per) {
                    tile++;
                    slot = 0;
                }
            }
            i = j;
        }
        return out;
    }
}
