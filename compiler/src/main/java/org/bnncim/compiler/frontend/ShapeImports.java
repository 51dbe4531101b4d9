package org.bnncim.compiler.frontend;

import static org.bnncim.compiler.frontend.OnnxAttributes.attr;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrInt;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrInts;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Path;
import java.util.Arrays;
import org.bnncim.ir.Node;
import org.bnncim.ir.TensorType;

/**
 * Constant and shape ops: folded while their inputs are constants (weights, PyTorch's Shape-Gather-Concat
 * flatten), and for the model input only the reshapes a chip can do (flatten, reshape, transpose of size-1 axes).
 */
abstract sealed class ShapeImports extends ImportState permits LayerImports {
    ShapeImports(OnnxImporter.Options options, String source, Path modelDir) {
        super(options, source, modelDir);
    }

    void constant(OnnxMl.NodeProto n) {
        OnnxMl.AttributeProto a = n.getAttributeCount() == 1 ? n.getAttribute(0) : null;
        if (a == null) throw err(n, "Constant needs exactly one value attribute");
        OnnxMl.AttributeProto.AttributeType want = switch (a.getName()) {
            case "value" -> OnnxMl.AttributeProto.AttributeType.TENSOR;
            case "value_float" -> OnnxMl.AttributeProto.AttributeType.FLOAT;
            case "value_floats" -> OnnxMl.AttributeProto.AttributeType.FLOATS;
            case "value_int" -> OnnxMl.AttributeProto.AttributeType.INT;
            case "value_ints" -> OnnxMl.AttributeProto.AttributeType.INTS;
            default -> a.getType();
        };
        if (a.getType() != want && a.getType() != OnnxMl.AttributeProto.AttributeType.UNDEFINED)
            throw err(n, "attribute " + a.getName() + " is " + a.getType() + ", expected " + want);
        ConstTensor t = switch (a.getName()) {
            case "value" -> decoder.decode(a.getT(), source + ": " + describe(n));
            case "value_float" -> ConstTensor.scalar(a.getF());
            case "value_floats" -> {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) f[i] = a.getFloats(i);
                yield ConstTensor.ofFloat(new long[] {f.length}, f);
            }
            case "value_int" -> ConstTensor.ofLong(new long[0], new long[] {a.getI()});
            case "value_ints" ->
                ConstTensor.ofLong(
                        new long[] {a.getIntsCount()},
                        a.getIntsList().stream().mapToLong(Long::longValue).toArray());
            default -> throw err(n, "Constant attribute '" + a.getName() + "' is not supported");
        };
        putConst(n, t);
    }

    void constOnlyMath(OnnxMl.NodeProto n, String op) {
        Sym x = in(n, 0);
        if (!(x instanceof C c)) {
            if (op.equals("Relu"))
                throw err(
                        n,
                        "non-binary activation on a computed tensor; "
                                + "bnncim maps binarized (Sign/BipolarQuant) activations");
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

    void shape(OnnxMl.NodeProto n) {
        Sym x = in(n, 0);
        long[] dims = x instanceof C c ? c.t().dims() : ((D) x).onnxDims();
        long start = attrInt(n, "start", 0), end = attrInt(n, "end", dims.length);
        if (start < 0) start += dims.length;
        if (end < 0) end += dims.length;
        start = Math.max(0, Math.min(start, dims.length));
        end = Math.max(start, Math.min(end, dims.length));
        long[] s = Arrays.copyOfRange(dims, (int) start, (int) end);
        putConst(n, ConstTensor.ofLong(new long[] {s.length}, s));
    }

    void gather(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof C data)) throw err(n, "Gather on a computed tensor is not supported");
        ConstTensor idx = constIn(n, 1, "indices");
        try {
            putConst(n, ConstOps.gather(data.t(), idx, (int) attrInt(n, "axis", 0)));
        } catch (IllegalArgumentException e) {
            throw err(n, e.getMessage());
        }
    }

    void concat(OnnxMl.NodeProto n) {
        ConstTensor[] parts = new ConstTensor[n.getInputCount()];
        for (int i = 0; i < parts.length; i++) {
            if (!(in(n, i) instanceof C c))
                throw err(
                        n,
                        "Concat of computed tensors is not supported: bnncim joins two branches only by an Add "
                                + "of equal shapes (a residual shortcut); replace the Concat by an Add");
            parts[i] = c.t();
        }
        try {
            putConst(n, ConstOps.concat(parts, (int) attrInt(n, "axis", 0)));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw err(n, e.getMessage());
        }
    }

    void cast(OnnxMl.NodeProto n) {
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
            case TensorDecoder.INT64,
                    TensorDecoder.INT32,
                    TensorDecoder.INT16,
                    TensorDecoder.INT8,
                    TensorDecoder.UINT8 -> ConstTensor.ofLong(t.dims(), t.toLongs());
            case TensorDecoder.BOOL -> {
                long[] l = new long[t.size()];
                for (int i = 0; i < l.length; i++) l[i] = t.get(i) != 0 ? 1 : 0;
                yield ConstTensor.ofBool(t.dims(), l);
            }
            default -> throw err(n, "Cast to " + TensorDecoder.typeName(to) + " is not supported");
        };
        putConst(n, r);
    }

    void constantOfShape(OnnxMl.NodeProto n) {
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

    long checkedCount(OnnxMl.NodeProto n, long[] dims) {
        try {
            for (long d : dims) if (d < 0) throw err(n, "negative dimension " + d);
            long c = ConstTensor.count(dims);
            ImportBudget.fold(c, 8);
            return c;
        } catch (ArithmeticException e) {
            throw err(n, "shape overflows");
        }
    }

    // ------------------------------------------------------------------------------------ shape ops

    void flatten(OnnxMl.NodeProto n) {
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

    void reshape(OnnxMl.NodeProto n) {
        Sym x = in(n, 0);
        long[] target = constIn(n, 1, "shape").toLongs();
        long[] dims = x instanceof C c ? c.t().dims() : ((D) x).dims();
        try {
            reshapeTo(n, x, ConstOps.reshapeTarget(dims, target, attrInt(n, "allowzero", 0) != 0));
        } catch (IllegalArgumentException e) {
            throw err(n, e.getMessage());
        }
    }

    void reshapeTo(OnnxMl.NodeProto n, Sym x, long[] newDims) {
        if (x instanceof C c) {
            putConst(n, c.t().reshape(newDims));
            return;
        }
        D d = (D) x;
        if (newDims.length == 0 || newDims[0] != 1) {
            throw err(
                    n,
                    "reshape to " + Arrays.toString(newDims)
                            + " would mix examples of a batch; the first dimension must stay the batch");
        }
        if (Arrays.equals(newDims, d.dims())) {
            alias(n, d);
            return;
        }
        TensorType t = typeOf(d);
        D r = emit(n, out(n, 0), t.elem(), newDims, t.scale(), (nm, v) -> new Node.Reshape(nm, d.ir(), v));
        env.put(out(n, 0), new D(r.ir(), r.dims(), d.rawInput()));
    }

    void transpose(OnnxMl.NodeProto n) {
        Sym x = in(n, 0);
        long[] permL = attrInts(n, "perm");
        int[] perm = permL == null
                ? null
                : Arrays.stream(permL).mapToInt(v -> (int) v).toArray();
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
            if (perm[i] < last)
                throw err(n, "transposing a computed tensor is not supported (only weights may be transposed)");
            last = perm[i];
        }
        reshapeTo(n, d, nd);
    }

    void squeezeOrUnsqueeze(OnnxMl.NodeProto n, boolean unsqueeze) {
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
}
