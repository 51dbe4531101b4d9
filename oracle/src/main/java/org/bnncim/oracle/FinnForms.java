package org.bnncim.oracle;

import static org.bnncim.oracle.OnnxProtos.attr;
import static org.bnncim.oracle.OnnxProtos.floats;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.Arrays;
import java.util.List;
import org.bnncim.ir.BnncimException;

/**
 * The standard-ONNX reference forms of FINN's custom ops, for {@link ReferenceForm}:
 *
 * <ul>
 *   <li>the bipolar {@code MultiThreshold(x, thresholds)} (one threshold per channel, out_scale 2, out_bias -1:
 *       {@code x >= t ? +1 : -1}) becomes {@code Where(Less(x, t), -1, +1)}, t a scalar, a [C, 1, ..., 1] constant
 *       lined up with axis 1 (rank 2, or rank 4 NCHW), or a [C] constant on the last axis (rank 4 NHWC);
 *   <li>{@code MaxPoolNHWC(x)} (kernel_shape, strides, pads, ceil_mode as MaxPool's, on NHWC data) becomes
 *       {@code Transpose(perm 0,2,3,1)} of {@code MaxPool} of {@code Transpose(perm 0,3,1,2)} of x, which is what
 *       FINN/QONNX's own execution does.
 * </ul>
 */
final class FinnForms {
    /** What a rewrite needs from the conversion it is part of. */
    interface Target {
        RankInference shapes();

        String fresh(String base);

        /** One shared float scalar initializer per value. */
        String scalar(float v);

        void initializer(TensorProto t);

        void add(NodeProto n);

        void checkFloat(NodeProto n, String x);
    }

    private FinnForms() {}

    /** A MultiThreshold with constant thresholds [C, 1] or [1, 1], out_scale 2 and out_bias -1. */
    static boolean isBipolar(NodeProto n, Target to) {
        TensorProto tp = n.getInputCount() > 1 ? to.shapes().constant(n.getInput(1)) : null;
        float[] t = tp == null ? null : floats(tp);
        AttributeProto sA = attr(n, "out_scale"), bA = attr(n, "out_bias");
        boolean oneEach = t != null && (t.length == 1 || tp.getDimsCount() == 2 && tp.getDims(1) == 1);
        return oneEach && (sA == null ? 1f : sA.getF()) == 2f && (bA == null ? 0f : bA.getF()) == -1f;
    }

    static void bipolarMultiThreshold(NodeProto n, Target to) {
        if (n.getInputCount() != 2 || n.getOutputCount() != 1) {
            throw new BnncimException(OnnxProtos.describe(n) + " must have inputs (x, thresholds) and one output");
        }
        String x = n.getInput(0);
        to.checkFloat(n, x);
        TensorProto tp = to.shapes().constant(n.getInput(1));
        float[] t = tp == null ? null : floats(tp);
        AttributeProto sA = attr(n, "out_scale"), bA = attr(n, "out_bias"), lA = attr(n, "data_layout");
        float sc = sA == null ? 1f : sA.getF(), bias = bA == null ? 0f : bA.getF();
        boolean nhwc = lA != null && lA.getS().toStringUtf8().equals("NHWC");
        Integer r = to.shapes().rank.get(x);
        boolean single = t != null && t.length == 1;
        boolean perChannel = t != null && tp.getDimsCount() == 2 && tp.getDims(1) == 1;
        if (!(single || perChannel) || sc != 2f || bias != -1f) {
            throw new BnncimException(OnnxProtos.describe(n) + " has a reference form only as a bipolar binarizer: "
                    + "constant thresholds [C, 1] or [1, 1], out_scale 2, out_bias -1");
        }
        if (!single && (r == null || !(r == 2 || r == 4))) {
            throw new BnncimException(OnnxProtos.describe(n)
                    + ": per-channel thresholds need an input of known rank 2, or rank 4 (NCHW or NHWC)");
        }
        int[] dims;
        if (single) {
            dims = new int[0];
        } else if (r == 4 && nhwc) {
            dims = new int[] {t.length}; // broadcasts along the last axis, the NHWC channel
        } else {
            dims = new int[r - 1];
            dims[0] = t.length;
            Arrays.fill(dims, 1, dims.length, 1);
        }
        String out = n.getOutput(0);
        TensorProto th = OnnxBuilder.floatTensor(to.fresh(out + "/thresholds"), dims, t);
        to.initializer(th);
        // Less is exact on float32, so this is x >= t ? +1 : -1 bit for bit (a NaN x gives +1, FINN's -1)
        String lt = to.fresh(out + "/lt");
        to.add(node("Less", to.fresh(base(n) + "/less"), List.of(x, th.getName()), lt));
        to.add(node("Where", to.fresh(base(n) + "/where"), List.of(lt, to.scalar(-1f), to.scalar(1f)), out));
    }

    static void maxPoolNhwc(NodeProto n, Target to) {
        if (n.getInputCount() != 1 || n.getOutputCount() != 1) {
            throw new BnncimException(OnnxProtos.describe(n) + " must have one input and one output");
        }
        String x = n.getInput(0), out = n.getOutput(0), b = base(n);
        String nchw = to.fresh(out + "/nchw"), pooled = to.fresh(out + "/pooled");
        NodeProto toNchw = transpose(to.fresh(b + "/to_nchw"), x, nchw, 0, 3, 1, 2);
        to.add(toNchw);
        to.shapes().infer(toNchw);
        NodeProto.Builder pool = NodeProto.newBuilder()
                .setOpType("MaxPool")
                .setName(to.fresh(b + "/maxpool"))
                .addInput(nchw)
                .addOutput(pooled);
        for (String a : List.of("kernel_shape", "strides", "pads", "ceil_mode")) {
            AttributeProto v = attr(n, a);
            if (v != null) pool.addAttribute(v);
        }
        NodeProto p = pool.build();
        to.add(p);
        to.shapes().infer(p);
        to.add(transpose(to.fresh(b + "/to_nhwc"), pooled, out, 0, 2, 3, 1));
    }

    private static NodeProto transpose(String name, String in, String out, long... perm) {
        return NodeProto.newBuilder()
                .setOpType("Transpose")
                .setName(name)
                .addInput(in)
                .addOutput(out)
                .addAttribute(AttributeProto.newBuilder()
                        .setName("perm")
                        .setType(AttributeProto.AttributeType.INTS)
                        .addAllInts(Arrays.stream(perm).boxed().toList()))
                .build();
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder()
                .setOpType(op)
                .setName(name)
                .addAllInput(inputs)
                .addOutput(output)
                .build();
    }

    private static String base(NodeProto n) {
        return n.getName().isEmpty() ? n.getOutput(0) : n.getName();
    }
}
