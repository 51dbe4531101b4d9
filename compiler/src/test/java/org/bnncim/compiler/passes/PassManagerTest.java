package org.bnncim.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.Graph;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.junit.jupiter.api.Test;

/** The pass manager refuses pipelines whose declarations do not chain, and verifies each mapping pass's result. */
class PassManagerTest {
    private static final Architecture ARCH = ArchitectureLoader.defaults().withCrossbar(64, 64);

    @Test
    void aPassWhoseRequirementNoEarlierPassProducesIsRefused() {
        var e = assertThrows(
                IllegalStateException.class,
                () -> PassManager.of(new FoldThresholds(), new LowerToCrossbar(ARCH), new PackAndPlace()));
        assertEquals("pass pack-place requires TILED, which no earlier pass produces", e.getMessage());
    }

    @Test
    void aGraphPassAfterTheLoweringIsRefused() {
        var e = assertThrows(
                IllegalStateException.class,
                () -> PassManager.of(new FoldThresholds(), new LowerToCrossbar(ARCH), new FoldThresholds()));
        assertEquals("graph pass fold-thresholds runs after the mapping exists", e.getMessage());
    }

    @Test
    void theCompilePipelineChains() {
        PassManager.of(Compiler.passes(ARCH).toArray(Pass[]::new));
    }

    @Test
    void aMappingPassThatBreaksTheMappingIsCaughtAfterIt() {
        MappingPass dropsAPiece = new MappingPass() {
            @Override
            public PassInfo info() {
                return new PassInfo("drop-piece", Set.of(Property.TILED), Set.of());
            }

            @Override
            public Mapping run(MappedModel m) {
                var layers = new ArrayList<>(m.mapping().layers());
                var l = layers.get(0);
                layers.set(0, l.withPieces(l.pieces().subList(1, l.pieces().size()), l.rowTiles(), l.colTiles()));
                return m.mapping().withLayers(layers);
            }
        };
        List<Pass> passes = List.of(new FoldThresholds(), new LowerToCrossbar(ARCH), new TileCrossbars(), dropsAPiece);
        Graph g = OnnxImporter.importFile(Paths.testdata("models/mlp-sd.onnx"), OnnxImporter.Options.DEFAULT);
        var e = assertThrows(IllegalStateException.class, () -> new PassManager(passes, Set.of(), s -> {}).map(g));
        assertTrue(e.getMessage().startsWith("mapping verification failed after drop-piece: layer "), e.getMessage());
        assertTrue(e.getMessage().contains("weights not placed"), e.getMessage());
    }

    @Test
    void printAfterAMappingPassShowsTheMapping() {
        StringBuilder out = new StringBuilder();
        Graph g = OnnxImporter.importFile(Paths.testdata("models/mlp-sd.onnx"), OnnxImporter.Options.DEFAULT);
        new PassManager(Compiler.passes(ARCH), Set.of("tile", "pack-place", "insert-stochastic-unit"), out::append)
                .map(g);
        String s = out.toString();
        assertTrue(s.contains("// IR after tile\n") && s.contains("// mapping after tile\n"), s);
        assertTrue(s.contains(" -> not placed yet\n") && !s.contains("xbar -1"), "tiled pieces are not placed yet");
        assertTrue(s.contains("// mapping after pack-place\n") && s.contains("  xbar 0 @ chip 0 tile 0 slot 0\n"), s);
        assertTrue(
                s.contains("// mapping after insert-stochastic-unit\n")
                        && s.contains("stochastic unit: scale_dropout, 1 unit(s)\n  pass bit 0 -> "),
                s);
    }
}
