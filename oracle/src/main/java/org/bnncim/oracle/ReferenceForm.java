package org.bnncim.oracle;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import org.bnncim.ir.BnncimException;

/**
 * Rewrites a model that uses bnncim's accepted custom ops into standard ONNX that ONNX Runtime runs, so that
 * every Monte-Carlo sample of our simulator can be checked against an independent implementation.
 *
 * <ul>
 *   <li>{@code BipolarQuant(x, scale)} (Brevitas/QONNX/FINN domains) becomes
 *       {@code Mul(Where(Less(x, 0), -1, +1), scale)}; the Mul is omitted for a constant scalar scale of 1.
 *       ({@code x >= 0} is spelled as "not less than 0" because GreaterOrEqual needs opset 12.)</li>
 *   <li>{@code ai.bnncim::ScaleDropout(X, scale [, dropped])} becomes, in {@link Mode#BITS},
 *       {@code Mul(X, Where(z_k, dropped, scale))} with a new boolean graph input {@code z_k} of shape
 *       {@code [N, 1, ..., 1]} (one bit per example), or in {@link Mode#EXPECTATION}
 *       {@code Mul(X, (1-p)*scale + p*dropped)} with the factor folded into a float32 constant.</li>
 * </ul>
 * Everything else is kept as it was (same node protos, same order when the input is topologically sorted),
 * and only ops valid from opset 9 are added, so the model keeps its default-domain opset. The conversion is a
 * pure function of the input bytes.
 */
public final class ReferenceForm {

    public enum Mode {
        /** One boolean input per ScaleDropout node: the caller chooses every bit. */
        BITS,
        /** ScaleDropout replaced by its expectation: the deterministic (non-MC) model. */
        EXPECTATION
    }

    /** Domains whose {@code BipolarQuant} we know: Brevitas, QONNX and FINN exports. */
    public static final Set<String> BIPOLAR_DOMAINS =
            Set.of("onnx.brevitas", "qonnx.custom_op.general", "finn.custom_op.general");
    public static final String SCALE_DROPOUT_DOMAIN = OnnxBuilder.BNNCIM_DOMAIN;
    /** Domains ONNX Runtime implements itself; their nodes pass through untouched. */
    private static final Set<String> RUNTIME_DOMAINS = Set.of("", "ai.onnx", "ai.onnx.ml", "com.microsoft");

    /**
     * The converted model, the names of the added bit inputs ({@code z_0 ... z_{K-1}}, empty in expectation mode
     * or without ScaleDropout) and the names of the ScaleDropout nodes in the same order (bit k = node k).
     */
    public record Result(ModelProto model, List<String> zInputs, List<String> scaleDropoutNodes) {
        public Result {
            zInputs = List.copyOf(zInputs);
            scaleDropoutNodes = List.copyOf(scaleDropoutNodes);
        }

        public byte[] toByteArray() {
            return model.toByteArray();
        }
    }

    private final Mode mode;
    private final List<String> exposed;

    public ReferenceForm(Mode mode) {
        this(mode, List.of());
    }

    private ReferenceForm(Mode mode, List<String> exposed) {
        this.mode = mode;
        this.exposed = List.copyOf(exposed);
    }

    /**
     * Also make these intermediate values graph outputs (after the existing ones, in this order), so a verifier
     * can compare hidden layers. Values that are already outputs are left alone.
     */
    public ReferenceForm exposeValues(List<String> names) {
        return new ReferenceForm(mode, names);
    }

    public static Result convert(ModelProto model, Mode mode) {
        return new ReferenceForm(mode).convert(model);
    }

    public Result convert(ModelProto model) {
        return new Conversion(model).run();
    }

    // ==================================================================== the conversion of one model

    private final class Conversion {
        private final ModelProto model;
        private final GraphProto graph;
        private final long defaultOpset;

        private final Set<String> usedNames = new HashSet<>();
        /** Values of the original graph: inputs, initializers and node outputs. */
        private final Set<String> valueNames = new HashSet<>();
        private final Map<String, TensorProto> constants = new HashMap<>();
        private final Map<String, Integer> declaredRank = new HashMap<>();
        private final Map<String, Integer> declaredElem = new HashMap<>();
        private final Map<String, Integer> rank = new HashMap<>();
        private final Map<String, Integer> elem = new HashMap<>();
        /** Static length of 1-D int tensors (shape vectors), so Reshape after a dynamic flatten has a rank. */
        private final Map<String, Integer> len1d = new HashMap<>();

        private final List<NodeProto> newNodes = new ArrayList<>();
        private final List<TensorProto> newInitializers = new ArrayList<>();
        private final List<ValueInfoProto> newInputs = new ArrayList<>();
        private final List<String> zInputs = new ArrayList<>();
        private final List<String> sdNodes = new ArrayList<>();
        private final Set<String> rewrittenDomains = new HashSet<>();
        private final Map<String, String> sharedScalars = new HashMap<>();

        Conversion(ModelProto model) {
            this.model = model;
            this.graph = model.getGraph();
            long v = -1;
            for (OperatorSetIdProto o : model.getOpsetImportList()) {
                if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                    v = o.getVersion();
                }
            }
            if (v < 0) {
                throw new BnncimException("model '" + graph.getName() + "' has no opset import for the default ONNX domain");
            }
            this.defaultOpset = v;
        }

        Result run() {
            collectNamesAndDeclarations();
            List<NodeProto> order = topologicalOrder();
            for (NodeProto n : order) {
                String domain = n.getDomain();
                if (RUNTIME_DOMAINS.contains(domain)) {
                    infer(n);
                    newNodes.add(n);
                } else if (BIPOLAR_DOMAINS.contains(domain) && n.getOpType().equals("BipolarQuant")) {
                    infer(n);
                    rewriteBipolarQuant(n);
                    rewrittenDomains.add(domain);
                } else if (SCALE_DROPOUT_DOMAIN.equals(domain) && n.getOpType().equals("ScaleDropout")) {
                    infer(n);
                    rewriteScaleDropout(n);
                    rewrittenDomains.add(domain);
                } else {
                    throw new BnncimException(describe(n) + " is a custom op with no standard-ONNX reference form; "
                            + "accepted custom ops: BipolarQuant (" + String.join(", ", sorted(BIPOLAR_DOMAINS))
                            + "), ScaleDropout (" + SCALE_DROPOUT_DOMAIN + ")");
                }
            }
            return new Result(assemble(), zInputs, sdNodes);
        }

        // ---------------------------------------------------------------- graph bookkeeping

        private void collectNamesAndDeclarations() {
            for (ValueInfoProto v : graph.getInputList()) declare(v);
            for (ValueInfoProto v : graph.getOutputList()) declare(v);
            for (ValueInfoProto v : graph.getValueInfoList()) declare(v);
            for (TensorProto t : graph.getInitializerList()) {
                usedNames.add(t.getName());
                constants.put(t.getName(), t);
                setTensorInfo(t.getName(), t);
            }
            for (ValueInfoProto v : graph.getInputList()) {
                // an initializer listed as input keeps the initializer's (exact) dims
                if (!constants.containsKey(v.getName()) && declaredRank.containsKey(v.getName())) {
                    rank.put(v.getName(), declaredRank.get(v.getName()));
                }
                if (!constants.containsKey(v.getName()) && declaredElem.containsKey(v.getName())) {
                    elem.put(v.getName(), declaredElem.get(v.getName()));
                }
            }
            graph.getInputList().forEach(v -> valueNames.add(v.getName()));
            graph.getInitializerList().forEach(t -> valueNames.add(t.getName()));
            for (NodeProto n : graph.getNodeList()) {
                valueNames.addAll(n.getOutputList());
                usedNames.add(n.getName());
                usedNames.addAll(n.getInputList());
                usedNames.addAll(n.getOutputList());
            }
        }

        private void declare(ValueInfoProto v) {
            usedNames.add(v.getName());
            if (!v.hasType() || !v.getType().hasTensorType()) {
                return;
            }
            var t = v.getType().getTensorType();
            if (t.getElemType() != 0) {
                declaredElem.put(v.getName(), t.getElemType());
            }
            if (t.hasShape()) {
                declaredRank.put(v.getName(), t.getShape().getDimCount());
            }
        }

        private void setTensorInfo(String name, TensorProto t) {
            rank.put(name, t.getDimsCount());
            elem.put(name, t.getDataType());
            if (t.getDimsCount() == 1) {
                len1d.put(name, (int) t.getDims(0));
            }
        }

        /** Stable Kahn order: among ready nodes the earliest in the file goes first, so sorted input is kept. */
        private List<NodeProto> topologicalOrder() {
            List<NodeProto> nodes = graph.getNodeList();
            Map<String, Integer> producer = new HashMap<>();
            for (int i = 0; i < nodes.size(); i++) {
                for (String o : nodes.get(i).getOutputList()) {
                    if (!o.isEmpty() && producer.putIfAbsent(o, i) != null) {
                        throw new BnncimException("value '" + o + "' is produced twice (" + describe(nodes.get(producer.get(o)))
                                + " and " + describe(nodes.get(i)) + ")");
                    }
                }
            }
            Set<String> external = new HashSet<>();
            graph.getInputList().forEach(v -> external.add(v.getName()));
            graph.getInitializerList().forEach(t -> external.add(t.getName()));
            int[] waiting = new int[nodes.size()];
            Map<Integer, List<Integer>> consumers = new HashMap<>();
            for (int i = 0; i < nodes.size(); i++) {
                Set<Integer> deps = new HashSet<>();
                for (String in : nodes.get(i).getInputList()) {
                    if (in.isEmpty() || (external.contains(in) && !producer.containsKey(in))) {
                        continue;
                    }
                    Integer p = producer.get(in);
                    if (p == null) {
                        throw new BnncimException(describe(nodes.get(i)) + " reads value '" + in
                                + "' that no node, graph input or initializer defines");
                    }
                    if (deps.add(p)) {
                        consumers.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
                    }
                }
                waiting[i] = deps.size();
            }
            PriorityQueue<Integer> ready = new PriorityQueue<>();
            for (int i = 0; i < nodes.size(); i++) {
                if (waiting[i] == 0) ready.add(i);
            }
            List<NodeProto> order = new ArrayList<>(nodes.size());
            while (!ready.isEmpty()) {
                int i = ready.poll();
                order.add(nodes.get(i));
                for (int c : consumers.getOrDefault(i, List.of())) {
                    if (--waiting[c] == 0) ready.add(c);
                }
            }
            if (order.size() != nodes.size()) {
                throw new BnncimException("graph '" + graph.getName() + "' has a cycle");
            }
            return order;
        }

        private ModelProto assemble() {
            GraphProto.Builder g = graph.toBuilder().clearNode().addAllNode(newNodes);
            g.addAllInitializer(newInitializers);
            // IR version 3 requires every initializer to be a graph input as well
            if (model.getIrVersion() < 4) {
                for (TensorProto t : newInitializers) {
                    Object[] dims = t.getDimsList().toArray();
                    g.addInput(OnnxBuilder.tensorInfo(t.getName(), DataType.forNumber(t.getDataType()), dims));
                }
            }
            g.addAllInput(newInputs);
            Set<String> outputs = new HashSet<>();
            graph.getOutputList().forEach(o -> outputs.add(o.getName()));
            for (String name : exposed) {
                if (!outputs.add(name)) {
                    continue;
                }
                if (!valueNames.contains(name)) {
                    throw new BnncimException("cannot expose value '" + name + "': the model has no such value");
                }
                Integer e = declaredElem.getOrDefault(name, elem.get(name));
                DataType type = e == null || DataType.forNumber(e) == null ? DataType.FLOAT : DataType.forNumber(e);
                g.addOutput(OnnxBuilder.unshapedValueInfo(name, type));
            }

            Set<String> stillUsed = new HashSet<>();
            newNodes.forEach(n -> stillUsed.add(n.getDomain()));
            ModelProto.Builder m = model.toBuilder().setGraph(g).clearOpsetImport();
            for (OperatorSetIdProto o : model.getOpsetImportList()) {
                if (!rewrittenDomains.contains(o.getDomain()) || stillUsed.contains(o.getDomain())) {
                    m.addOpsetImport(o);
                }
            }
            return m.build();
        }

        // ---------------------------------------------------------------- rewrites

        private void rewriteBipolarQuant(NodeProto n) {
            if (n.getInputCount() < 1 || n.getOutputCount() != 1) {
                throw new BnncimException(describe(n) + " must have inputs (x, scale) and one output");
            }
            String x = n.getInput(0);
            checkFloat(n, x);
            String out = n.getOutput(0);
            String base = nodeBase(n);
            String scale = n.getInputCount() > 1 ? n.getInput(1) : "";
            boolean unitScale = scale.isEmpty() || isUnitScalar(scale, rank.get(x));

            String lt = fresh(out + "/lt0");
            emit("Less", base + "/less", List.of(x, scalar(0f)), lt);
            String pm = unitScale ? out : fresh(out + "/pm1");
            emit("Where", base + "/where", List.of(lt, scalar(-1f), scalar(1f)), pm);
            if (!unitScale) {
                emit("Mul", base + "/scale", List.of(pm, scale), out);
            }
        }

        /** Constant, one element, value 1, and not raising the rank of x: multiplying by it changes nothing. */
        private boolean isUnitScalar(String name, Integer rankOfX) {
            TensorProto t = constants.get(name);
            if (t == null || numel(t) != 1) {
                return false;
            }
            float[] v = floats(t);
            return v != null && v[0] == 1f && (t.getDimsCount() == 0 || (rankOfX != null && rankOfX >= t.getDimsCount()));
        }

        private void rewriteScaleDropout(NodeProto n) {
            if (n.getInputCount() < 2 || n.getInputCount() > 3 || n.getOutputCount() != 1) {
                throw new BnncimException(describe(n) + " must have inputs (X, scale [, dropped_scale]) and one output");
            }
            int k = sdNodes.size();
            sdNodes.add(n.getName().isEmpty() ? n.getOutput(0) : n.getName());
            AttributeProto pAttr = attr(n, "p");
            if (pAttr == null) {
                throw new BnncimException(describe(n) + " lacks the attribute p (drop probability)");
            }
            float p = pAttr.getF();
            if (!(p >= 0f && p < 1f)) {
                throw new BnncimException(describe(n) + " has p = " + p + "; accepted: 0 <= p < 1");
            }
            AttributeProto axisAttr = attr(n, "axis");
            long axis = axisAttr == null ? 1 : axisAttr.getI();

            String x = n.getInput(0);
            checkFloat(n, x);
            String scale = n.getInput(1);
            String dropped = n.getInputCount() > 2 ? n.getInput(2) : "";
            String out = n.getOutput(0);
            String base = nodeBase(n);

            boolean needRank = mode == Mode.BITS || !isScalarLike(scale) || (!dropped.isEmpty() && !isScalarLike(dropped));
            Integer r = rank.get(x);
            if (needRank && r == null) {
                throw new BnncimException("cannot decide the rank of input '" + x + "' of " + describe(n)
                        + "; declare its shape in value_info");
            }
            int trailing = 0;
            if (r != null) {
                long ax = axis < 0 ? axis + r : axis;
                if (ax < 0 || ax >= r) {
                    throw new BnncimException(describe(n) + " has axis " + axis + " outside the rank " + r + " of its input");
                }
                trailing = (int) (r - 1 - ax);
            }

            if (mode == Mode.EXPECTATION) {
                String factor = expectationConstant(n, scale, dropped, p, trailing, out);
                emit("Mul", base + "/expectation", List.of(x, factor), out);
                return;
            }
            String z = "z_" + k;
            if (usedNames.contains(z)) {
                throw new BnncimException("cannot add the bit input '" + z + "' for " + describe(n)
                        + ": the model already has a value with that name");
            }
            usedNames.add(z);
            Object[] dims = new Object[r];
            dims[0] = "N";
            Arrays.fill(dims, 1, r, 1);
            newInputs.add(OnnxBuilder.tensorInfo(z, DataType.BOOL, dims));
            zInputs.add(z);

            String keptB = broadcastAlongAxis(n, scale, trailing, out + "/scale");
            String droppedB = dropped.isEmpty() ? scalar(1f) : broadcastAlongAxis(n, dropped, trailing, out + "/dropped");
            String factor = fresh(out + "/factor");
            emit("Where", base + "/select", List.of(z, droppedB, keptB), factor);
            emit("Mul", base + "/apply", List.of(x, factor), out);
        }

        private boolean isScalarLike(String name) {
            TensorProto t = constants.get(name);
            if (t != null) {
                return numel(t) == 1 && t.getDimsCount() <= 1;
            }
            Integer r = rank.get(name);
            return r != null && r == 0;
        }

        /** A [C] vector becomes [C, 1, ..., 1] so it lines up with {@code axis}; scalars broadcast as they are. */
        private String broadcastAlongAxis(NodeProto n, String v, int trailing, String hint) {
            Integer r = rank.get(v);
            if (r != null && r > 1) {
                throw new BnncimException(describe(n) + ": scale input '" + v + "' has rank " + r + "; accepted: [C] or scalar");
            }
            if (trailing == 0 || isScalarLike(v) || (r != null && r == 0)) {
                return v;
            }
            long[] shape = new long[1 + trailing];
            shape[0] = -1;
            Arrays.fill(shape, 1, shape.length, 1);
            String shapeName = fresh(hint + "_shape");
            newInitializers.add(OnnxBuilder.int64Tensor(shapeName, new int[] {shape.length}, shape));
            String reshaped = fresh(hint + "_b");
            emit("Reshape", nodeBase(n) + "/" + hint.substring(hint.lastIndexOf('/') + 1) + "_reshape",
                    List.of(v, shapeName), reshaped);
            return reshaped;
        }

        private String expectationConstant(NodeProto n, String scale, String dropped, float p, int trailing, String out) {
            TensorProto st = constants.get(scale);
            TensorProto dt = dropped.isEmpty() ? null : constants.get(dropped);
            float[] s = st == null ? null : floats(st);
            float[] d = dropped.isEmpty() ? new float[] {1f} : dt == null ? null : floats(dt);
            if (s == null || d == null) {
                throw new BnncimException(describe(n) + ": expectation mode needs constant float scale and dropped_scale "
                        + "initializers");
            }
            if (s.length != 1 && d.length != 1 && s.length != d.length) {
                throw new BnncimException(describe(n) + ": scale has " + s.length + " channels but dropped_scale has " + d.length);
            }
            int c = Math.max(s.length, d.length);
            float[] e = new float[c];
            for (int i = 0; i < c; i++) {
                float si = s.length == 1 ? s[0] : s[i];
                float di = d.length == 1 ? d[0] : d[i];
                // same float32 expression as the IR's Node.ScaleDropout.expectation, so both sides agree bit for bit
                e[i] = (1.0f - p) * si + p * di;
            }
            int[] dims;
            if (c == 1 && isScalarLike(scale) && (dropped.isEmpty() || isScalarLike(dropped))) {
                dims = st.getDimsCount() == 0 && (dt == null || dt.getDimsCount() == 0) ? new int[0] : new int[] {1};
            } else {
                dims = new int[1 + trailing];
                dims[0] = c;
                Arrays.fill(dims, 1, dims.length, 1);
            }
            String name = fresh(out + "/expected_scale");
            newInitializers.add(OnnxBuilder.floatTensor(name, dims, e));
            return name;
        }

        private void checkFloat(NodeProto n, String x) {
            Integer e = elem.get(x);
            if (e != null && e != DataType.FLOAT_VALUE) {
                throw new BnncimException(describe(n) + ": input '" + x + "' is " + DataType.forNumber(e)
                        + "; the reference form supports float tensors only");
            }
        }

        /** One shared float scalar initializer per value, added on first use. */
        private String scalar(float v) {
            String key = Float.toString(v);
            return sharedScalars.computeIfAbsent(key, k -> {
                String name = fresh("bnncim/const_" + (v == -1f ? "minus_one" : v == 1f ? "one" : v == 0f ? "zero" : k));
                newInitializers.add(OnnxBuilder.floatTensor(name, new int[0], v));
                rank.put(name, 0);
                elem.put(name, DataType.FLOAT_VALUE);
                return name;
            });
        }

        private void emit(String op, String name, List<String> inputs, String output) {
            NodeProto node = NodeProto.newBuilder().setOpType(op).setName(fresh(name))
                    .addAllInput(inputs).addOutput(output).build();
            newNodes.add(node);
        }

        private String fresh(String base) {
            String name = base;
            for (int i = 1; usedNames.contains(name); i++) {
                name = base + "_" + i;
            }
            usedNames.add(name);
            return name;
        }

        private String nodeBase(NodeProto n) {
            return n.getName().isEmpty() ? n.getOutput(0) : n.getName();
        }

        // ---------------------------------------------------------------- rank and element type inference

        private void infer(NodeProto n) {
            String op = n.getOpType();
            List<String> in = n.getInputList();
            Integer r0 = in.isEmpty() ? null : rank.get(in.get(0));
            Integer e0 = in.isEmpty() ? null : elem.get(in.get(0));
            Integer r = null;
            Integer e = e0;
            Integer len = null;
            switch (op) {
                case "Conv", "ConvTranspose", "ConvInteger", "MaxPool", "AveragePool", "LpPool", "BatchNormalization",
                     "InstanceNormalization", "LRN", "Sign", "Relu", "LeakyRelu", "Dropout", "Identity", "ScaleDropout",
                     "Transpose", "Softmax", "LogSoftmax", "Hardmax", "GlobalAveragePool", "GlobalMaxPool",
                     "GlobalLpPool", "Pad", "Slice", "Tile", "Upsample", "Resize", "Clip", "Neg", "Abs", "Sqrt",
                     "Exp", "Log", "Tanh", "Sigmoid", "Erf", "Ceil", "Floor", "Round", "Reciprocal", "Elu", "Selu",
                     "Softplus", "Softsign", "HardSigmoid", "HardSwish", "Gelu", "Celu", "Mish", "ThresholdedRelu",
                     "LpNormalization", "MeanVarianceNormalization", "CumSum", "Split", "TopK", "DepthToSpace",
                     "SpaceToDepth", "Shrink", "Trilu", "ReverseSequence", "Quant", "MultiThreshold" -> {
                    r = r0;
                    if (op.equals("Slice") || op.equals("Identity")) len = len1d.get(in.get(0));
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
                        constants.put(n.getOutput(0), t.toBuilder().setName(n.getOutput(0)).build());
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
                case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                     "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin" -> {
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
            TensorProto t = constants.get(name);
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
                        return OnnxBuilder.int64Tensor("", new int[] {a.getIntsCount()},
                                a.getIntsList().stream().mapToLong(Long::longValue).toArray());
                    default:
                        break;
                }
            }
            return null;
        }

        private long[] constLongs(String name) {
            TensorProto t = constants.get(name);
            return t == null ? null : longs(t);
        }

        private String describe(NodeProto n) {
            return ReferenceForm.describe(n);
        }
    }

    // ==================================================================== small proto helpers

    static String describe(NodeProto n) {
        String name = n.getName().isEmpty() ? "<unnamed, output " + (n.getOutputCount() > 0 ? n.getOutput(0) : "?") + ">"
                : n.getName();
        String domain = n.getDomain().isEmpty() ? "ai.onnx" : n.getDomain();
        return "node '" + name + "' (op " + n.getOpType() + ", domain " + domain + ")";
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }

    static AttributeProto attr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) return a;
        }
        return null;
    }

    private static long attrInt(NodeProto n, String name, long dflt) {
        AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getI();
    }

    static long numel(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) n *= d;
        return n;
    }

    /** Values of a float/double/integer tensor as float; null when stored externally or of another type. */
    static float[] floats(TensorProto t) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) return null;
        int n = (int) numel(t);
        float[] out = new float[n];
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !t.getRawData().isEmpty();
        switch (t.getDataType()) {
            case DataType.FLOAT_VALUE -> {
                if (hasRaw) raw.asFloatBuffer().get(out);
                else if (t.getFloatDataCount() == n) for (int i = 0; i < n; i++) out[i] = t.getFloatData(i);
                else return null;
            }
            case DataType.DOUBLE_VALUE -> {
                if (hasRaw) for (int i = 0; i < n; i++) out[i] = (float) raw.getDouble(8 * i);
                else if (t.getDoubleDataCount() == n) for (int i = 0; i < n; i++) out[i] = (float) t.getDoubleData(i);
                else return null;
            }
            default -> {
                long[] l = longs(t);
                if (l == null) return null;
                for (int i = 0; i < n; i++) out[i] = l[i];
            }
        }
        return out;
    }

    /** Values of an integer tensor; null for other types or external data. */
    static long[] longs(TensorProto t) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) return null;
        int n = (int) numel(t);
        long[] out = new long[n];
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !t.getRawData().isEmpty();
        switch (t.getDataType()) {
            case DataType.INT64_VALUE -> {
                if (hasRaw) raw.asLongBuffer().get(out);
                else if (t.getInt64DataCount() == n) for (int i = 0; i < n; i++) out[i] = t.getInt64Data(i);
                else return null;
            }
            case DataType.INT32_VALUE -> {
                if (hasRaw) for (int i = 0; i < n; i++) out[i] = raw.getInt(4 * i);
                else if (t.getInt32DataCount() == n) for (int i = 0; i < n; i++) out[i] = t.getInt32Data(i);
                else return null;
            }
            default -> {
                return null;
            }
        }
        return out;
    }
}
