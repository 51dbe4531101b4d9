package org.bnncim.backends.sim.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Stride-1 convolutions of multi-bit input planes give every sum of a direct convolution computed here from the
 * weights and the inputs' plane values, for unsigned and two's complement inputs, paddings on either side (the
 * bottom and right ones implied by the output size), dilations, rectangular kernels and one to four channels.
 */
class PlaneConvTest {
    private final SplittableRandom rnd = new SplittableRandom(29);

    @Test
    void planeSumsAreTheDirectConvolutions() {
        int[][] cases = {
            // cin, h, w, kh, kw, padTop, padLeft, dilation, oh, ow, n
            {1, 28, 28, 3, 3, 1, 1, 1, 28, 28, 32},
            {3, 9, 7, 3, 3, 0, 0, 1, 7, 5, 5},
            {2, 8, 8, 5, 3, 2, 1, 1, 8, 8, 7},
            {4, 6, 10, 3, 3, 2, 2, 2, 6, 10, 3},
            {1, 5, 5, 1, 1, 0, 0, 1, 5, 5, 9},
            {1, 7, 7, 3, 3, 1, 1, 1, 6, 6, 4},
            {3, 6, 6, 2, 2, 1, 0, 1, 7, 5, 6},
        };
        for (int[] c : cases) {
            int cin = c[0], h = c[1], w = c[2], kh = c[3], kw = c[4], pt = c[5], pl = c[6], d = c[7];
            int oh = c[8], ow = c[9], n = c[10], k = cin * kh * kw;
            ConvGeometry g = new ConvGeometry(cin, h, w, kh, kw, 1, 1, pt, pl, d, d, oh, ow);
            boolean[][] wt = Direct.weights(rnd, k, n);
            CrossbarLayer l = Direct.onePiece(wt);
            assertTrue(PlaneConv.fits(l, g), Arrays.toString(c));
            for (InputPlanes in : new InputPlanes[] {InputPlanes.unsigned(8), InputPlanes.signed(3)}) {
                int[] x = new int[cin * h * w];
                // stored values with bits above the planes, which the planes do not carry
                for (int i = 0; i < x.length; i++) x[i] = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(1 << 10);
                int[] v = new int[x.length];
                for (int i = 0; i < x.length; i++) v[i] = in.value(x[i]);
                int[] want = Direct.conv(v, wt, g);
                String what = Arrays.toString(c) + " " + in;
                assertArrayEquals(want, PlaneConv.convolve(l, x, g, in, want.length), what);
                assertArrayEquals(want, ConvKernel.convolveBlock(l, x, g, in, want.length), what);
            }
        }
    }

    @Test
    void stridesManyChannelsAndLayersWithoutWholeCellsKeepTheIm2colPath() {
        long[][] cols = new long[2][1];
        CrossbarLayer l = new CrossbarLayer(9, 2, List.of(CellPiece.of(0, 9, 0, 2, cols)));
        assertTrue(PlaneConv.fits(l, new ConvGeometry(1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8, 8)));
        assertFalse(PlaneConv.fits(l, new ConvGeometry(1, 8, 8, 3, 3, 2, 1, 1, 1, 1, 1, 4, 8)));
        assertFalse(PlaneConv.fits(l, new ConvGeometry(1, 8, 8, 3, 3, 1, 2, 1, 1, 1, 1, 8, 4)));
        CrossbarLayer wide = new CrossbarLayer(45, 2, List.of(CellPiece.of(0, 45, 0, 2, new long[2][1])));
        assertFalse(PlaneConv.fits(wide, new ConvGeometry(5, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8, 8)));
        CrossbarLayer gap = new CrossbarLayer(9, 2, List.of(CellPiece.of(0, 8, 0, 2, new long[2][1])));
        assertFalse(PlaneConv.fits(gap, new ConvGeometry(1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8, 8)));
        assertFalse(PlaneConv.fits(l, new ConvGeometry(1, 8, 8, 3, 3, 1, 1, 0, 0, 1, 1, 0, 6)));
        // a plane too large to hold its shifted copies at once
        assertFalse(PlaneConv.fits(l, new ConvGeometry(1, 1000, 1000, 3, 3, 1, 1, 1, 1, 1, 1, 1000, 1000)));
    }
}
