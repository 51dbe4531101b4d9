package org.bnncim.compiler.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.bnncim.compiler.testing.Chromium;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sweep.html of a real (tiny) sweep as a browser shows it: mlp-sd on 40 MNIST images with Fashion-MNIST as the
 * OOD set, two crossbar sizes by two stuck-at rates by two seeds, run in process. Headless Chromium (skipped where
 * it is not installed) measures the page at 1280 px, where nothing but the results table's own box may scroll
 * sideways, and takes a screenshot whose plots must be drawn in colour. The page and the screenshot are kept in
 * compiler/target/sweep-html/ for a person to look at.
 */
class SweepHtmlChromiumTest {
    private static final int WIDTH = 1280, HEIGHT = 1400;
    /** Writes the page's width, the boxes that scroll sideways and every chart's place into the title. */
    private static final String PROBE = "<script>(function(){var d=document.documentElement,over=[],svg=[];"
            + "document.querySelectorAll('*').forEach(function(e){var s=getComputedStyle(e).overflowX;"
            + "if((s=='auto'||s=='scroll')&&e.scrollWidth>e.clientWidth+1)over.push(e.tagName+'.'+e.className)});"
            + "document.querySelectorAll('svg').forEach(function(e){var r=e.getBoundingClientRect();"
            + "svg.push([r.left,r.top,r.width,r.height].map(Math.round).join(','))});"
            + "document.title='W'+d.scrollWidth+' O'+over.join(';')+' S'+svg.join(';')})()</script>";

    private static final Pattern TITLE = Pattern.compile("<title>W(\\d+) O([^ ]*) S([^<]*)</title>");

    @TempDir
    Path tmp;

    @Test
    @Tag("slow") // two browser starts, about a minute each on a loaded 2-core machine
    void headlessChromiumDrawsTheSweepPageWithinTheWindowWidth() throws Exception {
        Path browser = Chromium.find();
        assumeTrue(browser != null, "chromium is not installed");
        Path spec = tmp.resolve("tiny.json");
        String json =
                """
                {"models": ["%s"], "dataset": "%s", "ood": {"fashion": "%s"}, "limit": 40,
                 "crossbar": ["128x128", "256x256"], "faults": {"kind": "stuck-at", "rates": [0, 0.1]},
                 "samples": 8, "seed": [0, 1]}
                """.formatted(Paths.testdata("models/mlp-sd.onnx"), Paths.testdata("mnist"), Paths.testdata("fashion"));
        Files.writeString(spec, json, StandardCharsets.UTF_8);
        SweepSpec s = SpecParser.parse(spec);
        Sweep.Result r =
                Sweep.run(s, Files.readAllBytes(spec), tmp.resolve("out"), new InProcessEngine(2), Sweep.Progress.NONE);
        assertEquals(8, r.rows().size());
        assertTrue(r.rows().stream().allMatch(SweepPlots::ok), "every point ran: " + r.rows());
        String html = Files.readString(tmp.resolve("out").resolve(Sweep.HTML), StandardCharsets.UTF_8);
        Path keep = Files.createDirectories(Paths.root().resolve("compiler/target/sweep-html"));
        Files.writeString(keep.resolve("sweep.html"), html, StandardCharsets.UTF_8);

        Path probed = keep.resolve("sweep-probed.html");
        Files.writeString(probed, html.replace("</body>", PROBE + "</body>"), StandardCharsets.UTF_8);
        Path domWork = Files.createDirectories(tmp.resolve("dom"));
        String dom = Chromium.dumpDom(browser, probed, domWork, WIDTH, HEIGHT);
        Matcher m = TITLE.matcher(dom);
        assertTrue(m.find(), "no measurements in the title: " + dom.substring(0, Math.min(300, dom.length())));
        assertTrue(Integer.parseInt(m.group(1)) <= WIDTH, "page wider than the window: " + m.group(1) + " px");
        for (String box : m.group(2).split(";"))
            assertTrue(box.isEmpty() || box.equals("DIV.scroll"), "scrolls sideways: " + box);
        List<int[]> charts = new ArrayList<>();
        for (String c : m.group(3).split(";")) {
            String[] v = c.split(",");
            charts.add(new int[] {
                Integer.parseInt(v[0]), Integer.parseInt(v[1]), Integer.parseInt(v[2]), Integer.parseInt(v[3])
            });
        }
        assertEquals(3, charts.size(), "energy/accuracy, area/AUROC (fashion), accuracy/stuck-at");

        Path shot = Chromium.screenshot(browser, tmp.resolve("out").resolve(Sweep.HTML), tmp, WIDTH, HEIGHT);
        Files.copy(shot, keep.resolve("sweep-html.png"), StandardCopyOption.REPLACE_EXISTING);
        BufferedImage img = ImageIO.read(shot.toFile());
        assertEquals(WIDTH, img.getWidth());
        assertEquals(HEIGHT, img.getHeight());
        Set<Integer> all = new HashSet<>();
        for (int k = 0; k < charts.size(); k++) {
            int[] c = charts.get(k);
            assertTrue(c[0] >= 0 && c[0] + c[2] <= WIDTH, "chart " + k + " inside the window: " + c[0] + "+" + c[2]);
            assertTrue(c[1] + c[3] <= HEIGHT, "chart " + k + " below the screenshot: " + (c[1] + c[3]));
            Set<Integer> colours = new HashSet<>();
            int ink = 0;
            for (int y = c[1]; y < c[1] + c[3]; y++)
                for (int x = c[0]; x < c[0] + c[2]; x++) {
                    int rgb = img.getRGB(x, y) & 0xFFFFFF;
                    colours.add(rgb);
                    if (rgb != 0xFFFFFF) ink++;
                }
            all.addAll(colours);
            assertTrue(colours.size() > 40, "chart " + k + " has few colours: " + colours.size());
            assertTrue(ink > c[2] * c[3] / 50, "chart " + k + " is almost blank: " + ink);
        }
        // series colours in full strength: the crossbar sizes' lines, the baseline's hollow markers, the front
        for (int c : new int[] {0x1F77B4, 0xD62728, 0x111111})
            assertTrue(all.contains(c), "colour " + Integer.toHexString(c) + " drawn in the charts");
    }
}
