package org.bnncim.compiler.driver;

import java.util.Locale;

/**
 * eval's page for a segmentation model: the metrics, then for a few examples of each split (the most uncertain and
 * a few drawn from the seed) input | ground truth | prediction | predictive entropy | mutual information side by
 * side, with colour scales. One self-contained file: styles inline, pictures as PNG data: URIs, no scripts.
 */
public final class SegmentationHtml {
    private SegmentationHtml() {}

    /** Pictures are enlarged to at least this many pixels a side, by an integer factor. */
    static final int MIN_SIDE = 128;

    public static String render(SegmentationEvaluation.Result r) {
        StringBuilder b = new StringBuilder();
        ModelOutput o = r.output();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>bnncim eval: ")
                .append(esc(r.model().getFileName().toString()))
                .append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:16px;background:#fff;color:#222}\n")
                .append("table.m{border-collapse:collapse;margin:8px 0}\n")
                .append("table.m td,table.m th{border:1px solid #ccc;padding:2px 8px;text-align:right}\n")
                .append(".row{display:flex;gap:8px;align-items:flex-start;margin:6px 0}\n")
                .append(".cell{text-align:center;font-size:12px}\n")
                .append(".cell img{display:block;image-rendering:pixelated}\n")
                .append(".lab{width:150px;font-size:12px;text-align:left}\n")
                .append(".key{display:inline-block;width:12px;height:12px;border:1px solid #888;margin:0 4px}\n")
                .append("</style></head><body>\n");
        b.append("<h1>Segmentation evaluation</h1>\n<p>")
                .append(esc(r.model().toString()))
                .append(" &middot; per-pixel output [")
                .append(o.channels())
                .append(',')
                .append(o.height())
                .append(',')
                .append(o.width())
                .append("], probabilities: ")
                .append(esc(SegmentationReport.probabilities(o)))
                .append(" &middot; ")
                .append(esc(r.engine().name()))
                .append(", ")
                .append(esc(SegmentationReport.mode(r.sim())))
                .append("</p>\n");
        metrics(b, r);
        legend(b, o);
        double maxEntropy = Math.log(o.classes());
        section(b, r, "Test split", r.test(), maxEntropy);
        r.shifted().ifPresent(s -> section(b, r, "Shifted split", s, maxEntropy));
        b.append("</body></html>\n");
        return b.toString();
    }

    private static void metrics(StringBuilder b, SegmentationEvaluation.Result r) {
        b.append("<table class=\"m\"><tr><th>split</th><th>examples</th><th>pixel accuracy</th><th>mean Dice</th>")
                .append("<th>mean IoU</th><th>NLL</th><th>ECE</th><th>mean entropy</th><th>mean MI</th>")
                .append("<th>AUROC wrong px (entropy)</th><th>AUROC wrong px (MI)</th></tr>\n");
        row(b, "test", r.test());
        r.shifted().ifPresent(s -> row(b, "shifted", s));
        b.append("</table>\n");
    }

    private static void row(StringBuilder b, String name, SegmentationEvaluation.Split s) {
        PixelMetrics.Scores c = s.scores();
        b.append("<tr><td>")
                .append(name)
                .append("</td><td>")
                .append(s.examples())
                .append("</td>");
        for (double v : new double[] {
            c.pixelAccuracy(),
            c.meanDice(),
            c.meanIou(),
            c.nll(),
            c.ece(),
            c.meanEntropy(),
            c.meanMutualInformation(),
            c.aurocEntropy(),
            c.aurocMutual()
        }) {
            b.append("<td>").append(f(v)).append("</td>");
        }
        b.append("</tr>\n");
    }

    private static void legend(StringBuilder b, ModelOutput o) {
        b.append("<p>Classes:");
        for (int c = 0; c < o.classes(); c++) {
            b.append(String.format(
                    Locale.ROOT,
                    "<span class=\"key\" style=\"background:#%06X\"></span>%d ",
                    PixelImages.classColour(c),
                    c));
        }
        b.append("&middot; Uncertainty scale (nats): <span style=\"display:inline-flex;align-items:center;gap:4px\">")
                .append("0 <img alt=\"colour scale\" src=\"")
                .append(PixelImages.legend(160, 12))
                .append("\"> max (entropy: ln ")
                .append(o.classes())
                .append(" = ")
                .append(f(Math.log(o.classes())))
                .append("; MI: as noted per split)</span></p>\n");
    }

    private static void section(
            StringBuilder b,
            SegmentationEvaluation.Result r,
            String title,
            SegmentationEvaluation.Split s,
            double maxEntropy) {
        ModelOutput o = r.output();
        int h = o.height(), w = o.width();
        int zoom = Math.max(1, (MIN_SIDE + Math.max(h, w) - 1) / Math.max(h, w));
        // MI is usually far below ln C: scale its maps to the largest MI shown so that they are not all dark
        double maxMi = 0;
        for (int i : s.panel()) for (float v : s.maps().get(i).mutual()) maxMi = Math.max(maxMi, v);
        double miScale = maxMi > 0 ? maxMi : 1;
        b.append("<h2>")
                .append(esc(title))
                .append("</h2>\n<p>")
                .append(esc(s.data().images().toString()))
                .append(": the ")
                .append(Math.min(SegmentationEvaluation.PANEL_UNCERTAIN, s.examples()))
                .append(" examples with the highest mean predictive entropy, then up to ")
                .append(SegmentationEvaluation.PANEL_RANDOM)
                .append(" others drawn with the seed. Entropy maps from 0 to ")
                .append(f(maxEntropy))
                .append(" nats, MI maps from 0 to ")
                .append(f(miScale))
                .append(" nats.</p>\n");
        int[] in = r.inputDims();
        int inH = in.length >= 2 ? in[in.length - 2] : h, inW = in.length >= 2 ? in[in.length - 1] : w;
        if (inH * inW > s.data().inputs()[0].length) {
            inH = h;
            inW = w;
        }
        int inZoom = Math.max(1, (MIN_SIDE + Math.max(inH, inW) - 1) / Math.max(inH, inW));
        int[] panel = s.panel();
        for (int k = 0; k < panel.length; k++) {
            int i = panel[k];
            PixelMaps m = s.maps().get(i);
            int wrong = 0;
            for (int q = 0; q < m.area(); q++) if (m.predicted(q) != (s.data().masks()[i][q] & 0xFF)) wrong++;
            b.append("<div class=\"row\"><div class=\"lab\">example ")
                    .append(i)
                    .append(k < SegmentationEvaluation.PANEL_UNCERTAIN ? " (most uncertain)" : " (drawn)")
                    .append("<br>mean entropy ")
                    .append(f(m.meanEntropy()))
                    .append("<br>mean MI ")
                    .append(f(m.meanMutualInformation()))
                    .append("<br>wrong pixels ")
                    .append(wrong)
                    .append("</div>\n");
            cell(b, "input", PixelImages.grey(s.data().inputs()[i], 0, inH, inW, inZoom));
            cell(b, "ground truth", PixelImages.classes(s.data().masks()[i], h, w, zoom));
            cell(b, "prediction", PixelImages.classes(m.classes(), h, w, zoom));
            cell(b, "entropy", PixelImages.heat(m.entropy(), h, w, maxEntropy, zoom));
            cell(b, "mutual information", PixelImages.heat(m.mutual(), h, w, miScale, zoom));
            b.append("</div>\n");
        }
    }

    private static void cell(StringBuilder b, String caption, String src) {
        b.append("<div class=\"cell\"><img alt=\"")
                .append(caption)
                .append("\" src=\"")
                .append(src)
                .append("\">")
                .append(caption)
                .append("</div>\n");
    }

    private static String f(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
