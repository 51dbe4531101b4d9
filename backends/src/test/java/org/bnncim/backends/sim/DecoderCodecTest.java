package org.bnncim.backends.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.Piece;
import org.junit.jupiter.api.Test;

/**
 * The encoder-decoder kinds in {@code program.bnc} (format version 4): written only when present, round trips that
 * run as the reference does, the documented field layouts read back by hand, refusals of a version 3 file holding
 * them, and truncated or corrupted files refused in one line.
 */
class DecoderCodecTest {
    private static Value v(String name, ElemType e, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims)));
    }

    /**
     * {@code p} (ProgramCodecTest's fixture, whose bipolar value "b" is [1,4,4] and float value "fc" [2,2,2]) with one
     * node of each decoder kind, the transposed convolution on a third crossbar.
     */
    static Program withDecoderKinds(Program p) {
        Graph g = p.graph();
        List<Node> nodes = new ArrayList<>(g.nodes());
        nodes.add(new DecoderNode.Resize(
                "up", "b", v("u", ElemType.BIPOLAR, 1, 8, 7), new int[] {0, 0, 1, 1, 2, 2, 3, 3}, new int[] {
                    0, 0, 1, 2, 2, 3, 3
                }));
        nodes.add(new DecoderNode.Concat("cat", List.of("b", "b", "b"), v("ct", ElemType.BIPOLAR, 3, 4, 4)));
        nodes.add(new DecoderNode.BinaryConvTranspose(
                "tconv",
                "ct",
                v("tc", ElemType.INT32, 2, 9, 9),
                BitMatrix.of(12, 2, (k, n) -> (k * 7 + n) % 3 == 0),
                3,
                2,
                2,
                new int[] {2, 2},
                new int[] {0, 0, 0, 0},
                new int[] {1, 1}));
        nodes.add(new DecoderNode.PixelSoftmax("psm", "fc", v("ps", ElemType.FLOAT32, 2, 2, 2)));
        nodes.add(new DecoderNode.Sigmoid("sig", "fc", v("sg2", ElemType.FLOAT32, 2, 2, 2)));
        List<String> outs = new ArrayList<>(g.outputs());
        outs.addAll(List.of("u", "tc", "ps", "sg2"));
        Mapping m = p.mapping();
        List<LayerMap> layers = new ArrayList<>(m.layers());
        int crossbar = m.crossbars().size();
        layers.add(new LayerMap(
                "tconv",
                "conv_transpose",
                12,
                2,
                81,
                1,
                2,
                1,
                List.of(new Piece("tconv", 0, 8, 0, 2, crossbar, 0, 0), new Piece("tconv", 8, 4, 0, 2, crossbar, 0, 2)),
                "none",
                -1,
                0));
        List<CrossbarSlot> slots = new ArrayList<>(m.crossbars());
        slots.add(new CrossbarSlot(crossbar, 0, 0, crossbar));
        Graph k = new Graph(g.name(), g.inputs(), nodes, outs, g.notes());
        return Program.of(new MappedModel(k, new Mapping(m.arch(), layers, slots, m.stochastic())));
    }

    @Test
    void decoderProgramsRoundTripInVersionFour() {
        for (Program p : new Program[] {
            DecoderSimTest.unet(Architecture.WeightEncoding.COMPLEMENTARY),
            DecoderSimTest.kbit(Architecture.WeightEncoding.SINGLE, new ElemType(ElemType.Kind.INT, 3)),
            withDecoderKinds(ProgramCodecTest.allKinds())
        }) {
            byte[] bytes = ProgramCodec.encode(p);
            assertEquals(6, bytes[ProgramCodec.MAGIC.length]);
            assertTrue(ProgramListing.render(p).startsWith("bnncim simulator program, format version 6\n"));
            Program back = ProgramCodec.decode(bytes, "d.bnc");
            assertEquals(p.graph().nodes(), back.graph().nodes());
            assertEquals(p.graph().outputs(), back.graph().outputs());
            assertEquals(p.mapping(), back.mapping());
            assertArrayEquals(bytes, ProgramCodec.encode(back));
        }
        Program back = ProgramCodec.decode(
                ProgramCodec.encode(DecoderSimTest.unet(Architecture.WeightEncoding.SINGLE)), "d.bnc");
        DecoderSimTest.sameAsReference(back, TestPrograms.inputs(401, 2, 126), 4);
    }

    /** The bytes after a node's output value, checking the opcode, name and first input on the way. */
    private static DataInputStream fields(byte[] bytes, Node n) throws IOException {
        int at = ProgramCodecTest.tagOffset(bytes, n.name());
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, at, bytes.length - at));
        assertEquals(n.tag().code(), in.readUnsignedByte(), n.name());
        assertEquals(n.name(), NodeCodec.rstr(in));
        assertEquals(n.inputs().get(0), NodeCodec.rstr(in));
        assertEquals(n.output(), NodeCodec.rvalue(in, "d.bnc", 4));
        return in;
    }

    @Test
    void fieldsAreLaidOutAsDocumented() throws IOException {
        Program p = withDecoderKinds(ProgramCodecTest.allKinds());
        byte[] bytes = ProgramCodec.encode(p);
        int seen = 0;
        for (Node n : p.graph().nodes()) {
            if (!(n instanceof DecoderNode d)) continue;
            DataInputStream in = fields(bytes, n);
            seen++;
            switch (d) {
                case DecoderNode.Resize r -> {
                    assertArrayEquals(r.rows(), NodeCodec.rints(in));
                    assertArrayEquals(r.cols(), NodeCodec.rints(in));
                }
                case DecoderNode.Concat c -> {
                    assertEquals(2, in.readInt());
                    assertEquals("b", NodeCodec.rstr(in));
                    assertEquals("b", NodeCodec.rstr(in));
                }
                case DecoderNode.BinaryConvTranspose t -> {
                    for (int x : new int[] {t.inChannels(), t.kh(), t.kw()}) assertEquals(x, in.readInt());
                    assertArrayEquals(t.strides(), NodeCodec.rints(in));
                    assertArrayEquals(t.pads(), NodeCodec.rints(in));
                    assertArrayEquals(t.dilations(), NodeCodec.rints(in));
                }
                case DecoderNode.PixelSoftmax s -> {}
                case DecoderNode.Sigmoid s -> {}
            }
            // the next node's tag, or the output count after the last node
            int next = in.readUnsignedByte();
            assertTrue(next <= 22 || next == 0, n.name());
        }
        assertEquals(5, seen);
    }

    @Test
    void versionThreeFilesHoldingDecoderKindsAreRefusedInOneLine() {
        Program p = withDecoderKinds(ProgramCodecTest.allKinds());
        int first = p.graph().nodes().size() - 5;
        byte[] bytes = ProgramCodec.encode(p);
        bytes[ProgramCodec.MAGIC.length] = 3;
        BnncimException e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(bytes, "p.bnc"));
        assertEquals("p.bnc: node tag 18 at node #" + first + " needs program format version 4", e.getMessage());
        for (String name : new String[] {"cat", "tconv", "psm", "sig"}) {
            byte[] one = bytes.clone();
            int at = ProgramCodecTest.tagOffset(one, "up");
            // the resize becomes a copy of the later kind's tag: that tag is the first one refused
            one[at] = one[ProgramCodecTest.tagOffset(one, name)];
            e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(one, "p.bnc"));
            assertEquals(
                    "p.bnc: node tag " + one[at] + " at node #" + first + " needs program format version 4",
                    e.getMessage());
        }
        byte[] newer = ProgramCodec.encode(p);
        newer[ProgramCodec.MAGIC.length] = 7;
        e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(newer, "p.bnc"));
        assertEquals("p.bnc: program format version 7, this bnncim reads versions 1 to 6", e.getMessage());
    }

    private static void refusedInOneLine(byte[] bytes, String what) {
        try {
            ProgramCodec.decode(bytes, "h.bnc");
        } catch (BnncimException e) {
            assertFalse(e.getMessage().contains("\n"), what + ": " + e.getMessage());
            assertTrue(e.getMessage().startsWith("h.bnc: "), what + ": " + e.getMessage());
        }
    }

    @Test
    void truncatedAndCorruptedDecoderRecordsAreRefusedInOneLine() {
        Program p = withDecoderKinds(ProgramCodecTest.allKinds());
        byte[] bytes = ProgramCodec.encode(p);
        int from = ProgramCodecTest.tagOffset(bytes, "up");
        int to = ProgramCodecTest.tagOffset(bytes, "sig") + 40;
        // cut inside every decoder record, and at every seventh byte elsewhere
        for (int len = 0; len < bytes.length; len++) {
            if ((len < from || len > to) && len % 7 != 0) continue;
            byte[] cut = java.util.Arrays.copyOf(bytes, len);
            BnncimException e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(cut, "h.bnc"));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        // every byte of the decoder records set to values that make counts, indices and strides hostile
        for (int i = from; i < to; i++) {
            for (int b : new int[] {0x00, 0x7f, 0xff}) {
                byte[] bad = bytes.clone();
                bad[i] = (byte) b;
                refusedInOneLine(bad, "byte " + i + " = " + b);
            }
        }
        // the mapping and the schedule (before the crossbar images): every byte of the transposed conv's layer entry,
        // every fifth elsewhere, made the top byte of a huge count
        Architecture a = p.mapping().arch();
        int images = bytes.length - 4 - p.crossbars().size() * 2 * a.cols() * ((a.rows() + 63) / 64) * 8;
        assertEquals(
                p.crossbars().size(), java.nio.ByteBuffer.wrap(bytes, images, 4).getInt());
        int layer = ProgramCodecTest.tagOffset(java.util.Arrays.copyOfRange(bytes, to, images), "tconv") + to;
        for (int i = to; i < images; i++) {
            if (i % 5 != 0 && (i < layer || i > layer + 120)) continue;
            byte[] bad = bytes.clone();
            bad[i] = 0x7f;
            refusedInOneLine(bad, "byte " + i);
        }
        // a concat whose source count claims two billion names, a resize whose row count disagrees with its output
        byte[] huge = bytes.clone();
        int count = ProgramCodecTest.tagOffset(huge, "cat") + 1 + 4 + 3 + 4 + 1;
        count += 4 + 2 + 2 + 4 + 3 * 4 + 8;
        java.nio.ByteBuffer.wrap(huge, count, 4).putInt(Integer.MAX_VALUE - 1);
        BnncimException e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(huge, "h.bnc"));
        assertEquals("h.bnc: cannot read simulator program (implausible count 2147483646)", e.getMessage());
        byte[] rows = bytes.clone();
        int r = ProgramCodecTest.tagOffset(rows, "up") + 1 + 4 + 2 + 4 + 1 + 4 + 1 + 2 + 4 + 3 * 4 + 8;
        assertEquals(8, java.nio.ByteBuffer.wrap(rows, r, 4).getInt());
        java.nio.ByteBuffer.wrap(rows, r, 4).putInt(9);
        e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(rows, "h.bnc"));
        assertEquals("h.bnc: cannot read simulator program (resize up has 9 rows for 8)", e.getMessage());
    }
}
