package org.bnncim.cli;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Golden outputs for testdata/: ONNX Runtime runs each model's reference form on the first 200 committed MNIST
 * digits, for T=8 passes with recorded stochastic bits (plus the deterministic expectation pass), and the
 * manifest records where they are. Run by scripts/make-goldens; CI only reads the results.
 */
public final class MakeGoldens {
    public static final int COUNT = 200, SAMPLES = 8;
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
            String name = m.get("name").asText();
            Path model = testdata.resolve(m.get("file").asText());
            var proto = OnnxFiles.read(model);
            Graph g = OnnxImporter.importModel(proto, name, OnnxImporter.Options.DEFAULT);
            int per = g.inputs().get(0).shape().size();
            int[] shape = g.inputs().get(0).shape().dims();
            float[][] x = Inputs.read(testdata.resolve(INPUTS), per).examples();
            float[] flat = new float[COUNT * per];
            for (int i = 0; i < COUNT; i++) System.arraycopy(x[i], 0, flat, i * per, per);
            int bits = g.stochasticBits();
            int t = bits == 0 ? 1 : SAMPLES;
            BitSampler sampler = new BitSampler(g, BIT_SEED);
            boolean[][][] z = new boolean[COUNT][t][];
            for (int i = 0; i < COUNT; i++)
                for (int s = 0; s < t; s++) z[i][s] = bits == 0 ? new boolean[0] : sampler.bits(i, s);
            float[][] det;
            try (OrtReference ort = new OrtReference(
                    ReferenceForm.convert(proto, ReferenceForm.Mode.EXPECTATION).toByteArray(), 2)) {
                det = ort.runBatched(flat, shape, COUNT, null, 100);
            }
            int classes = det[0].length;
            float[] logits = new float[COUNT * t * classes];
            if (bits == 0) {
                for (int i = 0; i < COUNT; i++) System.arraycopy(det[i], 0, logits, i * classes, classes);
            } else {
                try (OrtReference ort = new OrtReference(
                        ReferenceForm.convert(proto, ReferenceForm.Mode.BITS).toByteArray(), 2)) {
                    for (int s = 0; s < t; s++) {
                        boolean[][] zs = new boolean[COUNT][];
                        for (int i = 0; i < COUNT; i++) zs[i] = z[i][s];
                        float[][] y = ort.runBatched(flat, shape, COUNT, zs, 100);
                        for (int i = 0; i < COUNT; i++)
                            System.arraycopy(y[i], 0, logits, (i * t + s) * classes, classes);
                    }
                }
            }
            boolean[] zflat = new boolean[COUNT * t * bits];
            for (int i = 0; i < COUNT; i++)
                for (int s = 0; s < t; s++) for (int k = 0; k < bits; k++) zflat[(i * t + s) * bits + k] = z[i][s][k];
            float[] detFlat = new float[COUNT * classes];
            for (int i = 0; i < COUNT; i++) System.arraycopy(det[i], 0, detFlat, i * classes, classes);
            String base = "golden/" + name;
            byte[] zbytes = new byte[zflat.length];
            for (int i = 0; i < zflat.length; i++) zbytes[i] = (byte) (zflat[i] ? 1 : 0);
            Npy.write(testdata.resolve(base + "-bits.npy"), Npy.NpyArray.ofUint8(new int[] {COUNT, t, bits}, zbytes));
            Npy.write(
                    testdata.resolve(base + "-logits.npy"),
                    Npy.NpyArray.ofFloat(new int[] {COUNT, t, classes}, logits));
            Npy.write(
                    testdata.resolve(base + "-det-logits.npy"),
                    Npy.NpyArray.ofFloat(new int[] {COUNT, classes}, detFlat));
            ObjectNode gold = ((ObjectNode) m).putObject("golden");
            gold.put("inputs", INPUTS);
            gold.put("count", COUNT);
            gold.put("samples", t);
            gold.put("bit_seed", BIT_SEED);
            gold.put("bits", base + "-bits.npy");
            gold.put("logits", base + "-logits.npy");
            gold.put("deterministic_logits", base + "-det-logits.npy");
            gold.put("computed_by", "ONNX Runtime (Java) on the reference form: scripts/make-goldens");
            System.out.println(
                    name + ": " + COUNT + " inputs x " + t + " passes, " + bits + " stochastic bit(s) per pass");
        }
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        AtomicFiles.writeString(
                manifestFile, json.writer(pp).writeValueAsString(manifest).replace("\" : ", "\": ") + "\n");
    }
}
