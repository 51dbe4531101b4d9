package org.bnncim.ir.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;
import org.bnncim.ir.Window;
import org.junit.jupiter.api.Test;

/** Small graphs whose every output is worked out by hand in the test. */
class ReferenceInterpreterTest {
    private static Value v(String n, ElemType e, int... dims) {
        return new Value(n, new TensorType(e, Shape.of(dims)));
    }

    @Test
    void denseScaleDropoutAffineSignByHand() {
        // W (3x2): column 0 = [+1,-1,+1], column 1 = [-1,-1,+1]
        int[][] w = {{1, -1}, {-1, -1}, {1, 1}};
        BitMatrix m = BitMatrix.of(3, 2, (k, n) -> w[k][n] > 0);
        Graph g = new Graph(
                "t",
                List.of(v("x", ElemType.FLOAT32, 3)),
                List.of(
                        new Node.InputBinarize(
                                "bin", "x", v("b", ElemType.BIPOLAR, 3), new float[] {0f}, new boolean[] {true}),
                        new Node.BinaryDense("mm", "b", v("acc", ElemType.INT32, 2), m),
                        new Node.ScaleDropout(
                                "sd",
                                "acc",
                                v("s", ElemType.FLOAT32, 2),
                                new float[] {2f, -0.5f},
                                new float[] {1f},
                                0.25f,
                                0),
                        new Node.Affine(
                                "bn",
                                "s",
                                v("a", ElemType.FLOAT32, 2),
                                List.of(new AffineStep(AffineStep.Op.ADD, new float[] {-1f, 0.25f}))),
                        new Node.Sign("sign", "a", v("y", ElemType.BIPOLAR, 2))),
                List.of("y", "a"),
                Map.of());
        ReferenceInterpreter in = new ReferenceInterpreter(g);
        float[] x = {0.3f, -2f, 0f}; // binarized: +1, -1, +1 (0 >= 0)
        // acc0 = 1*1 + (-1)(-1) + 1*1 = 3 ; acc1 = 1*(-1) + (-1)(-1) + 1*1 = 1
        var kept = in.run(x, Bits.ofScale(false));
        assertArrayEquals(new double[] {3, 1}, kept.get("acc"));
        assertArrayEquals(new double[] {3 * 2f - 1f, 1 * -0.5f + 0.25f}, kept.get("a"));
        assertArrayEquals(new double[] {1, -1}, kept.get("y"));
        var dropped = in.run(x, Bits.ofScale(true));
        assertArrayEquals(new double[] {2f, 1.25f}, dropped.get("a"));
        var det = in.run(x, null);
        float e0 = 0.75f * 2f + 0.25f * 1f, e1 = 0.75f * -0.5f + 0.25f * 1f;
        assertArrayEquals(new double[] {3 * e0 - 1f, 1 * e1 + 0.25f}, det.get("a"));
        assertEquals(0, det.signZeroTies());
    }

    @Test
    void convWithZeroPaddingAndMaxPoolByHand() {
        // 1 input channel 3x3, one 2x2 kernel of all +1, pad 1 on top/left only, stride 1 -> 3x3 output
        BitMatrix m = BitMatrix.of(4, 1, (k, n) -> true);
        Graph g = new Graph(
                "c",
                List.of(v("x", ElemType.BIPOLAR, 1, 3, 3)),
                List.of(
                        new Node.BinaryConv(
                                "conv",
                                "x",
                                v("y", ElemType.INT32, 1, 3, 3),
                                m,
                                1,
                                2,
                                2,
                                new int[] {1, 1},
                                new int[] {1, 1, 0, 0},
                                new int[] {1, 1}),
                        new Node.MaxPool(
                                "pool",
                                "y",
                                v("p", ElemType.INT32, 1, 2, 2),
                                new Window(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0, 1, 1}))),
                List.of("p"),
                Map.of());
        float[] x = {1, -1, 1, -1, -1, -1, 1, 1, 1};
        var t = new ReferenceInterpreter(g).run(x, null);
        // y[i][j] = sum of x over rows i-1..i, cols j-1..j inside the image
        double[] expect = new double[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int a = i - 1; a <= i; a++)
                    for (int b = j - 1; b <= j; b++) if (a >= 0 && b >= 0) s += x[a * 3 + b];
                expect[i * 3 + j] = s;
            }
        }
        assertArrayEquals(expect, t.get("y"));
        double[] pooled = {
            Math.max(Math.max(expect[0], expect[1]), Math.max(expect[3], expect[4])),
            Math.max(expect[2], expect[5]),
            Math.max(expect[6], expect[7]),
            expect[8]
        };
        assertArrayEquals(pooled, t.get("p"));
    }

    @Test
    void quantizedInputAndStochasticThresholds() {
        BitMatrix m = BitMatrix.of(2, 1, (k, n) -> k == 0); // weights [+1, -1]
        ThresholdSet exp = new ThresholdSet(new long[] {10}, new boolean[] {true});
        ThresholdSet kept = new ThresholdSet(new long[] {100}, new boolean[] {true});
        ThresholdSet drop = new ThresholdSet(new long[] {-5}, new boolean[] {false});
        Value q = new Value("q", new TensorType(ElemType.uint(8), Shape.of(2), 1.0 / 255));
        Graph g = new Graph(
                "q",
                List.of(v("x", ElemType.FLOAT32, 2)),
                List.of(
                        new Node.InputQuantize("iq", "x", q, 8, 255),
                        new Node.BinaryDense(
                                "mm", "q", new Value("acc", new TensorType(ElemType.INT32, Shape.of(1), 1.0 / 255)), m),
                        new Node.Threshold(
                                "th",
                                "acc",
                                v("y", ElemType.BIPOLAR, 1),
                                exp,
                                new Node.Stochastic(0, 0.5f, kept, drop))),
                List.of("y"),
                Map.of());
        ReferenceInterpreter in = new ReferenceInterpreter(g);
        float[] x = {200 / 255f, 150 / 255f};
        assertArrayEquals(new double[] {200, 150}, in.run(x, null).get("q"));
        assertArrayEquals(new double[] {50}, in.run(x, null).get("acc"));
        assertArrayEquals(new double[] {1}, in.run(x, null).get("y")); // 50 >= 10
        assertArrayEquals(new double[] {-1}, in.run(x, Bits.ofScale(false)).get("y")); // 50 >= 100 fails
        assertArrayEquals(new double[] {-1}, in.run(x, Bits.ofScale(true)).get("y")); // 50 <= -5 fails
    }

    @Test
    void digitalDatapathByHandAndNearTiesOfInexactSums() {
        // stem: 1x1 float conv on [1,2,2] with w = 2, bias -1: y = 2x - 1; dense over the 4 pixels with columns
        // (1, -1, 0, 0) and (1, 1, 1, 1) plus bias (0, 0.5); add of the dense output to itself; sign
        Graph g = new Graph(
                "digital",
                List.of(v("x", ElemType.FLOAT32, 1, 2, 2)),
                List.of(
                        new DigitalNode.FloatConv(
                                "stem",
                                "x",
                                v("c", ElemType.FLOAT32, 1, 2, 2),
                                new float[] {2f},
                                new float[] {-1f},
                                1,
                                1,
                                1,
                                1,
                                new int[] {1, 1},
                                new int[] {0, 0, 0, 0},
                                new int[] {1, 1}),
                        new Node.Reshape("flat", "c", v("f", ElemType.FLOAT32, 4)),
                        new DigitalNode.FloatDense(
                                "fc",
                                "f",
                                v("d", ElemType.FLOAT32, 2),
                                new float[] {1, 1, -1, 1, 0, 1, 0, 1},
                                4,
                                2,
                                new float[] {0f, 0.5f}),
                        new DigitalNode.Add("res", "d", "d", v("s", ElemType.FLOAT32, 2)),
                        new Node.Sign("sign", "s", v("y", ElemType.BIPOLAR, 2))),
                List.of("s", "y"),
                Map.of());
        ReferenceInterpreter in = new ReferenceInterpreter(g);
        // x = (1, 2, 0.5, 0): c = (1, 3, 0, -1); d0 = 1 - 3 = -2, d1 = 1 + 3 + 0 - 1 + 0.5 = 3.5; s = (-4, 7)
        ReferenceInterpreter.Trace t = in.run(new float[] {1, 2, 0.5f, 0}, null);
        assertArrayEquals(new double[] {-4, 7}, t.get("s"));
        assertArrayEquals(new double[] {-1, 1}, t.get("y"));
        assertEquals(0, t.nearTies());
        // x = (1, 1.0000001, 0, 0): c0 - c1 = 1 - 1.0000002 in float32, a sum ONNX Runtime may order otherwise
        ReferenceInterpreter.Trace near = in.run(new float[] {1, 1.0000001f, 0, 0}, null);
        assertEquals(1, near.nearTies());
        assertEquals(0, near.signZeroTies());
    }

    @Test
    void aPreluShrinkingANegativeSumIsNoNearTieButACancellingSumIs() {
        // dense 4 -> 3 (an inexact float sum), PReLU with slope 0.001, sign. Column 0: -0.5 - 0.5 = -1, then -0.001:
        // small against the tensor's 500, but its error shrank with it (no tie). Column 1: 1000 - 1000 + 1e-5, within
        // float32 rounding of its terms (a tie). Column 2: 500.
        Graph g = new Graph(
                "prelu",
                List.of(v("x", ElemType.FLOAT32, 4)),
                List.of(
                        new DigitalNode.FloatDense(
                                "fc",
                                "x",
                                v("d", ElemType.FLOAT32, 3),
                                new float[] {-0.5f, 1000, 0, -0.5f, -1000, 0, 0, 1e-5f, 0, 0, 0, 500},
                                4,
                                3,
                                new float[0]),
                        new Node.Affine(
                                "prelu",
                                "d",
                                v("p", ElemType.FLOAT32, 3),
                                List.of(new AffineStep(AffineStep.Op.PRELU, new float[] {0.001f}))),
                        new Node.Sign("sign", "p", v("y", ElemType.BIPOLAR, 3))),
                List.of("y"),
                Map.of());
        ReferenceInterpreter.Trace t = new ReferenceInterpreter(g).run(new float[] {1, 1, 1, 1}, null);
        assertEquals(-0.001f, (float) t.get("p")[0]);
        assertEquals(500.0, t.get("p")[2]);
        // the tensor-relative rule (1e-5 of 500) counted both column 0 and column 1
        assertEquals(1, t.nearTies());
    }
}
