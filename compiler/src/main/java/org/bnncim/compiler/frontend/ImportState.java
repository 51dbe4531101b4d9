package org.bnncim.compiler.frontend;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;

/**
 * What every ONNX node translator shares: the symbol environment (each ONNX value is a constant or an IR value),
 * the IR built so far, and the helpers that read a node's inputs and emit IR. The translators are layered on it by
 * op family (shape and constant ops, binary layers, then the importer's dispatch with arithmetic and stochastic
 * ops) so that each keeps its body as written against one environment.
 */
abstract sealed class ImportState permits ShapeImports {
    /** What an ONNX value is during import: a constant, or an IR value (dims include the batch dim, 1). */
    sealed interface Sym permits C, D {}

    record C(ConstTensor t) implements Sym {}

    /**
     * @param dims the IR value's dims (NCHW), which are the ONNX tensor's dims only for {@link Layout#NCHW}
     * @param rawInput true while the value is the model input, only reshaped: the one float a binary layer may read
     * @param layout how the ONNX tensor is laid out over the IR value
     */
    record D(String ir, long[] dims, boolean rawInput, Layout layout) implements Sym {
        D(String ir, long[] dims, boolean rawInput) {
            this(ir, dims, rawInput, Layout.NCHW);
        }

        D withLayout(Layout l) {
            return new D(ir, dims, rawInput, l);
        }

        /** The dims of the ONNX tensor: [N, H, W, C] for an NHWC view of an [N, C, H, W] IR value. */
        long[] onnxDims() {
            if (layout.kind() != Layout.Kind.NHWC) return dims;
            return new long[] {dims[0], dims[2], dims[3], dims[1]};
        }
    }

    /**
     * How an ONNX activation relates to its IR value, for FINN's streamlined NHWC graphs: the IR is always NCHW
     * (CHW row-major per example), and an ONNX tensor in another order is a view of an IR value.
     *
     * <ul>
     *   <li>{@code NCHW}: the ONNX tensor is the IR value.
     *   <li>{@code NHWC}: the ONNX tensor is {@code Transpose(ir, perm 0,2,3,1)} of a rank-4 IR value.
     *   <li>{@code FLAT_NHWC}: the ONNX tensor [N, H*W*C] is an NHWC view flattened in HWC order, the IR value
     *       [N, C*H*W] the same numbers in CHW order: ONNX feature j is IR feature {@code irFeature[j]}.
     * </ul>
     */
    record Layout(Kind kind, int[] irFeature) {
        enum Kind {
            NCHW,
            NHWC,
            FLAT_NHWC
        }

        static final Layout NCHW = new Layout(Kind.NCHW, null), NHWC = new Layout(Kind.NHWC, null);

        /** The feature order of an NHWC view of a [1, c, h, w] IR value flattened in ONNX (HWC) order. */
        static Layout flatNhwc(int c, int h, int w) {
            int[] f = new int[c * h * w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int ch = 0; ch < c; ch++) f[(y * w + x) * c + ch] = (ch * h + y) * w + x;
                }
            }
            return new Layout(Kind.FLAT_NHWC, f);
        }

        boolean isView() {
            return kind != Kind.NCHW;
        }
    }

    final OnnxImporter.Options options;
    final String source;
    final TensorDecoder decoder;
    final ImportBudget budget;
    final Map<String, Sym> env = new HashMap<>();
    final Map<String, Value> irValues = new HashMap<>();
    final List<Node> nodes = new ArrayList<>();
    final Map<String, String> notes = new LinkedHashMap<>();
    int opset;
    int nextBit;
    int fresh;

    ImportState(OnnxImporter.Options options, String source, Path modelDir) {
        this.options = options;
        this.source = source;
        this.budget = new ImportBudget(options.maxBytes());
        this.decoder = new TensorDecoder(modelDir, budget);
    }

    static String describe(OnnxMl.NodeProto n) {
        String op = n.getDomain().isEmpty() ? n.getOpType() : n.getDomain() + "::" + n.getOpType();
        return "node '" + (n.getName().isEmpty() ? String.join(",", n.getOutputList()) : n.getName()) + "' (" + op
                + ")";
    }

    BnncimException err(OnnxMl.NodeProto n, String message) {
        return new BnncimException(source + ": " + describe(n) + ": " + message);
    }

    Sym in(OnnxMl.NodeProto n, int i) {
        if (i >= n.getInputCount() || n.getInput(i).isEmpty()) throw err(n, "missing input " + i);
        Sym s = env.get(n.getInput(i));
        if (s == null) throw err(n, "input '" + n.getInput(i) + "' is undefined");
        return s;
    }

    boolean hasInput(OnnxMl.NodeProto n, int i) {
        return i < n.getInputCount() && !n.getInput(i).isEmpty();
    }

    ConstTensor constIn(OnnxMl.NodeProto n, int i, String what) {
        Sym s = in(n, i);
        if (s instanceof C c) return c.t();
        throw err(n, what + " must be a constant (an initializer or a constant subgraph), not a computed tensor");
    }

    D dynIn(OnnxMl.NodeProto n, int i) {
        Sym s = in(n, i);
        if (s instanceof D d) return d;
        throw new IllegalStateException("caller checks for constants first");
    }

    void alias(OnnxMl.NodeProto n, Sym s) {
        env.put(out(n, 0), s);
    }

    String out(OnnxMl.NodeProto n, int i) {
        if (i >= n.getOutputCount() || n.getOutput(i).isEmpty()) throw err(n, "missing output " + i);
        return n.getOutput(i);
    }

    void putConst(OnnxMl.NodeProto n, ConstTensor t) {
        env.put(out(n, 0), new C(t));
    }

    Value value(String name, ElemType e, long[] dims, double scale, String where) {
        if (irValues.containsKey(name)) throw new BnncimException(where + ": value '" + name + "' is produced twice");
        int[] per = new int[dims.length - 1];
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] <= 0 || dims[i] > Integer.MAX_VALUE)
                throw new BnncimException(where + ": bad dimension " + dims[i]);
            per[i - 1] = (int) dims[i];
        }
        Shape shape;
        try {
            shape = Shape.of(per);
        } catch (IllegalArgumentException ex) {
            throw new BnncimException(where + ": " + ex.getMessage());
        }
        if (shape.size() > org.bnncim.backends.sim.Program.MAX_VALUE_ELEMENTS) {
            throw new BnncimException(where + ": value '" + name + "' holds " + shape.size() + " values per example; "
                    + "a simulator program holds at most " + org.bnncim.backends.sim.Program.MAX_VALUE_ELEMENTS);
        }
        // every runner holds activations of several examples at once, as float32: one may take a quarter of the cap
        long bytes = 4L * shape.size();
        if (bytes > options.maxBytes() / 4) {
            throw new BnncimException(where + ": value '" + name + "' holds " + shape.size() + " values per example ("
                    + bytes + " bytes as float32), more than a quarter of the --max-mb cap of "
                    + (options.maxBytes() >> 20) + " MiB");
        }
        Value v = new Value(name, new TensorType(e, shape, e.isFloat() ? 1.0 : scale));
        irValues.put(name, v);
        return v;
    }

    /** Emits an IR node producing ONNX output {@code outName}; returns the symbol now bound to it. */
    D emit(OnnxMl.NodeProto n, String outName, ElemType e, long[] dims, double scale, NodeFactory f) {
        Value v = value(outName, e, dims, scale, source + ": " + describe(n));
        nodes.add(f.make(nodeName(n), v));
        D d = new D(v.name(), dims, false);
        env.put(outName, d);
        return d;
    }

    @FunctionalInterface
    interface NodeFactory {
        Node make(String name, Value out);
    }

    String nodeName(OnnxMl.NodeProto n) {
        return n.getName().isEmpty() ? n.getOpType() + "_" + n.getOutput(0) : n.getName();
    }

    String tmp(String base) {
        String name;
        do {
            name = base + "." + (fresh++);
        } while (irValues.containsKey(name) || env.containsKey(name));
        return name;
    }

    TensorType typeOf(D d) {
        return irValues.get(d.ir()).type();
    }

    /** A constant that varies at most along the channel axis (ONNX axis 1), as a scalar or one value per channel. */
    float[] perChannel(OnnxMl.NodeProto n, ConstTensor c, long[] xDims, String what) {
        return perChannel(n, c, xDims, 1, what);
    }

    /** The same, with the channel on axis {@code channelAxis} of the ONNX tensor of dims xDims. */
    float[] perChannel(OnnxMl.NodeProto n, ConstTensor c, long[] xDims, int channelAxis, String what) {
        long[] cd = c.dims();
        int r = xDims.length;
        if (cd.length > r)
            throw err(
                    n,
                    what + " of shape " + c.dimsString() + " has more dimensions than the tensor "
                            + Arrays.toString(xDims));
        long channels = r >= 2 ? xDims[channelAxis] : 1;
        int varying = -1;
        for (int i = 0; i < cd.length; i++) {
            int axis = r - cd.length + i;
            if (cd[i] == 1) continue;
            if (axis != channelAxis || cd[i] != channels) {
                throw err(
                        n,
                        what + " of shape " + c.dimsString() + " does not broadcast per channel over "
                                + Arrays.toString(xDims) + "; bnncim folds scalar or per-channel constants only");
            }
            varying = axis;
        }
        if (varying < 0) return new float[] {c.getFloat(0)};
        return c.toFloats();
    }

    float[] vector(OnnxMl.NodeProto n, ConstTensor t, long channels, String what) {
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
}
