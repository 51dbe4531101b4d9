package org.bnncim.backends.sim.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Convolutions in channel-last row order give every sum of a direct convolution (computed here from the weights,
 * independently of any kernel) and of the im2col path, for strides, paddings, dilations, kernel shapes, gated (0)
 * inputs and layers split over several crossbar pieces.
 */
class ChannelLastConvTest {
    private final SplittableRandom rnd = new SplittableRandom(21);

    @Test
    void channelLastSumsAreTheDirectConvolutionsForManyGeometries() {
        int[][] cases = {
            // cin, h, w, kh, kw, stride, pad, dilation, n
            {64, 8, 8, 3, 3, 1, 1, 1, 16}, {128, 7, 9, 3, 3, 2, 1, 1, 5}, {64, 10, 6, 1, 1, 1, 0, 1, 33},
            {192, 6, 6, 3, 2, 1, 0, 2, 7}, {64, 5, 5, 5, 5, 1, 2, 1, 3}, {256, 4, 4, 3, 3, 3, 1, 1, 9},
            // channels that tile a word: runs at bit offsets inside words, K not a multiple of 64
            {32, 14, 14, 3, 3, 1, 1, 1, 64}, {16, 9, 7, 3, 3, 2, 1, 1, 12}, {8, 6, 6, 5, 3, 1, 2, 2, 9},
            {32, 5, 5, 1, 1, 1, 0, 1, 70}, {8, 4, 4, 3, 3, 1, 1, 1, 3},
        };
        for (int[] c : cases) {
            int cin = c[0], h = c[1], w = c[2], kh = c[3], kw = c[4], s = c[5], p = c[6], d = c[7], n = c[8];
            int oh = (h + 2 * p - d * (kh - 1) - 1) / s + 1, ow = (w + 2 * p - d * (kw - 1) - 1) / s + 1;
            ConvGeometry g = new ConvGeometry(cin, h, w, kh, kw, s, s, p, p, d, d, oh, ow);
            int k = cin * kh * kw;
            boolean[][] wt = Direct.weights(rnd, k, n);
            CrossbarLayer l = layer(wt, k, n);
            ChannelLastConv cl = ChannelLastConv.of(l, g);
            assertNotNull(cl, "cin " + cin + " fills or tiles whole words");
            int[] x = new int[cin * h * w];
            for (int i = 0; i < x.length; i++) x[i] = rnd.nextInt(3) - 1; // -1, 0 (gated: undriven), +1
            int size = n * oh * ow;
            int[] got = cl.convolveBlock(x, size);
            int[] want = Direct.conv(x, wt, g);
            String what = java.util.Arrays.toString(c);
            assertArrayEquals(want, got, what);
            assertArrayEquals(want, ConvKernel.convolveBlock(l, x, g, InputPlanes.BIPOLAR, size), what);
        }
    }

    @Test
    void sumsUpdatedFromASiblingInputAreItsOwnSums() {
        int[][] cases = {
            // cin, h, w, k, stride, pad, dilation, n
            {32, 14, 14, 3, 1, 1, 1, 64},
            {8, 7, 9, 3, 2, 1, 1, 5},
            {64, 6, 6, 3, 1, 2, 2, 9},
            {16, 5, 5, 1, 1, 0, 1, 7},
        };
        for (int[] c : cases) {
            int cin = c[0], h = c[1], w = c[2], kk = c[3], s = c[4], p = c[5], d = c[6], n = c[7];
            int oh = (h + 2 * p - d * (kk - 1) - 1) / s + 1, ow = (w + 2 * p - d * (kk - 1) - 1) / s + 1;
            ConvGeometry g = new ConvGeometry(cin, h, w, kk, kk, s, s, p, p, d, d, oh, ow);
            int k = cin * kk * kk;
            boolean[][] wt = Direct.weights(rnd, k, n);
            ChannelLastConv cl = ChannelLastConv.of(layer(wt, k, n), g);
            int size = n * oh * ow;
            int[] x0 = new int[cin * h * w];
            for (int i = 0; i < x0.length; i++) x0[i] = rnd.nextInt(3) - 1;
            int[] acc0 = cl.convolveBlock(x0, size);
            for (int changes : new int[] {0, 1, 5, 40}) {
                int[] x = x0.clone();
                // flips, gatings and ungatings: every difference of two reads (+-1, +-2)
                for (int q = 0; q < changes; q++) x[rnd.nextInt(x.length)] = rnd.nextInt(3) - 1;
                String what = java.util.Arrays.toString(c) + ", " + changes + " changes";
                assertArrayEquals(cl.convolveBlock(x, size), cl.convolveFrom(x, x0, acc0), what);
                int diff = 0;
                for (int i = 0; i < x.length; i++) diff += Integer.signum(x[i]) != Integer.signum(x0[i]) ? 1 : 0;
                assertEquals(diff, Siblings.differences(x, x0, Integer.MAX_VALUE), what);
            }
        }
    }

    @Test
    void layersWhoseChannelsNeitherFillNorTileWordsOrThatLackWholeColumnsKeepTheIm2colPath() {
        for (int cin : new int[] {1, 4, 12, 48, 96}) {
            ConvGeometry narrow = new ConvGeometry(cin, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4, 4);
            assertNull(ChannelLastConv.of(layer(new boolean[9 * cin][2], 9 * cin, 2), narrow), "cin " + cin);
        }
        ConvGeometry wide = new ConvGeometry(64, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4, 4);
        CrossbarLayer gap = new CrossbarLayer(576, 2, List.of(CellPiece.of(0, 500, 0, 2, new long[2][8])));
        assertNull(gap.cells());
        assertNull(ChannelLastConv.of(gap, wide));
        assertEquals(576, layer(new boolean[576][2], 576, 2).k());
    }

    /** The layer over crossbar pieces of at most 256 rows and 8 columns, as a mapping tiles it. */
    private static CrossbarLayer layer(boolean[][] wt, int k, int n) {
        List<CellPiece> pieces = new ArrayList<>();
        for (int k0 = 0; k0 < k; k0 += 256) {
            for (int n0 = 0; n0 < n; n0 += 8) {
                int kLen = Math.min(256, k - k0), nLen = Math.min(8, n - n0);
                long[][] cols = new long[nLen][(kLen + 63) >>> 6];
                for (int dn = 0; dn < nLen; dn++)
                    for (int dk = 0; dk < kLen; dk++) if (wt[k0 + dk][n0 + dn]) cols[dn][dk >>> 6] |= 1L << dk;
                pieces.add(CellPiece.of(k0, kLen, n0, nLen, cols));
            }
        }
        return new CrossbarLayer(k, n, pieces);
    }
}
