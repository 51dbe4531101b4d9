package org.bnncim.compiler.sim;

import static org.bnncim.compiler.sim.SimulatorVsInterpreterTest.assertSameEverywhere;
import static org.bnncim.compiler.sim.SimulatorVsInterpreterTest.mapped;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.ProgramCodec;
import org.bnncim.backends.sim.ProgramListing;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.LevelSet;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.bnncim.ir.Window;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.junit.jupiter.api.Test;

/**
 * A folded k-bit graph through the compiler's passes (lowering, tiling on small crossbars, placement, the stochastic
 * unit) and the program file, then the simulator against the reference interpreter at every value of every pass:
 * a u2 quantized input, a conv reading it, an i2 activation with Scale-Dropout banks, max pooling on it, a dense
 * layer reading i2 and a u4 activation read by the last layer.
 */
class KbitPipelineTest {
    private static final ElemType I2 = new ElemType(ElemType.Kind.INT, 2), U2 = ElemType.uint(2);

    private static Value v(String name, ElemType e, double scale, int... dims) {
        return new Value(name, new TensorType(e, Shape.of(dims), scale));
    }

    private static LevelSet bank(Random r, int ch, int steps) {
        long[] t = new long[ch * steps];
        boolean[] ge = new boolean[ch];
        for (int c = 0; c < ch; c++) {
            ge[c] = r.nextInt(4) != 0;
            long x = r.nextInt(9) - 8;
            for (int i = 0; i < steps; i++) t[c * steps + (ge[c] ? i : steps - 1 - i)] = x += r.nextInt(5);
        }
        return new LevelSet(t, ge, steps);
    }

    private static BitMatrix weights(Random r, int k, int n) {
        long s = r.nextLong();
        return BitMatrix.of(k, n, (a, b) -> new Random(s ^ (a * 7919L + b)).nextBoolean());
    }

    static Graph kbitGraph() {
        Random r = new Random(5);
        List<Node> n = new ArrayList<>();
        n.add(new Node.Quantize("q", "x", v("q", U2, 1 / 3.0, 2, 8, 8), new float[] {0.2f, 0.5f, 0.8f}, 3, 0));
        n.add(new Node.BinaryConv(
                "conv",
                "q",
                v("c", ElemType.INT32, 1 / 3.0, 6, 8, 8),
                weights(r, 18, 6),
                2,
                3,
                3,
                new int[] {1, 1},
                new int[] {1, 1, 1, 1},
                new int[] {1, 1}));
        n.add(new Node.MultiThreshold(
                "mt0",
                "c",
                v("h0", I2, 0.5, 6, 8, 8),
                bank(r, 6, 3),
                new Node.LevelStochastic(0, 0.25f, bank(r, 6, 3), bank(r, 6, 3)),
                -2));
        n.add(new Node.MaxPool(
                "pool", "h0", v("p", I2, 0.5, 6, 4, 4), new Window(new int[] {2, 2}, new int[] {2, 2}, new int[] {
                    0, 0, 0, 0
                })));
        n.add(new Node.Reshape("flat", "p", v("f", I2, 0.5, 96)));
        n.add(new Node.BinaryDense("fc0", "f", v("a0", ElemType.INT32, 0.5, 20), weights(r, 96, 20)));
        n.add(new Node.MultiThreshold("mt1", "a0", v("h1", ElemType.uint(4), 0.1, 20), bank(r, 20, 9), null, 1));
        n.add(new Node.BinaryDense("fc1", "h1", v("a1", ElemType.INT32, 0.1, 10), weights(r, 20, 10)));
        return new Graph("kbit", List.of(v("x", ElemType.FLOAT32, 1, 2, 8, 8)), n, List.of("a1"), Map.of());
    }

    @Test
    void compiledKBitModelRunsAsTheReferenceInterpreter() {
        Random r = new Random(9);
        float[][] x = new float[5][128];
        for (float[] row : x) for (int j = 0; j < row.length; j++) row[j] = r.nextFloat();
        for (int size : new int[] {16, 64}) {
            for (var enc : Architecture.WeightEncoding.values()) {
                Architecture a =
                        ArchitectureLoader.defaults().withCrossbar(size, size).withEncoding(enc);
                MappedModel m = mapped(kbitGraph(), a);
                List<Integer> bits = new ArrayList<>();
                for (LayerMap l : m.mapping().layers()) bits.add(l.inputBits());
                assertEquals(List.of(2, 2, 4), bits, "bit-serial reads of conv, fc0, fc1");
                assertSameEverywhere(m, x, 4, "kbit@" + size + enc);
            }
        }
    }

    @Test
    void theProgramIsTheCurrentVersionAndItsListingSaysSo() {
        MappedModel m = mapped(kbitGraph(), ArchitectureLoader.defaults());
        byte[] bytes = ProgramCodec.encode(Program.of(m));
        assertEquals(ProgramCodec.VERSION, bytes[ProgramCodec.MAGIC.length]);
        String listing = ProgramListing.render(ProgramCodec.decode(bytes, "kbit.bnc"));
        assertTrue(listing.startsWith("bnncim simulator program, format version 6\n"), listing);
        assertTrue(listing.contains("multi_threshold"), listing);
    }
}
