package org.bnncim.oracle;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.ir.BnncimException;

/**
 * Runs a standard-ONNX model (typically {@link ReferenceForm}'s output) in ONNX Runtime on the CPU, as the
 * independent reference for verification.
 *
 * <p>Batches are flat: {@code batch} holds {@code n} examples of {@code exampleShape} back to back (C order),
 * and each result row is one example's output, flattened. Bits: {@code z[i][k]} is the bit of ScaleDropout node
 * {@code k} (graph input {@code z_k}) for example {@code i}; models without bit inputs take {@code null}.
 *
 * <p>By default graph optimisations are off: ONNX Runtime's fusions (Conv+BatchNormalization, MatMul+Add) round
 * differently from the graph as written, and a reference should compute what the graph says. Results do not
 * depend on the number of threads for the binarized layers (integer-valued sums are exact in float32).
 */
public final class OrtReference implements AutoCloseable {

    /** The z inputs {@link ReferenceForm} adds are named z_0, z_1, ... */
    private static final String Z_PREFIX = "z_";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final List<String> inputNames;
    private final List<String> dataInputNames;
    private final List<String> zInputNames;
    private final List<String> outputNames;
    private final Map<String, TensorInfo> inputInfo = new HashMap<>();

    public OrtReference(byte[] model, int threads) {
        this(model, threads, false);
    }

    /** {@code optimize} turns on all of ONNX Runtime's graph optimisations (faster, may round differently). */
    public OrtReference(byte[] model, int threads, boolean optimize) {
        this(model, null, threads, optimize);
    }

    /**
     * As {@link #OrtReference(byte[], int, boolean)}, with ONNX Runtime reading the model file itself (the way a
     * user opens a session, and the work bnncim's compile does from a path).
     */
    public OrtReference(Path modelFile, int threads, boolean optimize) {
        this(null, modelFile, threads, optimize);
    }

    private OrtReference(byte[] model, Path modelFile, int threads, boolean optimize) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(
                    optimize ? OrtSession.SessionOptions.OptLevel.ALL_OPT : OrtSession.SessionOptions.OptLevel.NO_OPT);
            opts.setDeterministicCompute(true);
            // old exporters list initializers as inputs and leave unused ones: ORT warns per tensor, which is noise
            opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            // idle worker threads should sleep, not spin: verification runs next to other work
            opts.addConfigEntry("session.intra_op.allow_spinning", "0");
            this.session =
                    model != null ? env.createSession(model, opts) : env.createSession(modelFile.toString(), opts);
        } catch (OrtException e) {
            throw new BnncimException("ONNX Runtime cannot load the reference model: " + oneLine(e), e);
        }
        try {
            List<String> all = new ArrayList<>();
            List<String> data = new ArrayList<>();
            Map<Integer, String> z = new java.util.TreeMap<>();
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                String name = e.getKey();
                all.add(name);
                if (e.getValue().getInfo() instanceof TensorInfo t) {
                    inputInfo.put(name, t);
                }
                Integer k = bitIndex(name);
                if (k != null && inputInfo.containsKey(name) && inputInfo.get(name).type == OnnxJavaType.BOOL) {
                    z.put(k, name);
                } else {
                    data.add(name);
                }
            }
            this.inputNames = List.copyOf(all);
            this.dataInputNames = List.copyOf(data);
            this.zInputNames = List.copyOf(z.values());
            for (int k = 0; k < zInputNames.size(); k++) {
                if (!zInputNames.get(k).equals(Z_PREFIX + k)) {
                    throw new BnncimException("reference model has bit inputs " + zInputNames + "; expected z_0 .. z_"
                            + (zInputNames.size() - 1) + " without gaps");
                }
            }
            this.outputNames = List.copyOf(session.getOutputNames());
        } catch (OrtException e) {
            close();
            throw new BnncimException("ONNX Runtime cannot describe the reference model: " + oneLine(e), e);
        }
    }

    public static OrtReference load(Path model, int threads) {
        try {
            return new OrtReference(Files.readAllBytes(model), threads);
        } catch (IOException e) {
            throw new BnncimException(model + ": cannot read model: " + e, e);
        }
    }

    private static Integer bitIndex(String name) {
        if (!name.startsWith(Z_PREFIX) || name.length() == Z_PREFIX.length()) return null;
        String digits = name.substring(Z_PREFIX.length());
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) return null;
        }
        return digits.length() > 9 ? null : Integer.parseInt(digits);
    }

    /** Every input ONNX Runtime expects to be fed, in model order (initializers listed as inputs excluded). */
    public List<String> inputNames() {
        return inputNames;
    }

    /** The inputs that are not ScaleDropout bits. */
    public List<String> dataInputNames() {
        return dataInputNames;
    }

    /** {@code z_0 .. z_{K-1}}; empty for models without bit inputs. */
    public List<String> zInputNames() {
        return zInputNames;
    }

    public int bitCount() {
        return zInputNames.size();
    }

    public List<String> outputNames() {
        return outputNames;
    }

    /** Declared dims of an input, symbolic or unknown dims as -1. */
    public long[] inputShape(String name) {
        TensorInfo t = inputInfo.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor input " + name + "; inputs: " + inputNames);
        }
        return t.getShape();
    }

    // ---------------------------------------------------------------- running

    /** Runs one batch through the only data input and returns the first output. */
    public float[][] run(float[] batch, int[] exampleShape, int n, boolean[][] z) {
        return run(soleDataInput(), batch, exampleShape, n, z, List.of(outputNames.get(0)))
                .get(outputNames.get(0));
    }

    /**
     * Runs one batch and returns the requested outputs ({@code null} or empty: all), each as one row per example.
     * {@code exampleShape == null} takes the input's declared dims after the batch dim.
     */
    public Map<String, float[][]> run(
            String inputName, float[] batch, int[] exampleShape, int n, boolean[][] z, List<String> outputs) {
        int[] shape = checkedShape(inputName, exampleShape, batch, n, 1, z);
        return runChunk(inputName, batch, 0, shape, n, z, 0, wanted(outputs));
    }

    /** {@link #run(float[], int[], int, boolean[][])} in chunks of at most {@code batchSize} examples. */
    public float[][] runBatched(float[] batch, int[] exampleShape, int n, boolean[][] z, int batchSize) {
        String out = outputNames.get(0);
        return runBatched(soleDataInput(), batch, exampleShape, n, z, List.of(out), batchSize)
                .get(out);
    }

    /**
     * Runs {@code n} examples in chunks of at most {@code batchSize} (e.g. 256), bounding memory for large n. Models
     * exported with a fixed batch dimension are run in chunks of exactly that size.
     */
    public Map<String, float[][]> runBatched(
            String inputName,
            float[] batch,
            int[] exampleShape,
            int n,
            boolean[][] z,
            List<String> outputs,
            int batchSize) {
        int[] shape = checkedShape(inputName, exampleShape, batch, n, 0, z);
        long per = count(shape);
        List<String> wanted = wanted(outputs);
        int chunk = Math.max(1, batchSize);
        long fixed = fixedBatch(inputName);
        if (fixed > 0) {
            if (n % fixed != 0) {
                throw new BnncimException("the model's input '" + inputName + "' has a fixed batch size of " + fixed
                        + "; cannot run " + n + " examples");
            }
            chunk = (int) fixed;
        }
        Map<String, float[][]> result = new LinkedHashMap<>();
        for (String o : wanted) {
            result.put(o, new float[n][]);
        }
        for (int start = 0; start < n; start += chunk) {
            int m = Math.min(chunk, n - start);
            Map<String, float[][]> part = runChunk(inputName, batch, start * per, shape, m, z, start, wanted);
            for (String o : wanted) {
                System.arraycopy(part.get(o), 0, result.get(o), start, m);
            }
        }
        return result;
    }

    /** The example shape, once {@code batch} is known to hold {@code n >= minN} examples and {@code z} their bits. */
    private int[] checkedShape(String inputName, int[] exampleShape, float[] batch, int n, int minN, boolean[][] z) {
        int[] shape = exampleShape(inputName, exampleShape);
        if (n < minN || batch.length < n * count(shape)) {
            throw new IllegalArgumentException(
                    "batch of " + batch.length + " floats cannot hold " + n + " examples of " + Arrays.toString(shape));
        }
        checkBits(z, 0, n);
        return shape;
    }

    /** The requested outputs ({@code null} or empty: all), each checked to exist. */
    private List<String> wanted(List<String> outputs) {
        List<String> wanted = outputs == null || outputs.isEmpty() ? outputNames : outputs;
        for (String o : wanted) {
            if (!outputNames.contains(o)) {
                throw new IllegalArgumentException("no output " + o + "; outputs: " + outputNames);
            }
        }
        return wanted;
    }

    private Map<String, float[][]> runChunk(
            String inputName,
            float[] batch,
            long offset,
            int[] shape,
            int n,
            boolean[][] z,
            int zOffset,
            List<String> wanted) {
        long per = count(shape);
        long[] dims = new long[shape.length + 1];
        dims[0] = n;
        for (int i = 0; i < shape.length; i++) dims[i + 1] = shape[i];
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            feed.put(
                    inputName,
                    OnnxTensor.createTensor(
                            env,
                            FloatBuffer.wrap(batch, (int) offset, (int) (n * per))
                                    .slice(),
                            dims));
            for (int k = 0; k < zInputNames.size(); k++) {
                String name = zInputNames.get(k);
                long[] zDims = new long[inputShape(name).length];
                Arrays.fill(zDims, 1);
                zDims[0] = n;
                ByteBuffer bits = ByteBuffer.allocateDirect(n);
                for (int i = 0; i < n; i++) {
                    bits.put(i, (byte) (z[zOffset + i][k] ? 1 : 0));
                }
                feed.put(name, OnnxTensor.createTensor(env, bits, zDims, OnnxJavaType.BOOL));
            }
            try (OrtSession.Result r = session.run(feed, new java.util.LinkedHashSet<>(wanted))) {
                Map<String, float[][]> out = new LinkedHashMap<>();
                for (String o : wanted) {
                    OnnxValue v = r.get(o).orElseThrow();
                    out.put(o, rows(o, v, n));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new BnncimException("ONNX Runtime failed on the reference model: " + oneLine(e), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private static float[][] rows(String name, OnnxValue v, int n) throws OrtException {
        if (!(v instanceof OnnxTensor t)) {
            throw new BnncimException("reference output '" + name + "' is not a tensor");
        }
        long[] shape = t.getInfo().getShape();
        float[] flat = flatFloats(t);
        if (flat.length == 0 && n > 0) {
            return new float[n][0];
        }
        if (shape.length == 0 || shape[0] != n) {
            if (n != 1) {
                throw new BnncimException("reference output '" + name + "' has shape " + Arrays.toString(shape)
                        + "; expected the batch of " + n + " as its first dimension");
            }
            return new float[][] {flat};
        }
        int per = flat.length / n;
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * per, (i + 1) * per);
        }
        return rows;
    }

    /** Float outputs as they are; bool and integer outputs (exposed intermediate values) converted. */
    private static float[] flatFloats(OnnxTensor t) {
        TensorInfo info = t.getInfo();
        int n = (int) info.getNumElements();
        float[] out = new float[n];
        switch (info.type) {
            case FLOAT -> t.getFloatBuffer().get(out);
            case DOUBLE -> {
                var b = t.getDoubleBuffer();
                for (int i = 0; i < n; i++) out[i] = (float) b.get(i);
            }
            case INT64 -> {
                var b = t.getLongBuffer();
                for (int i = 0; i < n; i++) out[i] = b.get(i);
            }
            case INT32 -> {
                var b = t.getIntBuffer();
                for (int i = 0; i < n; i++) out[i] = b.get(i);
            }
            case BOOL, UINT8 -> {
                var b = t.getByteBuffer();
                for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xFF;
            }
            case INT8 -> {
                var b = t.getByteBuffer();
                for (int i = 0; i < n; i++) out[i] = b.get(i);
            }
            default -> throw new BnncimException("reference output of type " + info.type + " is not supported");
        }
        return out;
    }

    private String soleDataInput() {
        if (dataInputNames.size() != 1) {
            throw new IllegalArgumentException("model has data inputs " + dataInputNames + "; name the one to feed");
        }
        return dataInputNames.get(0);
    }

    private int[] exampleShape(String inputName, int[] given) {
        TensorInfo t = inputInfo.get(inputName);
        if (t == null || !dataInputNames.contains(inputName)) {
            throw new IllegalArgumentException("no data input " + inputName + "; data inputs: " + dataInputNames);
        }
        if (t.type != OnnxJavaType.FLOAT) {
            throw new BnncimException(
                    "reference model input '" + inputName + "' is " + t.type + "; only float inputs " + "are fed");
        }
        if (given != null) {
            return given.clone();
        }
        long[] declared = t.getShape();
        int[] shape = new int[Math.max(0, declared.length - 1)];
        for (int i = 0; i < shape.length; i++) {
            if (declared[i + 1] < 0) {
                throw new IllegalArgumentException(
                        "input " + inputName + " has a symbolic dim " + (i + 1) + "; pass exampleShape");
            }
            shape[i] = (int) declared[i + 1];
        }
        return shape;
    }

    private long fixedBatch(String inputName) {
        long[] declared = inputInfo.get(inputName).getShape();
        return declared.length == 0 ? -1 : declared[0];
    }

    private void checkBits(boolean[][] z, int from, int n) {
        int k = zInputNames.size();
        if (k == 0) {
            return;
        }
        if (z == null || z.length < from + n) {
            throw new IllegalArgumentException(
                    "the model has " + k + " ScaleDropout bits per example; pass z[" + (from + n) + "][" + k + "]");
        }
        for (int i = from; i < from + n; i++) {
            if (z[i] == null || z[i].length != k) {
                throw new IllegalArgumentException("z[" + i + "] must hold " + k + " bits");
            }
        }
    }

    private static long count(int[] shape) {
        long c = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dim in " + Arrays.toString(shape));
            c *= d;
        }
        return c;
    }

    private static String oneLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX Runtime session failed", e);
        }
    }
}
