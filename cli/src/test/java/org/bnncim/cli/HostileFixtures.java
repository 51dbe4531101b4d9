package org.bnncim.cli;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bnncim.oracle.OnnxBuilder;

/** The files {@link HostileFilesTest} feeds the CLI: small models that point at, or ask for, too much. */
final class HostileFixtures {
    private HostileFixtures() {}

    static final float[] W = {1, -1, 1, 1, -1, -1, 1, 1};

    /** x[N,4] -> Sign -> MatMul(W 4x2) -> Sign: a healthy model, with W given by {@code w}. */
    static byte[] layer(OnnxMl.TensorProto w) {
        return CorpusTest.layer(new OnnxBuilder("base")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer(w));
    }

    static OnnxMl.TensorProto inlineW() {
        ByteBuffer b = ByteBuffer.allocate(4 * W.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : W) b.putFloat(f);
        return OnnxMl.TensorProto.newBuilder()
                .setName("W")
                .addDims(4)
                .addDims(2)
                .setDataType(DataType.FLOAT.getNumber())
                .setRawData(com.google.protobuf.ByteString.copyFrom(b.array()))
                .build();
    }

    /** W as external data at {@code location}, with the shape {@code dims} (4x2 for the healthy case). */
    static OnnxMl.TensorProto externalW(String location, long... dims) {
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder().setName("W").setDataType(DataType.FLOAT.getNumber());
        for (long d : dims) t.addDims(d);
        t.setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL);
        t.addExternalData(
                OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue(location));
        return t.build();
    }

    static byte[] weightBytes(float... w) {
        ByteBuffer b = ByteBuffer.allocate(4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : w) b.putFloat(f);
        return b.array();
    }

    /** A model folder: model.onnx whose W lives in {@code location}. */
    static Path externalModel(Path dir, String location, long... dims) throws IOException {
        Files.createDirectories(dir);
        Path m = dir.resolve("model.onnx");
        Files.write(m, layer(externalW(location, dims.length == 0 ? new long[] {4, 2} : dims)));
        return m;
    }

    /** A healthy layer plus {@code extra} constant-folding nodes, whose outputs nothing reads. */
    static byte[] withConstants(java.util.function.UnaryOperator<OnnxBuilder> extra) {
        OnnxBuilder b = new OnnxBuilder("bomb")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer(inlineW());
        return CorpusTest.layer(extra.apply(b));
    }

    /**
     * x -> {@code n} Identity nodes -> the healthy layer, the Identity chain listed last node first: a graph
     * whose ordering costs n^2 with repeated sweeps over the pending nodes.
     */
    static byte[] backwardsChain(int n) {
        OnnxBuilder b = new OnnxBuilder("backwards")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer(inlineW());
        for (int i = n; i >= 1; i--) {
            b.node("Identity", "id" + i)
                    .inputs(i == 1 ? "x" : "v" + (i - 1))
                    .outputs("v" + i)
                    .end();
        }
        return b.node("Sign", "s0")
                .inputs("v" + n)
                .outputs("a")
                .end()
                .node("MatMul", "mm")
                .inputs("a", "W")
                .outputs("h")
                .end()
                .node("Sign", "s1")
                .inputs("h")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 2)
                .build()
                .toByteArray();
    }

    /** {@code ConstantOfShape} nodes c0..c(n-1), each of {@code side} x {@code side} elements. */
    static OnnxBuilder constantsOfShape(OnnxBuilder b, int n, long side) {
        b.initializerInt64("shape", new int[] {2}, side, side);
        for (int i = 0; i < n; i++)
            b.node("ConstantOfShape", "c" + i).inputs("shape").outputs("k" + i).end();
        return b;
    }

    /** x[N, dims...] -> Sign -> y: the input alone is what the case is about. */
    static byte[] signOnly(Object... dims) {
        Object[] all = new Object[dims.length + 1];
        all[0] = "N";
        System.arraycopy(dims, 0, all, 1, dims.length);
        return new OnnxBuilder("big-input")
                .opset(13)
                .input("x", DataType.FLOAT, all)
                .node("Sign", "s")
                .inputs("x")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, all)
                .build()
                .toByteArray();
    }

    /** x[N,1,side,side] -> Sign -> Conv(1x1x1x1) -> Sign: tiny weights, a large input. */
    static byte[] wideConv(int side) {
        return new OnnxBuilder("wide")
                .opset(13)
                .input("x", DataType.FLOAT, "N", 1, side, side)
                .initializer("K", new int[] {1, 1, 1, 1}, 1f)
                .node("Sign", "s0")
                .inputs("x")
                .outputs("a")
                .end()
                .node("Conv", "conv")
                .inputs("a", "K")
                .outputs("h")
                .end()
                .node("Sign", "s1")
                .inputs("h")
                .outputs("y")
                .end()
                .output("y", DataType.FLOAT, "N", 1, side, side)
                .build()
                .toByteArray();
    }

    /** A FIFO at {@code p}, or false where mkfifo is missing. */
    static boolean fifo(Path p) {
        try {
            return new ProcessBuilder("mkfifo", p.toString()).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
