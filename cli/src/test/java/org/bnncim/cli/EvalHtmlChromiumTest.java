package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.bnncim.compiler.testing.Chromium;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval's classifier page as a browser shows it: headless Chromium (skipped where it is not installed) takes a
 * screenshot of eval.html for mlp-sd with three OOD sets and a stuck-at sweep, which must not be blank and must
 * show the chart colours. The screenshot is kept as cli/target/eval-html.png; with -Dbnncim.updateDocs=true it also
 * replaces docs/img/eval-html.png, the README's picture (not on every run: browsers differ by a few pixels).
 */
class EvalHtmlChromiumTest {
    private static final int WIDTH = 900, HEIGHT = 1290;

    @TempDir
    Path tmp;

    @Test
    @Tag("slow") // a browser start costs about a minute on a loaded 2-core machine
    void headlessChromiumDrawsTheClassifierPage() throws Exception {
        Path browser = Chromium.find();
        assumeTrue(browser != null, "chromium is not installed");
        Cli.Result r = Cli.run(
                "eval",
                Paths.testdata("models/mlp-sd.onnx").toString(),
                "--dataset",
                Paths.testdata("mnist").toString(),
                "--ood",
                Paths.testdata("ood/fashion-200-images.npy").toString(),
                "--ood",
                Paths.testdata("ood/rotated-200-images.npy").toString(),
                "--ood",
                Paths.testdata("ood/noise-200-images.npy").toString(),
                "--limit",
                "300",
                "--samples",
                "20",
                "--faults-sweep",
                "stuck-at=0,0.001,0.01,0.05",
                "-o",
                tmp.resolve("out").toString());
        assertEquals(0, r.code(), r.toString());
        Path shot = Chromium.screenshot(browser, tmp.resolve("out/eval.html"), tmp, WIDTH, HEIGHT);
        Path keep = Paths.root().resolve("cli/target/eval-html.png");
        Files.createDirectories(keep.getParent());
        Files.copy(shot, keep, StandardCopyOption.REPLACE_EXISTING);
        if (Boolean.getBoolean("bnncim.updateDocs")) {
            Files.copy(shot, Paths.root().resolve("docs/img/eval-html.png"), StandardCopyOption.REPLACE_EXISTING);
        }
        BufferedImage img = ImageIO.read(shot.toFile());
        assertEquals(WIDTH, img.getWidth());
        assertEquals(HEIGHT, img.getHeight());
        Set<Integer> colours = new HashSet<>();
        int white = 0, samples = 0;
        for (int y = 0; y < HEIGHT; y += 2) {
            for (int x = 0; x < WIDTH; x += 2) {
                int c = img.getRGB(x, y) & 0xFFFFFF;
                colours.add(c);
                samples++;
                if (c == 0xFFFFFF) white++;
            }
        }
        assertTrue(colours.size() > 30, "a blank page has few colours: " + colours.size());
        assertTrue(white < samples * 0.97, "almost all white: " + white + " of " + samples);
        // the series colours of SvgPlot (in-distribution blue, first OOD red, second green) are drawn
        for (int c : new int[] {0x1F77B4, 0xD62728, 0x2CA02C})
            assertTrue(colours.contains(c), "colour " + Integer.toHexString(c) + " drawn");
        // charts below the table: the lower half of the window is not empty either
        int lowerInk = 0;
        for (int y = HEIGHT / 2; y < HEIGHT; y += 2)
            for (int x = 0; x < WIDTH; x += 2) if ((img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) lowerInk++;
        assertTrue(lowerInk > 2000, "the lower half has charts: " + lowerInk);
    }
}
