package org.bnncim.compiler.report;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.testing.Chromium;
import org.bnncim.compiler.testing.Models;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every reference model's report.html in headless Chromium at 1280 px: the page is no wider than the window and no
 * box scrolls sideways. The report has no script; the test appends one to a copy, which writes the widths into the
 * title that --dump-dom prints (pages kept in target/report-width/). Skipped where chromium is not installed;
 * tagged slow (a browser start per model).
 */
class ReportHtmlWidthChromiumTest {
    private static final int WIDTH = 1280;
    private static final String PROBE = "<script>(function(){var d=document.documentElement,over=[];"
            + "document.querySelectorAll('*').forEach(function(e){var s=getComputedStyle(e).overflowX;"
            + "if((s=='auto'||s=='scroll')&&e.scrollWidth>e.clientWidth+1)"
            + "over.push(e.tagName+'.'+e.className+':'+e.scrollWidth+'>'+e.clientWidth)});"
            + "document.title='W'+d.scrollWidth+' '+over.join(';')})()</script>";
    private static final Pattern TITLE = Pattern.compile("<title>W(\\d+) ?([^<]*)</title>");

    @TempDir
    Path tmp;

    @Test
    @Tag("slow")
    void everyReferenceReportFits1280PixelsWithoutSidewaysScrolling() throws Exception {
        Path browser = Chromium.find();
        assumeTrue(browser != null, "chromium is not installed");
        List<String> wide = new ArrayList<>();
        for (Path model : Models.all()) {
            var c = ReportSchemaTest.compile(model, org.bnncim.compiler.arch.ArchitectureLoader.defaults());
            String html = new String(Compiler.outputs(c, false).get("report.html"), StandardCharsets.UTF_8);
            String name = model.getFileName().toString().replace(".onnx", "");
            // kept in target/ for a person to open
            Path page =
                    Files.createDirectories(Path.of("target", "report-width")).resolve(name + ".html");
            Files.writeString(page, html.replace("</body>", PROBE + "</body>"), StandardCharsets.UTF_8);
            String dom = Chromium.dumpDom(browser, page, tmp, WIDTH, 900);
            Matcher m = TITLE.matcher(dom);
            assertTrue(m.find(), name + ": no width in the title: " + dom.substring(0, Math.min(300, dom.length())));
            int scroll = Integer.parseInt(m.group(1));
            if (scroll > WIDTH || !m.group(2).isBlank()) wide.add(name + ": page " + scroll + " px " + m.group(2));
        }
        assertTrue(wide.isEmpty(), "wider than " + WIDTH + " px: " + wide);
    }
}
