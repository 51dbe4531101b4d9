package org.bnncim.compiler.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Models;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarImages;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.Piece;
import org.junit.jupiter.api.Test;

/** The mapping passes on every model at the three crossbar sizes the architecture doc names, both encodings. */
public class MappingTest {
    private static final int[] SIZES = {64, 128, 256};

    public static Compiler.Compiled compile(Path model, Architecture arch) {
        var imp = new OnnxImporter.Options(Models.mcDropout(model), false, 255);
        return Compiler.compile(model, new Compiler.Options(imp, arch, 20, Set.of()), s -> {});
    }

    public static Architecture arch(int size, Architecture.WeightEncoding enc) {
        return ArchitectureLoader.defaults().withCrossbar(size, size).withEncoding(enc);
    }

    @Test
    void packingStaysWithinTenPercentOfTheLowerBound() {
        for (Path model : Models.all()) {
            for (int size : SIZES) {
                for (var enc : Architecture.WeightEncoding.values()) {
                    var c = compile(model, arch(size, enc));
                    Mapping m = c.mapped().mapping();
                    var files = Compiler.outputs(c, false);
                    for (String f : List.of("report.txt", "report.json", "report.html")) {
                        assertTrue(files.get(f).length > 500, model.getFileName() + " at " + size + ": " + f);
                    }
                    long lb = m.lowerBound();
                    int used = m.crossbarCount();
                    assertTrue(
                            used <= 1.10 * lb,
                            model.getFileName() + " at " + size + "^2 " + enc + ": " + used + " crossbars, lower bound "
                                    + lb);
                }
            }
        }
    }

    @Test
    void crossbarImagesGiveBackEveryWeightBit() {
        for (Path model : Models.all()) {
            for (int size : SIZES) {
                for (var enc : Architecture.WeightEncoding.values()) {
                    var mapped = compile(model, arch(size, enc)).mapped();
                    Mapping m = mapped.mapping();
                    var images = CrossbarImages.build(mapped);
                    var original = CrossbarImages.weightsByLayer(mapped.graph());
                    for (LayerMap l : m.layers()) {
                        BitMatrix back = CrossbarImages.weights(m, images, l.layer());
                        assertEquals(
                                original.get(l.layer()), back, model.getFileName() + " " + l.layer() + " at " + size);
                    }
                }
            }
        }
    }

    @Test
    void piecesStayInsideTheirCrossbarAndNeverOverlap() {
        for (Path model : Models.all()) {
            for (int size : SIZES) {
                Architecture a = arch(size, Architecture.WeightEncoding.COMPLEMENTARY);
                Mapping m = compile(model, a).mapped().mapping();
                Set<Long> cells = new HashSet<>();
                for (LayerMap l : m.layers()) {
                    for (Piece p : l.pieces()) {
                        assertTrue(
                                p.row() + p.kLen() <= a.rows() && p.col() + p.nLen() <= a.logicalCols(), p.toString());
                        for (int r = 0; r < p.kLen(); r++) {
                            for (int c = 0; c < p.nLen(); c++) {
                                long key = ((long) p.crossbar() << 40) | ((long) (p.row() + r) << 20) | (p.col() + c);
                                assertTrue(cells.add(key), "cell used twice in " + p);
                            }
                        }
                    }
                }
                // every crossbar has a distinct slot on the chip
                Set<List<Integer>> slots = new HashSet<>();
                for (CrossbarSlot s : m.crossbars()) {
                    assertTrue(s.slot() < a.crossbarsPerTile() && s.tile() < a.tilesPerChip());
                    assertTrue(slots.add(List.of(s.chip(), s.tile(), s.slot())), "slot used twice: " + s);
                }
                assertEquals(m.crossbarCount(), m.crossbars().size());
            }
        }
    }

    @Test
    void tfcBeatsTheNaiveOneLayerPerCrossbarMapping() {
        // naive at 128x128: each layer alone, ceil(K/128) x ceil(N/64) crossbars: 7 + 1 + 1 + 1 = 10
        int naive = 0;
        int[][] layers = {{784, 64}, {64, 64}, {64, 64}, {64, 10}};
        for (int[] l : layers) naive += ((l[0] + 127) / 128) * ((l[1] + 63) / 64);
        assertEquals(10, naive);
        Mapping m = compile(Paths.tfc(), arch(128, Architecture.WeightEncoding.COMPLEMENTARY))
                .mapped()
                .mapping();
        assertEquals(8, m.lowerBound());
        assertEquals(8, m.crossbarCount(), "packing reaches the lower bound: 20 % fewer crossbars than naive");
    }

    @Test
    void aModelLargerThanTheChipFailsWithTheCrossbarsItNeeds() {
        Architecture tiny = ArchitectureLoader.defaults().withCrossbar(8, 8);
        var e = assertThrows(BnncimException.class, () -> compile(Paths.tfc(), tiny));
        assertTrue(e.getMessage().contains("needs") && e.getMessage().contains("--chips"), e.getMessage());
        Mapping m = compile(Paths.tfc(), tiny.withChips(8)).mapped().mapping();
        assertTrue(
                m.crossbars().stream().mapToInt(CrossbarSlot::chip).max().orElse(0) >= 1, "spills onto a second chip");
    }
}
