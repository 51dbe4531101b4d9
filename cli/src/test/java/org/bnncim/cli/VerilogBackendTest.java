package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.ProgramCodec;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.backends.verilog.VerilogBackend;
import org.bnncim.backends.verilog.VerilogReference;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.frontend.ScaleDropoutAgainstOrtTest;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.io.Inputs;
import org.bnncim.io.Npy;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated Verilog, run by Icarus Verilog, produces exactly the simulator's last-layer popcounts and
 * stochastic bits, pass by pass, with the same LFSR seed; and Verilator lints it clean. iverilog and verilator
 * are required (scripts/test installs them): a missing tool fails the test rather than skipping it. The two
 * simulator comparisons are tagged slow (scripts/test --fast skips them); generation checks stay in the fast run.
 */
class VerilogBackendTest {
    static final int EXAMPLES = 50;
    static final Path MNIST = Paths.testdata("mnist/test-1000-images.npy");

    @TempDir
    Path tmp;

    @Test
    @Tag("slow")
    void tfcDeterministicMatchesSimulator() throws Exception {
        runAndCompare(Paths.tfc(), tmp.resolve("tfc"), 0, 0, EXAMPLES, false, MNIST);
    }

    @Test
    @Tag("slow")
    void scaleDropoutMonteCarloMatchesSimulator() throws Exception {
        runAndCompare(Paths.testdata("models/mlp-sd.onnx"), tmp.resolve("sd"), 4, 42, EXAMPLES, false, MNIST);
    }

    /**
     * Convolutions (an 8-bit pixel input read bit-serially through a padded 3x3 window), max pools and the dense
     * tail: cnn-sd on 20 images x T=4, simulated by Verilator (Icarus takes minutes on its 7,000 reads per pass).
     */
    @Test
    @Tag("slow")
    void cnnScaleDropoutMonteCarloMatchesSimulatorUnderVerilator() throws Exception {
        runAndCompare(Paths.testdata("models/cnn-sd.onnx"), tmp.resolve("cnn"), 4, 7, 20, true, MNIST);
    }

    /**
     * The per-neuron MC-Dropout baseline: mlp-mcd compiled with --mc-dropout, its 512 masks drawn by a bank of LFSR
     * units (the simulator's --bits lfsr masks), 20 images x T=4.
     */
    @Test
    @Tag("slow")
    void mcDropoutBankMatchesSimulator() throws Exception {
        runAndCompare(
                Paths.testdata("models/mlp-mcd.onnx"), tmp.resolve("mcd"), 4, 11, 20, false, MNIST, "--mc-dropout");
    }

    /**
     * The segmentation U-Net: a float stem on the host, convolutions, max pools, a transposed convolution, a resize
     * and two skip concatenations on the chip, which hands over the last comparator map (16 x 64 x 64); 2 images x
     * T=2 under Verilator.
     */
    @Test
    @Tag("slow")
    void unetScaleDropoutMatchesSimulatorUnderVerilator() throws Exception {
        runAndCompare(
                Paths.testdata("models/unet-sd.onnx"),
                tmp.resolve("unet"),
                2,
                5,
                2,
                true,
                Paths.testdata("nuclei/test-300-images.npy"));
    }

    /**
     * resnet-sd: the float stem (and the pooled 1x1 shortcut of the first block) on the host, four binary
     * convolutions on the crossbars and the float datapath between them (Scale-Dropout on popcounts, batch norms,
     * residual adds, PReLU, signs, the global average pool) in the digital unit, which hands over the 64 pooled
     * float32 values; 2 Fashion-MNIST images x T=2 under Verilator, bit for bit.
     */
    @Test
    @Tag("slow")
    void resnetScaleDropoutMatchesSimulatorUnderVerilator() throws Exception {
        compare(
                Paths.testdata("models/resnet-sd.onnx"),
                tmp.resolve("resnet"),
                2,
                7,
                2,
                true,
                Paths.testdata("fashion/test-1000-images.npy"),
                "/Flatten_output_0");
    }

    /**
     * resnet-mcd with --mc-dropout: the digital unit as in resnet-sd, and the MC-Dropout bank's 62,720 units, the
     * first 25,088 of them on the chip input (the host's sign map, sent unmasked); 1 image x T=3 under Verilator.
     */
    @Test
    @Tag("slow")
    void resnetMcDropoutOnTheChipInputMatchesSimulatorUnderVerilator() throws Exception {
        compare(
                Paths.testdata("models/resnet-mcd.onnx"),
                tmp.resolve("resnet-mcd"),
                3,
                13,
                1,
                true,
                Paths.testdata("fashion/test-1000-images.npy"),
                "/Flatten_output_0",
                "--mc-dropout");
    }

    /** A small convolution (bipolar 6x6 input, 64x64 crossbars), Scale-Dropout and a max pool, under Icarus. */
    @Test
    @Tag("slow")
    void smallConvolutionMatchesSimulator() throws Exception {
        Path model = tmp.resolve("conv.onnx");
        Files.write(model, ScaleDropoutAgainstOrtTest.convModel(new Random(5)).toByteArray());
        Random r = new Random(6);
        float[] x = new float[EXAMPLES * 36];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Path in = tmp.resolve("conv-inputs.npy");
        Npy.write(in, Npy.NpyArray.ofFloat(new int[] {EXAMPLES, 1, 6, 6}, x));
        runAndCompare(model, tmp.resolve("conv"), 4, 3, EXAMPLES, false, in, "--crossbar", "64x64");
    }

    private void runAndCompare(
            Path model, Path out, int samples, long seed, int examples, boolean verilator, Path images, String... extra)
            throws Exception {
        compare(model, out, samples, seed, examples, verilator, images, null, extra);
    }

    /** {@code floatOut}: the value the digital unit hands over as float32 bit patterns (null: integers). */
    private void compare(
            Path model,
            Path out,
            int samples,
            long seed,
            int examples,
            boolean verilator,
            Path images,
            String floatOut,
            String... extra)
            throws Exception {
        requireTool("iverilog");
        requireTool("verilator");
        List<String> args = new ArrayList<>(List.of(
                "compile",
                model.toString(),
                "-o",
                out.toString(),
                "--target",
                "all",
                "--seed",
                Long.toString(seed),
                "--tb-input",
                images.toString(),
                "--tb-examples",
                Integer.toString(examples),
                "--tb-samples",
                Integer.toString(samples)));
        args.addAll(List.of(extra));
        var r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        Path v = out.resolve("verilog");

        // the expectation, computed here from the compiled program and the simulator alone
        Program p = ProgramCodec.decode(Files.readAllBytes(out.resolve("program.bnc")), "program.bnc");
        Graph g = p.graph();
        float[][] x = Arrays.copyOf(
                Inputs.read(images, g.inputs().get(0).shape().size()).examples(), examples);
        Simulator sim = new Simulator(p, Faults.NONE, seed);
        BitSource bits = samples == 0 ? null : BitSource.lfsr(p.model(), seed, 0, x.length, samples);
        String last = floatOut != null ? floatOut : lastCrossbarOutput(g);
        List<String> wantOut = new ArrayList<>(), wantBits = new ArrayList<>();
        int passes = Math.max(1, samples);
        for (int e = 0; e < x.length; e++) {
            boolean[][] patterns = new boolean[passes][];
            for (int t = 0; t < passes; t++) patterns[t] = bits == null ? null : bits.bits(e, t);
            // the beats of the program's Monte-Carlo schedule, each computed by a naive simulator pass
            var beats = VerilogReference.beats(p.montecarlo().order(), patterns);
            for (int t = 0; t < beats.size(); t++) {
                boolean[] z = beats.get(t).bits();
                double[] y = sim.pass(
                                x[e],
                                z,
                                bits == null ? null : bits.masks(),
                                e,
                                beats.get(t).firstPass())
                        .get(last);
                StringBuilder line = new StringBuilder(e + " " + t);
                for (double d : y)
                    line.append(' ').append(floatOut != null ? Float.floatToRawIntBits((float) d) : (long) d);
                wantOut.add(line.toString());
                StringBuilder b = new StringBuilder(e + " " + t + " ");
                if (z == null || z.length == 0) b.append('-');
                else for (boolean q : z) b.append(q ? '1' : '0');
                wantBits.add(b.append(' ').append(beats.get(t).count()).toString());
            }
        }
        boolean scaleBits = p.stochasticBits() > 0, masks = bits != null && bits.masks() != null;
        // mlp-sd draws 2 bits: 4 passes share their patterns, and the sorted schedule runs each once
        if (samples > 0 && scaleBits && !masks)
            assertTrue(wantOut.size() < x.length * passes, "no pattern repeated: weak test");
        if (samples > 0 && scaleBits)
            assertTrue(
                    wantBits.stream().anyMatch(s -> s.split(" ")[2].contains("1")),
                    "no scale was ever dropped: weak test");
        // MC-Dropout: the masks make an example's passes differ
        if (masks) {
            int differ = 0;
            for (int e = 0; e < x.length; e++) {
                String first = wantOut.get(e * passes).replaceFirst("^\\d+ \\d+", "");
                for (int t = 1; t < passes; t++)
                    if (!wantOut.get(e * passes + t)
                            .replaceFirst("^\\d+ \\d+", "")
                            .equals(first)) differ++;
            }
            assertTrue(differ > x.length, "the MC-Dropout masks hardly change a pass: weak test");
        }

        if (verilator) {
            List<String> build = new ArrayList<>(List.of(
                    "verilator",
                    "--binary",
                    "--timing",
                    "-O3",
                    "-Wno-fatal",
                    "-Wno-lint",
                    "-Wno-style",
                    "--top-module",
                    "tb_top"));
            build.addAll(VerilogBackend.simulationSources());
            exec(v, build, 900);
            exec(v, List.of("obj_dir/Vtb_top"), 300);
        } else {
            List<String> compile = new ArrayList<>(List.of("iverilog", "-g2005", "-o", "tb_top.vvp"));
            compile.addAll(VerilogBackend.simulationSources());
            exec(v, compile, 120);
            exec(v, List.of("vvp", "-n", "tb_top.vvp"), 300);
        }
        List<String> gotOut = Files.readAllLines(v.resolve("outputs.txt"));
        List<String> gotBits = Files.readAllLines(v.resolve("bits.txt"));
        assertEquals(wantOut.size(), gotOut.size(), "passes written by the testbench");
        for (int i = 0; i < wantOut.size(); i++) {
            assertEquals(wantOut.get(i), gotOut.get(i), model.getFileName() + ": popcounts of pass line " + i);
            assertEquals(wantBits.get(i), gotBits.get(i), model.getFileName() + ": stochastic bits of pass line " + i);
        }

        List<String> lint = new ArrayList<>(List.of("verilator", "--lint-only", "-Wall", "--top-module", "bnncim_top"));
        lint.addAll(VerilogBackend.DESIGN_SOURCES);
        String lintOut = exec(v, lint, 120);
        assertTrue(!lintOut.contains("%Warning") && !lintOut.contains("%Error"), "verilator -Wall:\n" + lintOut);
    }

    /** The chip's output: the last crossbar layer's popcounts, or the comparator map right after a convolution. */
    private static String lastCrossbarOutput(Graph g) {
        List<Node> nodes = g.nodes();
        int at = -1;
        for (int i = 0; i < nodes.size(); i++)
            if (nodes.get(i).crossbarWeights().isPresent()) at = i;
        Node last = nodes.get(at);
        if (at + 1 < nodes.size()
                && last.output().shape().rank() == 3
                && nodes.get(at + 1) instanceof Node.Threshold t
                && t.input().equals(last.output().name())) {
            return t.output().name();
        }
        return last.output().name();
    }

    private static void requireTool(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) return;
        }
        fail(tool + " is not installed: the Verilog backend test needs Icarus Verilog and Verilator "
                + "(scripts/test installs them: apt-get install iverilog verilator)");
    }

    private static String exec(Path dir, List<String> cmd, int timeoutSeconds)
            throws IOException, InterruptedException {
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

    @Test
    void generationIsDeterministic() {
        Graph g = OnnxImporter.importFile(Paths.testdata("models/mlp-sd.onnx"), OnnxImporter.Options.DEFAULT);
        var a = ArchitectureLoader.defaults().withCrossbar(128, 128);
        var mapped = Compiler.compile(g, new Compiler.Options(OnnxImporter.Options.DEFAULT, a, 4, Set.of()), s -> {})
                .mapped();
        Map<String, byte[]> one = VerilogBackend.generate(Program.of(mapped), VerilogBackend.Options.NONE);
        Map<String, byte[]> two = VerilogBackend.generate(Program.of(mapped), VerilogBackend.Options.NONE);
        assertEquals(one.keySet(), two.keySet());
        for (String k : one.keySet()) assertArrayEquals(one.get(k), two.get(k), k);
        assertTrue(one.containsKey("bnncim_params.vh") && one.containsKey("tb_top.v") && one.containsKey("xb_0.hex"));
    }
}
