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

    /** @param rawInput true while the value is the model input, only reshaped: the one float a binary layer may read */
    record D(String ir, long[] dims, boolean rawInput) implements Sym {}

    final OnnxImporter.Options options;
    final String source;
    final TensorDecoder decoder;
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
        this.decoder = new TensorDecoder(modelDir);
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
        long[] cd = c.dims();
        int r = xDims.length;
        if (cd.length > r)
            throw err(
                    n,
                    what + " of shape " + c.dimsString() + " has more dimensions than the tensor "
                            + Arrays.toString(xDims));
        long channels = r >= 2 ? xDims[1] : 1;
        int varying = -1;
        for (int i = 0; i < cd.length; i++) {
            int axis = r - cd.length + i;
            if (cd[i] == 1) continue;
            if (axis != 1 || cd[i] != channels) {
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
