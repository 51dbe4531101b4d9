package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.Graph;
import org.bnncim.oracle.OnnxBuilder;
import org.bnncim.oracle.OrtReference;
import org.junit.jupiter.api.Test;

/**
 * The imported Resize/Upsample index maps against ONNX Runtime itself: a float model resizes X = 0, 1, 2, ... and
 * each output value names the input element it copied (row = v / W, col = v % W). Every coordinate transformation
 * mode and nearest mode bnncim accepts, opsets 9 to 19, scales and sizes, up and down, integer and odd factors.
 */
class DecoderResizeAgainstOrtTest {
    private static final String[] COORDS = {
        "half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners", "tf_half_pixel_for_nn"
    };
    private static final String[] NEAREST = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};

    /** One Resize of a [N,1,h,w] float input; {@code size} true gives sizes [1,1,oh,ow], else scales. */
    private static OnnxMl.ModelProto resize(
            int opset, int h, int w, float sh, float sw, int oh, int ow, boolean size, String coord, String nearest) {
        OnnxBuilder b = new OnnxBuilder("rs").opset(opset).input("x", DataType.FLOAT, "N", 1, h, w);
        List<String> ins = new ArrayList<>(List.of("x"));
        if (opset == 10) {
            b.initializer("scales", new int[] {4}, 1f, 1f, sh, sw);
            ins.add("scales");
        } else {
            if (opset == 11) b.initializer("roi", new int[] {0});
            ins.add(opset == 11 ? "roi" : "");
            if (size) {
                if (opset == 11) b.initializer("scales", new int[] {0});
                ins.add(opset == 11 ? "scales" : "");
                b.initializerInt64("sizes", new int[] {4}, 1, 1, oh, ow);
                ins.add("sizes");
            } else {
                b.initializer("scales", new int[] {4}, 1f, 1f, sh, sw);
                ins.add("scales");
            }
        }
        var nb = b.node("Resize", "up")
                .inputs(ins.toArray(String[]::new))
                .outputs("y")
                .attr("mode", "nearest");
        if (opset >= 11) nb.attr("coordinate_transformation_mode", coord).attr("nearest_mode", nearest);
        return nb.end().output("y", DataType.FLOAT, "N", 1, oh, ow).build();
    }

    /** Which input row and column ONNX Runtime copied to each output row and column. */
    private static int[][] ortMaps(OnnxMl.ModelProto m, int h, int w, int oh, int ow) {
        float[] x = new float[h * w];
        for (int i = 0; i < x.length; i++) x[i] = i;
        float[] y;
        try (OrtReference ort = new OrtReference(m.toByteArray(), 1)) {
            y = ort.run(x, new int[] {1, h, w}, 1, null)[0];
        }
        assertEquals(oh * ow, y.length);
        int[] rows = new int[oh], cols = new int[ow];
        for (int i = 0; i < oh; i++) rows[i] = (int) y[i * ow] / w;
        for (int j = 0; j < ow; j++) cols[j] = (int) y[j] % w;
        for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) assertEquals(rows[i] * w + cols[j], (int) y[i * ow + j], "not a gather");
        }
        return new int[][] {rows, cols};
    }

    private static final List<String> MISMATCHES = new ArrayList<>();

    /**
     * Compares the imported maps with ONNX Runtime's. A difference at an output index whose float32 coordinate is
     * within two ulps of a rounding boundary is ONNX Runtime's inexact arithmetic (see {@link NearestMaps}): it is
     * counted, and must be flagged in the graph's notes; any other difference fails.
     */
    private static void check(
            OnnxMl.ModelProto m,
            int h,
            int w,
            int oh,
            int ow,
            float sh,
            float sw,
            String coord,
            String nearest,
            String what) {
        Graph g = OnnxImporter.importModel(m, "t", OnnxImporter.Options.DEFAULT);
        DecoderNode.Resize r = g.nodesOf(DecoderNode.Resize.class).get(0);
        int[][] want = ortMaps(m, h, w, oh, ow);
        NearestMaps.Coord c = coord == null ? NearestMaps.Coord.ASYMMETRIC : NearestMaps.Coord.of(coord);
        NearestMaps.Nearest n = nearest == null ? NearestMaps.Nearest.SIMPLE : NearestMaps.Nearest.of(nearest);
        int[][] got = {r.rows(), r.cols()};
        float[] scale = {sh, sw};
        int[] in = {h, w}, out = {oh, ow};
        for (int a = 0; a < 2; a++) {
            for (int i = 0; i < out[a]; i++) {
                if (want[a][i] == got[a][i]) continue;
                if (NearestMaps.nearTie(c, n, i, scale[a], out[a], in[a])
                        && g.notes().getOrDefault("resize_near_ties", "").contains("up: ")) {
                    nearTieDifferences++;
                    continue;
                }
                MISMATCHES.add(what + (a == 0 ? " rows" : " cols") + " at " + i + ": ORT " + Arrays.toString(want[a])
                        + " ours " + Arrays.toString(got[a]));
            }
        }
    }

    private static int nearTieDifferences;

    private static void assertNoMismatch() {
        List<String> all = List.copyOf(MISMATCHES);
        MISMATCHES.clear();
        assertEquals(List.of(), all, all.size() + " maps differ from ONNX Runtime:\n" + String.join("\n", all));
    }

    /** (h, w, scale h, scale w): up and down, integer, odd and inexact factors. */
    private static final float[][] SCALE_CASES = {
        {4, 5, 2f, 2f},
        {3, 7, 3f, 1.5f},
        {5, 4, 1.7f, 2.5f},
        {6, 9, 0.5f, 0.34f},
        {7, 3, 1f, 2.2f},
        {9, 10, 0.7f, 1.3f},
        {64, 100, 3f, 0.3f},
        {37, 29, 1.9f, 7f / 3f}
    };
    /** (h, w, out h, out w) for sizes. */
    private static final int[][] SIZE_CASES = {
        {4, 5, 8, 10}, {3, 7, 7, 9}, {5, 4, 13, 3}, {7, 6, 3, 17}, {2, 3, 2, 5}, {17, 100, 64, 33}
    };

    @Test
    void everyModeAndNearestModeMatchesOnnxRuntime() {
        for (int opset : new int[] {11, 13, 19}) {
            for (String coord : COORDS) {
                for (String nearest : NEAREST) {
                    for (float[] c : SCALE_CASES) {
                        int h = (int) c[0], w = (int) c[1];
                        int oh = (int) (c[2] * h), ow = (int) (c[3] * w);
                        var m = resize(opset, h, w, c[2], c[3], oh, ow, false, coord, nearest);
                        String what = opset + " " + coord + " " + nearest + " scales " + c[2] + "," + c[3];
                        check(m, h, w, oh, ow, c[2], c[3], coord, nearest, what);
                    }
                    for (int[] c : SIZE_CASES) {
                        var m = resize(opset, c[0], c[1], 0, 0, c[2], c[3], true, coord, nearest);
                        float sh = NearestMaps.scaleFor(c[2], c[0]), sw = NearestMaps.scaleFor(c[3], c[1]);
                        check(m, c[0], c[1], c[2], c[3], sh, sw, coord, nearest, opset + " " + coord + " sizes");
                    }
                }
            }
        }
        // ONNX Runtime 1.29 picks the neighbour at 3 near-tie positions of these cases, at each of the 3 opsets
        assertTrue(nearTieDifferences <= 9, nearTieDifferences + " near-tie differences");
        assertNoMismatch();
    }

    @Test
    void resize10AndUpsample9MatchOnnxRuntime() {
        for (float[] c : SCALE_CASES) {
            int h = (int) c[0], w = (int) c[1];
            int oh = (int) (c[2] * h), ow = (int) (c[3] * w);
            var r10 = resize(10, h, w, c[2], c[3], oh, ow, false, null, null);
            check(r10, h, w, oh, ow, c[2], c[3], null, null, "resize-10 " + c[2]);
            if (c[2] < 1f || c[3] < 1f) continue;
            var up = new OnnxBuilder("up")
                    .opset(9)
                    .input("x", DataType.FLOAT, "N", 1, h, w)
                    .initializer("scales", new int[] {4}, 1f, 1f, c[2], c[3])
                    .node("Upsample", "up")
                    .inputs("x", "scales")
                    .outputs("y")
                    .end()
                    .output("y", DataType.FLOAT, "N", 1, oh, ow)
                    .build();
            check(up, h, w, oh, ow, c[2], c[3], null, null, "upsample-9 " + c[2] + "," + c[3]);
        }
        assertNoMismatch();
    }

    @Test
    void opset18AxesGiveTheSameMapsAsFullScales() {
        var m = new OnnxBuilder("axes")
                .opset(18)
                .input("x", DataType.FLOAT, "N", 1, 5, 6)
                .initializer("scales", new int[] {2}, 1.5f, 2f)
                .node("Resize", "up")
                .inputs("x", "", "scales")
                .outputs("y")
                .attr("mode", "nearest")
                .attrInts("axes", 2, 3)
                .end()
                .output("y", DataType.FLOAT, "N", 1, 7, 12)
                .build();
        check(m, 5, 6, 7, 12, 1.5f, 2f, "half_pixel", "round_prefer_floor", "axes [2,3]");
        assertNoMismatch();
    }
}
