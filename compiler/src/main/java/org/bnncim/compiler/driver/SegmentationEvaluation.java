package org.bnncim.compiler.driver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.bnncim.backends.sim.Program;
import org.bnncim.ir.BnncimException;

/**
 * Evaluation of a segmentation model (per-pixel output [C,H,W]) on a split with masks, and on an optional
 * distribution-shifted split with its own masks (the request's {@code ood}): pixel accuracy, Dice and IoU, pixel
 * ECE and NLL, and how well per-pixel uncertainty finds the wrong pixels. Returns numbers and the per-pixel maps;
 * prints and writes nothing.
 */
public final class SegmentationEvaluation {
    private SegmentationEvaluation() {}

    /** Examples shown in the HTML panel: the most uncertain ones, then a few others drawn from the seed. */
    public static final int PANEL_UNCERTAIN = 4;

    public static final int PANEL_RANDOM = 2;

    /** One evaluated split with its inputs, masks and per-pixel maps (example order as in the files). */
    public record Split(SegmentationData data, List<PixelMaps> maps, PixelMetrics.Scores scores, int[] panel) {
        public int examples() {
            return maps.size();
        }
    }

    /**
     * @param inputDims    the model input's per-example shape (the panel draws the input's first channel)
     * @param exampleAuroc with a shifted split: AUROC of telling shifted examples from test ones by their mean
     *                     pixel entropy (the classifier's OOD figure, per image)
     */
    public record Result(
            Path model,
            EvaluationService.Engine engine,
            SimSettings sim,
            ModelOutput output,
            int[] inputDims,
            Split test,
            Optional<Split> shifted,
            double exampleAuroc) {}

    public static Result evaluate(EvaluationService.Request r, Program p, EvaluationService.Progress progress) {
        ModelOutput out = ModelOutput.of(p.graph());
        if (!out.pixels()) {
            throw new BnncimException(r.model() + ": output "
                    + p.graph().output().type().shape() + " is not per-pixel [C,H,W]; not a segmentation model");
        }
        if (out.classes() > 255) throw new BnncimException(r.model() + ": more than 255 classes per pixel");
        int per = p.graph().inputs().get(0).shape().size();
        SegmentationData test = SegmentationData.read(r.dataset(), per, out, r.limit());
        SegmentationData shifted = r.ood() == null ? null : SegmentationData.read(r.ood(), per, out, r.limit());
        progress.start(test.size() + (shifted == null ? 0 : shifted.size()));
        Split t = split(p, test, r, out, progress);
        Optional<Split> s = shifted == null ? Optional.empty() : Optional.of(split(p, shifted, r, out, progress));
        double auroc = s.map(sh -> PixelMetrics.auroc(meanEntropies(t), meanEntropies(sh)))
                .orElse(Double.NaN);
        return new Result(
                r.model(),
                r.engine(),
                r.sim(),
                out,
                p.graph().inputs().get(0).shape().dims(),
                t,
                s,
                auroc);
    }

    private static Split split(
            Program p,
            SegmentationData d,
            EvaluationService.Request r,
            ModelOutput out,
            EvaluationService.Progress progress) {
        List<PixelMaps> maps =
                EvaluationService.predict(p, d.inputs(), r.engine(), r.sim(), progress, y -> PixelMaps.of(y, out));
        PixelMetrics.Scores scores =
                PixelMetrics.score(maps.toArray(PixelMaps[]::new), d.masks(), EvaluationService.ECE_BINS);
        return new Split(d, List.copyOf(maps), scores, panel(maps, r.sim().seed()));
    }

    private static float[] meanEntropies(Split s) {
        float[] e = new float[s.examples()];
        for (int i = 0; i < e.length; i++) e[i] = (float) s.maps().get(i).meanEntropy();
        return e;
    }

    /**
     * The examples of the HTML panel: the {@link #PANEL_UNCERTAIN} with the highest mean predictive entropy (the
     * lower index first on a tie), then {@link #PANEL_RANDOM} of the rest drawn with {@code seed}, so the same
     * inputs and seed show the same examples.
     */
    public static int[] panel(List<PixelMaps> maps, long seed) {
        List<Integer> order =
                new ArrayList<>(IntStream.range(0, maps.size()).boxed().toList());
        order.sort(Comparator.comparingDouble((Integer i) -> -maps.get(i).meanEntropy())
                .thenComparingInt(i -> i));
        int top = Math.min(PANEL_UNCERTAIN, order.size());
        List<Integer> picked = new ArrayList<>(order.subList(0, top));
        List<Integer> rest = new ArrayList<>(order.subList(top, order.size()));
        rest.sort(null);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int k = 0; k < PANEL_RANDOM && !rest.isEmpty(); k++) picked.add(rest.remove(rnd.nextInt(rest.size())));
        return picked.stream().mapToInt(Integer::intValue).toArray();
    }
}
