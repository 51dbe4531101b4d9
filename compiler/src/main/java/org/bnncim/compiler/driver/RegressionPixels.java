package org.bnncim.compiler.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bnncim.ir.BnncimException;

/**
 * The regression metrics of a segmentation model (per-pixel output), through the same pixel summaries as
 * {@code eval}: accuracies are pixel accuracies, predictions are the SHA-256 of the predicted class maps (a digit
 * per pixel would make the baseline megabytes), and OOD is told apart per image by its mean pixel entropy.
 */
final class RegressionPixels {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RegressionPixels() {}

    /** The test split (first {@code count} examples) and every shifted split (all of it, like a classifier's). */
    record Data(ModelOutput output, SegmentationData test, List<SegmentationData> ood) {}

    static Data read(Path model, TestData d, int per, ModelOutput out, int count) {
        if (!d.segmentation()) {
            throw new BnncimException(model + ": per-pixel output " + out.channels() + "x" + out.height() + "x"
                    + out.width() + " needs test_data with images and masks in the manifest");
        }
        if (out.classes() > 255) throw new BnncimException(model + ": more than 255 classes per pixel");
        SegmentationData test = SegmentationData.read(d.images(), d.masks(), per, out, count);
        List<SegmentationData> ood = new ArrayList<>();
        for (Path o : d.ood()) ood.add(SegmentationData.read(o, per, out, null));
        return new Data(out, test, ood);
    }

    /** Puts the prediction and uncertainty metrics, in the order the classifier's appear. */
    static void measure(
            Data d,
            float[][][] det,
            float[][][] mc,
            Function<float[][], float[][][]> runOod,
            Map<String, JsonNode> metrics) {
        ModelOutput out = d.output();
        int n = d.test().size();
        PixelMaps[] dm = new PixelMaps[n], mm = new PixelMaps[n];
        for (int i = 0; i < n; i++) {
            dm[i] = PixelMaps.of(det[i], out);
            mm[i] = PixelMaps.of(mc[i], out);
        }
        // bins only matter for ECE, which regress does not record
        PixelMetrics.Scores ds = PixelMetrics.score(dm, d.test().masks(), 10);
        PixelMetrics.Scores ms = PixelMetrics.score(mm, d.test().masks(), 10);
        metrics.put("predictions_deterministic", JSON.valueToTree(classHash(dm)));
        metrics.put("predictions_mc", JSON.valueToTree(classHash(mm)));
        metrics.put("accuracy_deterministic", JSON.valueToTree(Regression.round(ds.pixelAccuracy())));
        metrics.put("accuracy_mc", JSON.valueToTree(Regression.round(ms.pixelAccuracy())));
        metrics.put("mean_entropy_mc", JSON.valueToTree(Regression.round(ms.meanEntropy())));
        metrics.put("mean_dice_mc", JSON.valueToTree(Regression.round(ms.meanDice())));
        double[] ent = new double[n];
        for (int i = 0; i < n; i++) ent[i] = mm[i].meanEntropy();
        ObjectNode auroc = JSON.createObjectNode();
        for (SegmentationData o : d.ood()) {
            float[][][] oy = runOod.apply(o.inputs());
            double[] oent = new double[oy.length];
            for (int i = 0; i < oy.length; i++)
                oent[i] = PixelMaps.of(oy[i], out).meanEntropy();
            auroc.put(
                    o.images().getFileName().toString().replace("-images.npy", ""),
                    Regression.round(Metrics.auroc(ent, oent)));
        }
        metrics.put("ood_auroc", auroc);
    }

    /** SHA-256 (hex) of the predicted class per pixel, uint8, example after example, each row-major in H,W. */
    static String classHash(PixelMaps[] maps) {
        int hw = maps.length == 0 ? 0 : maps[0].area();
        byte[] all = new byte[maps.length * hw];
        for (int i = 0; i < maps.length; i++) System.arraycopy(maps[i].classes(), 0, all, i * hw, hw);
        return Regression.sha256(all);
    }
}
