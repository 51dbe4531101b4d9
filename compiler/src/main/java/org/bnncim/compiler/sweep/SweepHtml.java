package org.bnncim.compiler.sweep;

import static org.bnncim.compiler.sweep.SweepChart.esc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.bnncim.compiler.report.ReportHtmlFormat;

/**
 * sweep.html: what was swept, the Pareto plots (SweepPlots) with a note on each, the points of the energy/accuracy
 * front and the whole results table. One self-contained page, inline SVG and styles, no scripts; well-formed XML
 * too (no named entities, every element closed), so tests parse it. Output depends only on the spec and the rows,
 * numbers formatted with Locale.ROOT: a sweep run again gives the same bytes.
 */
public final class SweepHtml {
    private SweepHtml() {}

    /** Front points listed above the full table at most; the table highlights all of them. */
    static final int FRONT_ROWS = 100;

    /** How the grid shows an axis left to the architecture file (a null value in the spec). */
    private static final String ARCHS = "the arch's";

    private static final String CSS = """
            body{font-family:sans-serif;margin:16px;background:#fff;color:#222}
            h1{font-size:22px;margin:0 0 4px}
            h2{font-size:17px;margin:20px 0 8px}
            .sub{color:#555;margin:0 0 10px}
            dl.grid{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 8px;font-size:13px}
            dl.grid dt{color:#555}
            dl.grid dd{margin:0;overflow-wrap:anywhere}
            .plots{display:flex;flex-wrap:wrap;gap:16px}
            figure{margin:0;width:600px}
            figure svg{display:block;border:1px solid #ddd}
            figcaption{font-size:13px;line-height:1.35;margin-top:6px;color:#333}
            .none{border:1px dashed #bbb;padding:16px;color:#555}
            .scroll{overflow-x:auto;max-width:100%}
            table.r{border-collapse:collapse;font-size:12px}
            table.r th,table.r td{border:1px solid #ccc;padding:2px 6px;vertical-align:top}
            table.r th{background:#f3f3f3;text-align:left;font-weight:600}
            table.r td{white-space:nowrap}
            table.r td.n{text-align:right;font-variant-numeric:tabular-nums}
            table.r td.err{color:#a00;white-space:normal;min-width:220px;max-width:360px;overflow-wrap:anywhere}
            table.r tr.bad td{background:#fdecea}
            table.r tr.pf td{background:#fff4cc}
            .muted{color:#666;font-size:13px}
            """;

    public static String render(SweepSpec spec, List<String> columns, List<Map<String, Object>> rows) {
        String file = spec == null || spec.file() == null ? "sweep" : fileName(spec.file());
        long ok = rows.stream().filter(SweepPlots::ok).count();
        List<Integer> front = SweepPlots.energyFront(rows);
        StringBuilder b = new StringBuilder(16 * 1024 + rows.size() * columns.size() * 24);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\n<title>bnncim sweep: ")
                .append(esc(file))
                .append("</title>\n<style>\n")
                .append(CSS)
                .append("</style></head><body>\n");
        b.append("<h1>Design-space sweep</h1>\n<p class=\"sub\">")
                .append(esc(file))
                .append(" \u00b7 ")
                .append(rows.size())
                .append(rows.size() == 1 ? " point: " : " points: ")
                .append(ok)
                .append(" ok, ")
                .append(rows.size() - ok)
                .append(" failed</p>\n");
        if (spec != null) grid(b, spec);
        b.append("<h2>Plots</h2>\n");
        if (ok == 0)
            b.append("<p class=\"none\">No point ran to the end, so there is nothing to plot; the table says"
                    + " why each one failed.</p>\n");
        else plots(b, columns, rows);
        if (!front.isEmpty()) frontTable(b, rows, front);
        b.append("<h2>All points</h2>\n<p class=\"muted\">Every column of results.csv; numbers to four significant"
                + " digits (results.csv and results.jsonl keep them all). Failed points are red, their status says"
                + " why; the energy/accuracy Pareto front is yellow.</p>\n");
        table(b, columns, rows, new HashSet<>(front));
        return b.append("</body></html>\n").toString();
    }

    private static void grid(StringBuilder b, SweepSpec s) {
        b.append("<dl class=\"grid\">\n");
        item(b, "models", s.models(), m -> m.name() + (m.mcDropout() ? " (MC-Dropout)" : ""));
        item(b, "dataset", s.models(), m -> m.dataset() == null ? "" : fileName(m.dataset()));
        if (!s.oodNames().isEmpty()) item(b, "OOD sets", s.oodNames(), n -> n);
        item(b, "arch", s.archs(), a -> a == null ? "default" : fileName(a));
        item(b, "crossbar", s.crossbars(), rc -> rc == null ? ARCHS : rc[0] + "x" + rc[1]);
        item(b, "weight encoding", s.encodings(), e -> e == null ? ARCHS : e);
        item(b, "chips", s.chips(), c -> c == null ? ARCHS : String.valueOf(c));
        item(b, "faults", s.faults(), f -> f);
        item(b, "samples (T)", s.samples(), String::valueOf);
        item(b, "seeds", s.seeds(), String::valueOf);
        b.append("<dt>examples</dt><dd>")
                .append(s.limit() == null ? "all of each set" : "at most " + s.limit() + " of each set")
                .append("</dd>\n</dl>\n");
    }

    /** One axis of the grid: its distinct values, in order. */
    private static <T> void item(StringBuilder b, String key, List<T> values, Function<T, String> show) {
        List<String> distinct = new ArrayList<>();
        if (values != null) for (T v : values) if (!distinct.contains(show.apply(v))) distinct.add(show.apply(v));
        b.append("<dt>").append(esc(key)).append("</dt><dd>");
        // "; " because a fault setting has commas of its own
        b.append(esc(String.join("; ", distinct))).append("</dd>\n");
    }

    private static void plots(StringBuilder b, List<String> columns, List<Map<String, Object>> rows) {
        b.append("<div class=\"plots\">\n");
        for (SweepPlots.Figure f : SweepPlots.all(columns, rows)) {
            b.append("<figure>\n");
            if (f.svg() != null) b.append(f.svg());
            b.append(f.svg() == null ? "<figcaption class=\"none\">" : "<figcaption>")
                    .append(f.caption())
                    .append("</figcaption>\n</figure>\n");
        }
        b.append("</div>\n");
    }

    private static void frontTable(StringBuilder b, List<Map<String, Object>> rows, List<Integer> front) {
        List<String> cols = SweepTable.concat(List.of("point"), SweepTable.OPTIONS, List.of("energy_pj_T", "accuracy"));
        b.append("<h2>Pareto front: energy against accuracy</h2>\n<p class=\"muted\">The points no other point beats"
                + " on energy for T passes without losing accuracy, by energy.");
        if (front.size() > FRONT_ROWS)
            b.append(" The first ").append(FRONT_ROWS).append(" of ").append(front.size());
        b.append("</p>\n");
        List<Map<String, Object>> shown = new ArrayList<>();
        for (int i : front.subList(0, Math.min(FRONT_ROWS, front.size()))) shown.add(rows.get(i));
        table(b, cols, shown, Set.of());
    }

    private static void table(
            StringBuilder b, List<String> columns, List<Map<String, Object>> rows, Set<Integer> front) {
        b.append("<div class=\"scroll\"><table class=\"r\">\n<tr>");
        // long column names break after their underscores rather than widening the table
        for (String c : columns)
            b.append("<th>").append(esc(c).replace("_", "_<wbr/>")).append("</th>");
        b.append("</tr>\n");
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> r = rows.get(i);
            boolean ok = SweepPlots.ok(r);
            b.append(!ok ? "<tr class=\"bad\">" : front.contains(i) ? "<tr class=\"pf\">" : "<tr>");
            for (String c : columns) cell(b, c, r.get(c), ok);
            b.append("</tr>\n");
        }
        b.append("</table></div>\n");
    }

    private static void cell(StringBuilder b, String column, Object v, boolean ok) {
        switch (v) {
            case null -> b.append("<td></td>");
            case Double d -> b.append("<td class=\"n\">").append(sig(d)).append("</td>");
            case Float f -> b.append("<td class=\"n\">").append(sig(f)).append("</td>");
            case Number n ->
                b.append("<td class=\"n\">").append(esc(n.toString())).append("</td>");
            default -> {
                String s = esc(String.valueOf(v));
                if (column.equals("status") && !ok)
                    b.append("<td class=\"err\">").append(s).append("</td>");
                else b.append("<td>").append(s).append("</td>");
            }
        }
    }

    /** Four significant digits (never scientific notation above 1e-4); NaN and infinities spelt out. */
    static String sig(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "\u221e" : "\u2212\u221e";
        return ReportHtmlFormat.sig(v);
    }

    private static String fileName(String path) {
        try {
            Path p = Path.of(path).getFileName();
            return p == null ? path : p.toString();
        } catch (java.nio.file.InvalidPathException e) {
            return path;
        }
    }
}
