package org.bnncim.compiler.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.bnncim.backends.verilog.VerilogBackend;
import org.bnncim.backends.verilog.VerilogSynth;
import org.junit.jupiter.api.Test;

/** Reading Yosys' statistics and finding Yosys, without running it (VerilogSynthTest in cli runs it). */
class SynthesisTest {
    // what Yosys 0.23 writes for `stat -json -tech cmos` (with its trailing comma after "modules")
    static final String STAT = """
            {
               "creator": "Yosys 0.23 (git sha1 7ce5011c24b)",
               "invocation": "stat -json -tech cmos ",
               "modules": {
                  "\\\\leaf": {
                     "num_cells":         6,
                     "num_cells_by_type": {
                        "$_AND_": 3,
                        "$_DFF_P_": 2,
                        "$_XOR_": 1
                     },
                     "estimated_num_transistors": "62"
                  },
                  "$paramod$abc\\\\odd": {
                     "num_cells":         2,
                     "num_cells_by_type": {
                        "$_NOT_": 1,
                        "$_WEIRD_": 1
                     },
                     "estimated_num_transistors": "2+"
                  },
                  "\\\\wrap": {
                     "num_cells":         1,
                     "num_cells_by_type": {
                        "leaf": 1
                     },
                     "estimated_num_transistors": "0+"
                  },
                  "\\\\top": {
                     "num_cells":         3,
                     "num_cells_by_type": {
                        "wrap": 2,
                        "$paramod$abc\\\\odd": 1
                     },
                     "estimated_num_transistors": "0+"
                  }
               },

            }
            """;

    @Test
    void cellsAreSummedDownTheHierarchy() throws Exception {
        var modules = Synthesis.modules(STAT.getBytes(StandardCharsets.UTF_8));
        assertEquals(java.util.Set.of("leaf", "$paramod$abc\\odd", "wrap", "top"), modules.keySet());
        Synthesis.Cells wrap = Synthesis.cells("wrap", modules, new HashMap<>());
        assertEquals(6, wrap.total());
        assertEquals(2, wrap.flipFlops());
        assertEquals(62, wrap.transistors());
        assertFalse(wrap.transistorsAtLeast(), "a wrapper's own \"0+\" leaves nothing out");
        Synthesis.Cells top = Synthesis.cells("top", modules, new HashMap<>());
        assertEquals(Map.of("$_AND_", 6L, "$_DFF_P_", 4L, "$_XOR_", 2L, "$_NOT_", 1L, "$_WEIRD_", 1L), top.byType());
        assertEquals(14, top.total());
        assertEquals(4, top.flipFlops());
        assertEquals(2 * 62 + 2, top.transistors());
        assertTrue(top.transistorsAtLeast(), "a cell without a CMOS figure makes the estimate a lower bound");
    }

    @Test
    void yosysIsLookedUpOnThePathOrWhereTheVariableSays() {
        assertNull(Synthesis.yosys(null, ""));
        assertNull(Synthesis.yosys("/nonexistent/yosys", "/usr/bin"));
        String m = Synthesis.missing(null);
        assertTrue(m.startsWith("--synth: yosys not found on the PATH") && m.contains("apt-get install yosys"), m);
        assertFalse(m.contains("\n"));
        assertTrue(Synthesis.missing("/opt/y").contains("BNNCIM_YOSYS=/opt/y"));
    }

    @Test
    void theScriptReadsEveryDesignFileWithTheCrossbarAsABlackBox() {
        String s = VerilogSynth.script();
        assertTrue(s.contains("read_verilog -lib " + VerilogBackend.CROSSBAR_SOURCE + "\n"), s);
        for (String f : VerilogBackend.DESIGN_SOURCES)
            if (!f.equals(VerilogBackend.CROSSBAR_SOURCE)) assertTrue(s.contains(" " + f), f + " is not read:\n" + s);
        assertTrue(s.contains("synth -top " + VerilogSynth.TOP + "\n"), s);
        assertTrue(s.contains("tee -q -o " + VerilogSynth.STAT + " stat -json -tech cmos"), s);
    }
}
