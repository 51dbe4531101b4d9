package org.bnncim.compiler.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** sweep.html from hand-made tables: the Pareto fronts, the plots' numbers, escaping, odd and large tables. */
class SweepHtmlTest {
    static final String NO_FAULTS = "stuck-at=0.0,read-flip=0.0,rng-bias=0.0";

    /** A row as SweepTable makes it for a point that ran; the metrics not given are plausible constants. */
    static Map<String, Object> row(
            long point, String model, String crossbar, String faults, long seed, Double energyT, Double accuracy) {
        Map<String, Object> r = new LinkedHashMap<>();
        for (String c : columns()) r.put(c, null);
        r.put("point", point);
        r.put("status", "ok");
        r.put("model", model);
        r.put("arch", "default");
        r.put("crossbar", crossbar);
        r.put("weight_encoding", "complementary");
        r.put("chips", 1L);
        r.put("faults", faults);
        r.put("samples", 10L);
        r.put("seed", seed);
        r.put("crossbars_used", 9L);
        r.put("tiles_used", 2L);
        r.put("utilization", 0.9115);
        r.put("energy_pj_per_pass", energyT == null ? null : energyT / 10);
        r.put("latency_ns_per_pass", 13700.5);
        r.put("area_mm2", 0.1092 + point * 1e-3);
        r.put("energy_pj_T", energyT);
        r.put("latency_ns_T", 137005.0);
        r.put("mc_dropout_energy_pj_T", energyT == null ? null : energyT * 1.25);
        r.put("mc_dropout_latency_ns_T", 137025.0);
        r.put("mc_dropout_area_mm2", 0.1225);
        r.put("examples", 200L);
        r.put("accuracy", accuracy);
        r.put("nll", 0.5);
        r.put("ece", 0.1);
        r.put("mean_entropy", 0.01);
        r.put("mean_mutual_information", 0.001);
        r.put("auroc_fashion", accuracy == null ? null : 0.9 - point * 1e-3);
        return r;
    }

    static Map<String, Object> failed(long point, String model, String why) {
        Map<String, Object> r = new LinkedHashMap<>();
        for (String c : columns()) r.put(c, null);
        r.put("point", point);
        r.put("status", "error: " + why);
        r.put("model", model);
        r.put("arch", "default");
        r.put("faults", NO_FAULTS);
        r.put("samples", 10L);
        r.put("seed", 0L);
        return r;
    }

    static List<String> columns() {
        List<String> c = new ArrayList<>(SweepTable.COLUMNS);
        c.add("auroc_fashion");
        return c;
    }

    static SweepSpec spec(String file, String model) {
        var m = new SweepSpec.Model(
                model, "/m/" + model + ".onnx", false, "/d/mnist", List.of(new SweepSpec.DataSet("fashion", "/d/f")));
        return new SweepSpec(
                file,
                List.of(m),
                Collections.singletonList(null),
                List.of(new int[] {128, 128}, new int[] {256, 256}),
                Collections.singletonList(null),
                Collections.singletonList(null),
                List.of(NO_FAULTS, "stuck-at=0.02,read-flip=0.0,rng-bias=0.0"),
                List.of(10),
                List.of(0L, 1L),
                200,
                1,
                1000);
    }

    static String render(List<Map<String, Object>> rows) {
        return SweepHtml.render(spec("specs/s.json", "mlp-sd"), columns(), rows);
    }

    static Document xml(String s) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setExpandEntityReferences(false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
    }

    static List<String> svgs(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<svg .*?</svg>", Pattern.DOTALL).matcher(html);
        while (m.find()) out.add(m.group());
        return out;
    }

    /** The non-dominated points by the definition, in O(n^2): the reference the front is checked against. */
    static Set<Integer> bruteFront(double[] x, double[] y) {
        Set<Integer> out = new TreeSet<>();
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) continue;
            boolean dominated = false;
            for (int j = 0; j < x.length && !dominated; j++) {
                if (!Double.isFinite(x[j]) || !Double.isFinite(y[j])) continue;
                dominated = x[j] <= x[i] && y[j] >= y[i] && (x[j] < x[i] || y[j] > y[i]);
            }
            if (!dominated) out.add(i);
        }
        return out;
    }

    @Test
    void paretoFrontHoldsExactlyTheNonDominatedPointsTiesAndDuplicatesIncluded() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(60);
            double[] x = new double[n], y = new double[n];
            for (int i = 0; i < n; i++) {
                // a coarse grid, so that equal energies, equal accuracies and equal points are common
                x[i] = rnd.nextInt(8);
                y[i] = rnd.nextInt(6) / 5.0;
                if (rnd.nextInt(15) == 0) x[i] = Double.NaN;
                if (rnd.nextInt(15) == 0) y[i] = Double.POSITIVE_INFINITY;
            }
            List<Integer> front = Pareto.front(x, y);
            assertEquals(bruteFront(x, y), new TreeSet<>(front), "trial " + trial);
            assertEquals(front.size(), new TreeSet<>(front).size());
            for (int k = 1; k < front.size(); k++) {
                assertTrue(x[front.get(k - 1)] <= x[front.get(k)], "by energy");
                assertTrue(y[front.get(k - 1)] <= y[front.get(k)], "a front gains accuracy as it spends energy");
            }
        }
    }

    @Test
    void theTableHighlightsAndListsExactlyTheFrontOfThePointsThatRan() throws Exception {
        Random rnd = new Random(3);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            if (i % 11 == 5) rows.add(failed(i, "mlp-sd", "cannot map"));
            else if (i % 13 == 7) rows.add(row(i, "mlp-sd", "128x128", NO_FAULTS, 0, null, 0.99));
            else {
                double e = 1000 + rnd.nextInt(20) * 50, a = 0.9 + rnd.nextInt(10) / 100.0;
                rows.add(row(i, i % 2 == 0 ? "mlp-sd" : "mlp-mcd", "128x128", NO_FAULTS, 0, e, a));
            }
        }
        // a failed point with better numbers than any must not count (a failed row has no metrics in practice)
        Map<String, Object> bad = failed(80, "mlp-sd", "boom");
        bad.put("energy_pj_T", 1.0);
        bad.put("accuracy", 1.0);
        rows.add(bad);
        double[] x = new double[rows.size()], y = new double[rows.size()];
        for (int i = 0; i < x.length; i++) {
            boolean ok = "ok".equals(rows.get(i).get("status"));
            x[i] = ok && rows.get(i).get("energy_pj_T") instanceof Double d ? d : Double.NaN;
            y[i] = ok ? (Double) rows.get(i).get("accuracy") : Double.NaN;
        }
        Set<Integer> expected = bruteFront(x, y);
        assertFalse(expected.isEmpty());
        Document d = xml(render(rows));
        NodeList trs = d.getElementsByTagName("tr");
        Set<Integer> highlighted = new TreeSet<>(), bad2 = new TreeSet<>();
        for (int i = 0; i < trs.getLength(); i++) {
            Element tr = (Element) trs.item(i);
            String first = tr.getElementsByTagName("td").getLength() == 0
                    ? null
                    : tr.getElementsByTagName("td").item(0).getTextContent();
            if (tr.getAttribute("class").equals("pf")) highlighted.add(Integer.parseInt(first));
            if (tr.getAttribute("class").equals("bad")) bad2.add(Integer.parseInt(first));
        }
        assertEquals(expected, highlighted);
        assertEquals(Set.of(5, 16, 27, 38, 49, 60, 71, 80), bad2);
        // the front's own table: the same points, by energy
        String html = render(rows);
        String frontTable = html.substring(html.indexOf("<h2>Pareto front"), html.indexOf("<h2>All points"));
        Matcher m = Pattern.compile("<tr><td class=\"n\">(\\d+)</td>").matcher(frontTable);
        List<Integer> listed = new ArrayList<>();
        while (m.find()) listed.add(Integer.parseInt(m.group(1)));
        assertEquals(expected, new TreeSet<>(listed));
        for (int k = 1; k < listed.size(); k++) assertTrue(x[listed.get(k - 1)] <= x[listed.get(k)]);
        Set<String> places = new TreeSet<>();
        for (int i : expected) places.add(x[i] + "," + y[i]);
        assertEquals(places.size(), countRings(svgs(html).get(0)), "every place on the front ringed once");
    }

    /** The front's rings: one per place (equal points share one). */
    private static int countRings(String svg) {
        Matcher m = Pattern.compile(
                        "<g fill=\"none\" stroke=\"#111\" stroke-width=\"1.6\">\\n(.*?)</g>", Pattern.DOTALL)
                .matcher(svg);
        assertTrue(m.find(), "a ring group");
        return m.group(1).split("<circle", -1).length - 1;
    }

    @Test
    void everyNameAndMessageIsEscaped() throws Exception {
        String evil = "m<b>&\"x'</b>";
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row(0, evil, "128x128", NO_FAULTS, 0, 100.0, 0.9));
        rows.add(row(1, evil, "256x256", "stuck-at=0.01,read-flip=0.0,rng-bias=0.0", 0, 90.0, 0.8));
        rows.add(failed(2, "ok&<name>", "<script>alert(1)</script> \u0007 bell"));
        List<String> cols = new ArrayList<>(columns());
        cols.add("auroc_a<b&c\u0001");
        for (Map<String, Object> r : rows) r.put("auroc_a<b&c\u0001", 0.7);
        SweepSpec s = spec("dir/s<p>&ec.json", "mlp-sd");
        String html = SweepHtml.render(s, cols, rows);
        for (String raw : List.of(evil, "<script", "m<b>", "ok&<name>", "a<b&c", "s<p>", "\u0007", "\u0001"))
            assertFalse(html.contains(raw), "unescaped: " + raw);
        assertTrue(html.contains("m&lt;b&gt;&amp;&quot;x'&lt;/b&gt;"));
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\u0007 bell"));
        assertTrue(html.contains("s&lt;p&gt;&amp;ec.json"));
        Document d = xml(html);
        assertEquals(4, d.getElementsByTagName("svg").getLength(), "energy, two AUROC columns, faults");
        assertTrue(d.getDocumentElement().getTextContent().contains("AUROC (a<b&c\\u0001)"));
    }

    @Test
    void renderingTwiceGivesTheSameBytes() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String f = "stuck-at=" + (i % 3) * 0.01 + ",read-flip=0.0,rng-bias=0.0";
            rows.add(row(
                    i, i < 12 ? "a" : "b", i % 2 == 0 ? "128x128" : "64x64", f, i % 4, 100.0 + i, 0.9 + i / 1000.0));
        }
        String one = render(rows), two = render(rows);
        assertEquals(one, two);
        List<Map<String, Object>> copy = new ArrayList<>();
        for (Map<String, Object> r : rows) copy.add(new LinkedHashMap<>(r));
        assertEquals(one, render(copy));
        assertFalse(one.contains("<script"), "no scripts");
        assertFalse(Pattern.compile("(src|href)=\"(http|//)").matcher(one).find(), "nothing fetched");
    }

    @Test
    void anEmptyTableAndOneOfFailedPointsOnlyStillRender() throws Exception {
        String empty = render(List.of());
        xml(empty);
        assertTrue(empty.contains("0 points: 0 ok, 0 failed"));
        assertTrue(empty.contains("nothing to plot"));
        assertTrue(svgs(empty).isEmpty());
        List<Map<String, Object>> rows = List.of(failed(0, "mlp-sd", "no examples"), failed(1, "mlp-sd", "x"));
        String html = render(rows);
        xml(html);
        assertTrue(html.contains("2 points: 0 ok, 2 failed"));
        assertTrue(html.contains("<td class=\"err\">error: no examples</td>"));
        assertTrue(svgs(html).isEmpty());
        assertFalse(html.contains("<h2>Pareto front"));
        String nullSpec = SweepHtml.render(null, columns(), rows);
        xml(nullSpec);
    }

    @Test
    void onePointAndNullOrNanMetricsRender() throws Exception {
        String one = render(List.of(row(0, "mlp-sd", "128x128", NO_FAULTS, 0, 5000.0, 1.0)));
        xml(one);
        assertTrue(one.contains("1 point: 1 ok, 0 failed"));
        assertEquals(3, svgs(one).size());
        for (String svg : svgs(one)) assertFalse(svg.contains("NaN") || svg.contains("Infinity"), svg);
        assertTrue(one.contains("(a single fault setting)"));
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row(0, "mlp-sd", "128x128", NO_FAULTS, 0, Double.NaN, Double.NaN));
        rows.add(row(1, "mlp-sd", "128x128", null, 0, null, null));
        Map<String, Object> odd = row(2, "mlp-sd", null, "not a fault setting", 0, Double.POSITIVE_INFINITY, 0.5);
        odd.put("auroc_fashion", Double.NaN);
        rows.add(odd);
        String html = render(rows);
        xml(html);
        assertTrue(html.contains("nothing to draw"));
        assertTrue(html.contains("<td class=\"n\">NaN</td>"));
        for (String svg : svgs(html)) assertFalse(svg.contains("NaN") || svg.contains("Infinity"), svg);
    }

    @Test
    void faultPlotAveragesTheSeedsPerModelAndCrossbarOverTheKindThatVaries() throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        int p = 0;
        for (String model : List.of("b", "a"))
            for (String xb : List.of("256x256", "64x128"))
                for (double rate : new double[] {0, 0.05})
                    for (long seed = 0; seed < 3; seed++) {
                        double acc =
                                (model.equals("a") ? 0.8 : 0.9) - rate - (xb.startsWith("64") ? 0.1 : 0) + seed * 0.01;
                        String f = "stuck-at=0.0,read-flip=" + rate + ",rng-bias=0.0";
                        rows.add(row(p++, model, xb, f, seed, 100.0, acc));
                    }
        rows.add(failed(p, "a", "boom"));
        SweepFaultPlot.Data d = SweepFaultPlot.data(rows);
        assertNotNull(d);
        assertEquals(List.of("read-flip"), d.rate().kinds());
        assertEquals(
                List.of("b @ 64x128", "b @ 256x256", "a @ 64x128", "a @ 256x256"),
                List.copyOf(d.means().keySet()));
        TreeMap<Double, Double> a64 = d.means().get("a @ 64x128");
        assertEquals(0.7 + 0.01, a64.get(0.0), 1e-12, "mean of 0.70, 0.71, 0.72");
        assertEquals(0.65 + 0.01, a64.get(0.05), 1e-12);
        String html = render(rows);
        assertTrue(html.contains("Accuracy against read-flip rate</text>"));
        assertTrue(html.contains("read-flip rate (probability a read flips)"));
        Document svg = xml(svgs(html).get(2));
        assertEquals(4, svg.getElementsByTagName("path").getLength() - countMarkerPaths(svg), "one line a series");
    }

    private static int countMarkerPaths(Document svg) {
        int n = 0;
        NodeList paths = svg.getElementsByTagName("path");
        for (int i = 0; i < paths.getLength(); i++)
            if (!((Element) paths.item(i)).hasAttribute("stroke")) n++; // markers take their style from a group
        return n;
    }

    @Test
    void severalVaryingFaultKindsArePlottedAsTheirSumAndTheTitleSaysSo() {
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row(0, "m", "128x128", "stuck-at=0.01,read-flip=0.0,rng-bias=0.0", 0, 1.0, 0.9));
        rows.add(row(1, "m", "128x128", "stuck-at=0.0,read-flip=0.02,rng-bias=0.0", 0, 1.0, 0.8));
        rows.add(row(2, "m", "128x128", "stuck-at=0.01,read-flip=0.02,rng-bias=0.0", 0, 1.0, 0.7));
        SweepFaultPlot.Data d = SweepFaultPlot.data(rows);
        assertEquals(List.of("stuck-at", "read-flip"), d.rate().kinds());
        assertEquals(3, d.means().get("128x128").size());
        assertEquals(0.7, d.means().get("128x128").get(0.01 + 0.02), 1e-12);
        assertTrue(
                render(rows).contains("Accuracy against stuck-at + read-flip (their sum: several fault kinds vary)"));
        assertNull(SweepFaultPlot.data(List.of(failed(0, "m", "x"))));
    }

    @Test
    void faultRatesSpanningDecadesAreSpacedEvenlyAndLabelledByValue() {
        List<Map<String, Object>> rows = new ArrayList<>();
        double[] rates = {0, 0.0001, 0.001, 0.01};
        for (int i = 0; i < rates.length; i++)
            rows.add(row(i, "m", "128x128", "stuck-at=" + rates[i] + ",read-flip=0.0,rng-bias=0.0", 0, 1.0, 0.9));
        String svg = svgs(render(rows)).get(2);
        for (String label : List.of(">0<", ">0.0001<", ">0.001<", ">0.01<")) assertTrue(svg.contains(label), label);
        assertTrue(render(rows).contains("evenly spaced"));
    }

    @Test
    void energiesSpanningDecadesGetALogAxisWithPowerOfTenTicks() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) rows.add(row(i, "m", "128x128", NO_FAULTS, 0, Math.pow(10, 3 + i), 0.5 + i / 10.0));
        String html = render(rows);
        assertTrue(html.contains("log axis: the energies span more than ten times"));
        String svg = svgs(html).get(0);
        // 1e3..1.25e7 pJ (the baseline's 1.25x included): in microjoules, ticks at powers of ten only (4 decades)
        assertTrue(svg.contains("energy for T passes (\u00b5J, cost model)"), svg);
        for (String t : List.of(">0.001<", ">0.01<", ">0.1<", ">1<", ">10<")) assertTrue(svg.contains(t), t);
        assertFalse(svg.contains(">2<") || svg.contains(">5<"));
    }

    @Test
    void theMcDropoutBaselineIsDrawnHollowBesideEachPointAndLabelled() throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row(0, "sd", "128x128", NO_FAULTS, 0, 1000.0, 0.9));
        rows.add(row(1, "sd", "256x256", NO_FAULTS, 0, 2000.0, 0.95));
        String html = render(rows);
        String svg = svgs(html).get(0);
        assertTrue(svg.contains(">" + SweepPlots.BASELINE + "</text>"));
        // hollow: no fill of its own, stroked in the model's colour; two baseline markers and the legend's
        Matcher m = Pattern.compile(
                        "<g fill=\"#fff\" fill-opacity=\"0\" stroke=\"#1f77b4\"[^>]*>\\n(.*?)</g>", Pattern.DOTALL)
                .matcher(svg);
        assertTrue(m.find());
        assertEquals(2, m.group(1).split("<circle", -1).length - 1);
        assertTrue(svg.contains("stroke-dasharray=\"4,3\""), "dashed lines join point and baseline");
        assertTrue(html.contains("the baseline needs 1.25\u00d7 the energy"));
        xml(svg);
    }

    @Test
    void hundredsOfPointsKeepThePlotsSmall() throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        Random rnd = new Random(11);
        for (int i = 0; i < 600; i++) {
            String f = "stuck-at=" + (i % 5) * 0.01 + ",read-flip=0.0,rng-bias=0.0";
            String xb = List.of("64x64", "128x128", "256x256").get(i % 3);
            rows.add(
                    row(i, "m" + i % 4, xb, f, i % 7, 1e5 + rnd.nextInt(2000) * 10.0, 0.8 + rnd.nextInt(200) / 1000.0));
        }
        String html = render(rows);
        xml(html);
        int svgBytes = svgs(html).stream().mapToInt(String::length).sum();
        assertTrue(svgBytes < 200_000, "plots of 600 points: " + svgBytes + " characters");
        for (String svg : svgs(html)) assertTrue(svg.length() < 100_000, "one plot: " + svg.length());
        assertTrue(html.length() < 1_500_000, "page: " + html.length());
        Matcher m = Pattern.compile("<tr").matcher(html);
        int trs = 0;
        while (m.find()) trs++;
        assertTrue(trs >= 601, "every point has its row: " + trs);
        assertTrue(Arrays.asList(html.split("\n")).stream().noneMatch(l -> l.length() > 20_000), "no giant line");
    }
}
