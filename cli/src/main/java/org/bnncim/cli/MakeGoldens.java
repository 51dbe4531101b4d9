package org.bnncim.cli;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bnncim.compiler.driver.TestData;
import org.bnncim.compiler.frontend.OnnxFiles;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.io.AtomicFiles;
import org.bnncim.io.Inputs;
import org.bnncim.io.Npy;
import org.bnncim.ir.Graph;
import org.bnncim.ir.interp.BitSampler;
import org.bnncim.oracle.OrtReference;
import org.bnncim.oracle.ReferenceForm;

/**
 * Golden outputs for testdata/: ONNX Runtime runs each model's reference form on the first 200 examples of its
 * manifest {@code test_data} images (the committed MNIST digits without one), for T=8 passes with recorded
 * stochastic bits (plus the deterministic expectation pass), and the manifest records where they are. Run by
 * scripts/make-goldens; CI only reads the results.
 */
public final class MakeGoldens {
    public static final int COUNT = 200, PIXEL_COUNT = 8, SAMPLES = 8;
    public static final long BIT_SEED = 2026;
    public static final String INPUTS = "mnist/test-1000-images.npy";

    private MakeGoldens() {}

    public static void main(String[] args) throws Exception {
        Path testdata =
                Path.of(args.length > 0 ? args[0] : "testdata").toAbsolutePath().normalize();
        ObjectMapper json = new ObjectMapper();
        Path manifestFile = testdata.resolve("manifest.json");
        ObjectNode manifest = (ObjectNode) json.readTree(Files.readString(manifestFile));
        Files.createDirectories(testdata.resolve("golden"));
        for (JsonNode m : manifest.get("models")) {
            golden(testdata, manifestFile, (ObjectNode) m);
        }
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        AtomicFiles.writeString(
                manifestFile, json.writer(pp).writeValueAsString(manifest).replace("\" : ", "\": ") + "\n");
    }

    /**
     * Writes one model's golden files under {@code testdata/golden/} and records them in its manifest entry
     * {@code m}: the inputs file used, how many examples, and the per-example output shape ([classes], or [C,H,W]
     * for a per-pixel model, stored flattened C*H*W per pass).
     */
    private static int outputSize(Graph g) {
        return g.value(g.outputs().get(0)).shape().size();
    }

    static ObjectNode golden(Path testdata, Path manifestFile, ObjectNode m) throws Exception {
        String name = m.get("name").asText();
        Path model = testdata.resolve(m.get("file").asText());
        var proto = OnnxFiles.read(model);
        Graph g = OnnxImporter.importModel(proto, name, OnnxImporter.Options.DEFAULT);
        int per = g.inputs().get(0).shape().size();
        int[] shape = g.inputs().get(0).shape().dims();
        TestData data = TestData.parse(manifestFile, testdata, m);
        Path images = data == null ? testdata.resolve(INPUTS) : data.images();
        float[][] x = Inputs.read(images, per).examples();
        // a per-pixel model's output is thousands of floats per example: fewer examples keep its goldens near 1 MB
        int count = Math.min(g.outputs().isEmpty() || outputSize(g) <= 1000 ? COUNT : PIXEL_COUNT, x.length);
        float[] flat = new float[count * per];
        for (int i = 0; i < count; i++) System.arraycopy(x[i], 0, flat, i * per, per);
        int bits = g.stochasticBits();
        int t = bits == 0 ? 1 : SAMPLES;
        BitSampler sampler = new BitSampler(g, BIT_SEED);
        boolean[][][] z = new boolean[count][t][];
        for (int i = 0; i < count; i++)
            for (int s = 0; s < t; s++) z[i][s] = bits == 0 ? new boolean[0] : sampler.bits(i, s);
        float[][] det;
        try (OrtReference ort = new OrtReference(
                ReferenceForm.convert(proto, ReferenceForm.Mode.EXPECTATION).toByteArray(), 2)) {
            det = ort.runBatched(flat, shape, count, null, 100);
        }
        // a classifier's [classes] or a per-pixel model's C*H*W: the goldens store the output flattened
        int outSize = det[0].length;
        float[] logits = new float[count * t * outSize];
        if (bits == 0) {
            for (int i = 0; i < count; i++) System.arraycopy(det[i], 0, logits, i * outSize, outSize);
        } else {
            try (OrtReference ort = new OrtReference(
                    ReferenceForm.convert(proto, ReferenceForm.Mode.BITS).toByteArray(), 2)) {
                for (int s = 0; s < t; s++) {
                    boolean[][] zs = new boolean[count][];
                    for (int i = 0; i < count; i++) zs[i] = z[i][s];
                    float[][] y = ort.runBatched(flat, shape, count, zs, 100);
                    for (int i = 0; i < count; i++) System.arraycopy(y[i], 0, logits, (i * t + s) * outSize, outSize);
                }
            }
        }
        boolean[] zflat = new boolean[count * t * bits];
        for (int i = 0; i < count; i++)
            for (int s = 0; s < t; s++) for (int k = 0; k < bits; k++) zflat[(i * t + s) * bits + k] = z[i][s][k];
        float[] detFlat = new float[count * outSize];
        for (int i = 0; i < count; i++) System.arraycopy(det[i], 0, detFlat, i * outSize, outSize);
        String base = "golden/" + name;
        Files.createDirectories(testdata.resolve("golden"));
        byte[] zbytes = new byte[zflat.length];
        for (int i = 0; i < zflat.length; i++) zbytes[i] = (byte) (zflat[i] ? 1 : 0);
        Npy.write(testdata.resolve(base + "-bits.npy"), Npy.NpyArray.ofUint8(new int[] {count, t, bits}, zbytes));
        Npy.write(testdata.resolve(base + "-logits.npy"), Npy.NpyArray.ofFloat(new int[] {count, t, outSize}, logits));
        Npy.write(
                testdata.resolve(base + "-det-logits.npy"), Npy.NpyArray.ofFloat(new int[] {count, outSize}, detFlat));
        ObjectNode gold = m.putObject("golden");
        gold.put("inputs", testdata.relativize(images).toString().replace('\\', '/'));
        gold.put("count", count);
        var dims = gold.putArray("output_shape");
        for (int d : g.output().type().shape().dims()) dims.add(d);
        gold.put("samples", t);
        gold.put("bit_seed", BIT_SEED);
        gold.put("bits", base + "-bits.npy");
        gold.put("logits", base + "-logits.npy");
        gold.put("deterministic_logits", base + "-det-logits.npy");
        gold.put("computed_by", "ONNX Runtime (Java) on the reference form: scripts/make-goldens");
        System.out.println(name + ": " + count + " inputs x " + t + " passes, " + bits + " stochastic bit(s) per pass");
        return gold;
    }
}
