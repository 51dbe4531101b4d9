package org.bnncim.backends.sim;

import static org.bnncim.backends.sim.ProgramCodecTest.tagOffset;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Test;

/**
 * One case of each class ProgramFuzzTest found (issue #18): numbers a program file may carry but no compiler writes,
 * each refused on decode in one line instead of an index error, a hang or a huge allocation in the simulator.
 */
class ProgramCapsTest {
    private static String refusal(ByteBuffer patched) {
        return assertThrows(BnncimException.class, () -> ProgramCodec.decode(patched.array(), "p.bnc"))
                .getMessage();
    }

    private static ByteBuffer program() {
        return ByteBuffer.wrap(ProgramCodec.encode(ProgramCodecTest.versionOne()));
    }

    /** Offset of the first dimension of the value after a node's tag, name and input. */
    private static int outputDims(ByteBuffer b, String node, String input, String output) {
        return tagOffset(b.array(), node) + 1 + 4 + node.length() + 4 + input.length() + 4 + output.length() + 2 + 4;
    }

    @Test
    void anElementwiseOutputLargerThanItsInputIsRefused() {
        ByteBuffer b = program();
        b.putInt(outputDims(b, "bn", "a", "f") + 8, 2); // f [2,1,1] -> [2,1,2], the affine's input a stays [2,1,1]
        assertEquals(
                "p.bnc: inconsistent program: node bn (affine): output shape [2,1,2] from input [2,1,1]", refusal(b));
    }

    @Test
    void aConvolutionOutputThatDoesNotFollowFromItsWindowIsRefused() {
        ByteBuffer b = program();
        b.putInt(outputDims(b, "conv", "b", "c") + 8, 4); // c [2,3,3] -> [2,3,4]: a 2x2 kernel over 4x4 gives 3x3
        assertEquals(
                "p.bnc: inconsistent program: node conv (binary_conv): output shape [2,3,4] from input [1,4,4]",
                refusal(b));
    }

    @Test
    void aPoolKernelOfTwoToTheThirtyOneIsRefusedNotLoopedOver() {
        ByteBuffer b = program();
        int kernel = outputDims(b, "mp", "b", "m") + 3 * 4 + 8 + 4;
        assertEquals(2, b.getInt(kernel));
        b.putInt(kernel, Integer.MAX_VALUE);
        assertEquals(
                "p.bnc: inconsistent program: node mp (max_pool): output shape [1,2,2] from input [1,4,4]", refusal(b));
    }

    @Test
    void layersClaimingMoreWeightsThanTheCrossbarsHaveCellsAreRefused() {
        ByteBuffer b = program();
        // the layer map of fc (its name, then its kind "dense", then K): K 4 -> 62 fits the 128 cells of the two
        // 8x8 crossbars on its own, not with the 8 weights of conv
        byte[] entry = ByteBuffer.allocate(15)
                .putInt(2)
                .put("fc".getBytes())
                .putInt(5)
                .put("dense".getBytes())
                .array();
        int k = -1;
        for (int i = 0; k < 0 && i + entry.length <= b.capacity(); i++) {
            if (java.util.Arrays.equals(b.array(), i, i + entry.length, entry, 0, entry.length)) k = i + entry.length;
        }
        assertEquals(4, b.getInt(k));
        b.putInt(k, 62);
        assertEquals(
                "p.bnc: corrupt simulator program (layers of 132 weights up to conv do not fit the 128 cells of the"
                        + " crossbars)",
                refusal(b));
    }

    @Test
    void anIntegerWiderThan32BitsIsRefused() {
        ByteBuffer b = program();
        int bits = outputDims(b, "conv", "b", "c") - 5;
        assertEquals(32, b.get(bits));
        b.put(bits, (byte) 33);
        assertEquals("p.bnc: corrupt simulator program (value c of type i33)", refusal(b));
    }

    @Test
    void aValueOfMoreThanTwoToTheTwentyFourElementsIsRefusedBeforeAnythingIsSized() {
        ByteBuffer b = program();
        int dims = tagOffset(b.array(), "x") + 1 + 4 + 1 + 2 + 4; // the graph input x [1,4,4]
        assertEquals(4, b.getInt(dims + 4));
        b.putInt(dims + 4, 8192).putInt(dims + 8, 4096);
        assertEquals(
                "p.bnc: corrupt simulator program (value x of more than 16777216 elements per example)", refusal(b));
    }

    @Test
    void anArchitectureBeyondTheCapsOfArchFilesIsRefused() {
        ByteBuffer b = program();
        int rows = tagOffset(b.array(), "tiny") + 1 + 4 + 4;
        assertEquals(8, b.getInt(rows));
        b.putInt(rows, 8192);
        assertEquals(
                "p.bnc: corrupt simulator program (architecture: crossbar 8192x8 larger than 4096 per side)",
                refusal(b));
        b.putInt(rows, 8).putInt(rows + 4 + 4 + 1, 1 << 20); // crossbars per tile
        assertEquals(
                "p.bnc: corrupt simulator program (architecture: 1048576 crossbars per tile, 4 tiles per chip, 1 chips:"
                        + " more than 16777216 crossbars)",
                refusal(b));
    }
}
