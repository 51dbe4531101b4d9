package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bnncim.backends.verilog.VerilogSynth;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #20, item 5: {@code compile --target verilog --synth} runs Yosys on TFC_1W1A's comparator banks and adder
 * datapath and records positive cell counts beside the cost model's comparators and adder trees. Skipped where
 * Yosys is not installed (as VerilogRunScriptTest skips its simulation without Icarus); reportSynthTest (compiler)
 * checks the schema without it.
 */
class VerilogSynthTest {
    @TempDir
    Path tmp;

    @Test
    @Tag("slow") // Yosys: about 40 s for TFC_1W1A's three banks and its adder datapath
    void synthRecordsCellsBesideTheCostModel() throws Exception {
        assumeTrue(onPath("yosys"), "Yosys is not installed");
        Path out = tmp.resolve("tfc");
        Cli.Result r =
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--target", "verilog", "--synth");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("synth: Yosys"), r.out());
        Path v = out.resolve("verilog");
        for (String f : new String[] {VerilogSynth.WRAPPER, VerilogSynth.SCRIPT, VerilogSynth.LOG, VerilogSynth.STAT})
            assertTrue(Files.size(v.resolve(f)) > 0, f);

        JsonNode s =
                new ObjectMapper().readTree(out.resolve("report.json").toFile()).at("/verilog/synth");
        assertEquals("done", s.path("status").asText(), s.toString());
        assertTrue(
                s.path("cells").asLong() > 0 && s.path("transistors_estimate").asLong() > 0, s.toString());
        assertTrue(s.path("cells_by_type").size() > 0, s.toString());
        JsonNode parts = s.path("parts");
        assertEquals(4, parts.size(), "TFC_1W1A has three comparator banks, no stochastic unit, one adder datapath");
        JsonNode adders = parts.get(3);
        assertEquals("accumulate", adders.path("kind").asText(), adders.toString());
        // one lane per logical column of a 256x256 complementary crossbar; combinational (the registers are the top's)
        assertEquals(128, adders.path("neurons").asLong(), adders.toString());
        assertEquals(0, adders.path("flip_flops").asLong(), adders.toString());
        // a 32-bit adder per lane has at least one XOR (or XNOR) per sum bit
        long xors = adders.at("/cells_by_type/$_XOR_").asLong()
                + adders.at("/cells_by_type/$_XNOR_").asLong();
        assertTrue(xors >= 128 * 32, adders.toString());
        long comparators = 0, cells = adders.path("cells").asLong();
        for (JsonNode p : parts) {
            if (p == adders) continue;
            assertEquals("threshold", p.path("kind").asText());
            assertTrue(p.path("cells").asLong() > 0, p.toString());
            // a bank latches its outputs: one flip-flop per neuron
            assertEquals(p.path("neurons").asLong(), p.path("flip_flops").asLong(), p.toString());
            comparators += p.path("neurons").asLong() * p.path("steps").asLong();
            cells += p.path("cells").asLong();
        }
        assertEquals(s.path("cells").asLong(), cells, "the top holds the banks, the datapath and nothing else");
        assertEquals(192, comparators);
        assertEquals(comparators, s.at("/cost_model/comparators").asLong());
        assertEquals(784, s.at("/cost_model/input_comparators").asLong(), "the input binarizer: host side");
        assertTrue(s.at("/comparison/0/ratio").asDouble() > 0, s.toString());
        assertEquals("adder_datapath", s.at("/comparison/1/part").asText(), s.toString());
        assertEquals(
                s.at("/cost_model/adder_trees_area_um2").asDouble(),
                s.at("/comparison/1/cost_model_area_um2").asDouble(),
                s.toString());
        assertTrue(Files.readString(out.resolve("report.txt")).contains("Synthesis cross-check (--synth, Yosys"));
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
