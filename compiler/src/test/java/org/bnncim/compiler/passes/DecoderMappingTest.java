package org.bnncim.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.cost.TransposedRows;
import org.bnncim.compiler.report.IrJson;
import org.bnncim.compiler.testing.DecoderGraphs;
import org.bnncim.compiler.testing.ResidualGraphs;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Value;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.MappingVerifier;
import org.junit.jupiter.api.Test;

/**
 * The encoder-decoder graph of {@link DecoderGraphs} mapped on 64x64 crossbars with complementary weights (32 weight
 * columns a crossbar): the transposed conv (K = 8 channels x 3 x 3 = 72, N = 3) is one crossbar layer cut into row
 * pieces of 64 and 8; Resize, Concat and the output activation get no crossbar.
 *
 * <p>Driven rows of the transposed conv (k 3, stride 2, pads 1, 6 -> 12 per axis): output coordinate o is reached by
 * tap i when t = o + 1 - i is even and 0 <= t/2 < 6. Tap 0 reaches o = 1,3,5,7,9 (5; o = 11 would need input 6), tap
 * 1 o = 0,2,..,10 (6), tap 2 o = 1,3,..,11 (6): 17 per axis. An even o has 1 tap, an odd one 2 (o = 11 only 1), so a
 * position drives 8 x 1 x 1 = 8 to 8 x 2 x 2 = 32 of the 72 rows, and all 144 positions together 8 x 17 x 17 = 2312
 * row reads, 22% of the 72 x 144 = 10368 that zero-insertion would read.
 */
class DecoderMappingTest {
    private static Architecture arch64() {
        return ArchitectureLoader.defaults()
                .withCrossbar(64, 64)
                .withEncoding(Architecture.WeightEncoding.COMPLEMENTARY);
    }

    private static LayerMap layer(MappedModel m, String name) {
        return m.mapping().layers().stream()
                .filter(l -> l.layer().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void theTransposedConvIsACrossbarLayerCutIntoRowPieces() {
        MappedModel m = ResidualGraphs.map(DecoderGraphs.unet(true), arch64());
        assertEquals(
                List.of("enc1 conv", "enc2 conv", "dec conv_transpose", "head conv"),
                m.mapping().layers().stream()
                        .map(l -> l.layer() + " " + l.kind())
                        .toList());
        LayerMap dec = layer(m, "dec");
        assertEquals(72, dec.k());
        assertEquals(3, dec.n());
        assertEquals(144, dec.positions()); // output positions, 12 x 12
        assertEquals(1, dec.inputBits());
        assertEquals(2, dec.rowTiles());
        assertEquals(1, dec.colTiles());
        assertEquals(
                List.of("0+64 x 0+3", "64+8 x 0+3"),
                dec.pieces().stream()
                        .map(p -> p.k0() + "+" + p.kLen() + " x " + p.n0() + "+" + p.nLen())
                        .toList());
        assertEquals(
                "transposed: one mapping of the whole kernel; each output phase drives its own word lines (8 to 32 of"
                        + " 72 per position, 22% of all row reads; zero-insertion would read all 72), the rest stay"
                        + " undriven; dot = 2P - K_active per position",
                dec.padding());
        // the concat's 8 channels are the reader's word lines: K counts both sources, nothing is copied
        assertEquals(8 * 9, dec.k());
        // cells: 18x4 + 36x4 + 72x3 + 3x2 weights, two cells each = 876 of 4096: one crossbar suffices and is used
        assertEquals(1, m.mapping().lowerBound());
        assertEquals(1, m.mapping().crossbarCount());
        assertTrue(MappingVerifier.check(m, MappingVerifier.ALL).isEmpty());
    }

    @Test
    void theDecodersScaleDropoutBitIsScheduledLikeAConvs() {
        MappedModel m = ResidualGraphs.map(DecoderGraphs.unet(false), ArchitectureLoader.defaults());
        assertEquals(0, layer(m, "enc1").stochasticBit());
        assertEquals(-1, layer(m, "enc2").stochasticBit());
        assertEquals(1, layer(m, "dec").stochasticBit());
        assertEquals(-1, layer(m, "head").stochasticBit());
        assertEquals(
                List.of("0 t1 enc1", "1 t3 dec"),
                m.mapping().stochastic().schedule().stream()
                        .map(e -> e.bit() + " " + e.node() + " " + e.layer())
                        .toList());
    }

    @Test
    void aDropoutMaskOnTheSkipGatesTheDecodersWordLines() {
        Graph g = DecoderGraphs.unet(true);
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n instanceof DecoderNode.Concat c) {
                // MC-Dropout on the skip (4 x 6 x 6 = 144 neurons) read through the concat by the transposed conv
                Value e1 = g.value("e1");
                nodes.add(new Node.McDropout("mcd", "e1", new Value("m1", e1.type()), 0.1f));
                nodes.add(new DecoderNode.Concat(c.name(), List.of("u", "m1"), c.output()));
            } else nodes.add(n);
        }
        Graph mc = new Graph(g.name(), g.inputs(), nodes, g.outputs(), g.notes());
        MappedModel m = ResidualGraphs.map(mc, ArchitectureLoader.defaults());
        assertEquals(144, layer(m, "dec").dropoutNeurons());
        assertEquals(0, layer(m, "enc2").dropoutNeurons());
    }

    @Test
    void drivenRowsPerPieceAreCountedByTap() {
        Graph g = DecoderGraphs.unet(true);
        DecoderNode.BinaryConvTranspose dec =
                (DecoderNode.BinaryConvTranspose) g.producer("d").orElseThrow();
        var in = g.value("k").shape();
        // a channel's 9 rows are driven 17 x 17 = 289 times; row 63 is channel 7's tap (0, 0), 5 x 5 = 25 times
        assertEquals(7 * 289 + 25, TransposedRows.driven(dec, in, 0, 64));
        assertEquals(289 - 25, TransposedRows.driven(dec, in, 64, 8));
        assertEquals(8 * 17 * 17, TransposedRows.driven(dec, in));
        assertEquals(
                List.of(8, 32),
                java.util.Arrays.stream(TransposedRows.perPositionRange(dec, in))
                        .boxed()
                        .toList());
    }

    @Test
    void irJsonCarriesTheDecoderAttributes() throws Exception {
        JsonNode nodes = new ObjectMapper()
                .readTree(IrJson.toJson(DecoderGraphs.unet(true)))
                .get("nodes");
        JsonNode up = nodes.get(6), cat = nodes.get(7), dec = nodes.get(8), out = nodes.get(12);
        assertEquals("resize", up.get("op").asText());
        assertEquals(2, up.get("attributes").get("scale").asInt());
        assertEquals("[0,0,1,1,2,2]", up.get("attributes").get("rows").toString());
        assertEquals("concat", cat.get("op").asText());
        assertEquals("[\"u\",\"e1\"]", cat.get("inputs").toString());
        assertEquals("binary_conv_transpose", dec.get("op").asText());
        JsonNode a = dec.get("attributes");
        assertEquals("[2,2]", a.get("strides").toString());
        assertEquals("[1,1,1,1]", a.get("pads").toString());
        // ONNX: 2 x (6 - 1) + 3 - 2 = 11, the output is 12
        assertEquals("[1,1]", a.get("output_padding").toString());
        assertEquals(72, a.get("k").asInt());
        assertEquals(3, a.get("n").asInt());
        assertEquals("pixel_softmax", out.get("op").asText());
        assertEquals(1, out.get("attributes").get("axis").asInt());
    }
}
