package org.bnncim.compiler.driver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.MathContext;

/** eval.json for a classifier: the numbers eval prints, for scripts (segmentation: {@link SegmentationReport}). */
public final class EvalJson {
    private EvalJson() {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static String classifier(EvaluationService.Result r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", r.model().toString());
        root.put("kind", "classifier");
        root.put("dataset", r.images().toString());
        root.put("examples", r.examples());
        root.put("engine", r.engine().name());
        root.put("samples", r.sim().samples());
        root.put("seed", r.sim().seed());
        root.put("bits", r.sim().bits().name());
        if (r.sim().faults().any()) root.put("faults", r.sim().faults().toString());
        root.set("accuracy", num(r.accuracy()));
        root.set("nll", num(r.nll()));
        root.set("ece", num(r.ece()));
        root.put("ece_bins", EvaluationService.ECE_BINS);
        root.set("mean_entropy", num(r.meanEntropy()));
        r.meanExpectedEntropy().ifPresent(v -> root.set("mean_expected_entropy", num(v)));
        r.meanMutualInformation().ifPresent(v -> root.set("mean_mutual_information", num(v)));
        r.ood().ifPresent(o -> {
            ObjectNode n = root.putObject("ood");
            n.put("images", o.images().toString());
            n.put("examples", o.examples());
            n.set("auroc", num(o.auroc()));
            n.set("mean_entropy", num(o.meanEntropy()));
        });
        return write(root);
    }

    static String write(ObjectNode root) {
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 6 significant digits; NaN (a metric with nothing to measure) is null. */
    static com.fasterxml.jackson.databind.JsonNode num(double v) {
        if (!Double.isFinite(v)) return JSON.nullNode();
        if (v == 0) return JSON.getNodeFactory().numberNode(0);
        return JSON.getNodeFactory()
                .numberNode(new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros());
    }
}
