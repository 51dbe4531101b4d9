package org.bnncim.oracle;

import static org.bnncim.oracle.OnnxProtos.attr;
import static org.bnncim.oracle.OnnxProtos.floats;
import static org.bnncim.oracle.OnnxProtos.numel;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.bnncim.ir.BnncimException;

/**
 * Rewrites a model that uses bnncim's accepted custom ops into standard ONNX that ONNX Runtime runs, so that
 * every Monte-Carlo sample of our simulator can be checked against an independent implementation.
 *
 * <ul>
 *   <li>{@code BipolarQuant}, QONNX {@code Quant}/{@code IntQuant} (Brevitas/QONNX/FINN domains) and FINN's k-bit
 *       {@code MultiThreshold}: {@link QuantizerForms}.</li>
 *   <li>FINN's bipolar {@code MultiThreshold} and {@code MaxPoolNHWC}: see {@link FinnForms}.</li>
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

    /** Domains whose {@code MultiThreshold} we know (FINN, QONNX). */
    public static final Set<String> MULTI_THRESHOLD_DOMAINS =
            Set.of("finn", "finn.custom_op.general", "qonnx.custom_op.general");

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

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }

    public static Result convert(ModelProto model, Mode mode) {
        return new ReferenceForm(mode).convert(model);
    }

    public Result convert(ModelProto model) {
        return new Conversion(model).run();
    }

    // ==================================================================== the conversion of one model

    private final class Conversion implements FinnForms.Target, QuantizerForms.Sink {
        private final ModelProto model;
        private final GraphProto graph;
        private final long defaultOpset;

        private final Set<String> usedNames = new HashSet<>();
        /** Values of the original graph: inputs, initializers and node outputs. */
        private final Set<String> valueNames = new HashSet<>();
        /** Ranks, element types and constants of the values seen so far. */
        private final RankInference shapes = new RankInference();

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
                throw new BnncimException(
                        "model '" + graph.getName() + "' has no opset import for the default ONNX domain");
            }
            this.defaultOpset = v;
        }

        Result run() {
            collectNamesAndDeclarations();
            List<NodeProto> order = topologicalOrder();
            for (NodeProto n : order) {
                String domain = n.getDomain();
                if (RUNTIME_DOMAINS.contains(domain)) {
                    shapes.infer(n);
                    newNodes.add(n);
                } else if (BIPOLAR_DOMAINS.contains(domain) && n.getOpType().equals("BipolarQuant")) {
                    shapes.infer(n);
                    checkFloat(n, n.getInput(0));
                    QuantizerForms.bipolarQuant(this, n);
                    rewrittenDomains.add(domain);
                } else if (BIPOLAR_DOMAINS.contains(domain)
                        && (n.getOpType().equals("Quant") || n.getOpType().equals("IntQuant"))) {
                    shapes.infer(n);
                    checkFloat(n, n.getInput(0));
                    QuantizerForms.quant(this, n);
                    rewrittenDomains.add(domain);
                } else if (BIPOLAR_DOMAINS.contains(domain) && n.getOpType().equals("Trunc")) {
                    shapes.infer(n);
                    checkFloat(n, n.getInput(0));
                    QuantizerForms.trunc(this, n);
                    rewrittenDomains.add(domain);
                } else if (SCALE_DROPOUT_DOMAIN.equals(domain) && n.getOpType().equals("ScaleDropout")) {
                    shapes.infer(n);
                    rewriteScaleDropout(n);
                    rewrittenDomains.add(domain);
                } else if (MULTI_THRESHOLD_DOMAINS.contains(domain)
                        && (n.getOpType().equals("MultiThreshold")
                                || n.getOpType().equals("MaxPoolNHWC"))) {
                    shapes.infer(n);
                    if (n.getOpType().equals("MaxPoolNHWC")) FinnForms.maxPoolNhwc(n, this);
                    else if (FinnForms.isBipolar(n, this)) FinnForms.bipolarMultiThreshold(n, this);
                    else QuantizerForms.multiThreshold(this, n); // k-bit: a count of comparisons
                    rewrittenDomains.add(domain);
                } else {
                    throw new BnncimException(describe(n) + " is a custom op with no standard-ONNX reference form; "
                            + "accepted custom ops: BipolarQuant, Quant, IntQuant, Trunc ("
                            + String.join(", ", sorted(BIPOLAR_DOMAINS)) + "), MultiThreshold and MaxPoolNHWC (FINN), "
                            + "ScaleDropout (" + SCALE_DROPOUT_DOMAIN + ")");
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
                shapes.addInitializer(t);
            }
            for (ValueInfoProto v : graph.getInputList()) {
                // an initializer listed as input keeps the initializer's (exact) dims
                if (!shapes.isConstant(v.getName()) && shapes.declaredRank.containsKey(v.getName())) {
                    shapes.rank.put(v.getName(), shapes.declaredRank.get(v.getName()));
                }
                if (!shapes.isConstant(v.getName()) && shapes.declaredElem.containsKey(v.getName())) {
                    shapes.elem.put(v.getName(), shapes.declaredElem.get(v.getName()));
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
                shapes.declaredElem.put(v.getName(), t.getElemType());
            }
            if (t.hasShape()) {
                shapes.declaredRank.put(v.getName(), t.getShape().getDimCount());
            }
        }

        /** Stable Kahn order: among ready nodes the earliest in the file goes first, so sorted input is kept. */
        private List<NodeProto> topologicalOrder() {
            List<NodeProto> nodes = graph.getNodeList();
            Map<String, Integer> producer = new HashMap<>();
            for (int i = 0; i < nodes.size(); i++) {
                for (String o : nodes.get(i).getOutputList()) {
                    if (!o.isEmpty() && producer.putIfAbsent(o, i) != null) {
                        throw new BnncimException("value '" + o + "' is produced twice ("
                                + describe(nodes.get(producer.get(o))) + " and " + describe(nodes.get(i)) + ")");
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
                Integer e = shapes.declaredElem.getOrDefault(name, shapes.elem.get(name));
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

        private void rewriteScaleDropout(NodeProto n) {
            if (n.getInputCount() < 2 || n.getInputCount() > 3 || n.getOutputCount() != 1) {
                throw new BnncimException(
                        describe(n) + " must have inputs (X, scale [, dropped_scale]) and one output");
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

            boolean needRank =
                    mode == Mode.BITS || !isScalarLike(scale) || (!dropped.isEmpty() && !isScalarLike(dropped));
            Integer r = shapes.rank.get(x);
            if (needRank && r == null) {
                throw new BnncimException("cannot decide the rank of input '" + x + "' of " + describe(n)
                        + "; declare its shape in value_info");
            }
            int trailing = 0;
            if (r != null) {
                long ax = axis < 0 ? axis + r : axis;
                if (ax < 0 || ax >= r) {
                    throw new BnncimException(
                            describe(n) + " has axis " + axis + " outside the rank " + r + " of its input");
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

            String keptB = broadcastAlongAxis(n, floatConstant(scale), trailing, out + "/scale");
            String droppedB = dropped.isEmpty()
                    ? scalar(1f)
                    : broadcastAlongAxis(n, floatConstant(dropped), trailing, out + "/dropped");
            String factor = fresh(out + "/factor");
            emit("Where", base + "/select", List.of(z, droppedB, keptB), factor);
            emit("Mul", base + "/apply", List.of(x, factor), out);
        }

        private boolean isScalarLike(String name) {
            TensorProto t = shapes.constant(name);
            if (t != null) {
                return numel(t) == 1 && t.getDimsCount() <= 1;
            }
            Integer r = shapes.rank.get(name);
            return r != null && r == 0;
        }

        /** A [C] vector becomes [C, 1, ..., 1] so it lines up with {@code axis}; scalars broadcast as they are. */
        private String broadcastAlongAxis(NodeProto n, String v, int trailing, String hint) {
            Integer r = shapes.rank.get(v);
            if (r != null && r > 1) {
                throw new BnncimException(
                        describe(n) + ": scale input '" + v + "' has rank " + r + "; accepted: [C] or scalar");
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
            emit(
                    "Reshape",
                    nodeBase(n) + "/" + hint.substring(hint.lastIndexOf('/') + 1) + "_reshape",
                    List.of(v, shapeName),
                    reshaped);
            return reshaped;
        }

        private String expectationConstant(
                NodeProto n, String scale, String dropped, float p, int trailing, String out) {
            TensorProto st = shapes.constant(scale);
            TensorProto dt = dropped.isEmpty() ? null : shapes.constant(dropped);
            float[] s = st == null ? null : floats(st);
            float[] d = dropped.isEmpty() ? new float[] {1f} : dt == null ? null : floats(dt);
            if (s == null || d == null) {
                throw new BnncimException(describe(n)
                        + ": expectation mode needs constant scale and dropped_scale (initializers or Constant "
                        + "nodes, possibly through Identity)");
            }
            if (s.length != 1 && d.length != 1 && s.length != d.length) {
                throw new BnncimException(
                        describe(n) + ": scale has " + s.length + " channels but dropped_scale has " + d.length);
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

        /**
         * A constant scale as float32, which Mul and Where need next to the float32 data: the value itself when it is
         * float32 or not a constant, else a float32 copy (a Constant node's value_int(s) or a double initializer).
         */
        public String floatConstant(String name) {
            TensorProto t = shapes.constant(name);
            float[] v = t == null || t.getDataType() == DataType.FLOAT_VALUE ? null : floats(t);
            if (v == null) {
                return name;
            }
            int[] dims = t.getDimsList().stream().mapToInt(Long::intValue).toArray();
            TensorProto f = OnnxBuilder.floatTensor(fresh(name + "/float"), dims, v);
            newInitializers.add(f);
            shapes.addInitializer(f);
            return f.getName();
        }

        @Override
        public RankInference shapes() {
            return shapes;
        }

        @Override
        public void initializer(TensorProto t) {
            newInitializers.add(t);
            shapes.addInitializer(t);
        }

        @Override
        public void add(NodeProto n) {
            newNodes.add(n);
        }

        @Override
        public void checkFloat(NodeProto n, String x) {
            Integer e = shapes.elem.get(x);
            if (e != null && e != DataType.FLOAT_VALUE) {
                throw new BnncimException(describe(n) + ": input '" + x + "' is " + DataType.forNumber(e)
                        + "; the reference form supports float tensors only");
            }
        }

        public String floatInitializer(String hint, int[] dims, float[] values) {
            TensorProto th = OnnxBuilder.floatTensor(fresh(hint), dims, values);
            newInitializers.add(th);
            shapes.addInitializer(th);
            return th.getName();
        }

        public TensorProto constant(String name) {
            return shapes.constant(name);
        }

        public Integer rank(String name) {
            return shapes.rank.get(name);
        }

        public long opset() {
            return defaultOpset;
        }

        /** One shared float scalar initializer per value, added on first use. */
        @Override
        public String scalar(float v) {
            String key = Float.toString(v);
            return sharedScalars.computeIfAbsent(key, k -> {
                String name =
                        fresh("bnncim/const_" + (v == -1f ? "minus_one" : v == 1f ? "one" : v == 0f ? "zero" : k));
                newInitializers.add(OnnxBuilder.floatTensor(name, new int[0], v));
                shapes.rank.put(name, 0);
                shapes.elem.put(name, DataType.FLOAT_VALUE);
                return name;
            });
        }

        private void emit(String op, String name, List<String> inputs, String output) {
            NodeProto node = NodeProto.newBuilder()
                    .setOpType(op)
                    .setName(fresh(name))
                    .addAllInput(inputs)
                    .addOutput(output)
                    .build();
            newNodes.add(node);
        }

        @Override
        public String fresh(String base) {
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

        private String describe(NodeProto n) {
            return OnnxProtos.describe(n);
        }
    }
}
