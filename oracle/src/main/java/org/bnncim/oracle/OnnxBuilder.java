package org.bnncim.oracle;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.io.AtomicFiles;

/**
 * Fluent construction of small ONNX models for tests and benchmark generators.
 *
 * <pre>
 * ModelProto m = new OnnxBuilder("mlp").opset(13).opset("ai.bnncim", 1)
 *     .input("x", DataType.FLOAT, "N", 4)
 *     .initializer("W", new int[] {4, 3}, w)
 *     .node("MatMul", "mm").inputs("x", "W").outputs("h").end()
 *     .node("ScaleDropout", "sd").domain("ai.bnncim").inputs("h", "s").outputs("y").attr("p", 0.25f).end()
 *     .output("y", DataType.FLOAT, "N", 3)
 *     .build();
 * </pre>
 *
 * Output is deterministic: the same calls give the same bytes (no timestamps, insertion order everywhere).
 */
public final class OnnxBuilder {

    /** The domain of bnncim's own ops ({@code ScaleDropout}). */
    public static final String BNNCIM_DOMAIN = "ai.bnncim";

    private final String graphName;
    private final Map<String, Long> opsets = new LinkedHashMap<>();
    private final List<ValueInfoProto> inputs = new ArrayList<>();
    private final List<ValueInfoProto> outputs = new ArrayList<>();
    private final List<ValueInfoProto> valueInfos = new ArrayList<>();
    private final List<TensorProto> initializers = new ArrayList<>();
    private final List<NodeBuilder> nodes = new ArrayList<>();
    private long irVersion = -1;
    private String producer = "bnncim";

    public OnnxBuilder(String graphName) {
        this.graphName = graphName;
    }

    /** Version of the default ONNX domain. */
    public OnnxBuilder opset(long version) {
        return opset("", version);
    }

    public OnnxBuilder opset(String domain, long version) {
        opsets.put(domain, version);
        return this;
    }

    /** Overrides the IR version otherwise derived from the default-domain opset (the release that introduced it). */
    public OnnxBuilder irVersion(long version) {
        this.irVersion = version;
        return this;
    }

    public OnnxBuilder producer(String name) {
        this.producer = name;
        return this;
    }

    /**
     * A graph input. Each dim is an {@link Integer}/{@link Long} (fixed), a {@link String} (symbolic, e.g. "N")
     * or {@code null} (unknown).
     */
    public OnnxBuilder input(String name, DataType type, Object... dims) {
        inputs.add(tensorInfo(name, type, dims));
        return this;
    }

    public OnnxBuilder output(String name, DataType type, Object... dims) {
        outputs.add(tensorInfo(name, type, dims));
        return this;
    }

    /** A graph output whose type is declared but whose shape is left to the runtime. */
    public OnnxBuilder outputUnshaped(String name, DataType type) {
        outputs.add(unshapedValueInfo(name, type));
        return this;
    }

    public OnnxBuilder valueInfo(String name, DataType type, Object... dims) {
        valueInfos.add(tensorInfo(name, type, dims));
        return this;
    }

    public OnnxBuilder initializer(String name, int[] dims, float... values) {
        return initializer(floatTensor(name, dims, values));
    }

    public OnnxBuilder initializerInt64(String name, int[] dims, long... values) {
        return initializer(int64Tensor(name, dims, values));
    }

    public OnnxBuilder initializer(TensorProto tensor) {
        initializers.add(tensor);
        return this;
    }

    /**
     * Exposes an initializer also as a graph input, as exporters for IR version 3 had to (and some still do).
     */
    public OnnxBuilder initializerAsInput(String name) {
        for (TensorProto t : initializers) {
            if (t.getName().equals(name)) {
                Object[] dims = t.getDimsList().toArray();
                inputs.add(tensorInfo(name, DataType.forNumber(t.getDataType()), dims));
                return this;
            }
        }
        throw new IllegalArgumentException("no initializer " + name);
    }

    /** Starts a node in the default domain; finish it with {@link NodeBuilder#end()}. */
    public NodeBuilder node(String opType, String name) {
        NodeBuilder n = new NodeBuilder(this, opType, name);
        nodes.add(n);
        return n;
    }

    /** Shorthand for a default-domain node without attributes. */
    public OnnxBuilder node(String opType, String name, List<String> nodeInputs, List<String> nodeOutputs) {
        return node(opType, name)
                .inputs(nodeInputs.toArray(String[]::new))
                .outputs(nodeOutputs.toArray(String[]::new))
                .end();
    }

    public ModelProto build() {
        GraphProto.Builder g = GraphProto.newBuilder().setName(graphName);
        for (NodeBuilder n : nodes) {
            g.addNode(n.proto.build());
        }
        g.addAllInitializer(initializers)
                .addAllInput(inputs)
                .addAllOutput(outputs)
                .addAllValueInfo(valueInfos);
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(irVersion >= 0 ? irVersion : irVersionFor(opsets.getOrDefault("", 13L)))
                .setProducerName(producer)
                .setGraph(g);
        opsets.forEach((domain, version) -> m.addOpsetImport(
                OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version)));
        return m.build();
    }

    /** Builds and writes the model; the file appears atomically (temp file in the same folder, then rename). */
    public ModelProto save(Path file) {
        ModelProto m = build();
        write(file, m.toByteArray());
        return m;
    }

    /** Writes model bytes atomically; shared with {@link ReferenceForm} callers that save converted models. */
    public static void write(Path file, byte[] bytes) {
        AtomicFiles.write(file, bytes);
    }

    /**
     * The IR version of the ONNX release that introduced {@code opset}: old enough for any runtime that knows
     * the opset, and at least 4 so initializers need not be graph inputs.
     */
    static long irVersionFor(long opset) {
        if (opset <= 9) return 4;
        if (opset == 10) return 5;
        if (opset == 11) return 6;
        if (opset <= 14) return 7;
        if (opset <= 18) return 8;
        if (opset <= 20) return 9;
        return 10;
    }

    // ---------------------------------------------------------------- static helpers

    public static ValueInfoProto tensorInfo(String name, DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Number num) {
                dim.setDimValue(num.longValue());
            } else if (d instanceof String param) {
                dim.setDimParam(param);
            } else if (d != null) {
                throw new IllegalArgumentException("dim must be a number, a name or null: " + d);
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(type.getNumber())
                                .setShape(shape)))
                .build();
    }

    public static ValueInfoProto unshapedValueInfo(String name, DataType type) {
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber())))
                .build();
    }

    /** A float32 tensor with its values in raw_data, little-endian, as the ONNX spec requires. */
    public static TensorProto floatTensor(String name, int[] dims, float... values) {
        checkCount(name, dims, values.length);
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return tensor(name, DataType.FLOAT, dims, b.array());
    }

    public static TensorProto int64Tensor(String name, int[] dims, long... values) {
        checkCount(name, dims, values.length);
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return tensor(name, DataType.INT64, dims, b.array());
    }

    public static TensorProto boolTensor(String name, int[] dims, boolean... values) {
        checkCount(name, dims, values.length);
        byte[] raw = new byte[values.length];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (values[i] ? 1 : 0);
        }
        return tensor(name, DataType.BOOL, dims, raw);
    }

    private static TensorProto tensor(String name, DataType type, int[] dims, byte[] raw) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
        for (int d : dims) {
            t.addDims(d);
        }
        return t.setRawData(ByteString.copyFrom(raw)).build();
    }

    private static void checkCount(String name, int[] dims, int count) {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        if (n != count) {
            throw new IllegalArgumentException("tensor " + name + ": dims give " + n + " elements, got " + count);
        }
    }

    /** One node under construction; its place in the graph is fixed when {@link OnnxBuilder#node} is called. */
    public static final class NodeBuilder {
        private final OnnxBuilder parent;
        private final NodeProto.Builder proto;

        private NodeBuilder(OnnxBuilder parent, String opType, String name) {
            this.parent = parent;
            this.proto = NodeProto.newBuilder().setOpType(opType);
            if (name != null) {
                proto.setName(name);
            }
        }

        public NodeBuilder domain(String domain) {
            proto.setDomain(domain);
            return this;
        }

        /** Node inputs; an empty string marks an omitted optional input. */
        public NodeBuilder inputs(String... names) {
            for (String n : names) {
                proto.addInput(n);
            }
            return this;
        }

        public NodeBuilder outputs(String... names) {
            for (String n : names) {
                proto.addOutput(n);
            }
            return this;
        }

        public NodeBuilder attr(String name, float value) {
            return add(AttributeProto.newBuilder()
                    .setName(name)
                    .setType(AttributeProto.AttributeType.FLOAT)
                    .setF(value));
        }

        public NodeBuilder attr(String name, long value) {
            return add(AttributeProto.newBuilder()
                    .setName(name)
                    .setType(AttributeProto.AttributeType.INT)
                    .setI(value));
        }

        public NodeBuilder attr(String name, String value) {
            return add(AttributeProto.newBuilder()
                    .setName(name)
                    .setType(AttributeProto.AttributeType.STRING)
                    .setS(ByteString.copyFromUtf8(value)));
        }

        public NodeBuilder attr(String name, TensorProto value) {
            return add(AttributeProto.newBuilder()
                    .setName(name)
                    .setType(AttributeProto.AttributeType.TENSOR)
                    .setT(value));
        }

        public NodeBuilder attrInts(String name, long... values) {
            AttributeProto.Builder a =
                    AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            return add(a);
        }

        public NodeBuilder attrFloats(String name, float... values) {
            AttributeProto.Builder a =
                    AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
            for (float v : values) {
                a.addFloats(v);
            }
            return add(a);
        }

        private NodeBuilder add(AttributeProto.Builder a) {
            proto.addAttribute(a);
            return this;
        }

        public OnnxBuilder end() {
            return parent;
        }
    }
}
