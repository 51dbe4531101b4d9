package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.io.Npy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval -o for a classifier (issue #19): metrics.json checked against numbers recomputed here from the saved
 * per-example arrays, the arrays' shapes, several named --ood sets, the page's charts, the fault sweep, and the
 * refusal of --samples on a model whose standard Dropout would be the identity.
 */
class EvalOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LIMIT = 40, T = 6;

    @TempDir
    static Path tmp;

    static Path out;
    static Cli.Result result;

    static String[] args(Path dir) {
        return new String[] {
            "eval",
            Paths.testdata("models/mlp-sd.onnx").toString(),
            "--dataset",
            Paths.testdata("mnist").toString(),
            "--ood",
            Paths.testdata("ood/fashion-200-images.npy").toString(),
            "--ood",
            Paths.testdata("ood/noise-200-images.npy").toString(),
            "--limit",
            Integer.toString(LIMIT),
            "--samples",
            Integer.toString(T),
            "--threads",
            "2",
            "--faults-sweep",
            "stuck-at=0,0.05",
            "-o",
            dir.toString()
        };
    }

    @BeforeAll
    static void evaluate() {
        out = tmp.resolve("out");
        result = Cli.run(args(out));
        assertEquals(0, result.code(), result.toString());
    }

    static float[] floats(String rel) {
        return Npy.read(out.resolve(rel)).toFloat();
    }

    static int[] ints(String rel) {
        return Npy.read(out.resolve(rel)).toInt();
    }

    @Test
    void arraysHaveOneRowPerExampleUnderEachDatasetsName() {
        assertArrayEquals(
                new int[] {LIMIT, 10},
                Npy.read(out.resolve("arrays/mnist/probs.npy")).shape());
        for (String f : List.of("pred", "label", "entropy", "expected-entropy", "mutual-info"))
            assertArrayEquals(
                    new int[] {LIMIT},
                    Npy.read(out.resolve("arrays/mnist/" + f + ".npy")).shape(),
                    f);
        for (String set : List.of("fashion-200", "noise-200")) {
            assertArrayEquals(
                    new int[] {200, 10},
                    Npy.read(out.resolve("arrays/" + set + "/probs.npy")).shape());
            assertArrayEquals(
                    new int[] {200},
                    Npy.read(out.resolve("arrays/" + set + "/mutual-info.npy")).shape());
            assertFalse(Files.exists(out.resolve("arrays/" + set + "/label.npy")), "OOD sets have no labels");
        }
        assertEquals("<i4", Npy.read(out.resolve("arrays/mnist/pred.npy")).dtype());
    }

    @Test
    void metricsJsonAgreesWithTheSavedArrays() throws Exception {
        JsonNode m = JSON.readTree(out.resolve("metrics.json").toFile());
        float[] probs = floats("arrays/mnist/probs.npy");
        int[] pred = ints("arrays/mnist/pred.npy"), label = ints("arrays/mnist/label.npy");
        int[] truth = Npy.read(Paths.testdata("mnist/test-1000-labels.npy")).toInt();
        float[] ent = floats("arrays/mnist/entropy.npy"), exp = floats("arrays/mnist/expected-entropy.npy");
        float[] mi = floats("arrays/mnist/mutual-info.npy");
        int ok = 0;
        double sumEnt = 0, sumMi = 0, nll = 0;
        for (int i = 0; i < LIMIT; i++) {
            assertEquals(truth[i], label[i]);
            int best = 0;
            double h = 0, s = 0;
            for (int c = 0; c < 10; c++) {
                double p = probs[i * 10 + c];
                s += p;
                if (p > probs[i * 10 + best]) best = c;
                if (p > 0) h -= p * Math.log(p);
            }
            assertEquals(1.0, s, 1e-5);
            assertEquals(best, pred[i], "pred is the argmax of probs");
            assertEquals(h, ent[i], 1e-4, "entropy recomputed from probs");
            assertTrue(exp[i] <= ent[i] + 1e-5, "expected entropy <= predictive entropy");
            assertEquals(ent[i] - exp[i], mi[i], 1e-5);
            if (pred[i] == label[i]) ok++;
            sumEnt += ent[i];
            sumMi += mi[i];
            nll -= Math.log(Math.max(1e-12, probs[i * 10 + label[i]]));
        }
        JsonNode id = m.get("in_distribution");
        assertEquals("mnist", id.get("name").asText());
        assertEquals(LIMIT, id.get("examples").asInt());
        assertEquals((double) ok / LIMIT, id.get("accuracy").asDouble(), 1e-9);
        assertEquals(sumEnt / LIMIT, id.get("mean_entropy").asDouble(), 1e-4);
        assertEquals(sumMi / LIMIT, id.get("mean_mutual_information").asDouble(), 1e-4);
        assertEquals(nll / LIMIT, id.get("nll").asDouble(), 1e-4);
        assertTrue(sumMi > 0, "Scale-Dropout passes differ: MI > 0");
        assertEquals(15, m.get("ece_bins").asInt());
        assertEquals(T, m.get("passes").asInt());
        assertEquals(LIMIT, m.get("options").get("limit").asInt());
        int binned = 0;
        for (JsonNode b : id.get("reliability")) binned += b.get("count").asInt();
        assertEquals(LIMIT, binned);
        JsonNode ood = m.get("ood");
        assertEquals(2, ood.size());
        assertEquals("fashion-200", ood.get(0).get("name").asText());
        assertEquals("noise-200", ood.get(1).get("name").asText());
        for (JsonNode o : ood) {
            String name = o.get("name").asText();
            float[] oe = floats("arrays/" + name + "/entropy.npy");
            assertEquals(pairwiseAuroc(ent, oe), o.get("auroc_entropy").asDouble(), 2e-5, name);
            float[] om = floats("arrays/" + name + "/mutual-info.npy");
            assertEquals(
                    pairwiseAuroc(mi, om), o.get("auroc_mutual_information").asDouble(), 2e-5, name);
        }
        // the printed lines name each set; eval.json keeps its keys
        assertTrue(result.out().contains("(fashion-200: predictive entropy"), result.out());
        assertTrue(result.out().contains("(noise-200: predictive entropy"), result.out());
        JsonNode old = JSON.readTree(out.resolve("eval.json").toFile());
        assertEquals(id.get("accuracy").asDouble(), old.get("accuracy").asDouble());
    }

    @Test
    void curvesAgainstPassesEndAtTheFullRunAndTheSweepStartsAtNoFaults() throws Exception {
        JsonNode m = JSON.readTree(out.resolve("metrics.json").toFile());
        JsonNode byT = m.get("by_passes");
        assertEquals(T, byT.get("t").size());
        for (int k = 0; k < T; k++) assertEquals(k + 1, byT.get("t").get(k).asInt());
        double acc = m.get("in_distribution").get("accuracy").asDouble();
        assertEquals(acc, byT.get("accuracy").get(T - 1).asDouble(), 1e-9, "T passes = the full run");
        assertEquals(
                m.get("ood").get(0).get("auroc_entropy").asDouble(),
                byT.get("auroc_entropy").get("fashion-200").get(T - 1).asDouble(),
                1e-9);
        JsonNode sweep = m.get("faults_sweep");
        assertEquals("stuck-at", sweep.get("kind").asText());
        assertEquals(2, sweep.get("rates").size());
        assertEquals(acc, sweep.get("accuracy").get(0).asDouble(), 1e-9, "rate 0, same seed = the main run");
        assertEquals(2, sweep.get("auroc_entropy").get("noise-200").size());
    }

    @Test
    void thePageIsSelfContainedSvg() throws Exception {
        String html = Files.readString(out.resolve("eval.html"));
        assertFalse(html.contains("<script"), "no scripts");
        assertFalse(html.contains("http://")
                && html.replace("http://www.w3.org/2000/svg", "").contains("http://"));
        assertEquals(6, count(html, "<svg "), "reliability, 2 histograms, ROC, vs T, vs fault rate");
        for (String title : List.of(
                "Reliability diagram",
                "Predictive entropy",
                "Mutual information",
                "ROC of OOD detection",
                "against passes T",
                "against stuck-at rate")) assertTrue(html.contains(title), title);
        assertTrue(count(html, "class=\"bar\"") >= 1, "reliability bars");
        assertTrue(count(html, "<polyline") >= 3 + 3 + 3 + 3 + 3, "one line per set and curve");
        assertTrue(html.contains("fashion-200") && html.contains("noise-200"));
    }

    @Test
    void sameInputsGiveTheSameBytes() throws Exception {
        Path again = tmp.resolve("again");
        Cli.Result r = Cli.run(args(again));
        assertEquals(0, r.code(), r.toString());
        for (String f : List.of("metrics.json", "eval.html", "eval.json", "arrays/noise-200/probs.npy"))
            assertArrayEquals(Files.readAllBytes(out.resolve(f)), Files.readAllBytes(again.resolve(f)), f);
    }

    @Test
    void samplesOnIdentityDropoutAreRefusedNamingBothChoices() {
        Path mcd = Paths.testdata("models/mlp-mcd.onnx");
        String data = Paths.testdata("mnist").toString();
        for (String[] a : List.of(
                new String[] {"eval", mcd.toString(), "--dataset", data, "--limit", "5", "--samples", "4"},
                new String[] {
                    "run",
                    mcd.toString(),
                    "--input",
                    Paths.testdata("ood/noise-200-images.npy").toString(),
                    "--samples",
                    "4"
                })) {
            Cli.Result r = Cli.run(a);
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().startsWith("bnncim: "), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("--mc-dropout") && r.err().contains("--samples 0"), r.err());
        }
        // a folder compiled without --mc-dropout carries the same fact in its program
        Path folder = tmp.resolve("mcd-identity");
        assertEquals(
                0, Cli.run("compile", mcd.toString(), "-o", folder.toString()).code());
        Cli.Result compiled = Cli.run("eval", folder.toString(), "--dataset", data, "--limit", "5", "--samples", "4");
        assertEquals(2, compiled.code(), compiled.toString());
        assertEquals(1, compiled.err().strip().lines().count(), compiled.err());
        assertTrue(compiled.err().contains("compile it again with --mc-dropout"), compiled.err());
        Path sampled = tmp.resolve("mcd-sampled");
        assertEquals(
                0,
                Cli.run("compile", mcd.toString(), "--mc-dropout", "-o", sampled.toString())
                        .code());
        assertEquals(
                0,
                Cli.run("eval", sampled.toString(), "--dataset", data, "--limit", "5", "--samples", "4")
                        .code());
        Cli.Result ok =
                Cli.run("eval", mcd.toString(), "--dataset", data, "--limit", "5", "--samples", "4", "--mc-dropout");
        assertEquals(0, ok.code(), ok.toString());
        assertEquals(
                0,
                Cli.run("eval", mcd.toString(), "--dataset", data, "--limit", "5")
                        .code());
    }

    @Test
    void runWritesLogitsAndProbabilitiesBesideTheOutput() {
        Path y = tmp.resolve("run/y.npy");
        Cli.Result r = Cli.run(
                "run",
                Paths.testdata("models/mlp-sd.onnx").toString(),
                "--input",
                Paths.testdata("ood/noise-200-images.npy").toString(),
                "--samples",
                "3",
                "--quiet",
                "-o",
                y.toString());
        assertEquals(0, r.code(), r.toString());
        Npy.NpyArray logits = Npy.read(tmp.resolve("run/y-logits.npy"));
        Npy.NpyArray probs = Npy.read(tmp.resolve("run/y-probs.npy"));
        assertArrayEquals(new int[] {200, 3, 10}, logits.shape());
        assertArrayEquals(new int[] {200, 10}, probs.shape());
        float[] l = logits.toFloat(), p = probs.toFloat(), legacy = Npy.read(y).toFloat();
        assertArrayEquals(legacy, p, "with --samples Y.npy holds the mean probabilities too");
        for (int i = 0; i < 200; i++) {
            double[] mean = new double[10];
            for (int t = 0; t < 3; t++) {
                double max = Double.NEGATIVE_INFINITY, z = 0;
                for (int c = 0; c < 10; c++) max = Math.max(max, l[(i * 3 + t) * 10 + c]);
                for (int c = 0; c < 10; c++) z += Math.exp(l[(i * 3 + t) * 10 + c] - max);
                for (int c = 0; c < 10; c++) mean[c] += Math.exp(l[(i * 3 + t) * 10 + c] - max) / z / 3;
            }
            for (int c = 0; c < 10; c++) assertEquals(mean[c], p[i * 10 + c], 1e-5);
        }
    }

    @Test
    void accuracyAgainstTMatchesPrefixesOfThePassesRunSavesSeparately() throws Exception {
        // run --save-samples on the same first examples draws the same bits (counter-based, per example and pass)
        Npy.NpyArray all = Npy.read(Paths.testdata("mnist/test-1000-images.npy"));
        int per = 28 * 28;
        byte[] first = java.util.Arrays.copyOf(all.u8(), LIMIT * per);
        Path x = tmp.resolve("first.npy");
        Npy.write(x, Npy.NpyArray.ofUint8(new int[] {LIMIT, 1, 28, 28}, first));
        Path s = tmp.resolve("passes.npy");
        Cli.Result r = Cli.run(
                "run",
                Paths.testdata("models/mlp-sd.onnx").toString(),
                "--input",
                x.toString(),
                "--samples",
                Integer.toString(T),
                "--quiet",
                "--save-samples",
                s.toString());
        assertEquals(0, r.code(), r.toString());
        float[] l = Npy.read(s).toFloat();
        int[] truth = Npy.read(Paths.testdata("mnist/test-1000-labels.npy")).toInt();
        JsonNode byT = JSON.readTree(out.resolve("metrics.json").toFile()).get("by_passes");
        for (int t = 1; t <= T; t++) {
            int ok = 0;
            for (int i = 0; i < LIMIT; i++) {
                double[] mean = new double[10];
                for (int k = 0; k < t; k++) {
                    int o = (i * T + k) * 10;
                    double max = Double.NEGATIVE_INFINITY, z = 0;
                    for (int c = 0; c < 10; c++) max = Math.max(max, l[o + c]);
                    for (int c = 0; c < 10; c++) z += Math.exp(l[o + c] - max);
                    for (int c = 0; c < 10; c++) mean[c] += Math.exp(l[o + c] - max) / z;
                }
                int best = 0;
                for (int c = 1; c < 10; c++) if (mean[c] > mean[best]) best = c;
                if (best == truth[i]) ok++;
            }
            assertEquals((double) ok / LIMIT, byT.get("accuracy").get(t - 1).asDouble(), 1e-9, "t=" + t);
        }
    }

    @Test
    void badSweepsAndSegmentationLimitsAreOneLineRefusals() {
        String model = Paths.testdata("models/mlp-sd.onnx").toString(),
                data = Paths.testdata("mnist").toString();
        for (String[] a : List.of(
                new String[] {"eval", model, "--dataset", data, "--limit", "3", "--faults-sweep", "stuck-at"},
                new String[] {"eval", model, "--dataset", data, "--limit", "3", "--faults-sweep", "melt=0,1"},
                new String[] {"eval", model, "--dataset", data, "--limit", "3", "--faults-sweep", "stuck-at=0,x"},
                new String[] {"eval", model, "--dataset", data, "--limit", "3", "--faults-sweep", "stuck-at=0,2"},
                new String[] {
                    "eval",
                    model,
                    "--dataset",
                    data,
                    "--limit",
                    "3",
                    "--engine",
                    "interp",
                    "--faults-sweep",
                    "stuck-at=0,0.1"
                })) {
            Cli.Result r = Cli.run(a);
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().startsWith("bnncim: ") && r.err().strip().lines().count() == 1, r.err());
        }
        String shifted = Paths.testdata("nuclei/shifted-300-images.npy").toString();
        Cli.Result seg = Cli.run(
                "eval",
                Paths.testdata("models/unet-sd.onnx").toString(),
                "--dataset",
                Paths.testdata("nuclei/test-300-images.npy").toString(),
                "--ood",
                shifted,
                "--ood",
                shifted,
                "--limit",
                "2");
        assertEquals(2, seg.code(), seg.toString());
        assertTrue(seg.err().contains("one shifted split"), seg.err());
    }

    @Test
    void theSameFolderCanBeWrittenAgainWithOtherSets() {
        Path dir = tmp.resolve("rewrite");
        String model = Paths.testdata("models/mlp-sd.onnx").toString(),
                data = Paths.testdata("mnist").toString();
        String noise = Paths.testdata("ood/noise-200-images.npy").toString();
        String inverted = Paths.testdata("ood/inverted-200-images.npy").toString();
        // first deterministic and without OOD sets: a page with no ROC and one point against T still renders
        assertEquals(
                0,
                Cli.run("eval", model, "--dataset", data, "--limit", "5", "-o", dir.toString())
                        .code());
        assertTrue(Files.exists(dir.resolve("eval.html")) && Files.exists(dir.resolve("arrays/mnist/label.npy")));
        assertEquals(
                0,
                Cli.run("eval", model, "--dataset", data, "--limit", "5", "--ood", noise, "-o", dir.toString())
                        .code());
        assertTrue(Files.exists(dir.resolve("arrays/noise-200/probs.npy")));
        Cli.Result r =
                Cli.run("eval", model, "--dataset", data, "--limit", "5", "--ood", inverted, "-o", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.exists(dir.resolve("arrays/inverted-200/probs.npy")));
        assertFalse(Files.exists(dir.resolve("arrays/noise-200")), "the folder is replaced as a whole");
    }

    /** AUROC as the share of (in, out) pairs the score orders right, ties half: independent of the rank-sum code. */
    static double pairwiseAuroc(float[] in, float[] outs) {
        double s = 0;
        for (float a : in) for (float b : outs) s += b > a ? 1 : b == a ? 0.5 : 0;
        return s / ((double) in.length * outs.length);
    }

    static int count(String s, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(s);
        int n = 0;
        while (m.find()) n++;
        return n;
    }
}
