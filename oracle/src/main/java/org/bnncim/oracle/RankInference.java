package org.bnncim.oracle;

import static org.bnncim.oracle.OnnxProtos.attr;
import static org.bnncim.oracle.OnnxProtos.attrInt;
import static org.bnncim.oracle.OnnxProtos.longs;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rank and element type of every value, propagated node by node in topological order: the reference form's rewrites
 * need them to shape the constants they add (a [C] scale broadcast along axis 1, a bit input of shape [N, 1, ..., 1])
 * and to refuse what ONNX Runtime would reject, and the model's value_info is often incomplete.
 */
final class RankInference {
    /** Initializers (also those listed as graph inputs) and Constant node outputs, by value name. */
    private final Map<String, TensorProto> constants = new HashMap<>();
    /** Identity outputs to their inputs, so a constant is found through any chain of Identity nodes. */
    private final Map<String, String> aliases = new HashMap<>();

    final Map<String, Integer> declaredRank = new HashMap<>();
    final Map<String, Integer> declaredElem = new HashMap<>();
    final Map<String, Integer> rank = new HashMap<>();
    final Map<String, Integer> elem = new HashMap<>();
    /** Static length of 1-D int tensors (shape vectors), so Reshape after a dynamic flatten has a rank. */
    final Map<String, Integer> len1d = new HashMap<>();

    /** Records an initializer of the original graph (whether or not it is also listed as a graph input). */
    void addInitializer(TensorProto t) {
        constants.put(t.getName(), t);
        setTensorInfo(t.getName(), t);
    }

    /**
     * The one lookup of constant values: an initializer (also one listed as a graph input, as opset-9 exporters
     * do), the output of a {@code Constant} node ({@code value}, {@code value_float(s)}, {@code value_int(s)}), or
     * either of these through a chain of {@code Identity} nodes (PyTorch 1.13 shares one initializer among equal
     * buffers that way). Null for a computed value or a name not seen yet (values are recorded in topological order).
     * The returned tensor keeps the name it was stored under, which may differ from {@code name}.
     */
    TensorProto constant(String name) {
        String n = name;
        for (int hops = 0; n != null && hops <= aliases.size(); hops++) {
            TensorProto t = constants.get(n);
            if (t != null) return t;
            n = aliases.get(n);
        }
        return null;
    }

    boolean isConstant(String name) {
        return constant(name) != null;
    }

    void setTensorInfo(String name, TensorProto t) {
        rank.put(name, t.getDimsCount());
        elem.put(name, t.getDataType());
        if (t.getDimsCount() == 1) {
            len1d.put(name, (int) t.getDims(0));
        }
    }

    void infer(NodeProto n) {
        String op = n.getOpType();
        List<String> in = n.getInputList();
        Integer r0 = in.isEmpty() ? null : rank.get(in.get(0));
        Integer e0 = in.isEmpty() ? null : elem.get(in.get(0));
        Integer r = null;
        Integer e = e0;
        Integer len = null;
        switch (op) {
            case "Conv",
                    "ConvTranspose",
                    "ConvInteger",
                    "MaxPool",
                    "MaxPoolNHWC",
                    "AveragePool",
                    "LpPool",
                    "BatchNormalization",
                    "InstanceNormalization",
                    "LRN",
                    "Sign",
                    "Relu",
                    "LeakyRelu",
                    "Dropout",
                    "Identity",
                    "ScaleDropout",
                    "Transpose",
                    "Softmax",
                    "LogSoftmax",
                    "Hardmax",
                    "GlobalAveragePool",
                    "GlobalMaxPool",
                    "GlobalLpPool",
                    "Pad",
                    "Slice",
                    "Tile",
                    "Upsample",
                    "Resize",
                    "Clip",
                    "Neg",
                    "Abs",
                    "Sqrt",
                    "Exp",
                    "Log",
                    "Tanh",
                    "Sigmoid",
                    "Erf",
                    "Ceil",
                    "Floor",
                    "Round",
                    "Reciprocal",
                    "Elu",
                    "Selu",
                    "Softplus",
                    "Softsign",
                    "HardSigmoid",
                    "HardSwish",
                    "Gelu",
                    "Celu",
                    "Mish",
                    "ThresholdedRelu",
                    "LpNormalization",
                    "MeanVarianceNormalization",
                    "CumSum",
                    "Split",
                    "TopK",
                    "DepthToSpace",
                    "SpaceToDepth",
                    "Shrink",
                    "Trilu",
                    "ReverseSequence",
                    "Quant",
                    "IntQuant",
                    "Trunc",
                    "MultiThreshold" -> {
                r = r0;
                if (op.equals("Slice") || op.equals("Identity")) len = len1d.get(in.get(0));
                if (op.equals("Identity") && n.getOutputCount() == 1 && !in.isEmpty()) {
                    aliases.put(n.getOutput(0), in.get(0));
                }
            }
            case "Cast" -> {
                r = r0;
                len = len1d.get(in.get(0));
                AttributeProto to = attr(n, "to");
                e = to == null ? null : (int) to.getI();
            }
            case "Not", "IsNaN", "IsInf" -> {
                r = r0;
                e = DataType.BOOL_VALUE;
            }
            case "BipolarQuant" -> {
                r = maxRank(in);
                if (r == null) r = r0;
                e = DataType.FLOAT_VALUE;
            }
            case "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "BitShift", "PRelu" ->
                r = maxRank(in);
            case "Where" -> {
                r = maxRank(in);
                e = in.size() > 1 ? elem.get(in.get(1)) : null;
            }
            case "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal", "And", "Or", "Xor" -> {
                r = maxRank(in);
                e = DataType.BOOL_VALUE;
            }
            case "MatMul", "MatMulInteger" -> {
                Integer a = r0;
                Integer b = in.size() > 1 ? rank.get(in.get(1)) : null;
                if (a != null && b != null) {
                    if (a == 1 && b == 1) r = 0;
                    else if (a == 1) r = b - 1;
                    else if (b == 1) r = a - 1;
                    else r = Math.max(a, b);
                }
                if (op.equals("MatMulInteger")) e = DataType.INT32_VALUE;
            }
            case "Gemm", "Flatten" -> r = 2;
            case "Reshape" -> {
                if (in.size() > 1) {
                    r = staticLength(in.get(1));
                } else {
                    AttributeProto shape = attr(n, "shape"); // opset < 5
                    r = shape == null ? null : shape.getIntsCount();
                }
                if (r != null && r == 1) {
                    long[] target = constLongs(in.size() > 1 ? in.get(1) : "");
                    if (target != null && target[0] > 0) len = (int) target[0];
                }
            }
            case "Shape" -> {
                r = 1;
                e = DataType.INT64_VALUE;
                if (r0 != null) {
                    long start = attrInt(n, "start", 0);
                    long end = attrInt(n, "end", r0);
                    start = Math.min(Math.max(start < 0 ? start + r0 : start, 0), r0);
                    end = Math.min(Math.max(end < 0 ? end + r0 : end, 0), r0);
                    len = (int) Math.max(0, end - start);
                }
            }
            case "Size" -> {
                r = 0;
                e = DataType.INT64_VALUE;
            }
            case "Gather" -> {
                Integer ri = in.size() > 1 ? rank.get(in.get(1)) : null;
                if (r0 != null && ri != null) {
                    r = r0 - 1 + ri;
                    if (r == 1 && ri == 1) len = staticLength(in.get(1));
                }
            }
            case "Unsqueeze" -> {
                long[] axes = axes(n);
                if (r0 != null && axes != null) {
                    r = r0 + axes.length;
                    if (r == 1) len = 1;
                }
            }
            case "Squeeze" -> {
                long[] axes = axes(n);
                if (r0 != null && axes != null && axes.length > 0) r = r0 - axes.length;
            }
            case "Concat" -> {
                r = maxRank(in);
                if (r != null && r == 1) {
                    int sum = 0;
                    for (String s : in) {
                        Integer l = len1d.get(s);
                        if (l == null) {
                            sum = -1;
                            break;
                        }
                        sum += l;
                    }
                    len = sum < 0 ? null : sum;
                }
            }
            case "Constant" -> {
                TensorProto t = constantValue(n);
                if (t != null) {
                    constants.put(
                            n.getOutput(0),
                            t.toBuilder().setName(n.getOutput(0)).build());
                    setTensorInfo(n.getOutput(0), t);
                    return;
                }
            }
            case "ConstantOfShape" -> {
                r = in.isEmpty() ? null : staticLength(in.get(0));
                AttributeProto v = attr(n, "value");
                e = v == null ? DataType.FLOAT_VALUE : v.getT().getDataType();
            }
            case "Expand" -> {
                Integer l = in.size() > 1 ? staticLength(in.get(1)) : null;
                if (r0 != null && l != null) r = Math.max(r0, l);
            }
            case "ReduceMean",
                    "ReduceSum",
                    "ReduceMax",
                    "ReduceMin",
                    "ReduceProd",
                    "ReduceL1",
                    "ReduceL2",
                    "ReduceLogSum",
                    "ReduceLogSumExp",
                    "ReduceSumSquare",
                    "ArgMax",
                    "ArgMin" -> {
                boolean arg = op.startsWith("Arg");
                if (arg) e = DataType.INT64_VALUE;
                if (r0 != null) {
                    if (attrInt(n, "keepdims", 1) != 0) {
                        r = r0;
                    } else if (arg) {
                        r = r0 - 1;
                    } else {
                        long[] axes = axes(n);
                        r = axes == null ? null : axes.length == 0 ? 0 : r0 - axes.length;
                    }
                }
            }
            default -> {
                r = null;
                e = null;
            }
        }
        for (int i = 0; i < n.getOutputCount(); i++) {
            String o = n.getOutput(i);
            if (o.isEmpty()) continue;
            Integer ro = r;
            Integer eo = e;
            if (i > 0 && (op.equals("Dropout"))) eo = DataType.BOOL_VALUE;
            if (i > 0 && (op.equals("MaxPool") || op.equals("TopK"))) eo = DataType.INT64_VALUE;
            if (i > 0 && op.equals("BatchNormalization")) ro = 1;
            ro = declaredRank.getOrDefault(o, ro);
            eo = declaredElem.getOrDefault(o, eo);
            if (ro != null) rank.put(o, ro);
            if (eo != null) elem.put(o, eo);
            if (i == 0 && len != null) len1d.put(o, len);
        }
    }

    private Integer maxRank(List<String> inputs) {
        int m = -1;
        for (String s : inputs) {
            if (s.isEmpty()) continue;
            Integer r = rank.get(s);
            if (r == null) return null;
            m = Math.max(m, r);
        }
        return m < 0 ? null : m;
    }

    /** Number of elements of a 1-D value whose length is known statically (a shape vector). */
    private Integer staticLength(String name) {
        TensorProto t = constant(name);
        if (t != null) {
            return t.getDimsCount() == 1 ? (int) t.getDims(0) : t.getDimsCount() == 0 ? 1 : null;
        }
        return len1d.get(name);
    }

    /** Axes of Unsqueeze/Squeeze/Reduce*: an attribute before opset 13 (18 for most reductions), else input 1. */
    private long[] axes(NodeProto n) {
        AttributeProto a = attr(n, "axes");
        if (a != null) {
            return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
        }
        if (n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
            return constLongs(n.getInput(1));
        }
        return n.getOpType().startsWith("Reduce") ? new long[0] : null;
    }

    private TensorProto constantValue(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "value":
                    return a.getT();
                case "value_float":
                    return OnnxBuilder.floatTensor("", new int[0], a.getF());
                case "value_floats":
                    float[] f = new float[a.getFloatsCount()];
                    for (int i = 0; i < f.length; i++) f[i] = a.getFloats(i);
                    return OnnxBuilder.floatTensor("", new int[] {f.length}, f);
                case "value_int":
                    return OnnxBuilder.int64Tensor("", new int[0], a.getI());
                case "value_ints":
                    return OnnxBuilder.int64Tensor(
                            "",
                            new int[] {a.getIntsCount()},
                            a.getIntsList().stream().mapToLong(Long::longValue).toArray());
                default:
                    break;
            }
        }
        return null;
    }

    private long[] constLongs(String name) {
        TensorProto t = constant(name);
        return t == null ? null : longs(t);
    }
}
