package org.bnncim.compiler.report;

import static org.bnncim.compiler.report.ReportHtmlFormat.*;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.Piece;
import org.bnncim.ir.util.Fmt;

/** The crossbars section of report.html: every crossbar drawn with its pieces, on the chip's floorplan. */
final class ReportHtmlCrossbars {
    private ReportHtmlCrossbars() {}

    static void render(StringBuilder sb, CostReport r, Mapping m, Map<String, Integer> layerIndex) {
        sb.append("<section id=\"crossbars\">\n<h2>Crossbars</h2>\n");
        if (m == null) {
            sb.append("<p class=\"muted\">The graph carries no mapping, so there are no crossbars to draw."
                    + "</p>\n</section>\n");
            return;
        }
        Architecture a = m.arch();
        int cpw = a.cellsPerWeight();
        Map<Integer, CrossbarSlot> slots = slots(m);
        TreeMap<Integer, List<Piece>> pieces = new TreeMap<>();
        for (int i = 0; i < m.crossbarCount(); i++) pieces.put(i, new ArrayList<>());
        for (Integer id : slots.keySet()) pieces.putIfAbsent(id, new ArrayList<>());
        for (LayerMap l : m.layers())
            for (Piece p : l.pieces())
                pieces.computeIfAbsent(p.crossbar(), x -> new ArrayList<>()).add(p);

        f(
                sb,
                "<p class=\"muted\">%d crossbar(s) of %d%s%d cells, grouped by chip tile. "
                        + "A weight takes %d cell(s), so a piece of n weights is %d%sn columns wide%s. ",
                pieces.size(),
                a.rows(),
                TIMES,
                a.cols(),
                cpw,
                cpw,
                TIMES,
                a.encoding() == Architecture.WeightEncoding.SINGLE
                        ? "; the hatched last column is the shared reference column"
                        : "");
        sb.append("Under each crossbar: its number, tile.slot and the share of its cells holding weights; "
                + "grey is unused. " + "The list under a crossbar names its pieces by the numbers drawn on them: "
                + "layer, k range (rows of the layer&#39;s matrix) and n range (its columns), inclusive.</p>\n");
        legend(sb, new ArrayList<>(layerIndex.keySet()), "c", s -> s);

        floorplan(sb, m, slots, pieces, layerIndex);

        // smaller drawings for big models, so a chip's worth of crossbars stays a few screens long
        int px = pieces.size() <= 64 ? 120 : pieces.size() <= 256 ? 84 : 64;
        double scale = (double) px / Math.max(a.rows(), a.cols());
        double sw = a.cols() * scale, sh = a.rows() * scale;
        TreeMap<Long, List<Integer>> byTile = new TreeMap<>();
        List<Integer> unplaced = new ArrayList<>();
        for (Integer id : pieces.keySet()) {
            CrossbarSlot s = slots.get(id);
            if (s == null) unplaced.add(id);
            else
                byTile.computeIfAbsent(((long) s.chip() << 32) | s.tile(), x -> new ArrayList<>())
                        .add(id);
        }
        int gridCols = a.crossbarsPerTile() <= 4 ? a.crossbarsPerTile() : a.crossbarsPerTile() <= 16 ? 4 : 8;
        sb.append("<div class=\"tiles\">\n");
        for (var e : byTile.entrySet()) {
            List<Integer> ids = new ArrayList<>(e.getValue());
            ids.sort((x, y) -> slots.get(x).slot() != slots.get(y).slot()
                    ? Integer.compare(slots.get(x).slot(), slots.get(y).slot())
                    : Integer.compare(x, y));
            CrossbarSlot first = slots.get(ids.get(0));
            long used = 0;
            for (int id : ids) used += usedCells(pieces.get(id), cpw);
            Set<String> layers = new TreeSet<>();
            for (int id : ids) for (Piece p : pieces.get(id)) layers.add(p.layer());
            f(
                    sb,
                    "<div class=\"tile\"><h3>%stile %d " + "<span class=\"muted\">&middot; %d/%d slots "
                            + "&middot; %s of cells &middot; %d layer(s)</span></h3>%n",
                    a.chips() > 1 ? "chip " + first.chip() + " &middot; " : "",
                    first.tile(),
                    ids.size(),
                    a.crossbarsPerTile(),
                    pct(div(used, (double) ids.size() * a.cellsPerCrossbar())),
                    layers.size());
            f(sb, "<div class=\"g\" style=\"grid-template-columns:repeat(%d,%dpx)\">%n", gridCols, px + 2);
            Set<Integer> taken = new TreeSet<>();
            for (int id : ids) taken.add(slots.get(id).slot());
            for (int id : ids) crossbar(sb, id, slots.get(id), pieces.get(id), a, layerIndex, scale, sw, sh);
            for (int s = 0; s < a.crossbarsPerTile(); s++) {
                if (taken.contains(s)) continue;
                f(
                        sb,
                        "<figure class=\"free\"><svg width=\"%.0f\" height=\"%.0f\"><title>slot %d free</title>"
                                + "<rect x=\".5\" y=\".5\" width=\"%.0f\" height=\"%.0f\"/></svg>"
                                + "<figcaption>slot %d free</figcaption></figure>%n",
                        sw,
                        sh,
                        s,
                        sw - 1,
                        sh - 1,
                        s);
            }
            sb.append("</div></div>\n");
        }
        if (!unplaced.isEmpty()) {
            f(
                    sb,
                    "<div class=\"tile\"><h3>not placed on a tile</h3>"
                            + "<div class=\"g\" style=\"grid-template-columns:repeat(%d,%dpx)\">%n",
                    gridCols,
                    px + 2);
            for (int id : unplaced) crossbar(sb, id, null, pieces.get(id), a, layerIndex, scale, sw, sh);
            sb.append("</div></div>\n");
        }
        sb.append("</div>\n</section>\n");
    }

    /** Each chip in use as its grid of tiles; a slot is coloured by the layer holding most of its cells. */
    static void floorplan(
            StringBuilder sb,
            Mapping m,
            Map<Integer, CrossbarSlot> slots,
            TreeMap<Integer, List<Piece>> pieces,
            Map<String, Integer> layerIndex) {
        Architecture a = m.arch();
        TreeMap<Integer, TreeMap<Integer, Integer>> byChip = new TreeMap<>(); // chip -> (tile*perTile+slot) -> crossbar
        for (CrossbarSlot s : slots.values()) {
            if (s.tile() < 0 || s.tile() >= a.tilesPerChip() || s.slot() < 0 || s.slot() >= a.crossbarsPerTile())
                continue;
            byChip.computeIfAbsent(s.chip(), x -> new TreeMap<>())
                    .put(s.tile() * a.crossbarsPerTile() + s.slot(), s.id());
        }
        if (byChip.isEmpty()) return;
        final int cell = FLOOR_CELL, gap = 1, pad = 3, tileGap = 6;
        int slotCols = Math.min(a.crossbarsPerTile(), a.crossbarsPerTile() <= 16 ? 4 : 8);
        int slotRows = (a.crossbarsPerTile() + slotCols - 1) / slotCols;
        int tileCols = (int) Math.ceil(Math.sqrt(a.tilesPerChip()));
        int tileRows = (a.tilesPerChip() + tileCols - 1) / tileCols;
        int tw = 2 * pad + slotCols * (cell + gap) - gap, th = 2 * pad + slotRows * (cell + gap) - gap;
        int w = tileCols * (tw + tileGap) - tileGap, h = tileRows * (th + tileGap) - tileGap;
        sb.append("<h3>Chip floorplan</h3>\n<div class=\"chips\">\n");
        for (var chip : byChip.entrySet()) {
            f(
                    sb,
                    "<figure class=\"chip\"><svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
                            + "<title>chip %d</title>%n",
                    w,
                    h,
                    w,
                    h,
                    chip.getKey());
            // most tiles of a small model are empty, and every empty tile draws the same free slots: a chip of
            // 64 tiles was half of the page and a fifth of a small model's whole compile, through Fmt
            String freeSlots = null;
            for (int t = 0; t < a.tilesPerChip(); t++) {
                int tx = (t % tileCols) * (tw + tileGap), ty = (t / tileCols) * (th + tileGap);
                sb.append("<g transform=\"translate(")
                        .append(tx)
                        .append(',')
                        .append(ty)
                        .append(")\"><rect class=\"ft\" width=\"")
                        .append(tw)
                        .append("\" height=\"")
                        .append(th)
                        .append("\" rx=\"2\"><title>tile ")
                        .append(t)
                        .append("</title></rect>");
                int first = t * a.crossbarsPerTile();
                var inTile = chip.getValue().subMap(first, first + a.crossbarsPerTile());
                if (inTile.isEmpty()) {
                    if (freeSlots == null) {
                        StringBuilder free = new StringBuilder();
                        for (int s = 0; s < a.crossbarsPerTile(); s++)
                            freeSlot(free, pad + (s % slotCols) * (cell + gap), pad + (s / slotCols) * (cell + gap));
                        freeSlots = free.toString();
                    }
                    sb.append(freeSlots).append("</g>\n");
                    continue;
                }
                for (int s = 0; s < a.crossbarsPerTile(); s++) {
                    int x = pad + (s % slotCols) * (cell + gap), y = pad + (s / slotCols) * (cell + gap);
                    Integer id = inTile.get(first + s);
                    if (id == null) {
                        freeSlot(sb, x, y);
                        continue;
                    }
                    List<Piece> ps = pieces.getOrDefault(id, List.of());
                    String top = dominantLayer(ps, layerIndex);
                    Set<String> names = new LinkedHashSet<>();
                    for (Piece p : ps) names.add(p.layer());
                    f(
                            sb,
                            "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\">"
                                    + "<title>crossbar #%d, tile %d slot %d: %s</title></rect>",
                            top == null ? "fe" : "c" + layerIndex.get(top),
                            x,
                            y,
                            cell,
                            cell,
                            id,
                            t,
                            s,
                            esc(names.isEmpty() ? "empty" : String.join(", ", names)));
                }
                sb.append("</g>\n");
            }
            long used = chip.getValue().size();
            f(
                    sb,
                    "</svg><figcaption>chip %d &middot; %d of %d crossbars</figcaption></figure>%n",
                    chip.getKey(),
                    used,
                    a.crossbarsPerChip());
        }
        sb.append("</div>\n");
    }

    private static final int FLOOR_CELL = 9;

    /** A free slot of the floorplan: as Fmt would write it, without the pattern and the boxing per slot. */
    private static void freeSlot(StringBuilder sb, int x, int y) {
        sb.append("<rect class=\"fs\" x=\"")
                .append(x)
                .append("\" y=\"")
                .append(y)
                .append("\" width=\"")
                .append(FLOOR_CELL)
                .append("\" height=\"")
                .append(FLOOR_CELL)
                .append("\"/>");
    }

    static String dominantLayer(List<Piece> ps, Map<String, Integer> layerIndex) {
        Map<String, Long> cells = new TreeMap<>();
        for (Piece p : ps) cells.merge(p.layer(), p.weights(), Long::sum);
        String best = null;
        for (var e : cells.entrySet()) {
            if (best == null
                    || e.getValue() > cells.get(best)
                    || (e.getValue().equals(cells.get(best)) && layerIndex.get(e.getKey()) < layerIndex.get(best))) {
                best = e.getKey();
            }
        }
        return best;
    }

    static void crossbar(
            StringBuilder sb,
            int id,
            CrossbarSlot slot,
            List<Piece> pieces,
            Architecture a,
            Map<String, Integer> layerIndex,
            double scale,
            double sw,
            double sh) {
        int cpw = a.cellsPerWeight();
        double util = div(usedCells(pieces, cpw), a.cellsPerCrossbar());
        String where = slot == null
                ? "unplaced"
                : Fmt.format("chip %d, tile %d, slot %d", slot.chip(), slot.tile(), slot.slot());
        f(
                sb,
                "<figure class=\"xb\" data-xb=\"%d\">"
                        + "<svg width=\"%.1f\" height=\"%.1f\" viewBox=\"0 0 %.1f %.1f\" role=\"img\">",
                id,
                sw,
                sh,
                sw,
                sh);
        f(
                sb,
                "<title>crossbar #%d (%s): %s of cells hold weights, %d piece(s)</title>"
                        + "<rect class=\"bg\" width=\"%.1f\" height=\"%.1f\"/>",
                id,
                where,
                pct(util),
                pieces.size(),
                sw,
                sh);
        if (a.encoding() == Architecture.WeightEncoding.SINGLE) {
            f(
                    sb,
                    "<rect class=\"ref\" x=\"%.2f\" width=\"%.2f\" height=\"%.1f\">"
                            + "<title>reference column</title></rect>",
                    (a.cols() - 1) * scale,
                    Math.max(1, scale),
                    sh);
        }
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            double x = p.col() * cpw * scale, y = p.row() * scale, w = p.nLen() * cpw * scale, h = p.kLen() * scale;
            f(
                    sb,
                    "<rect class=\"pc c%d\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\">"
                            + "<title>%s at row %d, col %d</title></rect>",
                    layerIndex.get(p.layer()),
                    x,
                    y,
                    w,
                    h,
                    esc(pieceLabel(p)),
                    p.row(),
                    p.col());
            // the piece's number in the legend below, where the piece is big enough to hold it
            if (w >= 10 && h >= 11)
                f(sb, "<text class=\"pn\" x=\"%.2f\" y=\"%.2f\">%d</text>", x + w / 2, y + h / 2 + 3.5, i + 1);
        }
        String slotText = slot == null ? "" : Fmt.format(" t%d.s%d", slot.tile(), slot.slot());
        f(sb, "</svg><figcaption><b>#%d</b>%s<br>%s</figcaption>", id, slotText, pct(util));
        pieceLegend(sb, pieces, layerIndex);
        sb.append("</figure>\n");
    }

    /** Which piece is which, readable without hovering: number, layer colour, layer and its k and n ranges. */
    private static void pieceLegend(StringBuilder sb, List<Piece> pieces, Map<String, Integer> layerIndex) {
        if (pieces.isEmpty()) return;
        sb.append("<ol class=\"pk\">");
        for (Piece p : pieces) {
            f(
                    sb,
                    "<li><span class=\"sw c%d\"></span>%s <span class=\"muted\">k%d-%d n%d-%d</span></li>",
                    layerIndex.get(p.layer()),
                    esc(p.layer()),
                    p.k0(),
                    p.k0() + p.kLen() - 1,
                    p.n0(),
                    p.n0() + p.nLen() - 1);
        }
        sb.append("</ol>");
    }
}
