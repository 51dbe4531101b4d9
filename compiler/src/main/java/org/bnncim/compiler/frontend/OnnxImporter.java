package org.bnncim.compiler.frontend;

import static org.bnncim.compiler.frontend.OnnxAttributes.attr;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrFloat;
import static org.bnncim.compiler.frontend.OnnxAttributes.attrInt;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;

/**
 * ONNX to IR. Constant subgraphs (weights through Sign/BipolarQuant/Transpose, PyTorch's Shape-Gather-Concat
 * flatten) are folded here; every tensor that depends on the model input becomes IR. Anything outside the
 * conventions in docs/onnx-conventions.md is refused with one line naming the node.
 */
public final class OnnxImporter extends DecoderImports {
    /**
     * @param inputLevels a non-binary model input x is read as the integer round(x * inputLevels), 8 bits
     * @param maxBytes cap on what the import allocates beyond the model file (external data, folded constants) and
     *     on one example's activation (a quarter of it); {@code --max-mb}
     */
    public record Options(boolean mcDropout, boolean allowMultiOutput, int inputLevels, long maxBytes) {
        public static final long DEFAULT_MAX_BYTES = 1024L << 20;
        public static final Options DEFAULT = new Options(false, false, 255);

        public Options(boolean mcDropout, boolean allowMultiOutput, int inputLevels) {
            this(mcDropout, allowMultiOutput, inputLevels, DEFAULT_MAX_BYTES);
        }
    }

    /** The graph note naming standard Dropout nodes that were read as the identity (present only when some were). */
    public static final String IDENTITY_DROPOUT_NOTE = "identity_dropout";

    private int identityDropouts;

    static final Set<String> BIPOLAR_QUANT_DOMAINS =
            Set.of("onnx.brevitas", "qonnx.custom_op.general", "finn.custom_op.general");
    static final String BNNCIM_DOMAIN = "ai.bnncim";
    static final long BNNCIM_OPSET = 1;
    private static final java.util.Map<String, Integer> CUSTOM_MAX_INPUTS = java.util.Map.of(
            "BipolarQuant",
            2,
            "Quant",
            4,
            "IntQuant",
            4,
            "Trunc",
            5,
            "MultiThreshold",
            2,
            "MaxPoolNHWC",
            1,
            "ScaleDropout",
            3);
    static final int MIN_OPSET = 9, MAX_OPSET = 23;

    private OnnxImporter(Options options, String source, Path modelDir) {
        super(options, source, modelDir);
    }

    public static Graph importFile(Path file, Options options) {
        return importModel(OnnxFiles.read(file), file, options);
    }

    /** {@code model}, already read from {@code file}, whose folder holds any external data. */
    public static Graph importModel(OnnxMl.ModelProto model, Path file, Options options) {
        Path dir = file.toAbsolutePath().getParent();
        OnnxImporter imp = new OnnxImporter(options, file.toString(), dir);
        return imp.budget.during(() -> imp.run(model, modelName(file)));
    }

    public static Graph importModel(OnnxMl.ModelProto model, String source, Options options) {
        OnnxImporter imp = new OnnxImporter(options, source, null);
        return imp.budget.during(() -> imp.run(model, source));
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
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            // docs/onnx-conventions.md defines ScaleDropout for version 1 only; a later one may mean something else
            if (o.getDomain().equals(BNNCIM_DOMAIN) && o.getVersion() != BNNCIM_OPSET) {
                throw new BnncimException(source + ": opset import " + BNNCIM_DOMAIN + " version " + o.getVersion()
                        + " does not exist (bnncim defines version " + BNNCIM_OPSET + ")");
            }
        }
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new BnncimException(source + ": ONNX opset " + opset + " is not supported (bnncim reads opset "
                    + MIN_OPSET + " to " + MAX_OPSET + ")");
        }
        OnnxMl.GraphProto g = model.getGraph();
        if (g.getSparseInitializerCount() > 0)
            throw new BnncimException(source + ": sparse initializers are not supported");
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
        notes.put(
                "source",
                "ONNX opset " + opset
                        + (model.getProducerName().isEmpty()
                                        ? ""
                                        : ", produced by " + model.getProducerName() + " " + model.getProducerVersion())
                                .trim());
        for (OnnxMl.NodeProto n : GraphOrder.of(g, new HashSet<>(env.keySet()), source)) convert(n);
        List<String> outputs = new ArrayList<>();
        if (g.getOutputCount() > 1 && !options.allowMultiOutput()) {
            throw new BnncimException(source + ": the model has " + g.getOutputCount()
                    + " outputs; bnncim compiles single-output models (use --allow-multi-output)");
        }
        for (OnnxMl.ValueInfoProto o : g.getOutputList()) {
            Sym s = env.get(o.getName());
            if (s == null) throw new BnncimException(source + ": graph output '" + o.getName() + "' is never produced");
            if (!(s instanceof D d))
                throw new BnncimException(source + ": graph output '" + o.getName() + "' is a constant");
            outputs.add(d.layout().isView() ? outputView(o.getName(), d).ir() : d.ir());
        }
        // kept in the program, so that Monte-Carlo on a compiled folder is refused as on the model (Loaded)
        if (identityDropouts > 0)
            notes.put(
                    IDENTITY_DROPOUT_NOTE,
                    identityDropouts + " Dropout node" + (identityDropouts == 1 ? " is" : "s are")
                            + " the inference-time identity (compiled without --mc-dropout)");
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
            throw new BnncimException(
                    where + " has a fixed batch size " + b.getDimValue() + "; use 1 or a symbolic batch dimension");
        }
        for (int i = 1; i < dims.length; i++) {
            OnnxMl.TensorShapeProto.Dimension d = dl.get(i);
            if (!d.hasDimValue() || d.getDimValue() <= 0) {
                throw new BnncimException(where + " has a dynamic or non-positive dimension " + i
                        + "; bnncim needs static per-example shapes");
            }
            if (d.getDimValue() > (1 << 24))
                throw new BnncimException(where + " dimension " + i + " = " + d.getDimValue() + " is too large");
            dims[i] = d.getDimValue();
        }
        Value v = value(vi.getName(), ElemType.FLOAT32, dims, 1.0, where);
        env.put(vi.getName(), new D(v.name(), dims, true));
        return v;
    }

    // ---------------------------------------------------------------------------------------------------- nodes

    private void convert(OnnxMl.NodeProto n) {
        try {
            dispatch(n);
        } catch (OnnxAttributes.WrongType | ImportBudget.Exceeded e) {
            throw err(n, e.getMessage());
        } catch (IllegalArgumentException
                | ArithmeticException
                | IndexOutOfBoundsException
                | NegativeArraySizeException e) {
            // malformed constants or attributes the specific checks did not anticipate: still the file's fault
            throw err(n, "malformed node (" + e.getMessage() + ")");
        }
    }

    private void dispatch(OnnxMl.NodeProto n) {
        D view = viewInput(n); // FINN's NHWC layouts (FinnImports)
        if (view == null || readAsReshape(n, view)) {
            dispatchOp(n);
            return;
        }
        checkViewReader(n, view);
        switch (n.getOpType()) {
            case "Transpose" -> layoutTranspose(n);
            case "Reshape", "Flatten" -> reshapeView(n, view);
            default -> dispatchOp(n);
        }
        keepView(n, view);
    }

    private void dispatchOp(OnnxMl.NodeProto n) {
        String domain = n.getDomain();
        String op = n.getOpType();
        if (domain.isEmpty() || domain.equals("ai.onnx")) {
            convertStandard(n, op);
            return;
        }
        Integer most = CUSTOM_MAX_INPUTS.get(op);
        // an extra input is not ours to ignore: the exporter meant something by it that we would silently drop
        if (most != null && n.getInputCount() > most) {
            throw err(n, n.getInputCount() + " inputs; " + op + " takes at most " + most);
        }
        if (BIPOLAR_QUANT_DOMAINS.contains(domain) && op.equals("BipolarQuant")) {
            bipolarQuant(n);
        } else if (BIPOLAR_QUANT_DOMAINS.contains(domain) && (op.equals("Quant") || op.equals("IntQuant"))) {
            quant(n);
        } else if (BIPOLAR_QUANT_DOMAINS.contains(domain) && op.equals("Trunc")) {
            trunc(n);
        } else if (MULTI_THRESHOLD_DOMAINS.contains(domain) && op.equals("MultiThreshold")) {
            multiThreshold(n);
        } else if (MULTI_THRESHOLD_DOMAINS.contains(domain) && op.equals("MaxPoolNHWC")) {
            maxPoolNhwc(n);
        } else if (isFinnDataflow(domain, op)) {
            throw dataflowRefusal(n);
        } else if (domain.equals(BNNCIM_DOMAIN) && op.equals("ScaleDropout")) {
            scaleDropout(n);
        } else {
            throw err(
                    n,
                    "unknown operator in domain '" + domain + "'; bnncim accepts standard ONNX ops, "
                            + "BipolarQuant (onnx.brevitas, qonnx/finn.custom_op.general), FINN's MultiThreshold and "
                            + "MaxPoolNHWC, and ai.bnncim::ScaleDropout");
        }
    }

    private void convertStandard(OnnxMl.NodeProto n, String op) {
        switch (op) {
            case "Constant" -> constant(n);
            case "Identity" -> alias(n, in(n, 0));
            case "Dropout" -> dropout(n);
            case "Add", "Sub", "Mul", "Div" -> elementwise(n, op);
            case "Pow", "Sqrt", "Neg", "Reciprocal", "Abs", "Exp", "Floor", "Ceil" -> constOnlyMath(n, op);
            case "Relu", "Clip", "LeakyRelu", "PRelu" -> activation(n, op);
            case "Sign" -> sign(n);
            case "MatMul", "Gemm" -> {
                if (hasFloatWeights(n)) floatDense(n, op.equals("Gemm"));
                else if (op.equals("Gemm")) gemm(n);
                else matmul(n);
            }
            case "Conv" -> {
                if (hasFloatWeights(n)) floatConv(n);
                else conv(n);
            }
            case "BatchNormalization" -> batchNorm(n);
            case "MaxPool", "AveragePool" -> pool(n, op.equals("MaxPool"));
            case "GlobalAveragePool", "ReduceMean" -> globalPool(n, op.equals("ReduceMean"));
            case "Flatten" -> flatten(n);
            case "Reshape" -> reshape(n);
            case "Transpose" -> {
                if (!layoutTranspose(n)) transpose(n);
            }
            case "Squeeze", "Unsqueeze" -> squeezeOrUnsqueeze(n, op.equals("Unsqueeze"));
            case "Shape" -> shape(n);
            case "Gather" -> gather(n);
            case "Concat" -> concatOp(n);
            case "Cast" -> cast(n);
            case "ConstantOfShape" -> constantOfShape(n);
            case "Softmax" -> softmax(n);
            case "Sigmoid" -> sigmoid(n);
            case "Resize" -> resize(n);
            case "Upsample" -> upsample(n);
            case "ConvTranspose" -> convTranspose(n);
            case "If", "Loop", "Scan" -> throw err(n, "control flow is not supported; export the model without it");
            default -> throw err(n, "unsupported operator; see docs/onnx-conventions.md for what bnncim accepts");
        }
    }

    // -------------------------------------------------------------------------------- arithmetic

    private void elementwise(OnnxMl.NodeProto n, String op) {
        Sym a = in(n, 0), b = in(n, 1);
        if (a instanceof C ca && b instanceof C cb) {
            boolean ints = ca.t().kind() != ConstTensor.Kind.FLOAT && cb.t().kind() != ConstTensor.Kind.FLOAT;
            try {
                putConst(
                        n,
                        ConstOps.binary(
                                ca.t(),
                                cb.t(),
                                switch (op) {
                                    case "Add" -> (u, v) -> ints ? u + v : (float) u + (float) v;
                                    case "Sub" -> (u, v) -> ints ? u - v : (float) u - (float) v;
                                    case "Mul" -> (u, v) -> ints ? u * v : (float) u * (float) v;
                                    default -> (u, v) -> ints ? (long) u / (long) v : (float) u / (float) v;
                                },
                                ints));
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw err(n, e.getMessage());
            }
            return;
        }
        if (a instanceof D da && b instanceof D db) {
            computedPair(n, op, da, db);
            return;
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
        float[] perChannel = layoutConstant(n, c, d, "constant");
        if (isKbit(typeOf(d)) && (stepOp == AffineStep.Op.MUL || stepOp == AffineStep.Op.DIV)) {
            rescale(n, d, perChannel, stepOp == AffineStep.Op.DIV);
            return;
        }
        affine(n, d, new AffineStep(stepOp, perChannel));
    }

    private void affine(OnnxMl.NodeProto n, D d, AffineStep step) {
        emit(n, out(n, 0), ElemType.FLOAT32, d.dims(), 1.0, (nm, v) -> new Node.Affine(nm, d.ir(), v, List.of(step)));
    }

    private void batchNorm(OnnxMl.NodeProto n) {
        Sym x = in(n, 0);
        if (!(x instanceof D d)) throw err(n, "BatchNormalization of a constant is not supported");
        if (attrInt(n, "training_mode", 0) != 0)
            throw err(n, "training-mode BatchNormalization; export the model in eval mode");
        if (n.getOutputCount() > 1
                && n.getOutputList().subList(1, n.getOutputCount()).stream().anyMatch(s -> !s.isEmpty())) {
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
        emit(
                n,
                out(n, 0),
                ElemType.FLOAT32,
                d.dims(),
                1.0,
                (nm, v) -> new Node.Affine(
                        nm,
                        d.ir(),
                        v,
                        List.of(new AffineStep(AffineStep.Op.MUL, a), new AffineStep(AffineStep.Op.ADD, b))));
        env.put(out(n, 0), new D(out(n, 0), d.dims(), false));
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
        Sym x = in(n, 0);
        if (x instanceof C c) {
            putConst(
                    n,
                    scale.size() == 1 ? ConstOps.bipolar(c.t(), scale.getFloat(0)) : Quantizers.bipolar(c.t(), scale));
            return;
        }
        if (scale.size() != 1)
            throw err(n, "BipolarQuant with a per-channel scale is not supported (use a scalar scale)");
        if (!Float.isFinite(scale.getFloat(0)))
            throw err(n, "scale holds " + scale.getFloat(0) + "; it must be finite");
        bipolarActivation(n, (D) x, scale.getFloat(0));
    }

    /** {@code Sign}, then a multiply by s when s != 1 (conventions, section 1). */
    private void bipolarActivation(OnnxMl.NodeProto n, D d, float s) {
        if (s == 1.0f) {
            emit(n, out(n, 0), ElemType.BIPOLAR, d.dims(), 1.0, (nm, v) -> new Node.Sign(nm, d.ir(), v, true));
            env.put(out(n, 0), new D(out(n, 0), d.dims(), false));
            return;
        }
        String mid = tmp(out(n, 0) + ".sign");
        Value signV = value(mid, ElemType.BIPOLAR, d.dims(), 1.0, source + ": " + describe(n));
        nodes.add(new Node.Sign(nodeName(n), d.ir(), signV, true));
        D sd = new D(mid, d.dims(), false);
        affine(n, sd, new AffineStep(AffineStep.Op.MUL, new float[] {s}));
    }

    private float bitsIn(OnnxMl.NodeProto n, int i, String what) {
        ConstTensor t = constIn(n, i, what);
        if (t.size() != 1) throw err(n, what + " must be a single value, not " + t.size() + " values");
        float b = t.getFloat(0);
        if (!(b >= 1f && b <= 32f && b == Math.rint(b)))
            throw err(n, what + " " + org.bnncim.ir.TextPrinter.number(b) + " is not an integer from 1 to 32");
        return b;
    }

    private Quantizers.Rounding rounding(OnnxMl.NodeProto n, String dflt) {
        try {
            return Quantizers.Rounding.of(OnnxAttributes.attrString(n, "rounding_mode", dflt));
        } catch (IllegalArgumentException e) {
            throw err(n, e.getMessage());
        }
    }

    /** QONNX Quant / IntQuant: folded on constants; on activations only the bipolar (signed 1-bit) form. */
    private void quant(OnnxMl.NodeProto n) {
        ConstTensor scale = constIn(n, 1, "scale"), zeropt = constIn(n, 2, "zero point");
        float bits = bitsIn(n, 3, "bitwidth");
        // QONNX declares signed and narrow with default 1 and rounding_mode with default ROUND
        boolean signed = attrInt(n, "signed", 1) != 0, narrow = attrInt(n, "narrow", 1) != 0;
        Quantizers.Rounding mode = rounding(n, "ROUND");
        Sym x = in(n, 0);
        if (x instanceof C c) {
            putConst(n, Quantizers.quant(c.t(), scale, zeropt, bits, signed, narrow, mode));
            return;
        }
        String what = (signed ? "signed " : "unsigned ") + (narrow ? "narrow " : "");
        if (bits > 1f || (!signed && !narrow)) { // unsigned 1-bit: {0, 1}·scale, a 1-bit (one-pass) activation
            kbitQuant(n, (D) x, scale, zeropt, bits, signed, narrow, mode);
            return;
        }
        boolean zeroZp = true;
        for (int i = 0; i < zeropt.size(); i++) zeroZp &= zeropt.getFloat(i) == 0f;
        if (signed && zeroZp && scale.size() == 1 && scale.getFloat(0) > 0f) {
            // QONNX: q = x / scale >= 0 ? +1 : -1, times scale: BipolarQuant with the same scale
            bipolarActivation(n, (D) x, scale.getFloat(0));
            return;
        }
        String values = signed ? "{-1, +1}" : Quantizers.levels(false, narrow, 1f);
        String produces = zeroZp ? values + "·scale" : "(" + values + " - zero point)·scale";
        String why = !signed
                ? ""
                : !zeroZp
                        ? " with a nonzero zero point"
                        : scale.size() != 1 ? " with a per-channel scale" : " with scale <= 0";
        throw err(
                n,
                "1-bit " + what + "Quant" + why + " produces " + produces + ", not bipolar values; the bipolar form "
                        + "is BipolarQuant or a signed 1-bit Quant with zero point 0 and one positive scale");
    }

    /** QONNX Trunc: folded on constants; on activations it is a k-bit accumulator quantizer, refused. */
    private void trunc(OnnxMl.NodeProto n) {
        ConstTensor scale = constIn(n, 1, "scale"), zeropt = constIn(n, 2, "zero point");
        if (n.getInputCount() != 5)
            throw err(n, "Trunc with " + n.getInputCount() + " inputs; bnncim reads QONNX's five-input Trunc");
        float inBits = bitsIn(n, 3, "input_bit_width"), outBits = bitsIn(n, 4, "output_bit_width");
        Quantizers.Rounding mode = rounding(n, "FLOOR");
        if (in(n, 0) instanceof C c) {
            putConst(n, Quantizers.trunc(c.t(), scale, zeropt, inBits, outBits, mode));
            return;
        }
        throw err(
                n,
                "Trunc of a computed tensor (an accumulator quantized to " + org.bnncim.ir.TextPrinter.number(outBits)
                        + " bits) is not supported; bnncim maps activations quantized by BipolarQuant, Sign, Quant "
                        + "(1 to 8 bits) or MultiThreshold");
    }

    private void softmax(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "Softmax of a constant is not supported");
        long axis = attrInt(n, "axis", opset >= 13 ? -1 : 1);
        int r = x.dims().length;
        if (axis < 0) axis += r;
        if (opset >= 13 && r == 4 && axis == 1) {
            pixelSoftmax(n, x); // per pixel over channels; before opset 13, axis 1 meant all of C*H*W
            return;
        }
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
            if (ratio != 0f && x instanceof D) identityDropouts++;
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
        emit(n, out(n, 0), ElemType.GATED_BIPOLAR, d.dims(), 1.0, (nm, v) -> new Node.McDropout(nm, d.ir(), v, p));
        env.put(out(n, 0), new D(out(n, 0), d.dims(), false));
    }

    private void scaleDropout(OnnxMl.NodeProto n) {
        if (!(in(n, 0) instanceof D x)) throw err(n, "ScaleDropout of a constant is not supported");
        if (attr(n, "p") == null) throw err(n, "attribute p is required");
        float p = attrFloat(n, "p", Float.NaN);
        if (!(p >= 0f && p < 1f)) throw err(n, "attribute p = " + p + " is outside [0, 1)");
        long axis = attrInt(n, "axis", 1);
        int r = x.dims().length;
        if (axis < 0) axis += r;
        if (axis != 1) throw err(n, "axis " + attrInt(n, "axis", 1) + " is not the channel axis 1");
        TensorType t = typeOf(x);
        if (t.elem().isBipolar() || isKbit(t)) {
            throw err(
                    n,
                    "ScaleDropout must follow a binary MatMul/Gemm/Conv (the popcount) or its bias/affine chain, not a "
                            + t.elem() + " activation");
        }
        long ch = r >= 2 ? x.dims()[1] : 1;
        float[] scale = scaleVector(n, constIn(n, 1, "scale"), ch, "scale");
        float[] dropped =
                hasInput(n, 2) ? scaleVector(n, constIn(n, 2, "dropped_scale"), ch, "dropped_scale") : new float[] {1f};
        requireFinite(n, scale, "scale");
        requireFinite(n, dropped, "dropped_scale");
        int bit = nextBit++;
        emit(
                n,
                out(n, 0),
                ElemType.FLOAT32,
                x.dims(),
                1.0,
                (nm, v) -> new Node.ScaleDropout(nm, x.ir(), v, scale, dropped, p, bit));
        env.put(out(n, 0), new D(out(n, 0), x.dims(), false));
    }

    private void requireFinite(OnnxMl.NodeProto n, float[] v, String what) {
        for (float f : v) if (!Float.isFinite(f)) throw err(n, what + " holds " + f + "; it must be finite");
    }

    private float[] scaleVector(OnnxMl.NodeProto n, ConstTensor t, long channels, String what) {
        if (t.size() == 1) return new float[] {t.getFloat(0)};
        if (t.size() != channels) throw err(n, what + " has " + t.size() + " values for " + channels + " channels");
        return t.toFloats();
    }
}
