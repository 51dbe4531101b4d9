package org.bnncim.compiler.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/**
 * Every parameter of the default architecture file says where its value comes from ([source] or [assumption] in its
 * comment), and the report's parameter table gives the same basis.
 */
class ArchSourcesTest {
    private static final Pattern GROUP = Pattern.compile("^\\s*\"(\\w+)\": \\{");
    private static final Pattern LEAF = Pattern.compile("^\\s*\"(\\w+)\": [^{]*?(//\\s*(.*))?$");
    /** Keys whose value is not a technology figure: the name, a derived default and the implementation's widths. */
    private static final Set<String> NOT_FIGURES = Set.of("name", "converter.bits", "input_bits");

    @Test
    void everyDefaultParameterIsTaggedAndTheReportAgrees() {
        Map<String, String> tags = new HashMap<>();
        String group = "";
        for (String line : ArchitectureLoader.defaultText().split("\n")) {
            Matcher g = GROUP.matcher(line);
            if (g.find()) {
                group = g.group(1);
                continue;
            }
            if (line.trim().startsWith("}")) {
                group = "";
                continue;
            }
            Matcher l = LEAF.matcher(line);
            if (!l.find()) continue;
            String key = group.isEmpty() ? l.group(1) : group + "." + l.group(1);
            String comment = l.group(3) == null ? "" : l.group(3);
            tags.put(
                    key,
                    comment.startsWith("[source]") ? "source" : comment.startsWith("[assumption]") ? "assumption" : "");
        }
        Architecture a = ArchitectureLoader.defaults();
        int checked = 0;
        for (ReportArch.Param p : ReportArch.params(a)) {
            String key = p.group().isEmpty() ? p.key() : p.group() + "." + p.key();
            assertTrue(tags.containsKey(key), key + " is not in the default file");
            if (NOT_FIGURES.contains(key)) continue;
            String tag = tags.get(key);
            assertTrue(!tag.isEmpty(), key + ": its comment names neither [source] nor [assumption]");
            assertEquals(tag.equals("source"), p.basis().startsWith("source:"), key + ": report says " + p.basis());
            if (tag.equals("assumption")) assertEquals(ReportArch.ASSUMPTION, p.basis(), key);
            checked++;
        }
        assertTrue(checked >= 35, "checked " + checked);
    }

    /**
     * arch/cai-isscc2023.json (docs/cost-model.md, "Calibration") gives every figure its own [source] or [assumption]
     * note, and the report's table shows that note; 15 of them name a published figure.
     */
    @Test
    void theCalibrationFileNotesEveryParameterAndTheReportShowsIt() {
        var f = ArchitectureLoader.loadAnnotated(Paths.root().resolve("arch/cai-isscc2023.json"));
        int sources = 0, checked = 0;
        for (ReportArch.Param p : ReportArch.params(f.arch(), f.basis())) {
            String key = p.group().isEmpty() ? p.key() : p.group() + "." + p.key();
            if (key.equals("input_bits")) continue; // the implementation's width, not a figure
            assertTrue(f.basis().containsKey(key), key + ": no [source] or [assumption] comment in the file");
            assertEquals(f.basis().get(key), p.basis(), key);
            assertTrue(p.basis().startsWith("source: ") || p.basis().startsWith("assumption: "), key);
            if (p.basis().startsWith("source: ")) sources++;
            checked++;
        }
        assertEquals(48, checked);
        assertEquals(15, sources);
    }

    @Test
    void aValueTheUserSetIsMarkedAsTheirs() {
        Architecture a = ArchitectureLoader.defaults().withRowsPerRead(4);
        ReportArch.Param p = ReportArch.params(a).stream()
                .filter(x -> x.key().equals("rows_per_read"))
                .findFirst()
                .orElseThrow();
        assertEquals(ReportArch.USER, p.basis());
    }

    @Test
    void numbersAreTheShortestPlainFormAsReportJsonWritesThem() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        double[] special = {
            0,
            -0.0,
            1,
            -1,
            100,
            1e-3,
            9.99e-4,
            1e7,
            9999999.5,
            1e-300,
            1e300,
            0.1,
            2.675,
            Double.MIN_VALUE,
            Double.MAX_VALUE,
            Double.NaN,
            Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY
        };
        for (int i = 0; i < special.length + 50_000; i++) {
            double v = i < special.length
                    ? special[i]
                    : i % 2 == 0
                            ? Double.longBitsToDouble(r.nextLong())
                            : (r.nextInt(2_000_001) - 1_000_000) * Math.pow(10, r.nextInt(-12, 12));
            // the definition: the shortest decimal, trailing zeros stripped, at least one decimal
            java.math.BigDecimal want = null;
            if (Double.isFinite(v)) {
                want = v == 0
                        ? java.math.BigDecimal.ZERO
                        : new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros();
                if (want.scale() < 1) want = want.setScale(1);
            }
            java.math.BigDecimal d = ReportJson.num(v);
            assertEquals(want, d, Double.toString(v)); // BigDecimal.equals: the same value and scale
            assertEquals(d == null ? "n/a" : d.toPlainString(), ReportArch.num(v), Double.toString(v));
        }
    }
}
