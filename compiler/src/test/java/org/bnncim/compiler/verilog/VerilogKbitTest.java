package org.bnncim.compiler.verilog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.verilog.VerilogBackend;
import org.bnncim.backends.verilog.VerilogReference;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.interp.Bits;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.ir.mapping.MappedModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * k-bit activations in the generated Verilog: dense layers reading u1/u2/i2/i3 values bit-serially and
 * MultiThreshold banks (with and without Scale-Dropout) between them, run by Icarus Verilog, give exactly the
 * reference interpreter's integer popcounts of the last layer, pass by pass, for random inputs and the LFSR's
 * stochastic bits; Verilator lints the design clean. The expectation comes from the reference interpreter, not the
 * simulator. iverilog and verilator are required (a missing tool fails, as in the cli's VerilogBackendTest).
 */
class VerilogKbitTest {
    static final int EXAMPLES = 40, SAMPLES = 4;
    static final long SEED = 9;

    @TempDir
    Path tmp;

    static MappedModel mapped(Graph g, Architecture a) {
        return Compiler.compile(g, new Compiler.Options(OnnxImporter.Options.DEFAULT, a, 4, Set.of()), s -> {})
                .mapped();
    }

    @Test
    @Tag("slow")
    void unsignedInputComplementaryMatchesReference() throws Exception {
        Architecture a = ArchitectureLoader.defaults().withCrossbar(16, 16);
        runAndCompare(mapped(KbitGraphs.unsignedInput(1), a), tmp.resolve("u"), new Random(21));
    }

    @Test
    @Tag("slow")
    void signedInputSingleEncodingMatchesReference() throws Exception {
        Architecture a =
                ArchitectureLoader.defaults().withCrossbar(20, 12).withEncoding(Architecture.WeightEncoding.SINGLE);
        runAndCompare(mapped(KbitGraphs.signedInput(2), a), tmp.resolve("s"), new Random(22));
    }

    @Test
    @Tag("slow")
    void pixelInputAtTheSmallestCrossbarMatchesReference() throws Exception {
        Architecture a = ArchitectureLoader.defaults().withCrossbar(8, 8);
        runAndCompare(mapped(KbitGraphs.pixelInput(4), a), tmp.resolve("p"), new Random(23));
    }

    @Test
    @Tag("slow")
    void passesInDrawOrderBeyondTheCounterTableMatchReference() throws Exception {
        Architecture a = ArchitectureLoader.defaults().withCrossbar(16, 16);
        MappedModel mm = mapped(KbitGraphs.manyBits(24), a);
        assertEquals(
                org.bnncim.ir.mapping.McSchedule.Order.DRAW,
                Program.of(mm).montecarlo().order());
        runAndCompare(mm, tmp.resolve("d"), new Random(25));
    }

    @Test
    @Tag("slow")
    void convolutionsAndPoolsOnKbitMapsMatchReference() throws Exception {
        // 16 rows: the second convolution's 20 window rows split over two crossbar pieces
        Architecture a = ArchitectureLoader.defaults().withCrossbar(16, 16);
        runAndCompare(mapped(KbitGraphs.convMaps(26), a), tmp.resolve("c"), new Random(27));
    }

    @Test
    void kbitBanksAreInstancedWithTheirConstantsAndGenerationIsDeterministic() {
        Architecture a = ArchitectureLoader.defaults().withCrossbar(16, 16);
        MappedModel mm = mapped(KbitGraphs.unsignedInput(1), a);
        Map<String, byte[]> one = VerilogBackend.generate(Program.of(mm), VerilogBackend.Options.NONE);
        Map<String, byte[]> two = VerilogBackend.generate(Program.of(mm), VerilogBackend.Options.NONE);
        assertEquals(one.keySet(), two.keySet());
        for (String k : one.keySet()) assertArrayEquals(one.get(k), two.get(k), k);
        String top = new String(one.get("bnncim_top.v"), StandardCharsets.UTF_8);
        String params = new String(one.get("bnncim_params.vh"), StandardCharsets.UTF_8);
        // mt1, mt2, mt3 and mt5 are k-bit banks on the chip, th4 a bipolar one
        assertEquals(4, top.split("bnncim_multi_threshold #\\(", -1).length - 1, top);
        assertEquals(1, top.split("bnncim_threshold #\\(", -1).length - 1, top);
        assertTrue(params.contains("L1_mt2_thr_STEPS = 7;") && params.contains("L1_mt2_thr_BASE = -4;"), params);
        assertTrue(params.contains("L2_mt3_thr_BITS = 2;") && params.contains("L2_mt3_thr_SD = 1;"), params);
        // mt2 (layer 1): three bit planes of 18 neurons
        assertTrue(top.contains("reg [54-1:0] map1;"), top);
    }

    @Test
    void kbitBankNotDirectlyAfterACrossbarLayerIsRefusedNamingIt() {
        Graph g = new KbitGraphs.Chain(3, 8)
                .quantize(KbitGraphs.U2, 0, 3)
                .dense("fc1", 6)
                .threshold("th1", 0, -1)
                .multi("second bank", KbitGraphs.U2, 0, 3, 0, -1)
                .dense("fc2", 4)
                .graph("two banks");
        Architecture a = ArchitectureLoader.defaults().withCrossbar(16, 16);
        Program p = Program.of(mapped(g, a));
        var e = assertThrows(BnncimException.class, () -> VerilogBackend.generate(p, VerilogBackend.Options.NONE));
        assertTrue(
                e.getMessage().contains("second bank") && e.getMessage().contains("does not directly follow"),
                e.getMessage());
    }

    /**
     * Runs the design of {@code mm} under Icarus on random inputs, deterministic and T = 4 LFSR passes, and compares
     * every beat with the reference interpreter; lints it with Verilator.
     */
    static void runAndCompare(MappedModel mm, Path dir, Random r) throws Exception {
        requireTool("iverilog");
        requireTool("verilator");
        Graph g = mm.graph();
        Program p = Program.of(mm);
        int width = g.inputs().get(0).shape().size();
        float[][] x = new float[EXAMPLES][width];
        boolean pixels = !g.nodesOf(Node.InputQuantize.class).isEmpty();
        for (float[] row : x)
            for (int i = 0; i < width; i++) row[i] = pixels ? r.nextFloat() : r.nextFloat() * 2.4f - 1.2f;

        List<Node> crossbar =
                g.nodes().stream().filter(n -> n.crossbarWeights().isPresent()).toList();
        // the chip's output: the last popcounts, or the comparator map right after a convolution output layer
        Node first = crossbar.get(0), last = crossbar.get(crossbar.size() - 1);
        int at = g.nodes().indexOf(last);
        if (last.output().shape().rank() == 3
                && last.output().shape().size() > last.output().shape().dim(0)
                && at + 1 < g.nodes().size()
                && (g.nodes().get(at + 1) instanceof Node.Threshold
                        || g.nodes().get(at + 1) instanceof Node.MultiThreshold)
                && g.nodes().get(at + 1).inputs().get(0).equals(last.output().name())) {
            last = g.nodes().get(at + 1);
        }
        boolean bipolarInput = g.value(first.inputs().get(0)).elem().isBipolar();
        int inBits = g.value(first.inputs().get(0)).elem().bits();
        ReferenceInterpreter ref = new ReferenceInterpreter(g);
        StringBuilder hex = new StringBuilder();
        for (float[] row : x) {
            double[] q = ref.run(row, null).get(first.inputs().get(0));
            int[] ints = new int[q.length];
            for (int i = 0; i < q.length; i++) ints[i] = (int) q[i];
            hex.append(VerilogReference.inputHex(ints, inBits, bipolarInput)).append('\n');
        }
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> f :
                VerilogBackend.generate(p, VerilogBackend.Options.NONE).entrySet()) {
            Files.write(dir.resolve(f.getKey()), f.getValue());
        }
        Files.writeString(dir.resolve("tb_top.v"), VerilogBackend.testbench(EXAMPLES, SAMPLES, SEED));
        Files.writeString(dir.resolve("inputs.hex"), hex.toString());
        List<String> compile = new ArrayList<>(List.of("iverilog", "-g2005", "-o", "tb_top.vvp"));
        compile.addAll(VerilogBackend.simulationSources());
        exec(dir, compile, 120);

        BitSource lfsr = BitSource.lfsr(mm, SEED, 0, EXAMPLES, SAMPLES);
        Set<String> levels = new HashSet<>();
        for (int samples : new int[] {0, SAMPLES}) {
            exec(dir, List.of("vvp", "-n", "tb_top.vvp", "+samples=" + samples), 300);
            List<String> outs = Files.readAllLines(dir.resolve("outputs.txt"));
            List<String> bits = Files.readAllLines(dir.resolve("bits.txt"));
            int passes = Math.max(1, samples);
            boolean dropped = false;
            int line = 0;
            for (int e = 0; e < EXAMPLES; e++) {
                boolean[][] patterns = new boolean[passes][];
                for (int t = 0; t < passes; t++) patterns[t] = samples == 0 ? null : lfsr.bits(e, t);
                // the beats the program's schedule emits: each distinct pattern once with its count when sorted
                var beats = VerilogReference.beats(p.montecarlo().order(), patterns);
                int counted = 0;
                for (int b = 0; b < beats.size(); b++, line++) {
                    boolean[] z = beats.get(b).bits();
                    counted += beats.get(b).count();
                    var trace = ref.run(x[e], z == null ? null : Bits.ofScale(z));
                    StringBuilder want = new StringBuilder(e + " " + b);
                    for (double v : trace.get(last.output().name()))
                        want.append(' ').append((long) v);
                    StringBuilder wantBits = new StringBuilder(e + " " + b + " ");
                    if (z == null) wantBits.append('-');
                    else for (boolean bit : z) wantBits.append(bit ? '1' : '0');
                    wantBits.append(' ').append(beats.get(b).count());
                    if (z != null) for (boolean bit : z) dropped |= bit;
                    assertEquals(wantBits.toString(), bits.get(line), g.name() + ": stochastic bits, line " + line);
                    assertEquals(want.toString(), outs.get(line), g.name() + ": popcounts, line " + line);
                    for (Node n : g.nodesOf(Node.MultiThreshold.class)) {
                        for (double v : trace.get(n.output().name())) levels.add(n.name() + "=" + (long) v);
                    }
                }
                assertEquals(passes, counted, "every pass is counted once");
            }
            assertEquals(line, outs.size(), "beats written by the testbench");
            assertTrue(samples == 0 || dropped, "no scale was ever dropped: weak test");
        }
        // every level of every k-bit bank occurred, so every comparator of the thermometer code mattered
        for (Node.MultiThreshold n : g.nodesOf(Node.MultiThreshold.class)) {
            for (int v = n.base(); v <= n.base() + n.expected().steps(); v++) {
                assertTrue(levels.contains(n.name() + "=" + v), g.name() + ": level " + v + " of " + n.name());
            }
        }

        List<String> lint = new ArrayList<>(List.of("verilator", "--lint-only", "-Wall", "--top-module", "bnncim_top"));
        lint.addAll(VerilogBackend.DESIGN_SOURCES);
        String lintOut = exec(dir, lint, 120);
        assertTrue(!lintOut.contains("%Warning") && !lintOut.contains("%Error"), "verilator -Wall:\n" + lintOut);
    }

    static void requireTool(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) return;
        }
        fail(tool + " is not installed: the Verilog tests need Icarus Verilog and Verilator "
                + "(scripts/test installs them: apt-get install iverilog verilator)");
    }

    static String exec(Path dir, List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "exec", ".log");
        Process proc = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!proc.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            fail(String.join(" ", cmd) + ": no result after " + timeoutSeconds + " s");
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, proc.exitValue(), String.join(" ", cmd) + " failed:\n" + text);
        return text;
    }
}
