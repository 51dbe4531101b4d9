package org.bnncim.compiler.driver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/** The text eval prints for a segmentation model and the JSON file holding the same numbers. */
public final class SegmentationReport {
    private SegmentationReport() {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static String mode(SimSettings s) {
        return s.samples() == 0
                ? "deterministic"
                : "Monte-Carlo, T=" + s.samples() + ", seed=" + s.seed() + ", bits=" + s.bits();
    }

    /** How per-pixel probabilities were obtained, as the text and JSON say it. */
    public static String probabilities(ModelOutput o) {
        if (o.probabilities()) return "model output";
        return o.channels() == 1 ? "sigmoid of the logit" : "softmax over channels";
    }

    public static String text(SegmentationEvaluation.Result r) {
        StringBuilder b = new StringBuilder();
        ModelOutput o = r.output();
        line(b, "model      %s", r.model());
        line(
                b,
                "output     per-pixel [%d,%d,%d], %d classes, probabilities: %s",
                o.channels(),
                o.height(),
                o.width(),
                o.classes(),
                probabilities(o));
        line(
                b,
                "engine     %s%s",
                r.engine(),
                r.sim().faults().any() ? ", faults " + r.sim().faults() : "");
        line(b, "mode       %s", mode(r.sim()));
        split(b, "test", r.test(), r.sim().samples() > 0);
        r.shifted().ifPresent(s -> {
            split(b, "shifted", s, r.sim().samples() > 0);
            line(b, "shift_auroc %s (shifted vs test examples by mean pixel entropy)", f(r.exampleAuroc()));
        });
        return b.toString();
    }

    private static void split(StringBuilder b, String name, SegmentationEvaluation.Split s, boolean mc) {
        PixelMetrics.Scores c = s.scores();
        line(b, "[%s] %s (%d examples, %d pixels)", name, s.data().images(), s.examples(), c.pixels());
        line(b, "  pixel_accuracy %s", f(c.pixelAccuracy()));
        StringBuilder dice = new StringBuilder(), iou = new StringBuilder();
        for (PixelMetrics.ClassScore k : c.perClass()) {
            dice.append(String.format(Locale.ROOT, "  %d:%s", k.cls(), f(k.dice())));
            iou.append(String.format(Locale.ROOT, "  %d:%s", k.cls(), f(k.iou())));
        }
        line(b, "  dice        %s (mean over classes in the masks)%s", f(c.meanDice()), dice);
        line(b, "  iou         %s (mean over classes in the masks)%s", f(c.meanIou()), iou);
        line(b, "  nll         %s (per pixel)", f(c.nll()));
        line(b, "  ece         %s (per pixel, %d bins)", f(c.ece()), EvaluationService.ECE_BINS);
        line(b, "  entropy     %s (mean predictive)", f(c.meanEntropy()));
        if (mc) {
            line(b, "  exp_entropy %s (mean expected)", f(c.meanExpectedEntropy()));
            line(b, "  mutual_inf  %s (mean)", f(c.meanMutualInformation()));
        }
        line(
                b,
                "  wrong_auroc %s by entropy%s (%d wrong pixels)",
                f(c.aurocEntropy()),
                mc ? ", " + f(c.aurocMutual()) + " by mutual information" : "",
                c.wrongPixels());
    }

    public static String json(SegmentationEvaluation.Result r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", r.model().toString());
        root.put("kind", "segmentation");
        ObjectNode o = root.putObject("output");
        o.put("channels", r.output().channels());
        o.put("classes", r.output().classes());
        o.put("height", r.output().height());
        o.put("width", r.output().width());
        o.put("probabilities", probabilities(r.output()));
        root.put("engine", r.engine().name());
        root.put("samples", r.sim().samples());
        root.put("seed", r.sim().seed());
        root.put("bits", r.sim().bits().name());
        if (r.sim().faults().any()) root.put("faults", r.sim().faults().toString());
        boolean mc = r.sim().samples() > 0;
        split(root.putObject("test"), r.test(), mc);
        r.shifted().ifPresent(s -> {
            split(root.putObject("shifted"), s, mc);
            root.set("shifted_example_auroc", num(r.exampleAuroc()));
        });
        return EvalJson.write(root);
    }

    private static void split(ObjectNode o, SegmentationEvaluation.Split s, boolean mc) {
        PixelMetrics.Scores c = s.scores();
        o.put("images", s.data().images().toString());
        o.put("masks", s.data().masksFile().toString());
        o.put("examples", s.examples());
        o.put("pixels", c.pixels());
        o.put("wrong_pixels", c.wrongPixels());
        o.set("pixel_accuracy", num(c.pixelAccuracy()));
        o.set("nll", num(c.nll()));
        o.set("ece", num(c.ece()));
        o.put("ece_bins", EvaluationService.ECE_BINS);
        ArrayNode classes = o.putArray("classes");
        for (PixelMetrics.ClassScore k : c.perClass()) {
            ObjectNode e = classes.addObject();
            e.put("class", k.cls());
            e.put("true_pixels", k.truePixels());
            e.put("predicted_pixels", k.predictedPixels());
            e.set("dice", num(k.dice()));
            e.set("iou", num(k.iou()));
        }
        o.set("mean_dice", num(c.meanDice()));
        o.set("mean_iou", num(c.meanIou()));
        o.set("mean_entropy", num(c.meanEntropy()));
        if (mc) {
            o.set("mean_expected_entropy", num(c.meanExpectedEntropy()));
            o.set("mean_mutual_information", num(c.meanMutualInformation()));
        }
        o.set("wrong_pixel_auroc_entropy", num(c.aurocEntropy()));
        if (mc) o.set("wrong_pixel_auroc_mutual_information", num(c.aurocMutual()));
        ArrayNode panel = o.putArray("panel_examples");
        for (int i : s.panel()) panel.add(i);
    }

    private static com.fasterxml.jackson.databind.JsonNode num(double v) {
        return EvalJson.num(v);
    }

    private static String f(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
    }

    private static void line(StringBuilder b, String fmt, Object... args) {
        b.append(String.format(Locale.ROOT, fmt, args)).append('\n');
    }
}
