package org.bnncim.compiler.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.Piece;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportHtmlTest {
    private static final String NASTY = "evil<&>\"'name";
    private static Compiler.Compiled tfc;

    @BeforeAll
    static void compileTfc() {
        tfc = compile(128, 128);
    }

    private static Compiler.Compiled compile(int rows, int cols) {
        Path model = Paths.tfc();
        assumeTrue(Files.isRegularFile(model), "TFC model not found at " + model);
        return Compiler.compile(
                model,
                new Compiler.Options(
                        OnnxImporter.Options.DEFAULT,
                        ArchitectureLoader.defaults().withCrossbar(rows, cols),
                        20,
                        Set.of()),
                s -> {});
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) n++;
        return n;
    }

    private static Set<Integer> crossbarIds(String html) {
        Set<Integer> ids = new java.util.TreeSet<>();
        Matcher m = Pattern.compile("data-xb=\"(\\d+)\"").matcher(html);
        while (m.find()) assertTrue(ids.add(Integer.parseInt(m.group(1))), "crossbar " + m.group(1) + " drawn twice");
        return ids;
    }

    @Test
    void drawsEveryCrossbarOnceAndNamesEveryLayer() {
        String html = ReportHtml.render(tfc.report(), tfc.mapped());
        Mapping m = tfc.mapped().mapping();
        assertEquals(tfc.report().crossbarsUsed(), count(html, "data-xb=\""));
        Set<Integer> ids = crossbarIds(html);
        for (int i = 0; i < m.crossbarCount(); i++) assertTrue(ids.contains(i), "crossbar " + i + " not drawn");
        for (CostReport.Layer l : tfc.report().layers()) assertTrue(html.contains(l.name()), l.name() + " missing");
        int pieces = 0;
        for (LayerMap l : m.layers()) pieces += l.pieces().size();
        // a piece appears in its crossbar and in its layer's tiling figure, each with its k/n range as a tooltip
        Piece p = m.layers().get(0).pieces().get(0);
        String label = String.format(
                java.util.Locale.ROOT,
                "%s k %d..%d x n %d..%d",
                p.layer(),
                p.k0(),
                p.k0() + p.kLen() - 1,
                p.n0(),
                p.n0() + p.nLen() - 1);
        assertEquals(2, count(html, label + " "), "tooltip of " + label);
        assertEquals(2 * pieces, count(html, "class=\"pc c"));
        for (String note : tfc.report().notes().values()) assertTrue(html.contains(ReportHtmlFormat.esc(note)), note);
    }

    @Test
    void isSelfContained() {
        String html = ReportHtml.render(tfc.report(), tfc.mapped());
        assertFalse(html.toLowerCase(java.util.Locale.ROOT).contains("http"), "no links to the network");
        assertFalse(html.contains("<script"), "no script needed");
        assertFalse(html.contains("<link"), "no external stylesheet");
        assertFalse(html.contains("src="), "no external images");
        assertTrue(html.startsWith("<!doctype html>"));
        assertTrue(html.endsWith("</html>\n"));
    }

    @Test
    void isDeterministic() {
        String first = ReportHtml.render(tfc.report(), tfc.mapped());
        assertEquals(first, ReportHtml.render(tfc.report(), tfc.mapped()));
        Compiler.Compiled again = compile(128, 128);
        assertEquals(
                first, ReportHtml.render(again.report(), again.mapped()), "a second compile renders the same bytes");
    }

    @Test
    void charactersBeyondLatin1AreCharacterReferences() {
        assertEquals(
                "caf\u00e9 &#21517; &#120120; &#65533;x &#8212;",
                ReportHtmlFormat.esc("caf\u00e9 \u540d \ud835\udd38 \ud800x \u2014"));
        // the page then holds Latin-1 characters only, whatever the dashes and clipped labels in it
        String html = ReportHtml.render(tfc.report(), tfc.mapped());
        assertTrue(html.chars().allMatch(c -> c <= 0xff), "a character beyond Latin-1 in report.html");
        assertTrue(html.contains("&#8212;"), "the table's dashes");
    }

    @Test
    void escapesNamesFromTheModel() {
        CostReport r = tfc.report();
        String victim = r.layers().get(0).name();
        String renamed = NASTY + "<script>";
        List<CostReport.Layer> layers = new ArrayList<>();
        for (CostReport.Layer l : r.layers()) {
            layers.add(
                    !l.name().equals(victim)
                            ? l
                            : new CostReport.Layer(
                                    renamed,
                                    l.kind(),
                                    l.k(),
                                    l.n(),
                                    l.positions(),
                                    l.inputBits(),
                                    l.rowTiles(),
                                    l.colTiles(),
                                    l.pieces(),
                                    l.crossbars(),
                                    l.crossbarsTouched(),
                                    l.tilesSpanned(),
                                    l.utilization(),
                                    l.scaleDropout(),
                                    l.stochasticBit(),
                                    l.padding(),
                                    l.periphery(),
                                    l.energyPj(),
                                    l.latencyNs(),
                                    l.energyBreakdownPj(),
                                    l.peripheryOps()));
        }
        Map<String, String> notes = new LinkedHashMap<>(r.notes());
        notes.put("<b>key</b>", "value with </section> & <img src=x>");
        CostReport nasty = new CostReport(
                NASTY,
                r.rows(),
                r.cols(),
                r.encoding(),
                r.crossbarsUsed(),
                r.crossbarsLowerBound(),
                r.utilization(),
                r.tilesUsed(),
                r.chips(),
                r.stochasticKind(),
                r.stochasticUnits(),
                List.of(new org.bnncim.ir.mapping.StochasticUnit.Entry(0, renamed, renamed, 0.5f)),
                layers,
                r.deterministic(),
                r.mc(),
                r.baselineMcDropout(),
                r.baselineStochasticUnits(),
                r.samples(),
                notes);
        Mapping m = tfc.mapped().mapping();
        List<LayerMap> maps = new ArrayList<>();
        for (LayerMap l : m.layers()) {
            if (!l.layer().equals(victim)) {
                maps.add(l);
                continue;
            }
            List<Piece> ps = new ArrayList<>();
            for (Piece p : l.pieces())
                ps.add(new Piece(renamed, p.k0(), p.kLen(), p.n0(), p.nLen(), p.crossbar(), p.row(), p.col()));
            maps.add(new LayerMap(
                    renamed,
                    l.kind(),
                    l.k(),
                    l.n(),
                    l.positions(),
                    l.inputBits(),
                    l.rowTiles(),
                    l.colTiles(),
                    ps,
                    l.padding(),
                    l.stochasticBit(),
                    l.dropoutNeurons()));
        }
        MappedModel g = tfc.mapped().withMapping(m.withLayers(maps));

        String html = ReportHtml.render(nasty, g);
        assertFalse(html.contains(NASTY), "raw name leaked");
        assertFalse(html.contains("<script"), "markup from a layer name leaked");
        assertFalse(html.contains("</section> &"), "markup from a note leaked");
        assertFalse(html.contains("<img"), "markup from a note leaked");
        assertFalse(html.contains("<b>key"), "markup from a note key leaked");
        String escaped = "evil&lt;&amp;&gt;&quot;&#39;name";
        assertTrue(html.contains("<title>bnncim: " + escaped + "</title>"));
        assertTrue(html.contains(escaped + "&lt;script&gt;"), "escaped layer name shown");
        assertTrue(html.contains("&lt;b&gt;key&lt;/b&gt;"));
        assertEquals(nasty.crossbarsUsed(), count(html, "data-xb=\""));
        assertEquals(count(html, "<section"), count(html, "</section>"), "sections balanced");
        assertEquals(count(html, "<svg"), count(html, "</svg>"), "svg elements balanced");
    }

    /** 16x16 crossbars spread TFC over ~460 crossbars: the page must stay light. */
    @Test
    void staysLightForHundredsOfCrossbars() {
        Compiler.Compiled big = compile(16, 16);
        assertTrue(
                big.report().crossbarsUsed() >= 400,
                "expected hundreds of crossbars, got " + big.report().crossbarsUsed());
        String html = ReportHtml.render(big.report(), big.mapped());
        assertEquals(big.report().crossbarsUsed(), crossbarIds(html).size());
        int bytes = html.getBytes(StandardCharsets.UTF_8).length;
        assertTrue(bytes < 2_000_000, "report.html is " + bytes + " bytes");
    }

    @Test
    void rendersToANonTrivialPngWithChromium(@TempDir Path dir) throws Exception {
        Path browser = onPath("chromium");
        assumeTrue(browser != null, "chromium not installed");
        Path script = Paths.root().resolve("scripts/render-report");
        assumeTrue(Files.isExecutable(script), "scripts/render-report missing");
        Path html = dir.resolve("report.html");
        Files.writeString(html, ReportHtml.render(tfc.report(), tfc.mapped()), StandardCharsets.UTF_8);
        Path png = dir.resolve("report.png");
        Process p = new ProcessBuilder(script.toString(), html.toString(), png.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("render.log").toFile())
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        assertEquals(0, p.exitValue(), () -> read(dir.resolve("render.log")));
        assertTrue(Files.size(png) > 10_000, "screenshot is only " + Files.size(png) + " bytes");
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
        assertEquals("\u0089PNG", new String(head, 0, 4, StandardCharsets.ISO_8859_1));
    }

    private static Path onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, exe);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /** esc against its definition, character by character, on random text: entities, \\u escapes, references. */
    @Test
    void escapingMatchesItsDefinition() {
        char[] pool = {
            'a', ' ', '&', '<', '>', '"', '\'', '\t', '\n', '\r', 0x1b, 0x7f, 0x85, 0xa0, 0xb5, 0xff, 0x100, 0x2014,
            0x2028, 0xd83d, 0xde00, 0xdc00, 0xfffe
        };
        java.util.SplittableRandom r = new java.util.SplittableRandom(9);
        for (int t = 0; t < 20_000; t++) {
            StringBuilder b = new StringBuilder();
            for (int i = r.nextInt(10); i > 0; i--) b.append(pool[r.nextInt(pool.length)]);
            String s = b.toString();
            StringBuilder want = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                String e = switch (c) {
                    case '&' -> "&amp;";
                    case '<' -> "&lt;";
                    case '>' -> "&gt;";
                    case '"' -> "&quot;";
                    case '\'' -> "&#39;";
                    default -> null;
                };
                if (e != null) {
                    want.append(e);
                } else if (org.bnncim.ir.SafeText.unsafe(c) && c != '\t' && c != '\n') {
                    want.append(String.format("\\u%04x", (int) c));
                } else if (c > 0xff) {
                    int cp = s.codePointAt(i);
                    want.append("&#")
                            .append(Character.isSurrogate((char) cp) ? 0xfffd : cp)
                            .append(';');
                    i += Character.charCount(cp) - 1;
                } else {
                    want.append(c);
                }
            }
            assertEquals(want.toString(), ReportHtmlFormat.esc(s), s);
        }
    }
}
