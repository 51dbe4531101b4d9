package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.frontend.ScaleDropoutAgainstOrtTest;
import org.bnncim.compiler.mapping.MappingTest;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.StochasticUnit;
import org.bnncim.oracle.OnnxBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StochasticUnitAndCostTest {
    @TempDir
    Path tmp;

    private static Compiler.Compiled compile(OnnxMl.ModelProto m, boolean mcDropout, Architecture a) {
        var g = OnnxImporter.importModel(m, m.getGraph().getName(), new OnnxImporter.Options(mcDropout, false, 255));
        return Compiler.compile(g, new Compiler.Options(OnnxImporter.Options.DEFAULT, a, 10, Set.of()), s -> {});
    }

    @Test
    void oneStochasticUnitServesEveryScaleDropoutLayerInLayerOrder() {
        var c = compile(ScaleDropoutAgainstOrtTest.denseModel(new Random(3)), false, ArchitectureLoader.defaults());
        StochasticUnit u = c.mapped().mapping().stochastic();
        assertEquals(StochasticUnit.Kind.SCALE_DROPOUT, u.kind());
        assertEquals(1, u.units());
        assertEquals(
                List.of(0, 1),
                u.schedule().stream().map(StochasticUnit.Entry::bit).toList());
        assertEquals(
                List.of("mm1", "mm2"),
                u.schedule().stream().map(StochasticUnit.Entry::layer).toList());
        assertEquals(0.3f, u.schedule().get(0).p());
        CostReport r = c.report();
        assertEquals(1, r.stochasticUnits());
        // per-neuron baseline: one unit per output neuron of each Scale-Dropout layer (8 + 4)
        assertEquals(12, r.baselineStochasticUnits());
        assertTrue(r.baselineMcDropout().energyPj() > r.mc().energyPj());
        assertTrue(r.baselineMcDropout().areaMm2() > r.mc().areaMm2());
    }

    @Test
    void convScaleDropoutCountsEveryOutputPixelAsABaselineNeuron() {
        var c = compile(ScaleDropoutAgainstOrtTest.convModel(new Random(5)), false, ArchitectureLoader.defaults());
        assertEquals(1, c.report().stochasticUnits());
        assertEquals(4 * 6 * 6, c.report().baselineStochasticUnits());
        var conv = c.report().layers().get(0);
        assertEquals("conv", conv.kind());
        assertEquals(9, conv.k());
        assertEquals(36, conv.positions());
        assertEquals(8, conv.inputBits());
    }

    /** x[N,6] -> Sign -> MatMul 6x5 -> BN -> Sign -> Dropout(0.25) -> MatMul 5x3: classic MC-Dropout. */
    private static OnnxMl.ModelProto mcDropoutModel() {
        Random r = new Random(9);
        float[] w1 = new float[30], w2 = new float[15];
        for (int i = 0; i < w1.length; i++) w1[i] = r.nextBoolean() ? 1 : -1;
        for (int i = 0; i < w2.length; i++) w2[i] = r.nextBoolean() ? 1 : -1;
        return new OnnxBuilder("mcd")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 6)
                .initializer("w1", new int[] {6, 5}, w1)
                .initializer("w2", new int[] {5, 3}, w2)
                .initializer("g", new int[] {5}, 1, 2, 1, 0.5f, 1)
                .initializer("b", new int[] {5}, 0, 1, -1, 0, 0.5f)
                .initializer("m", new int[] {5}, 0, 0, 1, 0, 0)
                .initializer("v", new int[] {5}, 1, 1, 1, 2, 1)
                .initializer("ratio", new int[0], 0.25f)
                .node("Sign", "s0")
                .inputs("x")
                .outputs("a")
                .end()
                .node("MatMul", "mm1")
                .inputs("a", "w1")
                .outputs("h")
                .end()
                .node("BatchNormalization", "bn")
                .inputs("h", "g", "b", "m", "v")
                .outputs("hb")
                .end()
                .node("Sign", "s1")
                .inputs("hb")
                .outputs("y")
                .end()
                .node("Dropout", "drop")
                .inputs("y", "ratio")
                .outputs("yd")
                .end()
                .node("MatMul", "mm2")
                .inputs("yd", "w2")
                .outputs("logits")
                .end()
                .output("logits", DataType.FLOAT, "N", 3)
                .build();
    }

    @Test
    void mcDropoutNeedsOneStochasticUnitPerDroppedNeuron() {
        var plain = compile(mcDropoutModel(), false, ArchitectureLoader.defaults());
        assertEquals(0, plain.report().stochasticUnits(), "without --mc-dropout, Dropout is the inference identity");
        var mc = compile(mcDropoutModel(), true, ArchitectureLoader.defaults());
        assertEquals(
                StochasticUnit.Kind.MC_DROPOUT,
                mc.mapped().mapping().stochastic().kind());
        assertEquals(5, mc.report().stochasticUnits());
        assertEquals(5, mc.report().baselineStochasticUnits());
    }

    @Test
    void energyOfOneDenseLayerWorkedOutByHand() {
        // one 6x5 binary layer then threshold: 1 piece, no adder-tree adds, 5 comparators
        OnnxMl.ModelProto m = new OnnxBuilder("one")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 6)
                .initializer(
                        "w",
                        new int[] {6, 5},
                        1,
                        1,
                        1,
                        1,
                        1,
                        -1,
                        -1,
                        -1,
                        -1,
                        -1,
                        1,
                        1,
                        1,
                        1,
                        1,
                        -1,
                        -1,
                        -1,
                        -1,
                        -1,
                        1,
                        1,
                        1,
                        1,
                        1,
                        -1,
                        -1,
                        -1,
                        -1,
                        -1)
                .node("Sign", "s0")
                .inputs("x")
                .outputs("a")
                .end()
                .node("MatMul", "mm")
                .inputs("a", "w")
                .outputs("h")
                .end()
                .node("Sign", "s1")
                .inputs("h")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 5)
                .build();
        Architecture a = ArchitectureLoader.defaults().withCrossbar(64, 64);
        var e = a.energy();
        CostReport r = compile(m, false, a).report();
        var l = r.layers().get(0);
        // by hand from the file's figures: a cell read is V^2 t at the mean conductance of the two MTJ states
        var s = a.sensing();
        double v = s.readVoltageV(), t = a.latency().crossbarRead();
        double cell = v * v * (1 / s.rParallelOhm() + 1 / s.rAntiparallelOhm()) / 2 * t * 1e3;
        double cells = 6 * 5 * 2 * cell; // complementary: two cells per weight
        // 6 rows fit one read of 8; a popcount of 0..8 needs a 4-bit conversion: (a x 4 + b) uW over 5 cycles
        assertEquals(8, s.rowsPerRead());
        double conversionNs = 5 * s.converterCycleNs();
        double sense = 5 * (s.converterUwPerBit() * 4 + s.converterUwFixed()) * conversionNs * 1e-3;
        double thresholds = 5 * e.threshold();
        double buffers = (6 + 5) * e.bufferPerBit(); // 6 input bits read, 5 output bits written
        double wordlines = 6 * e.wordlineDrive(); // each of the 6 word lines driven once
        assertEquals(cells + wordlines + sense + thresholds + buffers, l.energyPj(), 1e-12);
        // one read: the pulse, then the 5 columns (on one converter of 8) converted in turn
        assertEquals(t + 5 * conversionNs + a.latency().threshold(), l.latencyNs(), 1e-12);
        assertEquals(1, r.crossbarsUsed());
        assertEquals(1, r.crossbarsLowerBound());
        double areaCells = 64 * 64 * a.area().cell();
        assertEquals(areaCells, r.deterministic().areaBreakdownMm2().get("cells") * 1e6, 1e-6);
        assertEquals(
                64 * a.area().wordlineDriver(),
                r.deterministic().areaBreakdownMm2().get("wordline_drivers") * 1e6,
                1e-6);
    }

    @Test
    void reportJsonHasTheContractFields() throws Exception {
        Path out = tmp.resolve("out");
        Cli.Result res = Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--crossbar", "64x64");
        assertEquals(0, res.code(), res.toString());
        JsonNode j = new ObjectMapper().readTree(Files.readString(out.resolve("report.json")));
        for (String k : List.of(
                "model",
                "crossbar",
                "crossbars_used",
                "crossbars_lower_bound",
                "stochastic_units",
                "layers",
                "totals",
                "baseline_mc_dropout")) {
            assertTrue(j.has(k), k);
        }
        assertEquals(64, j.get("crossbar").get("rows").asInt());
        assertEquals(64, j.get("crossbar").get("cols").asInt());
        for (JsonNode l : j.get("layers")) {
            for (String k : List.of(
                    "name",
                    "kind",
                    "k",
                    "n",
                    "row_tiles",
                    "col_tiles",
                    "crossbars",
                    "utilization",
                    "scale_dropout",
                    "energy_pj",
                    "latency_ns")) {
                assertTrue(l.has(k), "layer field " + k);
            }
        }
        assertEquals(4, j.get("layers").size());
        for (String mode : List.of("deterministic", "mc")) {
            JsonNode t = j.get("totals").get(mode);
            for (String k : List.of("energy_pj", "latency_ns", "area_mm2", "samples"))
                assertTrue(t.has(k), mode + "." + k);
        }
        for (String k : List.of("energy_pj", "latency_ns", "area_mm2"))
            assertTrue(j.get("baseline_mc_dropout").has(k), k);
        assertTrue(Files.exists(out.resolve("report.txt")) && Files.exists(out.resolve("report.html")));
        // same model + options -> byte-identical reports
        Path again = tmp.resolve("again");
        Cli.run("compile", Paths.tfc().toString(), "-o", again.toString(), "--crossbar", "64x64");
        for (String f : List.of("report.txt", "report.json", "report.html")) {
            assertEquals(Files.readString(out.resolve(f)), Files.readString(again.resolve(f)), f);
        }
        assertEquals(
                new String(
                        Compiler.outputs(
                                        MappingTest.compile(
                                                Paths.tfc(),
                                                ArchitectureLoader.defaults().withCrossbar(64, 64)),
                                        true)
                                .get("report.json"),
                        java.nio.charset.StandardCharsets.UTF_8),
                Files.readString(out.resolve("report.json")));
    }

    @Test
    void printAfterEveryMappingPass() {
        Cli.Result r = Cli.run(
                "compile",
                Paths.tfc().toString(),
                "-o",
                tmp.resolve("p").toString(),
                "--print-after",
                "fold-thresholds,pack-place");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("// IR after fold-thresholds"));
        assertTrue(r.out().contains("// IR after pack-place"));
    }
}
