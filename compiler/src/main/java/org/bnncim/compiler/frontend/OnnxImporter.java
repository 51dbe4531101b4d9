package org.bnncim.compiler.frontend;

import ai.onnx.proto.OnnxMl;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ONNX to IR. Constant subgraphs (weights through Sign/BipolarQuant/Transpose, PyTorch's Shape-Gather-Concat
 * flatten) are folded here; every tensor that depends on the model input becomes IR. Anything outside the
 * conventions in docs/onnx-conventions.md is refused with one line naming the node.
 */
public final class OnnxImporter {
    /** @param inputLevels a non-binary model input x is read as the integer round(x * inputLevels), 8 bits */
    public record Options(boolean mcDropout, boolean allowMultiOutput, int inputLevels) {
        public static final Options DEFAULT = new Options(false, false, 255);
    }

    static final Set<String> BIPOLAR_QUANT_DOMAINS = Set.of("onnx.brevitas", "qonnx.custom_op.general", "finn.custom_op.general");
    static final String BNNCIM_DOMAIN = "ai.bnncim";
    static final int MIN_OPSET = 9, MAX_OPSET = 23;

    /** What an ONNX value is during import: a constant, or an IR value (dims include the batch dim, 1). */
    private sealed interface Sym permits C, D {
    }

    private record C(ConstTensor t) implements Sym {
    }

    /** @param rawInput true while the value is the model input, only reshaped: the one float a binary layer may read */
    private record D(String ir, long[] dims, boolean rawInput) implements Sym {
    }

    private final Options options;
    private final String source;
    private final TensorDecoder decoder;
    private final Map<String, Sym> env = new HashMap<>();
    private final Map<String, Value> irValues = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, String> notes = new LinkedHashMap<>();
    private int opset;
    private int nextBit;
    private int fresh;

    private OnnxImporter(Options options, String source, Path modelDir) {
        this.options = options;
        this.source = source;
        this.decoder = new TensorDecoder(modelDir);
    }

    public static Graph importFile(Path file, Options options) {
        OnnxMl.ModelProto model = OnnxFiles.read(file);
        Path dir = file.toAbsolutePath().getParent();
        return new OnnxImporter(options, file.toString(), dir).run(model, modelName(file));
    }

    public static Graph importModel(OnnxMl.ModelProto model, String source, Options options) {
        return new OnnxImporter(options, source, null).run(model, source);
    }

    private static String modelName(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".onnx") ? n.substring(0, n.length() - 5) : n;
    }

    private Graph run(OnnxMl.ModelProto model, String name) {
        opset = -1;
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) opset = (int) o.getVersion();
        }
        if (opset < 0 && model.getIrVersion() < 3) opset = 1;
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new BnncimException(source + ": ONNX opset " + opset + " is not supported (bnncim reads opset "
                    + MIN_OPSET + " to " + MAX_OPSET + ")");
        }
        OnnxMl.GraphProto g = model.getGraph();
        if (g.getSparseInitializerCount() > 0) throw new BnncimException(source + ": sparse initializers are not supported");
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            env.put(t.getName(), new C(decoder.decode(t, source + ": initializer")));
        }
        List<Value> inputs = new ArrayList<>();
        for (OnnxMl.ValueInfoProto vi : g.getInputList()) {
            if (env.containsKey(vi.getName())) continue; // old exporters list initializers as inputs too
            inputs.add(graphInput(vi));
        }
        if (inputs.size() != 1) {
            throw new BnncimException(source + ": the model has " + inputs.size()
                    + " non-constant inputs; bnncim compiles models with exactly one input");
        }
        notes.put("source", "ONNX opset " + opset + (model.getProducerName().isEmpty() ? ""
                : ", produced by " + model.getProducerName() + " " + model.getProducerVersion()).trim());
        for (OnnxMl.NodeProto n : topologicalOrder(g)) convert(n);
        List<String> outputs = new ArrayList<>();
        if (g.getOutputCount() > 1 && !options.allowMultiOutput()) {
            throw new BnncimException(source + ": the model has " + g.getOutputCount()
                    + " outputs; bnncim compiles single-output models (use --allow-multi-output)");
        }
        for (OnnxMl.ValueInfoProto o : g.getOutputList()) {
            Sym s = env.get(o.getName());
            if (s == null) throw new BnncimException(source + ": graph output '" + o.getName() + "' is never produced");
            if (!(s instanceof D d)) throw new BnncimException(source + ": graph output '" + o.getName() + "' is a constant");
            outputs.add(d.ir());
        }
        String graphName = g.getName().isEmpty() ? name : name;
        Graph ir = new Graph(graphName, inputs, nodes, outputs, notes);
        return Canonicalize.run(ir);
    }

    private Value graphInput(OnnxMl.ValueInfoProto vi) {
        String where = source + ": input '" + vi.getName() + "'";
        if (!vi.getType().hasTensorType()) throw new BnncimException(where + " is not a tensor");
        OnnxMl.TypeProto.Tensor tt = vi.getType().getTensorType();
        if (tt.getElemType() != TensorDecoder.FLOAT) {
            throw new BnncimException(where + " has element type " + TensorDecoder.typeName(tt.getElemType())
                    + "; bnncim models take float32 input");
        }
        if (!tt.hasShape() || tt.getShape().getDimCount() < 2) {
            throw new BnncimException(where + " needs a static shape [batch, ...] of rank 2 or more");
        }
        List<OnnxMl.TensorShapeProto.Dimension> dl = tt.getShape().getDimList();
        long[] dims = new long[dl.size()];
        dims[0] = 1;
        OnnxMl.TensorShapeProto.Dimension b = dl.get(0);
        if (b.hasDimValue() && b.getDimValue() != 1) {
            throw new BnncimException(where + " has a fixed batch size " + b.getDimValue() + "; use 1 or a symbolic batch dimension");
        }
        for (int i = 1; i < dims.length; i++) {
            OnnxMl.TensorShapeProto.Dimension d = dl.get(i);
            if (!d.hasDimValue() || d.getDimValue() <= 0) {
                throw new BnncimException(where + " has a dynamic or non-positive dimension " + i
                        + "; bnncim needs static per-example shapes");
            }
            if (d.getDimValue() > (1 << 24)) throw new BnncimException(where + " dimension " + i + " = " + d.getDimValue() + " is too large");
            dims[i] = d.getDimValue();
        }
        Value v = value(vi.getName(), ElemType.FLOAT32, dims, 1.0, where);
        env.put(vi.getName(), new D(v.name(), dims, true));
        return v;
    }

    /** ONNX demands topological order, but some writers do not keep it; a cycle or undefined input is an error. */
    private List<OnnxMl.NodeProto> topologicalOrder(OnnxMl.GraphProto g) {
        Set<String> known = new HashSet<>(env.keySet());
        List<OnnxMl.NodeProto> pending = new ArrayList<>(g.getNodeList());
        List<OnnxMl.NodeProto> order = new ArrayList<>();
        Set<String> produced = new HashSet<>();
        for (OnnxMl.NodeProto n : pending) produced.addAll(n.getOutputList());
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            for (var it = pending.iterator(); it.hasNext(); ) {
                OnnxMl.NodeProto n = it.next();
                boolean ready = true;
                for (String in : n.getInputList()) {
                    if (in.isEmpty() || known.contains(in)) continue;
                    if (!produced.contains(in)) {
                        throw new BnncimException(source + ": " + describe(n) + " reads '" + in + "', which no node, input or initializer defines");
                    }
                    ready = false;
                }
                if (ready) {
                    order.add(n);
                    known.addAll(n.getOutputList());
                    it.remove();
                    progress = true;
                }
            }
        }
        if (!pending.isEmpty()) throw new BnncimException(source + ": the graph has a cycle through " + describe(pending.get(0)));
        return order;
    }

    static String describe(OnnxMl.NodeProto n) {
        String op = n.getDomain().isEmpty() ? n.getOpType() : n.getDomain() + "::" + n.getOpType();
        return "node '" + (n.getName().isEmpty() ? String.join(",", n.getOutputList()) : n.getName()) + "' (" + op + ")";
    }

    // ---------------------------------------------------------------------------------------------------- nodes

    private void convert(OnnxMl.NodeProto n) {
        try {
            dispatch(n);
        } catch (IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            // malformed constants or attributes the specific checks did not anticipate: still the file's fault
            throw err(n, "malformed node (" + e.getMessage() + ")");
        }
    }

    private void dispatch(OnnxMl.NodeProto n) {
        String domain = n.getDomain();
        String op = n.getOpType();
        if (domain.isEmpty() || domain.equals("ai.onnx")) {
            convertStandard(n, op);
        } else if (BIPOLAR_QUANT_DOMAINS.contains(domain) && op.equals("BipolarQuant")) {
            bipolarQuant(n);
        } else if (BIPOLAR_QUANT_DOMAINS.contains(domain) && (op.equals("Quant") || op.equals("MultiThreshold")
                || op.equals("Trunc") || op.equals("IntQuant"))) {
            multiBit(n);
        } else if (domain.equals(BNNCIM_DOMAIN) && op.equals("ScaleDropout")) {
            scaleDropout(n);
        } else {
            throw err(n, "unknown operator in domain '" + domain + "'; bnncim accepts standard ONNX ops, "
                    + "BipolarQuant (onnx.brevitas, qonnx/finn.custom_op.general) and ai.bnncim::ScaleDropout");
        }
    }

    private void convertStandard(OnnxMl.NodeProto n, String op) {
        switch (op) {
            case "Constant" -> constant(n);
            case "Identity" -> alias(n, in(n, 0));
            case "Dropout" -> dropout(n);
            case "Add", "Sub", "Mul", "Div" -> elementwise(n, op);
            case "Pow", "Sqrt", "Neg", "Reciprocal", "Abs", "Exp", "Floor", "Ceil", "Relu" -> constOnlyMath(n, op);
            case "Sign" -> sign(n);
            case "MatMul" -> matmul(n);
            case "Gemm" -> gemm(n);
            case "Conv" -> conv(n);
            case "BatchNormalization" -> batchNorm(n);
            case "MaxPool", "AveragePool" -> pool(n, op.equals("MaxPool"));
            case "Flatten" -> flatten(n);
            case "Reshape" -> reshape(n);
            case "Transpose" -> transpose(n);
            case "Squeeze", "Unsqueeze" -> squeezeOrUnsqueeze(n, op.equals("Unsqueeze"));
            case "Shape" -> shape(n);
            case "Gather" -> gather(n);
            case "Concat" -> concat(n);
            case "Cast" -> cast(n);
            case "ConstantOfShape" -> constantOfShape(n);
            case "Softmax" -> softmax(n);
            case "If", "Loop", "Scan" -> throw err(n, "control flow is not supported; export the model without it");
            default -> throw err(n, "unsupported operator; see docs/onnx-conventions.md for what bnncim accepts");
        }
    }

    private BnncimException err(OnnxMl.NodeProto n, String message) {
        return new BnncimException(source + ": " + describe(n) + ": " + message);
    }

    private Sym in(OnnxMl.NodeProto n, int i) {
        if (i >= n.getInputCount() || n.getInput(i).isEmpty()) throw err(n, "missing input " + i);
        Sym s = env.get(n.getInput(i));
        if (s == null) throw err(n, "input '" + n.getInput(i) + "' is undefined");
        return s;
    }

    private boolean hasInput(OnnxMl.NodeProto n, int i) {
        return i < n.getInputCount() && !n.getInput(i).isEmpty();
    }

    private ConstTensor constIn(OnnxMl.NodeProto n, int i, String what) {
        Sym s = in(n, i);
        if (s instanceof C c) return c.t();
        throw err(n, what + " must be a constant (an initializer or a constant subgraph), not a computed tensor");
    }

    private D dynIn(OnnxMl.NodeProto n, int i) {
        Sym s = in(n, i);
        if (s instanceof D d) return d;
        throw new IllegalStateException("caller checks for constants first");
    }

    private void alias(OnnxMl.NodeProto n, Sym s) {
        env.put(out(n, 0), s);
    }

    private String out(OnnxMl.NodeProto n, int i) {
        if (i >= n.getOutputCount() || n.getOutput(i).isEmpty()) throw err(n, "missing output " + i);
        return n.getOutput(i);
    }

    private void putConst(OnnxMl.NodeProto n, ConstTensor t) {
        env.put(out(n, 0), new C(t));
    }

    private Value value(String name, ElemType e, long[] dims, double scale, String where) {
        if (irValues.containsKey(name)) throw new BnncimException(where + ": value '" + name + "' is produced twice");
        int[] per = new int[dims.length - 1];
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] <= 0 || dims[i] > Integer.MAX_VALUE) throw new BnncimException(where + ": bad dimension " + dims[i]);
            per[i - 1] = (int) dims[i];
        }
        Shape shape;
        try {
            shape = Shape.of(per);
        } catch (IllegalArgumentException ex) {
            throw new BnncimException(where + ": " + ex.getMessage());
        }
        Value v = new Value(name, new TensorType(e, shape, e.isFloat() ? 1.0 : scale));
        irValues.put(name, v);
        return v;
    }

    /** Emits an IR node producing ONNX output {@code outName}; returns the symbol now bound to it. */
    private D emit(OnnxMl.NodeProto n, String outName, ElemType e, long[] dims, double scale, NodeFactory f) {
        Value v = value(outName, e, dims, scale, source + ": " + describe(n));
        nodes.add(f.make(nodeName(n), v));
        D d = new D(v.name(), dims, false);
        env.put(outName, d);
        return d;
    }

    @FunctionalInterface
    private interface NodeFactory {
        Node make(String name, Value out);
    }

    private String nodeName(OnnxMl.NodeProto n) {
        return n.getName().isEmpty() ? n.getOpType() + "_" + n.getOutput(0) : n.getName();
    }

    private String tmp(String base) {
        String name;
        do {
            name = base + "." + (fresh++);
        } while (irValues.containsKey(name) || env.containsKey(name));
        return name;
    }

    private TensorType typeOf(D d) {
        return irValues.get(d.ir()).type();
    }

    // ------------------------------------------------------------------------------------------ attributes

    private static OnnxMl.AttributeProto attr(OnnxMl.NodeProto n, String name) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a;
        return null;
    }

    private static long attrInt(OnnxMl.NodeProto n, String name, long dflt) {
        OnnxMl.AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getI();
    }

    private static float attrFloat(OnnxMl.NodeProto n, String name, float dflt) {
        OnnxMl.AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getF();
    }

    private static long[] attrInts(OnnxMl.NodeProto n, String name) {
        OnnxMl.AttributeProto a = attr(n, name);
        if (a == null) return null;
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static String attrString(OnnxMl.NodeProto n, String name, String dflt) {
        OnnxMl.AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    // ------------------------------------------------------------------------------------- constant ops

    private void constant(OnnxMl.NodeProto n) {
        OnnxMl.AttributeProto a = n.getAttributeCount() == 1 ? n.getAttribute(0) : null;
        if (a == null) throw err(n, "Constant needs exactly one value attribute");
        ConstTensor t = switch (a.getName()) {
            case "value" -> decoder.decode(a.getT(), source + ": " + describe(n));
            case "value_float" -> ConstTensor.scalar(a.getF());
            case "value_floats" -> {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) f[i] = a.getFloats(i);
                yield ConstTensor.ofFloat(new long[] {f.length}, f);
            }
            case "value_int" -> ConstTensor.ofLong(new long[0], new long[] {a.getI()});
            case "value_ints" -> ConstTensor.ofLong(new long[] {a.getIntsCount()}, a.getIntsList().stream().mapToLong(Long::longValue).toArray());
            default -> throw err(n, "Constant attribute '" + a.getName() + "' is not supported");
        };
        putConst(n, t);
    }

    private void constOnlyMath(OnnxMl.NodeProto n, String op) {
        Sym x = in(n, 0);
        if (!(x instanceof C c)) {
            if (op.equals("Relu")) throw err(n, "non-binary activation on a computed tensor; bnncim maps binarized (Sign/BipolarQuant) activations");
            throw err(n, "only supported on constants (it would need a float unit in the datapath)");
        }
        ConstTensor a = c.t();
        ConstTensor r = switch (op) {
            case "Pow" -> ConstOps.binary(a, constIn(n, 1, "exponent"), (u, v) -> (float) Math.pow(u, v), false);
            case "Sqrt" -> ConstOps.unary(a, Math::sqrt);
            case "Neg" -> ConstOps.unary(a, v -> -v);
            case "Reciprocal" -> ConstOps.unary(a, v -> 1.0f / (float) v);
            case "Abs" -> ConstOps.unary(a, Math::abs);
            case "Exp" -> ConstOps.unary(a, Math::exp);
            case "Floor" -> ConstOps.unary(a, Math::floor);
            case "Ceil" -> ConstOps.unary(a, Math::ceil);
            case "Relu" -> ConstOps.unary(a, v -> Math.max(0, v));
            default -> throw new IllegalStateException(op);
        };
        putConst(n, r);
    }

    private void shape(OnnxMl.NodeProto n) {
        Sym x = in(n, 0);
        long[] dims = x instanceof C c ? c.t().dims() : ((D) x).dims();
        long start = attrInt(n, "start", 0), end = attrInt(n, "end", dims.length);
        if (start < 0) start += dims.length;
        if (end < 0) end += dims.length;
        start = Math.max(0, Math.min(start, dims.length));
        end = Math.max(start, Math.min(end, dims.length));
        long[] s = Arrays.copyOfRange(dims, (int) start, (int) end);
        putConst(n, ConstTensor.ofLong(new long[] {s.length}, s));
    }

    private void gather(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof C data)) throw err(n, "Gather on a computed tensor is not supported");
        ConstTensor idx = constIn(n, 1, "indices");
        try {
            putConst(n, ConstOps.gather(data.t(), idx, (int) attrInt(n, "axis", 0)));
        } catch (IllegalArgumentException e) {
            throw err(n, e.getMessage());
        }
    }

    private void concat(OnnxMl.NodeProto n) {
        ConstTensor[] parts = new ConstTensor[n.getInputCount()];
        for (int i = 0; i < parts.length; i++) {
            if (!(in(n, i) instanceof C c)) throw err(n, "Concat of computed tensors is not supported");
            parts[i] = c.t();
        }
        try {
            putConst(n, ConstOps.concat(parts, (int) attrInt(n, "axis", 0)));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw err(n, e.getMessage());
        }
    }

    private void cast(OnnxMl.NodeProto n) {
        int to = (int) attrInt(n, "to", 0);
        Sym x = in(n, 0);
        if (x instanceof D d) {
            if (to == TensorDecoder.FLOAT && typeOf(d).elem().isFloat()) {
                alias(n, d);
                return;
            }
            throw err(n, "Cast of a computed tensor to " + TensorDecoder.typeName(to) + " is not supported");
        }
        ConstTensor t = ((C) x).t();
        ConstTensor r = switch (to) {
            case TensorDecoder.FLOAT, TensorDecoder.DOUBLE -> ConstTensor.ofFloat(t.dims(), t.toFloats());
            case TensorDecoder.INT64, TensorDecoder.INT32, TensorDecoder.INT16, TensorDecoder.INT8, TensorDecoder.UINT8 ->
                    ConstTensor.ofLong(t.dims(), t.toLongs());
            case TensorDecoder.BOOL -> {
                long[] l = new long[t.size()];
                for (int i = 0; i < l.length; i++) l[i] = t.get(i) != 0 ? 1 : 0;
                yield ConstTensor.ofBool(t.dims(), l);
            }
            default -> throw err(n, "Cast to " + TensorDecoder.typeName(to) + " is not supported");
        };
        putConst(n, r);
    }

    private void constantOfShape(OnnxMl.NodeProto n) {
        long[] dims = constIn(n, 0, "shape").toLongs();
        OnnxMl.AttributeProto a = attr(n, "value");
        ConstTensor v = a == null ? ConstTensor.scalar(0) : decoder.decode(a.getT(), source + ": " + describe(n));
        long count = checkedCount(n, dims);
        if (v.kind() == ConstTensor.Kind.FLOAT) {
            float[] f = new float[(int) count];
            Arrays.fill(f, v.getFloat(0));
            putConst(n, ConstTensor.ofFloat(dims, f));
        } else {
            long[] l = new long[(int) count];
            Arrays.fill(l, v.getLong(0));
            putConst(n, ConstTensor.ofLong(dims, l));
        }
    }

    private long checkedCount(OnnxMl.NodeProto n, long[] dims) {
        try {
            for (long d : dims) if (d < 0) throw err(n, "negative dimension " + d);
            long c = ConstTensor.count(dims);
            if (c > (1 << 28)) throw err(n, "constant of " + c + " elements is too large");
            return c;
        } catch (ArithmeticException e) {
            throw err(n, "shape overflows");
        }
    }

    // ------------------------------------------------------------------------------------ shape ops

    private void flatten(OnnxMl.NodeProto n) {
        long axis = attrInt(n, "axis", 1);
        Sym x = in(n, 0);
        long[] dims = x instanceof C c ? c.t().dims() : ((D) x).dims();
        if (axis < 0) axis += dims.length;
        if (axis < 0 || axis > dims.length) throw err(n, "axis out of range");
        long a = 1, b = 1;
        for (int i = 0; i < dims.length; i++) {
            if (i < axis) a *= dims[i];
            else b *= dims[i];
        }
        reshapeTo(n, x, new long[] {a, b});
    }

    private void reshape(OnnxMl.NodeProto n) {
        Sym x = in(n, 0);
        long[] target = constIn(n, 1, "shape").toLongs();
        long[] dims = x instanceof C c ? c.t().dims() : ((D) x).dims();
        try {
            reshapeTo(n, x, ConstOps.reshapeTarget(dims, target, attrInt(n, "allowzero", 0) != 0));
        } catch (IllegalArgumentException e) {
            throw err(n, e.getMessage());
        }
    }

    private void reshapeTo(OnnxMl.NodeProto n, Sym x, long[] newDims) {
        if (x instanceof C c) {
            putConst(n, c.t().reshape(newDims));
            return;
        }
        D d = (D) x;
        if (newDims.length == 0 || newDims[0] != 1) {
            throw err(n, "reshape to " + Arrays.toString(newDims) + " would mix examples of a batch; the first dimension must stay the batch");
        }
        if (Arrays.equals(newDims, d.dims())) {
            alias(n, d);
            return;
        }
        TensorType t = typeOf(d);
        D r = emit(n, out(n, 0), t.elem(), newDims, t.scale(), (nm, v) -> new Node.Reshape(nm, d.ir(), v));
        env.put(out(n, 0), new D(r.ir(), r.dims(), d.rawInput()));
    }

    private void transpose(OnnxMl.NodeProto n) {
        Sym x = in(n, 0);
        long[] permL = attrInts(n, "perm");
        int[] perm = permL == null ? null : Arrays.stream(permL).mapToInt(v -> (int) v).toArray();
        if (x instanceof C c) {
            try {
                putConst(n, ConstOps.transpose(c.t(), perm));
            } catch (IllegalArgumentException e) {
                throw err(n, e.getMessage());
            }
            return;
        }
        D d = (D) x;
        int r = d.dims().length;
        if (perm == null) {
            perm = new int[r];
            for (int i = 0; i < r; i++) perm[i] = r - 1 - i;
        }
        try {
            ConstOps.checkPermutation(perm, r);
        } catch (IllegalArgumentException e) {
            throw err(n, e.getMessage());
        }
        // a transpose that only moves size-1 axes keeps the data order: it is a reshape
        int last = -1;
        long[] nd = new long[r];
        for (int i = 0; i < r; i++) {
            nd[i] = d.dims()[perm[i]];
            if (d.dims()[perm[i]] == 1) continue;
            if (perm[i] < last) throw err(n, "transposing a computed tensor is not supported (only weights may be transposed)");
            last = perm[i];
        }
        reshapeTo(n, d, nd);
    }

    private void squeezeOrUnsqueeze(OnnxMl.NodeProto n, boolean unsqueeze) {
        Sym x = in(n, 0);
        long[] axes = attrInts(n, "axes");
        if (axes == null && hasInput(n, 1)) axes = constIn(n, 1, "axes").toLongs();
        long[] dims = x instanceof C c ? c.t().dims() : ((D) x).dims();
        long[] nd;
        try {
            nd = unsqueeze ? ConstOps.unsqueeze(dims, axes == null ? new long[0] : axes) : ConstOps.squeeze(dims, axes);
        } catch (IllegalArgumentException e) {
            throw err(n, e.getMessage());
        }
        reshapeTo(n, x, nd);
    }

    // -------------------------------------------------------------------------------- arithmetic

    private void elementwise(OnnxMl.NodeProto n, String op) {
        Sym a = in(n, 0), b = in(n, 1);
        if (a instanceof C ca && b instanceof C cb) {
            boolean ints = ca.t().kind() != ConstTensor.Kind.FLOAT && cb.t().kind() != ConstTensor.Kind.FLOAT;
            try {
                putConst(n, ConstOps.binary(ca.t(), cb.t(), switch (op) {
                    case "Add" -> (u, v) -> ints ? u + v : (float) u + (float) v;
                    case "Sub" -> (u, v) -> ints ? u - v : (float) u - (float) v;
                    case "Mul" -> (u, v) -> ints ? u * v : (float) u * (float) v;
                    default -> (u, v) -> ints ? (long) u / (long) v : (float) u / (float) v;
                }, ints));
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw err(n, e.getMessage());
            }
            return;
        }
        if (a instanceof D && b instanceof D) {
            throw err(n, op + " of two computed tensors is not supported (no residual or elementwise datapath)");
        }
        boolean constFirst = a instanceof C;
        D d = (D) (constFirst ? b : a);
        ConstTensor c = ((C) (constFirst ? a : b)).t();
        AffineStep.Op stepOp = switch (op) {
            case "Add" -> AffineStep.Op.ADD;
            case "Mul" -> AffineStep.Op.MUL;
            case "Sub" -> constFirst ? AffineStep.Op.RSUB : AffineStep.Op.SUB;
            default -> {
                if (constFirst) throw err(n, "dividing a constant by a computed tensor is not supported");
                yield AffineStep.Op.DIV;
            }
        };
        float[] perChannel = perChannel(n, c, d.dims(), "constant");
        affine(n, d, new AffineStep(stepOp, perChannel));
    }

    /** A constant that varies at most along the channel axis (ONNX axis 1), as a scalar or one value per channel. */
    private float[] perChannel(OnnxMl.NodeProto n, ConstTensor c, long[] xDims, String what) {
        long[] cd = c.dims();
        int r = xDims.length;
        if (cd.length > r) throw err(n, what + " of shape " + c.dimsString() + " has more dimensions than the tensor " + Arrays.toString(xDims));
        long channels = r >= 2 ? xDims[1] : 1;
        int varying = -1;
        for (int i = 0; i < cd.length; i++) {
            int axis = r - cd.length + i;
            if (cd[i] == 1) continue;
            if (axis != 1 || cd[i] != channels) {
                throw err(n, what + " of shape " + c.dimsString() + " does not broadcast per channel over " + Arrays.toString(xDims)
                        + "; bnncim folds scalar or per-channel constants only");
            }
            varying = axis;
        }
        if (varying < 0) return new float[] {c.getFloat(0)};
        return c.toFloats();
    }

    private void affine(OnnxMl.NodeProto n, D d, AffineStep step) {
        emit(n, out(n, 0), ElemType.FLOAT32, d.dims(), 1.0, (nm, v) -> new Node.Affine(nm, d.ir(), v, List.of(step)));
    }

    private void batchNorm(OnnxMl.NodeProto n) {
        Sym x = in(n, 0);
        if (!(x instanceof D d)) throw err(n, "BatchNormalization of a constant is not supported");
        if (attrInt(n, "training_mode", 0) != 0) throw err(n, "training-mode BatchNormalization; export the model in eval mode");
        if (n.getOutputCount() > 1 && n.getOutputList().subList(1, n.getOutputCount()).stream().anyMatch(s -> !s.isEmpty())) {
            throw err(n, "BatchNormalization with running-statistics outputs (training mode) is not supported");
        }
        float eps = attrFloat(n, "epsilon", 1e-5f);
        long ch = d.dims().length >= 2 ? d.dims()[1] : 1;
        float[] gamma = vector(n, constIn(n, 1, "scale"), ch, "scale");
        float[] beta = vector(n, constIn(n, 2, "B"), ch, "B");
        float[] mean = vector(n, constIn(n, 3, "mean"), ch, "mean");
        float[] var = vector(n, constIn(n, 4, "var"), ch, "var");
        float[] a = new float[(int) ch], b = new float[(int) ch];
        for (int c = 0; c < ch; c++) {
            // the order ONNX Runtime's CPU kernel uses: y = x * (gamma / sqrt(var + eps)) + (beta - mean * that)
            float inv = 1.0f / (float) Math.sqrt(var[c] + eps);
            a[c] = inv * gamma[c];
            b[c] = beta[c] - mean[c] * a[c];
        }
        emit(n, out(n, 0), ElemType.FLOAT32, d.dims(), 1.0, (nm, v) -> new Node.Affine(nm, d.ir(), v,
                List.of(new AffineStep(AffineStep.Op.MUL, a), new AffineStep(AffineStep.Op.ADD, b))));
        env.put(out(n, 0), new D(out(n, 0), d.dims(), false));
    }

    private float[] vector(OnnxMl.NodeProto n, ConstTensor t, long channels, String what) {
        if (t.size() != channels && t.size() != 1) {
            throw err(n, what + " has " + t.size() + " values for " + channels + " channels");
        }
        if (t.size() == 1 && channels != 1) {
            float[] f = new float[(int) channels];
            Arrays.fill(f, t.getFloat(0));
            return f;
        }
        return t.toFloats();
    }

    // ---------------------------------------------------------------------------------- binarization

    private void sign(OnnxMl.NodeProto n) {
        Sym x = in(n, 0);
        if (x instanceof C c) {
            putConst(n, ConstOps.sign(c.t()));
            return;
        }
        D d = (D) x;
        emit(n, out(n, 0), ElemType.BIPOLAR, d.dims(), 1.0, (nm, v) -> new Node.Sign(nm, d.ir(), v));
        env.put(out(n, 0), new D(out(n, 0), d.dims(), false));
    }

    private void bipolarQuant(OnnxMl.NodeProto n) {
        ConstTensor scale = constIn(n, 1, "scale");
        if (scale.size() != 1) throw err(n, "BipolarQuant with a per-channel scale is not supported (use a scalar scale)");
        float s = scale.getFloat(0);
        Sym x = in(n, 0);
        if (x instanceof C c) {
            putConst(n, ConstOps.bipolar(c.t(), s));
            return;
        }
        D d = (D) x;
        if (s == 1.0f) {
            emit(n, out(n, 0), ElemType.BIPOLAR, d.dims(), 1.0, (nm, v) -> new Node.Sign(nm, d.ir(), v));
            env.put(out(n, 0), new D(out(n, 0), d.dims(), false));
            return;
        }
        // a scale != 1 is a separate multiply after the bipolar value (conventions, section 1)
        String mid = tmp(out(n, 0) + ".sign");
        Value signV = value(mid, ElemType.BIPOLAR, d.dims(), 1.0, source + ": " + describe(n));
        nodes.add(new Node.Sign(nodeName(n), d.ir(), signV));
        D sd = new D(mid, d.dims(), false);
        affine(n, sd, new AffineStep(AffineStep.Op.MUL, new float[] {s}));
    }

    private void multiBit(OnnxMl.NodeProto n) {
        String detail = "";
        if (n.getOpType().equals("Quant") && hasInput(n, 3) && in(n, 3) instanceof C bw) detail = " (bitwidth " + org.bnncim.ir.TextPrinter.number(bw.t().getFloat(0)) + ")";
        if (n.getOpType().equals("MultiThreshold") && hasInput(n, 1) && in(n, 1) instanceof C th) {
            long[] dims = th.t().dims();
            detail = " (" + (dims.length > 1 ? dims[dims.length - 1] : 1) + " thresholds per channel)";
        }
        throw err(n, "multi-bit quantizer" + detail + " is not supported; bnncim maps 1-bit (bipolar) models: "
                + "use BipolarQuant or Sign");
    }

    // -------------------------------------------------------------------------------- binary layers

    /** The bipolar or 8-bit-quantized input a binary layer reads; a float that is not the model input is refused. */
    private D binaryLayerInput(OnnxMl.NodeProto n, D x) {
        TensorType t = typeOf(x);
        if (t.elem().isBipolar()) return x;
        if (t.elem().isFloat() && x.rawInput()) {
            // bit-serial 8-bit input: the model input x is read as the integer round(x * levels)
            String qName = tmp(x.ir() + ".q");
            int levels = options.inputLevels();
            Value qv = value(qName, ElemType.uint(8), x.dims(), 1.0 / levels, source + ": " + describe(n));
            nodes.add(new Node.InputQuantize(nodeName(n) + ".input", x.ir(), qv, 8, levels));
            notes.put("first_layer", nodeName(n) + " reads the model input as 8-bit integers round(x*" + levels
                    + "), mapped bit-serially (8 passes over the crossbar)");
            return new D(qName, x.dims(), false);
        }
        if (t.elem().kind() == ElemType.Kind.UINT) return x;
        if (t.elem().kind() == ElemType.Kind.GATED_BIPOLAR) return x; // MC-Dropout output
        throw err(n, "reads a " + t.elem() + " tensor that is neither binarized (Sign/BipolarQuant) nor the model input; "
                + "binary layers need bipolar activations");
    }

    /**
     * The layer's K x N weights from a constant laid out row-major [K, N] (MatMul, Gemm) or, with
     * {@code columnMajor}, [N, K] (Gemm with transB, flattened Conv filters).
     */
    private BitMatrix bipolarWeights(OnnxMl.NodeProto n, ConstTensor w, int rows, int cols, boolean columnMajor) {
        int bad = w.firstNonBipolar();
        if (bad >= 0) {
            throw err(n, "weight '" + n.getInput(1) + "' is not bipolar (element " + bad + " = " + w.get(bad)
                    + "); binary layers need {-1,+1} weights, binarized by Sign/BipolarQuant or stored as +-1");
        }
        if (w.kind() == ConstTensor.Kind.FLOAT) return BitMatrix.ofSigns(w.f(), rows, cols, columnMajor);
        return BitMatrix.of(rows, cols, (k, c) -> w.get(columnMajor ? c * rows + k : k * cols + c) > 0);
    }

    private void matmul(OnnxMl.NodeProto n) {
        Sym a = in(n, 0), b = in(n, 1);
        if (a instanceof C && b instanceof C) {
            throw err(n, "MatMul of two constants is not supported");
        }
        if (!(a instanceof D x) || !(b instanceof C cw)) {
            throw err(n, "MatMul needs the activations first and a constant weight second");
        }
        ConstTensor w = cw.t();
        if (w.rank() != 2) throw err(n, "weight must be 2-D, has shape " + w.dimsString());
        if (x.dims().length != 2) throw err(n, "activations must be [batch, K] (flatten first), got " + Arrays.toString(x.dims()));
        int k = (int) w.dims()[0], cols = (int) w.dims()[1];
        if (x.dims()[1] != k) throw err(n, "activations have " + x.dims()[1] + " features, weight has " + k + " rows");
        D xin = binaryLayerInput(n, x);
        BitMatrix m = bipolarWeights(n, w, k, cols, false);
        denseOut(n, xin, m, out(n, 0));
    }

    private D denseOut(OnnxMl.NodeProto n, D xin, BitMatrix m, String outName) {
        double scale = typeOf(xin).scale();
        D r = emit(n, outName, ElemType.INT32, new long[] {1, m.cols()}, scale, (nm, v) -> new Node.BinaryDense(nm, xin.ir(), v, m));
        env.put(outName, r);
        return r;
    }

    private void gemm(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "Gemm needs computed activations as A");
        if (attrInt(n, "transA", 0) != 0) throw err(n, "Gemm with transA=1 is not supported");
        ConstTensor w = constIn(n, 1, "weight B");
        if (w.rank() != 2) throw err(n, "weight must be 2-D");
        boolean transB = attrInt(n, "transB", 0) != 0;
        int k = (int) (transB ? w.dims()[1] : w.dims()[0]);
        int cols = (int) (transB ? w.dims()[0] : w.dims()[1]);
        if (x.dims().length != 2 || x.dims()[1] != k) throw err(n, "activations " + Arrays.toString(x.dims()) + " do not match weight " + w.dimsString());
        float alpha = attrFloat(n, "alpha", 1f), beta = attrFloat(n, "beta", 1f);
        D xin = binaryLayerInput(n, x);
        BitMatrix m = bipolarWeights(n, w, k, cols, transB);
        boolean bias = hasInput(n, 2) && beta != 0;
        boolean scaled = alpha != 1f;
        if (!bias && !scaled) {
            denseOut(n, xin, m, out(n, 0));
            return;
        }
        D acc = denseOut(n, xin, m, tmp(out(n, 0) + ".acc"));
        List<AffineStep> steps = new ArrayList<>();
        if (scaled) steps.add(new AffineStep(AffineStep.Op.MUL, new float[] {alpha}));
        if (bias) {
            float[] c = perChannel(n, constIn(n, 2, "bias C"), acc.dims(), "bias");
            if (beta != 1f) for (int i = 0; i < c.length; i++) c[i] *= beta;
            steps.add(new AffineStep(AffineStep.Op.ADD, c));
        }
        emit(n, out(n, 0), ElemType.FLOAT32, acc.dims(), 1.0, (nm, v) -> new Node.Affine(nm + ".bias", acc.ir(), v, steps));
        env.put(out(n, 0), new D(out(n, 0), acc.dims(), false));
    }

    private void conv(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "Conv needs computed activations as X");
        ConstTensor w = constIn(n, 1, "weight W");
        if (w.rank() != 4 || x.dims().length != 4) throw err(n, "only 2-D convolutions ([N,C,H,W]) are supported");
        if (attrInt(n, "group", 1) != 1) throw err(n, "grouped/depthwise convolution is not supported");
        int cout = (int) w.dims()[0], cin = (int) w.dims()[1], kh = (int) w.dims()[2], kw = (int) w.dims()[3];
        if (x.dims()[1] != cin) throw err(n, "input has " + x.dims()[1] + " channels, weight expects " + cin);
        long[] ks = attrInts(n, "kernel_shape");
        if (ks != null && (ks.length != 2 || ks[0] != kh || ks[1] != kw)) throw err(n, "kernel_shape disagrees with the weight");
        int[] strides = ints2(n, "strides", 1);
        int[] dil = ints2(n, "dilations", 1);
        int h = (int) x.dims()[2], wd = (int) x.dims()[3];
        int[] pads = pads(n, new int[] {h, wd}, new int[] {kh, kw}, strides, dil);
        int oh = (h + pads[0] + pads[2] - (dil[0] * (kh - 1) + 1)) / strides[0] + 1;
        int ow = (wd + pads[1] + pads[3] - (dil[1] * (kw - 1) + 1)) / strides[1] + 1;
        if (oh <= 0 || ow <= 0) throw err(n, "kernel larger than the padded input");
        D xin = binaryLayerInput(n, x);
        int rowsPerOut = cin * kh * kw;
        BitMatrix m = bipolarWeights(n, w, rowsPerOut, cout, true);
        long[] od = {1, cout, oh, ow};
        boolean bias = hasInput(n, 2);
        String accName = bias ? tmp(out(n, 0) + ".acc") : out(n, 0);
        double scale = typeOf(xin).scale();
        D acc = emit(n, accName, ElemType.INT32, od, scale,
                (nm, v) -> new Node.BinaryConv(nm, xin.ir(), v, m, cin, kh, kw, strides, pads, dil));
        env.put(accName, acc);
        if (bias) {
            ConstTensor b = constIn(n, 2, "bias B");
            float[] bv = vector(n, b, cout, "bias");
            emit(n, out(n, 0), ElemType.FLOAT32, od, 1.0, (nm, v) -> new Node.Affine(nm + ".bias", acc.ir(), v,
                    List.of(new AffineStep(AffineStep.Op.ADD, bv))));
            env.put(out(n, 0), new D(out(n, 0), od, false));
        }
    }

    private int[] ints2(OnnxMl.NodeProto n, String name, int dflt) {
        long[] v = attrInts(n, name);
        if (v == null) return new int[] {dflt, dflt};
        if (v.length != 2) throw err(n, name + " must have 2 values");
        for (long x : v) if (x < 1 || x > 1 << 16) throw err(n, name + " value " + x + " out of range");
        return new int[] {(int) v[0], (int) v[1]};
    }

    /** Explicit pads (top, left, bottom, right) from pads or auto_pad, as ONNX defines them. */
    private int[] pads(OnnxMl.NodeProto n, int[] in, int[] k, int[] s, int[] dil) {
        String auto = attrString(n, "auto_pad", "NOTSET");
        switch (auto) {
            case "NOTSET" -> {
                long[] p = attrInts(n, "pads");
                if (p == null) return new int[4];
                if (p.length != 4) throw err(n, "pads must have 4 values");
                int[] r = new int[4];
                for (int i = 0; i < 4; i++) {
                    if (p[i] < 0 || p[i] > 1 << 16) throw err(n, "pad " + p[i] + " out of range");
                    r[i] = (int) p[i];
                }
                return r;
            }
            case "VALID" -> {
                return new int[4];
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] r = new int[4];
                for (int i = 0; i < 2; i++) {
                    int out = (in[i] + s[i] - 1) / s[i];
                    int total = Math.max(0, (out - 1) * s[i] + dil[i] * (k[i] - 1) + 1 - in[i]);
                    int small = total / 2, big = total - small;
                    r[i] = auto.equals("SAME_UPPER") ? small : big;
                    r[i + 2] = auto.equals("SAME_UPPER") ? big : small;
                }
                return r;
            }
            default -> throw err(n, "auto_pad " + auto + " is not supported");
        }
    }

    private void pool(OnnxMl.NodeProto n, boolean max) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "pooling of a constant is not supported");
        if (x.dims().length != 4) throw err(n, "only 2-D pooling ([N,C,H,W]) is supported");
        if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) throw err(n, "MaxPool indices output is not supported");
        long[] ks = attrInts(n, "kernel_shape");
        if (ks == null || ks.length != 2) throw err(n, "kernel_shape must have 2 values");
        int[] k = {(int) ks[0], (int) ks[1]};
        int[] s = ints2(n, "strides", 1);
        int[] dil = ints2(n, "dilations", 1);
        if (dil[0] != 1 || dil[1] != 1) throw err(n, "dilated pooling is not supported");
        int h = (int) x.dims()[2], w = (int) x.dims()[3];
        int[] p = pads(n, new int[] {h, w}, k, s, dil);
        boolean ceil = attrInt(n, "ceil_mode", 0) != 0;
        int oh = poolOut(h, p[0], p[2], k[0], s[0], ceil), ow = poolOut(w, p[1], p[3], k[1], s[1], ceil);
        if (oh <= 0 || ow <= 0) throw err(n, "pooling window larger than the padded input");
        long[] od = {1, x.dims()[1], oh, ow};
        TensorType t = typeOf(x);
        if (max) {
            emit(n, out(n, 0), t.elem(), od, t.scale(), (nm, v) -> new Node.MaxPool(nm, x.ir(), v, new Node.Window(k, s, p)));
        } else {
            boolean countPad = attrInt(n, "count_include_pad", 0) != 0;
            emit(n, out(n, 0), ElemType.FLOAT32, od, 1.0, (nm, v) -> new Node.AvgPool(nm, x.ir(), v, new Node.Window(k, s, p), countPad));
        }
        env.put(out(n, 0), new D(out(n, 0), od, false));
    }

    private static int poolOut(int in, int pb, int pe, int k, int s, boolean ceil) {
        int span = in + pb + pe - k;
        if (span < 0) return 0;
        int out = (ceil ? (span + s - 1) / s : span / s) + 1;
        // ONNX: the last window must start inside the input or the leading pad
        if (ceil && (out - 1) * s >= in + pb) out--;
        return out;
    }

    private void softmax(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "Softmax of a constant is not supported");
        long axis = attrInt(n, "axis", opset >= 13 ? -1 : 1);
        int r = x.dims().length;
        if (axis < 0) axis += r;
        boolean overAll = opset < 13 ? axis == 1 : (axis == r - 1 && (r == 2 || allOnes(x.dims(), 1, r - 1)));
        if (!overAll) throw err(n, "Softmax must run over the whole per-example vector");
        emit(n, out(n, 0), ElemType.FLOAT32, x.dims(), 1.0, (nm, v) -> new Node.Softmax(nm, x.ir(), v));
        env.put(out(n, 0), new D(out(n, 0), x.dims(), false));
    }

    private static boolean allOnes(long[] d, int from, int to) {
        for (int i = from; i < to; i++) if (d[i] != 1) return false;
        return true;
    }

    // -------------------------------------------------------------------------------- dropout

    private void dropout(OnnxMl.NodeProto n) {
        Sym x = in(n, 0);
        if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
            // the mask output is only meaningful in training; give consumers an all-ones constant shape-wise
            throw err(n, "Dropout mask output is not supported");
        }
        if (hasInput(n, 2) && constIn(n, 2, "training_mode").get(0) != 0) {
            throw err(n, "Dropout in training mode; export the model in eval mode");
        }
        float ratio = attrFloat(n, "ratio", 0.5f);
        if (hasInput(n, 1)) ratio = constIn(n, 1, "ratio").getFloat(0);
        if (!options.mcDropout() || !(x instanceof D d) || ratio == 0f) {
            alias(n, x); // inference-mode Dropout is the identity
            return;
        }
        if (!(ratio > 0f && ratio < 1f)) throw err(n, "dropout ratio " + ratio + " outside (0,1)");
        TensorType t = typeOf(d);
        if (!t.elem().isBipolar()) {
            throw err(n, "--mc-dropout maps dropout on binarized activations only; this one reads " + t.elem());
        }
        float p = ratio;
        // word lines of dropped neurons stay undriven (value 0); kept ones are not rescaled, so the deterministic
        // pass is exact and MC passes differ from PyTorch's inverted dropout by its 1/(1-p) factor
        emit(n, out(n, 0), ElemType.GATED_BIPOLAR, d.dims(), 1.0,
                (nm, v) -> new Node.McDropout(nm, d.ir(), v, p));
        env.put(out(n, 0), new D(out(n, 0), d.dims(), false));
    }

    private void scaleDropout(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "ScaleDropout of a constant is not supported");
        float p = attrFloat(n, "p", Float.NaN);
        if (attr(n, "p") == null) throw err(n, "attribute p is required");
        if (!(p >= 0f && p < 1f)) throw err(n, "p = " + p + " is outside [0, 1)");
        long axis = attrInt(n, "axis", 1);
        int r = x.dims().length;
        if (axis < 0) axis += r;
        if (axis != 1) throw err(n, "axis " + attrInt(n, "axis", 1) + " is not the channel axis 1");
        TensorType t = typeOf(x);
        if (!t.elem().isIntegral() || t.elem().isBipolar()) {
            throw err(n, "ScaleDropout must follow a binary MatMul/Gemm/Conv (the popcount), not a " + t.elem() + " tensor");
        }
        long ch = r >= 2 ? x.dims()[1] : 1;
        float[] scale = scaleVector(n, constIn(n, 1, "scale"), ch, "scale");
        float[] dropped = hasInput(n, 2) ? scaleVector(n, constIn(n, 2, "dropped_scale"), ch, "dropped_scale") : new float[] {1f};
        int bit = nextBit++;
        emit(n, out(n, 0), ElemType.FLOAT32, x.dims(), 1.0, (nm, v) -> new Node.ScaleDropout(nm, x.ir(), v, scale, dropped, p, bit));
        env.put(out(n, 0), new D(out(n, 0), x.dims(), false));
    }

    private float[] scaleVector(OnnxMl.NodeProto n, ConstTensor t, long channels, String what) {
        if (t.size() == 1) return new float[] {t.getFloat(0)};
        if (t.size() != channels) throw err(n, what + " has " + t.size() + " values for " + channels + " channels");
        return t.toFloats();
    }
}
