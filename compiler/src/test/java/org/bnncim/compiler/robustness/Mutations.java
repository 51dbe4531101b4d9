package org.bnncim.compiler.robustness;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.util.Random;

/** Mutators for fuzzing: raw bytes, and protobuf fields a careless or hostile exporter could get wrong. */
final class Mutations {
    private Mutations() {}

    static byte[] bytes(byte[] seed, Random r) {
        byte[] b = seed.clone();
        switch (r.nextInt(4)) {
            case 0 -> { // bit flips
                int flips = 1 + r.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    int p = r.nextInt(b.length);
                    b[p] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length)); // truncation
            case 2 -> { // overwrite a run with random bytes
                int p = r.nextInt(b.length), n = Math.min(b.length - p, 1 + r.nextInt(32));
                for (int i = 0; i < n; i++) b[p + i] = (byte) r.nextInt(256);
            }
            default -> { // splice: duplicate a chunk
                int p = r.nextInt(b.length), n = Math.min(b.length - p, 1 + r.nextInt(64));
                byte[] out = new byte[b.length + n];
                System.arraycopy(b, 0, out, 0, p + n);
                System.arraycopy(b, p, out, p + n, b.length - p);
                b = out;
            }
        }
        return b;
    }

    static OnnxMl.ModelProto structure(OnnxMl.ModelProto seed, Random r) {
        OnnxMl.ModelProto.Builder m = seed.toBuilder();
        OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
        int mutations = 1 + r.nextInt(3);
        for (int k = 0; k < mutations; k++) {
            switch (r.nextInt(12)) {
                case 0 -> { // a dimension of an initializer
                    if (g.getInitializerCount() == 0) break;
                    var t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
                    if (t.getDimsCount() == 0) break;
                    t.setDims(
                            r.nextInt(t.getDimsCount()),
                            pick(r, new long[] {0, -1, 1, 2, 3, 1L << 40, Integer.MAX_VALUE, 7}));
                }
                case 1 -> { // element type of an initializer
                    if (g.getInitializerCount() == 0) break;
                    g.getInitializerBuilder(r.nextInt(g.getInitializerCount())).setDataType(r.nextInt(17));
                }
                case 2 -> { // raw data length
                    if (g.getInitializerCount() == 0) break;
                    var t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
                    ByteString d = t.getRawData();
                    t.setRawData(
                            r.nextBoolean()
                                    ? d.substring(0, d.size() / 2)
                                    : d.concat(ByteString.copyFrom(new byte[4])));
                }
                case 3 -> { // a node input rewired
                    if (g.getNodeCount() == 0) break;
                    var n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
                    if (n.getInputCount() == 0) break;
                    String target = r.nextInt(4) == 0
                            ? "undefined_" + r.nextInt(9)
                            : g.getNode(r.nextInt(g.getNodeCount())).getOutput(0);
                    n.setInput(r.nextInt(n.getInputCount()), target);
                }
                case 4 -> { // op type swapped
                    if (g.getNodeCount() == 0) break;
                    g.getNodeBuilder(r.nextInt(g.getNodeCount())).setOpType(pick(r, new String[] {
                        "Relu",
                        "Conv",
                        "MatMul",
                        "Sign",
                        "Loop",
                        "Quant",
                        "Transpose",
                        "Reshape",
                        "Gemm",
                        "Softmax",
                        "Frob",
                        "MaxPool",
                        "Add"
                    }));
                }
                case 5 -> { // domain swapped
                    if (g.getNodeCount() == 0) break;
                    g.getNodeBuilder(r.nextInt(g.getNodeCount())).setDomain(pick(r, new String[] {
                        "", "ai.bnncim", "onnx.brevitas", "qonnx.custom_op.general", "com.evil", "ai.onnx"
                    }));
                }
                case 6 -> { // attribute values
                    if (g.getNodeCount() == 0) break;
                    var n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
                    if (n.getAttributeCount() == 0) {
                        n.addAttribute(OnnxMl.AttributeProto.newBuilder()
                                .setName(pick(r, new String[] {"axis", "p", "pads", "perm"}))
                                .setI(r.nextInt(7) - 3)
                                .addInts(r.nextInt(5) - 2)
                                .setF(r.nextFloat() * 3 - 1));
                    } else {
                        var a = n.getAttributeBuilder(r.nextInt(n.getAttributeCount()));
                        a.setI(pick(r, new long[] {-5, -1, 0, 1, 2, 100, 1L << 33}));
                        a.setF(pick(r, new float[] {-1f, 0f, 0.5f, 1f, 2f, Float.NaN, Float.POSITIVE_INFINITY}));
                        if (a.getIntsCount() > 0)
                            a.setInts(r.nextInt(a.getIntsCount()), pick(r, new long[] {-3, 0, 1, 5, 1 << 20}));
                    }
                }
                case 7 -> { // node removed (leaves dangling uses)
                    if (g.getNodeCount() > 1) g.removeNode(r.nextInt(g.getNodeCount()));
                }
                case 8 -> { // graph input shape
                    if (g.getInputCount() == 0) break;
                    var in = g.getInputBuilder(0)
                            .getTypeBuilder()
                            .getTensorTypeBuilder()
                            .getShapeBuilder();
                    if (in.getDimCount() == 0) break;
                    var d = in.getDimBuilder(r.nextInt(in.getDimCount()));
                    if (r.nextBoolean()) d.setDimValue(pick(r, new long[] {0, -3, 1, 2, 1L << 40, 100000}));
                    else d.setDimParam("B");
                }
                case 9 -> { // opset
                    if (m.getOpsetImportCount() > 0)
                        m.getOpsetImportBuilder(0).setVersion(pick(r, new long[] {1, 7, 9, 13, 21, 99}));
                }
                case 10 -> { // initializer removed
                    if (g.getInitializerCount() > 0) g.removeInitializer(r.nextInt(g.getInitializerCount()));
                }
                default -> { // weights made non-binary
                    if (g.getInitializerCount() == 0) break;
                    var t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
                    ByteString d = t.getRawData();
                    if (d.size() >= 4) {
                        byte[] b = d.toByteArray();
                        int p = 4 * r.nextInt(b.length / 4);
                        java.nio.ByteBuffer.wrap(b)
                                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                                .putFloat(p, r.nextFloat() * 4 - 2);
                        t.setRawData(ByteString.copyFrom(b));
                    }
                }
            }
        }
        return m.build();
    }

    private static long pick(Random r, long[] v) {
        return v[r.nextInt(v.length)];
    }

    private static float pick(Random r, float[] v) {
        return v[r.nextInt(v.length)];
    }

    private static String pick(Random r, String[] v) {
        return v[r.nextInt(v.length)];
    }
}
