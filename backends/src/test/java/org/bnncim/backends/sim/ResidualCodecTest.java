package org.bnncim.backends.sim;

import static org.bnncim.backends.sim.PassInterpreterTest.sameAsReference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/**
 * The residual kinds in {@code program.bnc} (format version 3): round trips that run the same as the reference,
 * the documented field layouts read back by hand, and the refusals of a version 2 file holding them.
 */
class ResidualCodecTest {

    @Test
    void residualProgramsRoundTripInVersionThree() {
        for (Program p : new Program[] {
            ResidualSimTest.twoBlocks(Architecture.WeightEncoding.COMPLEMENTARY, true), ResidualSimTest.floatShortcut()
        }) {
            byte[] bytes = ProgramCodec.encode(p);
            assertEquals(ProgramCodec.VERSION, bytes[ProgramCodec.MAGIC.length]);
            Program back = ProgramCodec.decode(bytes, "r.bnc");
            assertEquals(p.graph().nodes(), back.graph().nodes());
            assertArrayEquals(bytes, ProgramCodec.encode(back));
            int size = back.graph().inputs().get(0).shape().size();
            sameAsReference(back, TestPrograms.inputs(121, 3, size), 2);
        }
    }

    @Test
    void fieldsAreLaidOutAsDocumented() throws IOException {
        Program p = ResidualSimTest.twoBlocks(Architecture.WeightEncoding.SINGLE, false);
        byte[] bytes = ProgramCodec.encode(p);
        for (Node n : p.graph().nodes()) {
            if (!(n instanceof DigitalNode)) continue;
            DataInputStream in = fields(bytes, n);
            switch (n) {
                case DigitalNode.Add a -> assertEquals(a.b(), NodeCodec.rstr(in));
                case DigitalNode.FloatDense d -> {
                    assertEquals(d.k(), in.readInt());
                    assertEquals(d.n(), in.readInt());
                    assertArrayEquals(d.weights(), NodeCodec.rfloats(in));
                    assertArrayEquals(d.bias(), NodeCodec.rfloats(in));
                }
                case DigitalNode.FloatConv c -> {
                    for (int x : new int[] {c.inChannels(), c.group(), c.kh(), c.kw()}) assertEquals(x, in.readInt());
                    assertArrayEquals(c.strides(), NodeCodec.rints(in));
                    assertArrayEquals(c.pads(), NodeCodec.rints(in));
                    assertArrayEquals(c.dilations(), NodeCodec.rints(in));
                    assertArrayEquals(c.weights(), NodeCodec.rfloats(in));
                    assertArrayEquals(c.bias(), NodeCodec.rfloats(in));
                }
                default -> throw new AssertionError(n);
            }
        }
    }

    @Test
    void aDenseLayerWhoseWeightsDisagreeWithItsGeometryIsRefusedInOneLine() {
        Program p = ResidualSimTest.twoBlocks(Architecture.WeightEncoding.SINGLE, false);
        DigitalNode.FloatDense d =
                p.graph().nodesOf(DigitalNode.FloatDense.class).get(0);
        byte[] bytes = ProgramCodec.encode(p);
        // opcode, name, input, then the output value: name, kind, bits, dims, scale
        int k = ProgramCodecTest.tagOffset(bytes, d.name())
                + 1
                + 4
                + d.name().length()
                + 4
                + d.input().length()
                + 4
                + d.output().name().length()
                + 2
                + 4
                + 4 * d.output().shape().rank()
                + 8;
        assertEquals(d.k(), java.nio.ByteBuffer.wrap(bytes, k, 4).getInt());
        bytes[k + 3]++;
        BnncimException e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(bytes, "p.bnc"));
        assertEquals("p.bnc: corrupt simulator program (weights are not " + (d.k() + 1) + "x10)", e.getMessage());
    }

    /** The bytes after a node's output value, checking the opcode, name and first input on the way. */
    private static DataInputStream fields(byte[] bytes, Node n) throws IOException {
        int at = ProgramCodecTest.tagOffset(bytes, n.name());
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, at, bytes.length - at));
        assertEquals(n.tag().code(), in.readUnsignedByte(), n.name());
        assertEquals(n.name(), NodeCodec.rstr(in));
        assertEquals(n.inputs().get(0), NodeCodec.rstr(in));
        assertEquals(n.output(), NodeCodec.rvalue(in, "r.bnc", 3));
        return in;
    }

    @Test
    void versionTwoFilesHoldingVersionThreeKindsAreRefusedInOneLine() {
        byte[] bytes = ProgramCodec.encode(ResidualSimTest.floatShortcut());
        bytes[ProgramCodec.MAGIC.length] = 2;
        BnncimException e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(bytes, "p.bnc"));
        // node #0 is the float stem convolution
        assertEquals("p.bnc: node tag 17 at node #0 needs program format version 3", e.getMessage());
        // an affine ReLU alone needs version 3 as well
        TestPrograms relu = new TestPrograms(131, TestPrograms.floats("x", 12))
                .binarize()
                .dense(6)
                .affine(AffineStep.Op.MAX);
        byte[] three = ProgramCodec.encode(relu.program(Architecture.WeightEncoding.SINGLE, 8, 4));
        three[ProgramCodec.MAGIC.length] = 2;
        e = assertThrows(BnncimException.class, () -> ProgramCodec.decode(three, "p.bnc"));
        assertEquals("p.bnc: affine step op 5 at node #2 needs program format version 3", e.getMessage());
        assertEquals("BNNCSIM", new String(three, 0, 7, StandardCharsets.US_ASCII));
    }
}
