package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.bnncim.compiler.testing.Chromium;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.compiler.testing.SegModels;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval's segmentation page as a browser shows it: headless Chromium (Debian's chromium; skipped where it is not
 * installed) takes a screenshot, which must be a PNG of the window's size with the panel's colours on it. The
 * screenshot is kept as cli/target/segmentation-panel.png for a person to look at. Tagged slow, as scripts/test
 * installs chromium only for the full run.
 */
class SegmentationHtmlChromiumTest {
    private static final int WIDTH = 1000, HEIGHT = 1300;

    @TempDir
    Path tmp;

    @Test
    @Tag("slow") // a browser start costs about a minute on a loaded 2-core machine
    void headlessChromiumRendersTheSegmentationPanel() throws Exception {
        Path browser = Chromium.find();
        assumeTrue(browser != null, "chromium is not installed");
        Path model = SegModels.write(tmp.resolve("seg.onnx"), 2, 1);
        Path test = SegModels.dataset(Files.createDirectories(tmp.resolve("test")), 10, 2, false);
        Path shifted = SegModels.dataset(Files.createDirectories(tmp.resolve("shift")), 6, 3, false);
        Cli.Result r = Cli.run(
                "eval",
                model.toString(),
                "--dataset",
                test.toString(),
                "--ood",
                shifted.toString(),
                "--samples",
                "8",
                "-o",
                tmp.resolve("out").toString());
        assertEquals(0, r.code(), r.toString());
        Path shot = Chromium.screenshot(browser, tmp.resolve("out/eval.html"), tmp, WIDTH, HEIGHT);
        Path keep = Paths.root().resolve("cli/target/segmentation-panel.png");
        Files.createDirectories(keep.getParent());
        Files.copy(shot, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        BufferedImage img = ImageIO.read(shot.toFile());
        assertEquals(WIDTH, img.getWidth());
        assertEquals(HEIGHT, img.getHeight());
        Set<Integer> colours = new HashSet<>();
        int white = 0;
        for (int y = 0; y < HEIGHT; y += 2) {
            for (int x = 0; x < WIDTH; x += 2) {
                int c = img.getRGB(x, y) & 0xFFFFFF;
                colours.add(c);
                if (c == 0xFFFFFF) white++;
            }
        }
        assertTrue(colours.size() > 50, "a blank page has few colours: " + colours.size());
        assertTrue(white < WIDTH * HEIGHT / 4 * 0.95, "mostly white: " + white);
        // the class colours of the ground-truth and prediction maps are on the page
        assertTrue(colours.contains(0xFFD92F) && colours.contains(0x202020), "class colours drawn");
    }
}
