package org.bnncim.compiler.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.MappingVerifier;
import org.bnncim.ir.mapping.Piece;
import org.bnncim.ir.mapping.StochasticUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A good mapping passes; corrupting it in each way the verifier guards against gives one line naming the fault. */
class MappingVerifierTest {
    private static MappedModel good;

    @BeforeAll
    static void compile() {
        // 64x64 cuts mlp-sd's layers into several pieces and shares crossbars; two Scale-Dropout layers
        good = MappingTest.compile(
                        Paths.testdata("models/mlp-sd.onnx"),
                        MappingTest.arch(64, Architecture.WeightEncoding.COMPLEMENTARY))
                .mapped();
    }

    private static Mapping m() {
        return good.mapping();
    }

    /** The mapping with layer {@code index}'s pieces rewritten. */
    private static Mapping withPieces(int index, UnaryOperator<List<Piece>> f) {
        List<LayerMap> layers = new ArrayList<>(m().layers());
        LayerMap l = layers.get(index);
        layers.set(index, l.withPieces(f.apply(new ArrayList<>(l.pieces())), l.rowTiles(), l.colTiles()));
        return m().withLayers(layers);
    }

    private static Mapping withSlot(int index, UnaryOperator<CrossbarSlot> f) {
        List<CrossbarSlot> slots = new ArrayList<>(m().crossbars());
        slots.set(index, f.apply(slots.get(index)));
        return m().withCrossbars(slots);
    }

    private static Mapping withSchedule(UnaryOperator<List<StochasticUnit.Entry>> f) {
        StochasticUnit u = m().stochastic();
        return m().withStochastic(new StochasticUnit(u.kind(), u.units(), f.apply(new ArrayList<>(u.schedule()))));
    }

    private static void assertFails(Mapping bad, String expected) {
        var e = assertThrows(
                IllegalStateException.class,
                () -> MappingVerifier.verify(new MappedModel(good.graph(), bad), MappingVerifier.ALL, "test"));
        String msg = e.getMessage();
        assertFalse(msg.contains("\n"), "one line: " + msg);
        assertTrue(msg.startsWith("mapping verification failed after test: "), msg);
        assertTrue(msg.contains(expected), msg);
    }

    @Test
    void theCompiledMappingIsGood() {
        assertEquals(List.of(), MappingVerifier.check(good, MappingVerifier.ALL));
        assertTrue(m().layers().get(0).pieces().size() > 1, "the fixture must cut layer 0 into pieces");
        assertEquals(2, m().stochastic().schedule().size(), "the fixture must have two Scale-Dropout layers");
    }

    @Test
    void aWeightBitPlacedTwice() {
        assertFails(
                withPieces(0, ps -> {
                    ps.add(ps.get(0));
                    return ps;
                }),
                "placed twice");
    }

    @Test
    void aWeightBitNotPlaced() {
        assertFails(
                withPieces(0, ps -> {
                    ps.remove(ps.size() - 1);
                    return ps;
                }),
                "weights not placed");
    }

    @Test
    void aPieceOutsideItsLayer() {
        assertFails(
                withPieces(0, ps -> {
                    Piece p = ps.get(0);
                    ps.set(
                            0,
                            new Piece(
                                    p.layer(),
                                    p.k0() + m().layers().get(0).k(),
                                    p.kLen(),
                                    p.n0(),
                                    p.nLen(),
                                    p.crossbar(),
                                    p.row(),
                                    p.col()));
                    return ps;
                }),
                "reaches outside its");
    }

    @Test
    void twoPiecesOverlapOnACrossbar() {
        assertFails(
                withPieces(0, ps -> {
                    Piece a = ps.get(0), b = ps.get(1);
                    ps.set(1, b.at(a.crossbar(), a.row(), a.col()));
                    return ps;
                }),
                "overlap");
    }

    @Test
    void aPieceOutsideItsCrossbar() {
        assertFails(
                withPieces(0, ps -> {
                    Piece p = ps.get(0);
                    ps.set(0, p.at(p.crossbar(), m().arch().rows() - p.kLen() + 1, p.col()));
                    return ps;
                }),
                "reaches outside crossbar");
    }

    @Test
    void aPieceOnACrossbarThatDoesNotExist() {
        assertFails(
                withPieces(0, ps -> {
                    Piece p = ps.get(0);
                    ps.set(0, p.at(m().crossbars().size(), p.row(), p.col()));
                    return ps;
                }),
                "is on crossbar " + m().crossbars().size());
    }

    @Test
    void aTileTheChipDoesNotHave() {
        assertFails(
                withSlot(0, s -> new CrossbarSlot(s.id(), s.chip(), m().arch().tilesPerChip(), s.slot())),
                "outside the");
    }

    @Test
    void aChipTheArchitectureDoesNotHave() {
        assertFails(withSlot(0, s -> new CrossbarSlot(s.id(), m().arch().chips(), s.tile(), s.slot())), "outside the");
    }

    @Test
    void twoCrossbarsInOneSlot() {
        CrossbarSlot first = m().crossbars().get(0);
        assertFails(
                withSlot(1, s -> new CrossbarSlot(s.id(), first.chip(), first.tile(), first.slot())),
                "already holds another crossbar");
    }

    @Test
    void aScaleDropoutNodeMissingFromTheSchedule() {
        String node = m().stochastic().schedule().get(1).node();
        assertFails(
                withSchedule(s -> {
                    s.remove(1);
                    return s;
                }),
                "Scale-Dropout node " + node + " has 0 entries");
    }

    @Test
    void aScaleDropoutNodeScheduledTwice() {
        String node = m().stochastic().schedule().get(0).node();
        assertFails(
                withSchedule(s -> {
                    s.add(s.get(0));
                    return s;
                }),
                "Scale-Dropout node " + node + " has 2 entries");
    }

    @Test
    void aScheduleWhoseProbabilityDiffersFromTheGraph() {
        assertFails(
                withSchedule(s -> {
                    var e = s.get(0);
                    s.set(0, new StochasticUnit.Entry(e.bit(), e.node(), e.layer(), e.p() / 2));
                    return s;
                }),
                "the graph defines");
    }

    @Test
    void aLayerMappedThatIsNotInTheGraph() {
        List<LayerMap> layers = new ArrayList<>(m().layers());
        LayerMap l = layers.get(0);
        layers.add(new LayerMap(
                "ghost",
                l.kind(),
                l.k(),
                l.n(),
                l.positions(),
                l.inputBits(),
                l.rowTiles(),
                l.colTiles(),
                List.of(),
                l.padding(),
                -1,
                0));
        assertFails(m().withLayers(layers), "layer ghost: mapped but not a crossbar node");
    }
}
