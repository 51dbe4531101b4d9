package org.bnncim.compiler.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Headless Chromium for the render tests: found on the PATH, run once per page with a fresh profile. */
public final class Chromium {
    private Chromium() {}

    /** The browser on the PATH, or null where it is not installed (the tests then skip). */
    public static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        return null;
    }

    /** A {@code width} x {@code height} screenshot of {@code page}, written into {@code work}. */
    public static Path screenshot(Path browser, Path page, Path work, int width, int height) throws Exception {
        Path shot = work.resolve("shot.png");
        Path log = work.resolve("chromium.log");
        run(browser, page, work, width, height, "--screenshot=" + shot, log, true);
        if (!Files.isRegularFile(shot)) throw new AssertionError("no screenshot: " + Files.readString(log));
        return shot;
    }

    /** The DOM of {@code page} after its scripts ran, in a window {@code width} x {@code height}. */
    public static String dumpDom(Path browser, Path page, Path work, int width, int height) throws Exception {
        Path out = work.resolve("dom.html");
        run(browser, page, work, width, height, "--dump-dom", out, false);
        return Files.readString(out);
    }

    private static void run(
            Path browser, Path page, Path work, int width, int height, String mode, Path output, boolean withErrors)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                browser.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--user-data-dir=" + work.resolve("profile"),
                "--window-size=" + width + "," + height,
                mode,
                page.toUri().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(output.toFile());
        if (withErrors) pb.redirectErrorStream(true);
        else pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            String seen = withErrors ? ": " + Files.readString(output) : " on " + page;
            throw new AssertionError("chromium did not finish in 120 s" + seen);
        }
    }
}
