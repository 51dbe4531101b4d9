package org.bnncim.compiler.driver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bnncim.io.Npy;

/**
 * What eval -o writes for a classifier besides eval.json: metrics.json (every printed metric, the reliability bins,
 * the curves against the number of passes and the fault rate, and the options used) and, per dataset,
 * {@code arrays/<name>/*.npy} with one row per example.
 */
public final class EvalMetrics {
    private EvalMetrics() {}

    public static final String METRICS_FILE = "metrics.json", ARRAYS = "arrays";

    /** The per-example arrays of one dataset, by file name, and what each holds (for metrics.json and the docs). */
    public static final Map<String, String> ARRAY_FILES = arrayFiles();

    private static Map<String, String> arrayFiles() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("probs.npy", "float32 [N,C] mean probability over the passes");
        m.put("pred.npy", "int32 [N] predicted class (argmax of probs)");
        m.put("label.npy", "int32 [N] label (in-distribution set only)");
        m.put("entropy.npy", "float32 [N] predictive entropy of probs, nats");
        m.put("expected-entropy.npy", "float32 [N] mean entropy of the single passes, nats");
        m.put("mutual-info.npy", "float32 [N] mutual information = entropy - expected entropy, nats");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Everything eval -o writes for a classifier except eval.json and eval.html, by relative path. */
    public static Map<String, byte[]> arrays(EvaluationService.Result r) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        arrays(files, r.data());
        for (EvalData.Scored o : r.oodData()) arrays(files, o);
        return files;
    }

    private static void arrays(Map<String, byte[]> files, EvalData.Scored s) {
        int n = s.size(), c = n == 0 ? 0 : s.preds()[0].mean().length;
        float[] probs = new float[n * c];
        int[] pred = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) probs[i * c + j] = (float) s.preds()[i].mean()[j];
            pred[i] = s.preds()[i].predicted();
        }
        String dir = ARRAYS + "/" + s.name() + "/";
        files.put(dir + "probs.npy", Npy.toBytes(Npy.NpyArray.ofFloat(new int[] {n, c}, probs)));
        files.put(dir + "pred.npy", Npy.toBytes(Npy.NpyArray.ofInt32(new int[] {n}, pred)));
        if (s.labels() != null)
            files.put(dir + "label.npy", Npy.toBytes(Npy.NpyArray.ofInt32(new int[] {n}, s.labels())));
        files.put(dir + "entropy.npy", floats(s.entropy()));
        files.put(dir + "expected-entropy.npy", floats(s.expectedEntropy()));
        files.put(dir + "mutual-info.npy", floats(s.mutualInformation()));
    }

    private static byte[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return Npy.toBytes(Npy.NpyArray.ofFloat(new int[] {v.length}, f));
    }

    /** metrics.json. */
    public static String json(EvaluationService.Request q, EvaluationService.Result r, Optional<FaultSweep> sweep) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("model", r.model().toString());
        root.put("kind", "classifier");
        ObjectNode opt = root.putObject("options");
        opt.put("dataset", q.dataset().toString());
        ArrayNode oo = opt.putArray("ood");
        q.oodSets().forEach(p -> oo.add(p.toString()));
        if (q.limit() == null) opt.putNull("limit");
        else opt.put("limit", q.limit());
        opt.put("engine", r.engine().name());
        opt.put("samples", r.sim().samples());
        opt.put("seed", r.sim().seed());
        opt.put("bits", r.sim().bits().name());
        opt.put("faults", r.sim().faults().toString());
        opt.put("mc_dropout", q.importOptions().mcDropout());
        sweep.ifPresent(s -> opt.put("faults_sweep", s.kind() + "=" + join(s.rates())));
        root.put("ece_bins", EvaluationService.ECE_BINS);
        root.put("passes", Math.max(1, r.sim().samples()));
        ObjectNode id = root.putObject("in_distribution");
        id.put("name", r.data().name());
        id.put("images", r.images().toString());
        id.put("examples", r.examples());
        id.set("accuracy", EvalJson.num(r.accuracy()));
        id.set("nll", EvalJson.num(r.nll()));
        id.set("ece", EvalJson.num(r.ece()));
        id.set("mean_entropy", EvalJson.num(r.meanEntropy()));
        id.set("mean_expected_entropy", EvalJson.num(mean(r.data().expectedEntropy())));
        id.set("mean_mutual_information", EvalJson.num(mean(r.data().mutualInformation())));
        ArrayNode bins = id.putArray("reliability");
        for (EvalData.Bin b : EvalData.reliability(r.data(), EvaluationService.ECE_BINS)) {
            ObjectNode n = bins.addObject();
            n.set("lo", EvalJson.num(b.lo()));
            n.set("hi", EvalJson.num(b.hi()));
            n.put("count", b.count());
            n.set("confidence", EvalJson.num(b.confidence()));
            n.set("accuracy", EvalJson.num(b.accuracy()));
        }
        ArrayNode ood = root.putArray("ood");
        for (int k = 0; k < r.oods().size(); k++) {
            EvaluationService.Ood o = r.oods().get(k);
            EvalData.Scored s = r.oodData().get(k);
            ObjectNode n = ood.addObject();
            n.put("name", o.name());
            n.put("images", o.images().toString());
            n.put("examples", o.examples());
            n.set("auroc_entropy", EvalJson.num(o.auroc()));
            n.set("auroc_mutual_information", EvalJson.num(o.aurocMutualInformation()));
            n.set("mean_entropy", EvalJson.num(o.meanEntropy()));
            n.set("mean_expected_entropy", EvalJson.num(mean(s.expectedEntropy())));
            n.set("mean_mutual_information", EvalJson.num(mean(s.mutualInformation())));
        }
        ObjectNode vs = root.putObject("by_passes");
        ArrayNode ts = vs.putArray("t");
        ArrayNode acc = vs.putArray("accuracy");
        ObjectNode au = vs.putObject("auroc_entropy");
        int[] pts = r.data().points();
        for (int k = 0; k < pts.length; k++) {
            ts.add(pts[k]);
            acc.add(EvalJson.num(r.data().accuracyAt(k)));
        }
        for (EvalData.Scored s : r.oodData()) {
            ArrayNode a = au.putArray(s.name());
            for (int k = 0; k < pts.length; k++)
                a.add(EvalJson.num(Metrics.auroc(r.data().entropyAt(k), s.entropyAt(k))));
        }
        sweep.ifPresent(s -> {
            ObjectNode f = root.putObject("faults_sweep");
            f.put("kind", s.kind());
            ArrayNode rates = f.putArray("rates");
            ArrayNode a = f.putArray("accuracy");
            ObjectNode ar = f.putObject("auroc_entropy");
            for (int i = 0; i < s.rates().size(); i++) {
                rates.add(EvalJson.num(s.rates().get(i)));
                a.add(EvalJson.num(s.results().get(i).accuracy()));
            }
            for (int k = 0; k < r.oods().size(); k++) {
                ArrayNode x = ar.putArray(r.oods().get(k).name());
                for (EvaluationService.Result at : s.results())
                    x.add(EvalJson.num(at.oods().get(k).auroc()));
            }
        });
        ObjectNode arr = root.putObject("arrays");
        arr.put("folder", ARRAYS + "/<name>/");
        ARRAY_FILES.forEach(arr::put);
        return EvalJson.write(root);
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return v.length == 0 ? Double.NaN : s / v.length;
    }

    static String join(List<Double> rates) {
        StringBuilder b = new StringBuilder();
        for (double d : rates) b.append(b.isEmpty() ? "" : ",").append(d);
        return b.toString();
    }
}
