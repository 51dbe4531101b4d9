package org.bnncim.compiler.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.ir.SafeText;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.Piece;
import org.bnncim.ir.util.Fmt;

/** Colours, number formats and escaping shared by the sections of report.html (and sweep.html's numbers). */
public final class ReportHtmlFormat {
    /** Qualitative palette for layers; beyond it hues step by the golden angle so neighbours still differ. */
    static final String[] LAYER_COLOURS = {
        "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#8cd17d",
    };
    /** Energy/area components in the order the cost model lists them, each with a fixed colour across charts. */
    static final Map<String, String> COMPONENT_COLOURS = new LinkedHashMap<>();

    static {
        COMPONENT_COLOURS.put("cells", "#3b6fb6");
        COMPONENT_COLOURS.put("wordline_drivers", "#a9c6e8");
        COMPONENT_COLOURS.put("converters", "#7fb3e0");
        COMPONENT_COLOURS.put("adder_trees", "#e0892d");
        COMPONENT_COLOURS.put("thresholds", "#f3c27a");
        COMPONENT_COLOURS.put("buffers", "#5b9e57");
        COMPONENT_COLOURS.put("transfers", "#a7d49b");
        COMPONENT_COLOURS.put("digital", "#8c6bb1");
        COMPONENT_COLOURS.put("stochastic", "#d6404e");
        COMPONENT_COLOURS.put("leakage", "#9d9d9d");
    }

    /**
     * An em dash as a character reference: the page then holds Latin-1 characters only, which Java's strings store
     * and encode a byte per character (one em dash made the whole report twice as large in memory and slower to
     * encode). {@link #esc} writes any character beyond Latin-1 the same way.
     */
    static final String DASH = "&#8212;";

    static final String TIMES = "\u00d7";

    private ReportHtmlFormat() {}

    /** Components in the cost model's order, then any others the report carries, in the order they appear. */
    static List<String> components(CostReport r) {
        Set<String> seen = new LinkedHashSet<>();
        List<Map<String, Double>> maps = new ArrayList<>();
        maps.add(r.deterministic().energyBreakdownPj());
        maps.add(r.mc().energyBreakdownPj());
        maps.add(r.baselineMcDropout().energyBreakdownPj());
        maps.add(r.deterministic().areaBreakdownMm2());
        maps.add(r.mc().areaBreakdownMm2());
        maps.add(r.baselineMcDropout().areaBreakdownMm2());
        for (CostReport.Layer l : r.layers()) maps.add(l.energyBreakdownPj());
        Set<String> present = new LinkedHashSet<>();
        for (Map<String, Double> m : maps) if (m != null) present.addAll(m.keySet());
        for (String k : COMPONENT_COLOURS.keySet()) if (present.contains(k)) seen.add(k);
        seen.addAll(present);
        return new ArrayList<>(seen);
    }

    static String componentLabel(String key) {
        return key.replace('_', ' ');
    }

    static String componentColour(String key, int i) {
        String c = COMPONENT_COLOURS.get(key);
        return c != null ? c : hsl(i + 3);
    }

    static String layerColour(int i) {
        return i < LAYER_COLOURS.length ? LAYER_COLOURS[i] : hsl(i);
    }

    static String hsl(int i) {
        return Fmt.format("hsl(%.1f,55%%,55%%)", (i * 137.508) % 360);
    }

    static Map<Integer, CrossbarSlot> slots(Mapping m) {
        Map<Integer, CrossbarSlot> s = new TreeMap<>();
        for (CrossbarSlot c : m.crossbars()) s.put(c.id(), c);
        return s;
    }

    static long usedCells(List<Piece> pieces, int cpw) {
        long c = 0;
        for (Piece p : pieces) c += p.weights() * cpw;
        return c;
    }

    static String pieceLabel(Piece p) {
        return Fmt.format(
                "%s k %d..%d x n %d..%d", p.layer(), p.k0(), p.k0() + p.kLen() - 1, p.n0(), p.n0() + p.nLen() - 1);
    }

    static boolean hasPadding(CostReport.Layer l) {
        return l.padding() != null && !l.padding().isEmpty() && !l.padding().equals("none");
    }

    static String kindLabel(String kind) {
        return switch (kind) {
            case "scale_dropout" -> "Scale-Dropout";
            case "mc_dropout" -> "per-neuron MC-Dropout";
            case "none" -> "no dropout layers";
            default -> esc(kind);
        };
    }

    static double get(Map<String, Double> m, String k) {
        if (m == null) return 0;
        Double v = m.get(k);
        return v == null ? 0 : v;
    }

    static double div(double a, double b) {
        return b == 0 ? (a == 0 ? 1 : Double.NaN) : a / b;
    }

    static String ratio(double v) {
        if (!Double.isFinite(v)) return DASH;
        return Fmt.format(v >= 100 ? "%.0f%s" : "%.2f%s", v, TIMES);
    }

    static String pct(double v) {
        return Double.isFinite(v) ? Fmt.format("%.1f%%", 100 * v) : DASH;
    }

    static String energy(double pj) {
        return scaled(pj, new String[] {"pJ", "nJ", "\u00b5J", "mJ", "J"});
    }

    static String latency(double ns) {
        return scaled(ns, new String[] {"ns", "\u00b5s", "ms", "s"});
    }

    static String area(double mm2) {
        if (!Double.isFinite(mm2)) return DASH;
        if (mm2 != 0 && Math.abs(mm2) < 1e-4) return sig(mm2 * 1e6) + " \u00b5m\u00b2";
        return sig(mm2) + " mm\u00b2";
    }

    static String scaled(double v, String[] units) {
        if (!Double.isFinite(v)) return DASH;
        int u = 0;
        while (u < units.length - 1 && Math.abs(v) >= 1000) {
            v /= 1000;
            u++;
        }
        return sig(v) + " " + units[u];
    }

    /** The patterns sig uses, made once rather than concatenated (and hashed by Fmt) for every number. */
    private static final String[] FIXED = {"%.0f", "%.1f", "%.2f", "%.3f", "%.4f", "%.5f", "%.6f", "%.7f", "%.8f"};

    /** Four significant digits without trailing zeros, never scientific notation unless tiny. */
    public static String sig(double v) {
        double a = Math.abs(v);
        if (a == 0) return "0";
        if (a < 1e-4) return Fmt.format("%.3e", v);
        int decimals = Math.max(0, 3 - (int) Math.floor(Math.log10(a)));
        String t = Fmt.format(decimals < FIXED.length ? FIXED[decimals] : "%." + decimals + "f", v);
        if (t.indexOf('.') < 0) return t;
        int end = t.length();
        while (t.charAt(end - 1) == '0') end--;
        if (t.charAt(end - 1) == '.') end--;
        return t.substring(0, end);
    }

    static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "\u2026";
    }

    /** Escapes for both text and attribute values. */
    static String esc(String s) {
        if (s == null) return "";
        // most text (names, numbers, units) has nothing to escape: it is returned as it is, not copied
        int first = 0;
        while (first < s.length() && plain(s.charAt(first))) first++;
        if (first == s.length()) return s;
        StringBuilder out = new StringBuilder(s.length() + 8).append(s, 0, first);
        for (int i = first; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    // control characters other than tab/newline are not allowed in HTML text: shown, not dropped
                    if (SafeText.unsafe(c) && c != '\t' && c != '\n') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else if (c > 0xff) {
                        // beyond Latin-1 (see DASH); a surrogate without its other half is shown as U+FFFD
                        int cp = Character.codePointAt(s, i);
                        if (Character.isSurrogate((char) cp)) cp = 0xfffd;
                        out.append("&#").append(cp).append(';');
                        i += Character.charCount(cp) - 1;
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** A character {@link #esc} writes as it is. */
    private static boolean plain(char c) {
        return c >= 0x20 && c < 0x7f
                ? c != '&' && c != '<' && c != '>' && c != '"' && c != '\''
                : c <= 0xff && (c == '\t' || c == '\n' || !SafeText.unsafe(c));
    }

    static void f(StringBuilder sb, String fmt, Object... args) {
        Fmt.append(sb, fmt, args);
    }

    static void legend(
            StringBuilder sb, List<String> names, String prefix, java.util.function.UnaryOperator<String> label) {
        sb.append("<div class=\"legend\">");
        for (int i = 0; i < names.size(); i++) {
            sb.append("<span><span class=\"sw ")
                    .append(prefix)
                    .append(i)
                    .append("\"></span>")
                    .append(esc(label.apply(names.get(i))))
                    .append("</span>");
        }
        sb.append("</div>\n");
    }
}
