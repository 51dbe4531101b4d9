package org.bnncim.compiler.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.LayerMap;
import org.junit.jupiter.api.Test;

/** What the three reports say about inputs, Monte-Carlo passes, comparisons and the architecture (issue #19). */
class ReportContentTest {
    private static Map<String, byte[]> files(String model) {
        var c = ReportSchemaTest.compile(Paths.testdata("models/" + model + ".onnx"), ArchitectureLoader.defaults());
        return Compiler.outputs(c, false);
    }

    private static String text(Map<String, byte[]> f, String name) {
        return new String(f.get(name), StandardCharsets.UTF_8);
    }

    @Test
    void aDeterministicModelShowsNoMonteCarloRowsAndNoRatiosAsResults() {
        var f = files("mlp-det");
        String txt = text(f, "report.txt"), html = text(f, "report.html");
        assertFalse(txt.contains("MC (T="), txt);
        assertFalse(html.contains("Monte-Carlo T="), "the header names T for a deterministic model");
        assertFalse(html.contains("this mapping, T="), "MC bars for a deterministic model");
        assertFalse(html.contains("class=\"save\">1.00"), "a green 1.00x with nothing to compare");
    }

    @Test
    void anMcDropoutModelsSavingsAreNotApplicable() {
        String html = text(files("mlp-mcd"), "report.html");
        assertTrue(html.contains("<td class=\"na\">n/a</td>"), "no n/a saving for an MC-Dropout mapping");
        assertFalse(html.contains("<td class=\"save\">"), "a saving where the mapping is the baseline");
    }

    @Test
    void theHeaderNamesTheFirstLayersRealInput() throws Exception {
        // mlp-det reads 8-bit pixels bit-serially; TFC w1a1 binarizes its input first
        var det = files("mlp-det");
        assertTrue(text(det, "report.txt").contains("first layer input: 8-bit bit-serial"));
        assertTrue(text(det, "report.html").contains("first-layer input: 8-bit bit-serial"));
        var tfc = Compiler.outputs(ReportSchemaTest.compile(Paths.tfc(), ArchitectureLoader.defaults()), false);
        JsonNode j = new ObjectMapper().readTree(tfc.get("report.json"));
        int bits = j.at("/layers/0/input_bits").asInt();
        assertEquals(
                bits <= 1 ? "binary" : bits + "-bit bit-serial",
                j.path("first_layer_input").asText());
        assertTrue(text(tfc, "report.txt")
                .contains("first layer input: " + j.path("first_layer_input").asText()));
    }

    @Test
    void theStochasticModulesComparisonStandsBesideTheWholeInference() throws Exception {
        var c = ReportSchemaTest.compile(Paths.testdata("models/mlp-sd.onnx"), ArchitectureLoader.defaults());
        var f = Compiler.outputs(c, false);
        Architecture a = c.mapped().mapping().arch();
        int t = c.report().samples();
        // independently of the cost model: one bit per scheduled layer and pass for the Scale-Dropout unit, a bit
        // and a mask gate per neuron of those layers and pass for the baseline
        int bits = c.mapped().mapping().stochastic().schedule().size();
        long neurons = 0;
        for (LayerMap l : c.mapped().mapping().layers())
            if (l.stochasticBit() >= 0) neurons += (long) l.n() * l.positions();
        double own = bits * a.energy().stochasticBit() * t;
        double base = neurons * (a.energy().stochasticBit() + a.energy().maskGate()) * t;
        JsonNode st = new ObjectMapper().readTree(f.get("report.json")).at("/scale_dropout_saving/stochastic_modules");
        assertEquals(own, st.path("energy_pj").doubleValue(), 1e-9 * own);
        assertEquals(base, st.path("baseline_energy_pj").doubleValue(), 1e-9 * base);
        assertEquals(base / own, st.path("energy_ratio").doubleValue(), 1e-9 * base / own);
        String txt = text(f, "report.txt");
        int whole = txt.indexOf("less MC energy"), modules = txt.indexOf("Stochastic modules alone");
        assertTrue(whole > 0 && modules > whole, txt);
        assertTrue(txt.contains(String.format(java.util.Locale.ROOT, "%.2fx less.", base / own)), txt);
        String html = text(f, "report.html");
        int row = html.indexOf("whole inference energy"), next = html.indexOf("stochastic modules energy");
        assertTrue(row > 0 && next > row, "the stochastic-module row is not beside the whole-inference one");
        assertTrue(html.contains("Scale-Dropout saving"), "no saving card in the summary");
    }

    @Test
    void everyArchitectureParameterIsListedAndTilesAreDefined() {
        var f = files("cnn-sd");
        String txt = text(f, "report.txt"), html = text(f, "report.html");
        for (String key : new String[] {
            "crossbars_per_tile",
            "tiles_per_chip",
            "rows_per_read",
            "conversion",
            "mask_gate",
            "transfer_per_word",
            "threshold_unit",
            "digital_unit"
        }) {
            assertTrue(txt.contains(key), "report.txt misses " + key);
            assertTrue(html.contains("<code>" + key + "</code>"), "report.html misses " + key);
        }
        assertTrue(txt.contains("rowT x colT:"), "report.txt does not define its tile columns");
        assertTrue(html.contains("<b>tiles k" + "\u00d7" + "n</b>:"), "report.html does not define tiles k x n");
        assertTrue(html.contains("<table class=\"schedule\">"), "the schedule is not a table");
        assertTrue(html.contains("<ol class=\"pk\">"), "no piece legend under the crossbars");
    }
}
