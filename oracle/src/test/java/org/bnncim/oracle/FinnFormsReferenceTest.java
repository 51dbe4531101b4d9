package org.bnncim.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reference forms of FINN's NHWC MultiThreshold and MaxPoolNHWC: standard ONNX that ONNX Runtime runs, checked
 * against a hand computation on NHWC data.
 */
class FinnFormsReferenceTest {
    private static final String FINN = "finn.custom_op.general";
    // x [1, H=3, W=3, C=2] in NHWC order; thresholds per channel (last axis): 0.5 and -1
    private static final float[] T = {0.5f, -1f};

    private static ModelProto model() {
        return new OnnxBuilder("finn-nhwc")
                .opset(13)
                .opset(FINN, 1)
                .input("x", DataType.FLOAT, "N", 3, 3, 2)
                .initializer("T", new int[] {2, 1}, T)
                .node("MultiThreshold", "mt")
                .domain(FINN)
                .inputs("x", "T")
                .outputs("b")
                .attr("out_scale", 2f)
                .attr("out_bias", -1f)
                .attr("data_layout", "NHWC")
                .end()
                .node("MaxPoolNHWC", "pool")
                .domain(FINN)
                .inputs("b")
                .outputs("y")
                .attrInts("kernel_shape", 2, 2)
                .attrInts("strides", 1, 1)
                .attrInts("pads", 0, 0, 0, 0)
                .end()
                .output("y", DataType.FLOAT, "N", 2, 2, 2)
                .build();
    }

    @Test
    void nhwcThresholdAndMaxPoolRunInOnnxRuntimeAsComputedByHand() {
        ReferenceForm.Result r = ReferenceForm.convert(model(), ReferenceForm.Mode.BITS);
        List<String> ops = r.model().getGraph().getNodeList().stream()
                .map(NodeProto::getOpType)
                .toList();
        assertEquals(List.of("Less", "Where", "Transpose", "MaxPool", "Transpose"), ops);
        assertTrue(r.model().getGraph().getNodeList().stream()
                .allMatch(n -> n.getDomain().isEmpty()));
        assertEquals(1, r.model().getOpsetImportCount(), "the FINN domain import is gone");
        float[] x = new float[18];
        for (int i = 0; i < x.length; i++) x[i] = (i * 7 % 11) / 2f - 4f; // 0.5 steps: ties with 0.5 and -1 too
        float[] want = new float[8];
        for (int oy = 0; oy < 2; oy++) {
            for (int ox = 0; ox < 2; ox++) {
                for (int c = 0; c < 2; c++) {
                    float m = -1f;
                    for (int dy = 0; dy < 2; dy++) {
                        for (int dx = 0; dx < 2; dx++) {
                            float v = x[((oy + dy) * 3 + ox + dx) * 2 + c];
                            m = Math.max(m, v >= T[c] ? 1f : -1f);
                        }
                    }
                    want[(oy * 2 + ox) * 2 + c] = m;
                }
            }
        }
        assertTrue(want[2] == -1f && want[0] == 1f, "both outcomes occur");
        try (OrtReference ort = new OrtReference(r.toByteArray(), 1)) {
            float[][] got = ort.run(x, new int[] {3, 3, 2}, 1, new boolean[1][0]);
            assertArrayEquals(want, got[0]);
        }
    }
}
