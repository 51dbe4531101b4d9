package org.bnncim.compiler.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.verilog.VerilogBackend;
import org.bnncim.backends.verilog.VerilogSynth;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.synth.Synthesis;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;

/**
 * report.json's verilog.synth section (compile --synth) against docs/report-schema.json, with made-up cell counts
 * so that no Yosys is needed; and the cost model's comparators are the banks' neurons times steps.
 */
class ReportSynthTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aDoneAndATimedOutSynthesisMatchTheSchema() throws Exception {
        Schema schema = ReportSchemaTest.schema();
        Compiler.Compiled c =
                ReportSchemaTest.compile(Paths.testdata("models/mlp-sd.onnx"), ArchitectureLoader.defaults());
        List<Synthesis.Unit> units = new ArrayList<>();
        long neuronsTimesSteps = 0;
        for (VerilogSynth.Part p : VerilogSynth.parts(Program.of(c.mapped()))) {
            units.add(new Synthesis.Unit(
                    p, new Synthesis.Cells(Map.of("$_AND_", 10L, "$_DFF_P_", 2L), 12, 2, 64, false)));
            if (p.kind().endsWith("threshold")) neuronsTimesSteps += (long) p.neurons() * p.steps();
        }
        assertEquals(
                List.of("threshold", "threshold", "stochastic_unit", "accumulate"),
                units.stream().map(u -> u.part().kind()).toList());
        var done = new Synthesis.Result(
                Synthesis.Status.done,
                "Yosys 0.23",
                600,
                units,
                new Synthesis.Cells(Map.of("$_AND_", 30L, "$_DFF_P_", 6L), 36, 6, 192, false),
                1.5,
                Map.of());
        JsonNode s = report(c, done, schema).at("/verilog/synth");
        assertEquals("done", s.get("status").asText());
        assertEquals(36, s.get("cells").asInt());
        assertEquals(4, s.get("parts").size());
        assertEquals(3, s.at("/parts/0/sets").asInt(), "a Scale-Dropout bank holds three threshold sets");
        // every comparator the cost model counts after a crossbar layer is in a bank
        assertEquals(neuronsTimesSteps, s.at("/cost_model/comparators").asLong());
        assertEquals(512, neuronsTimesSteps);
        assertEquals(1, s.at("/cost_model/stochastic_units").asInt());
        assertEquals("comparator_banks", s.at("/comparison/0/part").asText());
        assertEquals(
                2 * 64 * 0.03,
                s.at("/comparison/0/synthesized_area_estimate_um2").asDouble(),
                1e-9);
        assertEquals(512 * 40.0, s.at("/comparison/0/cost_model_area_um2").asDouble(), 0);
        assertEquals("stochastic_unit", s.at("/comparison/1/part").asText());
        assertEquals("adder_datapath", s.at("/comparison/2/part").asText());
        assertEquals(
                s.at("/cost_model/adder_trees_area_um2").asDouble(),
                s.at("/comparison/2/cost_model_area_um2").asDouble(),
                0);

        var late =
                new Synthesis.Result(Synthesis.Status.timeout, "Yosys 0.23", 5, List.of(), done.total(), 5.0, Map.of());
        JsonNode t = report(c, late, schema).at("/verilog/synth");
        assertEquals("timeout", t.get("status").asText());
        assertFalse(t.has("cells") || t.has("parts"), t.toString());
        assertTrue(
                ReportSynth.text(late, c.report(), c.mapped().mapping().arch()).contains("stopped after 5 s"));
        String text = ReportSynth.text(done, c.report(), c.mapped().mapping().arch());
        assertTrue(text.contains("Synthesis cross-check") && text.contains("512 comparators"), text);
        for (String line : text.split("\n")) assertTrue(line.length() <= 120, line);
    }

    private static JsonNode report(Compiler.Compiled c, Synthesis.Result s, Schema schema) throws Exception {
        String text = ReportJson.render(c.report(), Compiler.meta(c, false, VerilogBackend.Options.NONE, s));
        JsonNode report = JSON.readTree(text);
        var errors = schema.validate(report);
        assertTrue(errors.isEmpty(), errors.toString());
        return report;
    }
}
