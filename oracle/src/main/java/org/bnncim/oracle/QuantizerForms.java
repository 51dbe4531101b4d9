package org.bnncim.oracle;

import static org.bnncim.oracle.OnnxProtos.attr;
import static org.bnncim.oracle.OnnxProtos.attrInt;
import static org.bnncim.oracle.OnnxProtos.floats;
import static org.bnncim.oracle.OnnxProtos.numel;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bnncim.ir.BnncimException;

/**
 * Standard-ONNX forms of the quantizers ONNX Runtime cannot run, with the float32 semantics of QONNX's numpy
 * implementations, one ONNX op per numpy step:
 *
 * <ul>
 *   <li>{@code BipolarQuant(x, scale)} becomes {@code Mul(Where(Less(x, 0), -1, +1), scale)}; the Mul is omitted for
 *       a constant scalar scale of 1. ({@code x >= 0} is spelled as "not less than 0" because GreaterOrEqual needs
 *       opset 12.)</li>
 *   <li>QONNX {@code Quant} / {@code IntQuant(x, scale, zeropt, bitwidth)}: {@code q = x / scale + zeropt}; a signed
 *       1-bit quantizer gives {@code q >= 0 ? +1 : -1}; any other clamps q with Min/Max to [min_int, max_int] and
 *       rounds it (ROUND and HALF_EVEN: Round, half to even; CEIL: Ceil; FLOOR: Floor; UP: sign(q) * ceil(|q|);
 *       DOWN and ROUND_TO_ZERO: sign(q) * floor(|q|); HALF_UP: sign(q) * floor(|q| + 0.5); HALF_DOWN: sign(q) *
 *       ceil(|q| - 0.5)); the result is {@code (q - zeropt) * scale}.</li>
 *   <li>FINN's {@code MultiThreshold(x, thresholds)} with T thresholds per channel: the sum over i of
 *       {@code Cast(Not(Less(x, t_i)))} (x >= t_i, exact in float32, without opset 12's GreaterOrEqual), times
 *       out_scale, plus out_bias; t_i a scalar or a [C, 1, ..., 1] constant lined up with axis 1 (rank 2 or NCHW
 *       rank 4).</li>
 * </ul>
 */
final class QuantizerForms {
    /** What a form needs from the conversion it is part of. */
    interface Sink {
        String fresh(String base);

        /** One shared float32 scalar initializer. */
        String scalar(float v);

        /** A float32 copy of a constant (the name itself when it is float32 or not constant). */
        String floatConstant(String name);

        String floatInitializer(String hint, int[] dims, float[] values);

        TensorProto constant(String name);

        Integer rank(String name);

        long opset();

        void add(NodeProto node);
    }

    private final Sink sink;
    private final NodeProto n;
    private final String base;

    private QuantizerForms(Sink sink, NodeProto n) {
        this.sink = sink;
        this.n = n;
        this.base = n.getName().isEmpty() ? n.getOutput(0) : n.getName();
    }

    private String op(String type, String out, List<AttributeProto> attrs, String... inputs) {
        String o = out != null ? out : sink.fresh(n.getOutput(0) + "/" + type.toLowerCase(Locale.ROOT));
        return named(type, type.toLowerCase(Locale.ROOT), o, attrs, inputs);
    }

    private String named(String type, String suffix, String o, List<AttributeProto> attrs, String... inputs) {
        sink.add(NodeProto.newBuilder()
                .setOpType(type)
                .setName(sink.fresh(base + "/" + suffix))
                .addAllInput(Arrays.asList(inputs))
                .addOutput(o)
                .addAllAttribute(attrs)
                .build());
        return o;
    }

    private String op(String type, String... inputs) {
        return op(type, null, List.of(), inputs);
    }

    private BnncimException refuse(String why) {
        return new BnncimException(OnnxProtos.describe(n) + " " + why);
    }

    static void bipolarQuant(Sink sink, NodeProto n) {
        new QuantizerForms(sink, n).bipolarQuant();
    }

    private void bipolarQuant() {
        if (n.getInputCount() < 1 || n.getOutputCount() != 1) {
            throw refuse("must have inputs (x, scale) and one output");
        }
        String x = n.getInput(0), out = n.getOutput(0);
        String scale = n.getInputCount() > 1 ? n.getInput(1) : "";
        boolean unitScale = scale.isEmpty() || isUnitScalar(scale, sink.rank(x));
        String lt = named("Less", "less", sink.fresh(out + "/lt0"), List.of(), x, sink.scalar(0f));
        String pm = unitScale ? out : sink.fresh(out + "/pm1");
        named("Where", "where", pm, List.of(), lt, sink.scalar(-1f), sink.scalar(1f));
        if (!unitScale) named("Mul", "scale", out, List.of(), pm, sink.floatConstant(scale));
    }

    /** Constant, one element, value 1, and not raising the rank of x: multiplying by it changes nothing. */
    private boolean isUnitScalar(String name, Integer rankOfX) {
        TensorProto t = sink.constant(name);
        if (t == null || numel(t) != 1) return false;
        float[] v = floats(t);
        return v != null && v[0] == 1f && (t.getDimsCount() == 0 || (rankOfX != null && rankOfX >= t.getDimsCount()));
    }

    static void quant(Sink sink, NodeProto n) {
        new QuantizerForms(sink, n).quant();
    }

    static void trunc(Sink sink, NodeProto n) {
        new QuantizerForms(sink, n).trunc();
    }

    /**
     * QONNX Trunc(x, scale, zeropt, input_bit_width, output_bit_width): {@code q = Round(x / scale + zeropt)} (half
     * to even), divided by {@code 2^(input_bit_width - output_bit_width)}, rounded with rounding_mode (default FLOOR),
     * then {@code (q - zeropt) * scale}, one float32 op each.
     */
    private void trunc() {
        if (n.getInputCount() != 5 || n.getOutputCount() != 1) {
            throw refuse("must have inputs (x, scale, zeropt, input_bit_width, output_bit_width) and one output");
        }
        float[] in = constantScalar(n.getInput(3)), out = constantScalar(n.getInput(4));
        if (in == null || out == null) throw refuse("needs constant scalar bit widths for its reference form");
        if (sink.opset() < 11) throw refuse("rounds half to even, which needs opset 11 (Round)");
        AttributeProto rm = attr(n, "rounding_mode");
        String mode = rm == null ? "FLOOR" : rm.getS().toStringUtf8().toUpperCase(Locale.ROOT);
        String scale = sink.floatConstant(n.getInput(1)), zeropt = sink.floatConstant(n.getInput(2));
        String q = op("Round", op("Add", op("Div", n.getInput(0), scale), zeropt));
        q = round(op("Div", q, sink.scalar((float) Math.pow(2.0, in[0] - out[0]))), mode);
        op("Mul", n.getOutput(0), List.of(), op("Sub", q, zeropt), scale);
    }

    private float[] constantScalar(String name) {
        TensorProto t = sink.constant(name);
        float[] v = t == null ? null : floats(t);
        return v != null && v.length == 1 ? v : null;
    }

    static void multiThreshold(Sink sink, NodeProto n) {
        new QuantizerForms(sink, n).multiThreshold();
    }

    private void quant() {
        if (n.getInputCount() != 4 || n.getOutputCount() != 1) {
            throw refuse("must have inputs (x, scale, zeropt, bitwidth) and one output");
        }
        TensorProto bw = sink.constant(n.getInput(3));
        float[] b = bw == null ? null : floats(bw);
        if (b == null || b.length != 1 || !(b[0] >= 1f && b[0] <= 32f)) {
            throw refuse("needs one constant bitwidth from 1 to 32 for its reference form");
        }
        float bits = b[0];
        boolean signed = attrInt(n, "signed", 1) != 0, narrow = attrInt(n, "narrow", 1) != 0;
        AttributeProto rm = attr(n, "rounding_mode");
        String mode = rm == null ? "ROUND" : rm.getS().toStringUtf8().toUpperCase(Locale.ROOT);
        String scale = sink.floatConstant(n.getInput(1)), zeropt = sink.floatConstant(n.getInput(2));
        String q = op("Add", op("Div", n.getInput(0), scale), zeropt);
        if (bits == 1f && signed) {
            q = op("Where", op("Less", q, sink.scalar(0f)), sink.scalar(-1f), sink.scalar(1f));
        } else {
            // QONNX's min_int / max_int, each a float32 operation as numpy runs it
            float lo = signed ? -(float) Math.pow(2, bits - 1f) + (narrow ? 1f : 0f) : 0f;
            float hi = signed ? (float) Math.pow(2, bits - 1f) - 1f : (float) Math.pow(2, bits) - (narrow ? 2f : 1f);
            q = round(op("Max", op("Min", q, sink.scalar(hi)), sink.scalar(lo)), mode);
        }
        op("Mul", n.getOutput(0), List.of(), op("Sub", q, zeropt), scale);
    }

    private String round(String q, String mode) {
        return switch (mode) {
            case "ROUND", "HALF_EVEN" -> {
                if (sink.opset() < 11) throw refuse("rounds half to even, which needs opset 11 (Round)");
                yield op("Round", q);
            }
            case "CEIL" -> op("Ceil", q);
            case "FLOOR" -> op("Floor", q);
            case "UP" -> op("Mul", op("Sign", q), op("Ceil", op("Abs", q)));
            case "DOWN", "ROUND_TO_ZERO" -> op("Mul", op("Sign", q), op("Floor", op("Abs", q)));
            case "HALF_UP" -> op("Mul", op("Sign", q), op("Floor", op("Add", op("Abs", q), sink.scalar(0.5f))));
            case "HALF_DOWN" -> op("Mul", op("Sign", q), op("Ceil", op("Sub", op("Abs", q), sink.scalar(0.5f))));
            default -> throw refuse("has the unknown rounding_mode '" + mode + "'");
        };
    }

    private void multiThreshold() {
        if (n.getInputCount() != 2 || n.getOutputCount() != 1) {
            throw refuse("must have inputs (x, thresholds) and one output");
        }
        String x = n.getInput(0);
        TensorProto tp = sink.constant(n.getInput(1));
        float[] t = tp == null ? null : floats(tp);
        if (t == null || tp.getDimsCount() != 2) {
            throw refuse("has a reference form with constant thresholds [C, T] or [1, T] only");
        }
        int rows = (int) tp.getDims(0), steps = (int) tp.getDims(1);
        AttributeProto sA = attr(n, "out_scale"), bA = attr(n, "out_bias"), lA = attr(n, "data_layout");
        float sc = sA == null ? 1f : sA.getF(), bias = bA == null ? 0f : bA.getF();
        boolean nhwc = lA != null && lA.getS().toStringUtf8().equals("NHWC");
        Integer r = sink.rank(x);
        if (rows != 1 && (r == null || !(r == 2 || r == 4))) {
            throw refuse("has per-channel thresholds, which need an input of known rank 2, or rank 4 (NCHW or NHWC)");
        }
        List<String> fired = new ArrayList<>();
        AttributeProto toFloat = AttributeProto.newBuilder()
                .setName("to")
                .setType(AttributeProto.AttributeType.INT)
                .setI(DataType.FLOAT_VALUE)
                .build();
        for (int i = 0; i < steps; i++) {
            String th;
            if (rows == 1) {
                th = sink.scalar(t[i]);
            } else {
                // lined up with axis 1, or with the last axis (the channel) of NHWC data
                int[] dims = r == 4 && nhwc ? new int[] {rows} : new int[r - 1];
                Arrays.fill(dims, 1);
                dims[0] = rows;
                float[] col = new float[rows];
                for (int c = 0; c < rows; c++) col[c] = t[c * steps + i];
                th = sink.floatInitializer(n.getOutput(0) + "/thresholds_" + i, dims, col);
            }
            fired.add(op("Cast", null, List.of(toFloat), op("Not", op("Less", x, th))));
        }
        String count = fired.size() == 1 ? fired.get(0) : op("Sum", fired.toArray(String[]::new));
        op("Add", n.getOutput(0), List.of(), op("Mul", count, sink.scalar(sc)), sink.scalar(bias));
    }
}
