package org.bnncim.compiler.verilog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.verilog.VerilogBackend;
import org.bnncim.backends.verilog.VerilogReference;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.testing.ResidualGraphs;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.ir.mapping.MappedModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The digital unit of a small residual graph ({@link ResidualGraphs#residual}): Scale-Dropout on popcounts, batch
 * norms with ReLU and PReLU, residual adds of a host value and of an average pool of an on-chip sign map, Signs
 * feeding later crossbar layers; the chip hands over the last residual sum as float32 words, which must equal the
 * reference interpreter's bit for bit, deterministic and with T = 4 LFSR passes, under Icarus.
 */
class ResidualVerilogTest {
    private static final int EXAMPLES = 6, SAMPLES = 4;
    private static final long SEED = 9;

    @TempDir
    Path tmp;

    @Test
    @Tag("slow")
    void aResidualGraphMatchesTheReferenceInterpreterBitForBit() throws Exception {
        VerilogKbitTest.requireTool("iverilog");
        VerilogKbitTest.requireTool("verilator");
        MappedModel mm = ResidualGraphs.map(
                ResidualGraphs.residual(true), ArchitectureLoader.defaults().withCrossbar(32, 32));
        Program p = Program.of(mm);
        float[][] x = ResidualGraphs.inputs(23, EXAMPLES);
        ReferenceInterpreter ref = new ReferenceInterpreter(mm.graph());
        StringBuilder hex = new StringBuilder();
        for (float[] row : x) {
            var trace = ref.run(row, null);
            hex.append(VerilogReference.inputLine(p, trace::get)).append('\n');
        }
        Path dir = tmp.resolve("res");
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> f :
                VerilogBackend.generate(p, VerilogBackend.Options.NONE).entrySet()) {
            Files.write(dir.resolve(f.getKey()), f.getValue());
        }
        Files.writeString(dir.resolve("tb_top.v"), VerilogBackend.testbench(EXAMPLES, SAMPLES, SEED));
        Files.writeString(dir.resolve("inputs.hex"), hex.toString());
        List<String> compile = new ArrayList<>(List.of("iverilog", "-g2005", "-o", "tb_top.vvp"));
        compile.addAll(VerilogBackend.simulationSources());
        VerilogKbitTest.exec(dir, compile, 120);

        BitSource lfsr = BitSource.lfsr(mm, SEED, 0, EXAMPLES, SAMPLES);
        for (int samples : new int[] {0, SAMPLES}) {
            VerilogKbitTest.exec(dir, List.of("vvp", "-n", "tb_top.vvp", "+samples=" + samples), 300);
            List<String> outs = Files.readAllLines(dir.resolve("outputs.txt"));
            int passes = Math.max(1, samples), line = 0;
            boolean dropped = false;
            for (int e = 0; e < EXAMPLES; e++) {
                boolean[][] patterns = new boolean[passes][];
                for (int t = 0; t < passes; t++) patterns[t] = samples == 0 ? null : lfsr.bits(e, t);
                var beats = VerilogReference.beats(p.montecarlo().order(), patterns);
                for (int b = 0; b < beats.size(); b++, line++) {
                    boolean[] z = beats.get(b).bits();
                    if (z != null) for (boolean bit : z) dropped |= bit;
                    var trace = ref.run(x[e], z == null ? null : Bits.ofScale(z));
                    // the chip's output: the last residual sum r2 (the host's tail signs, flattens and densifies it)
                    StringBuilder want = new StringBuilder(e + " " + b);
                    for (double v : trace.get("r2")) want.append(' ').append(Float.floatToRawIntBits((float) v));
                    assertEquals(want.toString(), outs.get(line), "float32 words, line " + line);
                }
            }
            assertEquals(line, outs.size(), "beats written by the testbench");
            assertTrue(samples == 0 || dropped, "no scale was ever dropped: weak test");
        }
        List<String> lint = new ArrayList<>(List.of("verilator", "--lint-only", "-Wall", "--top-module", "bnncim_top"));
        lint.addAll(VerilogBackend.DESIGN_SOURCES);
        String lintOut = VerilogKbitTest.exec(dir, lint, 120);
        assertTrue(!lintOut.contains("%Warning") && !lintOut.contains("%Error"), "verilator -Wall:\n" + lintOut);
    }
}
