package org.bnncim.compiler.sim;

import static org.bnncim.compiler.sim.SimulatorVsInterpreterTest.assertSameEverywhere;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.ProgramCodec;
import org.bnncim.backends.sim.ProgramListing;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.backends.verilog.VerilogBackend;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.testing.ResidualGraphs;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.junit.jupiter.api.Test;

/**
 * A residual network through the mapping passes (lowering, tiling on small crossbars, placement, the stochastic
 * unit) and the program file, then the simulator against the reference interpreter at every value: only the binary
 * convolutions occupy crossbars, the digital nodes run beside them. Verilog refuses the digital kinds by name.
 */
class ResidualPipelineTest {

    @Test
    void onlyTheBinaryConvolutionsAreMappedOntoCrossbars() {
        MappedModel m = ResidualGraphs.map(ResidualGraphs.residual(true), ArchitectureLoader.defaults());
        List<String> layers = new ArrayList<>();
        for (LayerMap l : m.mapping().layers()) layers.add(l.layer() + " " + l.k() + "x" + l.n() + "@" + l.positions());
        assertEquals(List.of("conv1 36x4@81", "conv2 36x4@25"), layers);
        assertEquals(
                List.of(0, 1),
                m.mapping().layers().stream().map(LayerMap::stochasticBit).toList());
        assertEquals(2, m.mapping().stochastic().schedule().size());
    }

    @Test
    void mappedResidualNetworkRunsAsTheReferenceInterpreter() {
        float[][] x = ResidualGraphs.inputs(17, 4);
        for (int size : new int[] {16, 64}) {
            for (var enc : Architecture.WeightEncoding.values()) {
                Architecture a =
                        ArchitectureLoader.defaults().withCrossbar(size, size).withEncoding(enc);
                for (boolean stochastic : new boolean[] {false, true}) {
                    MappedModel m = ResidualGraphs.map(ResidualGraphs.residual(stochastic), a);
                    assertSameEverywhere(m, x, stochastic ? 4 : 0, "resnet@" + size + enc + stochastic);
                }
            }
        }
    }

    @Test
    void batchedMonteCarloRunsEqualSinglePassesOnAnyThreadCount() {
        MappedModel m = ResidualGraphs.map(
                ResidualGraphs.residual(true), ArchitectureLoader.defaults().withCrossbar(32, 32));
        byte[] bytes = ProgramCodec.encode(Program.of(m));
        assertEquals(ProgramCodec.VERSION, bytes[ProgramCodec.MAGIC.length]);
        String listing = ProgramListing.render(Program.of(m));
        assertTrue(listing.startsWith("bnncim simulator program, format version 6\n"), listing);
        assertTrue(listing.contains("= add %n1, %b0"), listing);
        Simulator sim = new Simulator(ProgramCodec.decode(bytes, "resnet.bnc"), Faults.NONE, 3);
        BitSource bits = BitSource.counterBased(m, 5, 0);
        float[][] x = ResidualGraphs.inputs(19, 11);
        float[][][] one = sim.run(x, 8, bits, 1, null);
        float[][][] four = sim.run(x, 8, bits, 4, null);
        for (int i = 0; i < x.length; i++) {
            for (int t = 0; t < 8; t++) {
                float[] want = sim.output(x[i], bits.bits(i, t), i, t);
                assertArrayEquals(want, one[i][t], "example " + i + " pass " + t);
                assertArrayEquals(want, four[i][t], "4 threads, example " + i + " pass " + t);
            }
        }
    }

    @Test
    void theWholeCompilerPipelineTakesTheResidualGraph() {
        MappedModel m = SimulatorVsInterpreterTest.mapped(
                ResidualGraphs.residual(true), ArchitectureLoader.defaults().withCrossbar(32, 32));
        assertSameEverywhere(m, ResidualGraphs.inputs(23, 3), 4, "resnet compiled");
    }

    @Test
    void verilogRunsTheDigitalDatapathButRefusesAFloatConvolutionOnChipValuesInOneLine() {
        // the float stem is the host's input periphery, the float nodes between crossbar layers the digital unit's
        // (ResidualVerilogTest runs it); a full-precision layer on chip values is not evaluated there
        MappedModel ok = ResidualGraphs.map(ResidualGraphs.residual(true), ArchitectureLoader.defaults());
        assertTrue(VerilogBackend.generate(Program.of(ok), VerilogBackend.Options.NONE)
                .containsKey("bnncim_fp32.vh"));
        MappedModel m = ResidualGraphs.map(ResidualGraphs.floatConvBetweenLayers(), ArchitectureLoader.defaults());
        BnncimException e = assertThrows(
                BnncimException.class, () -> VerilogBackend.generate(Program.of(m), VerilogBackend.Options.NONE));
        assertEquals(
                "Verilog backend: conv on values computed on the chip is not supported (node mix)", e.getMessage());
    }
}
