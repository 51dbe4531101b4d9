package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #19, item 11: a minimal manifest works or names what is missing; improvements are not regressions. */
class RegressDefaultsTest {
    @TempDir
    Path tmp;

    private Path minimalSuite(boolean withData) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("suite"));
        Files.createDirectories(dir.resolve("models"));
        Files.copy(Paths.testdata("models/mlp-det.onnx"), dir.resolve("models/m.onnx"));
        if (withData) {
            Files.copy(Paths.testdata("mnist/test-1000-images.npy"), dir.resolve("test-images.npy"));
            Files.copy(Paths.testdata("mnist/test-1000-labels.npy"), dir.resolve("test-labels.npy"));
        }
        Files.writeString(dir.resolve("manifest.json"), "{\"models\": [{\"file\": \"models/m.onnx\"}]}\n");
        return dir;
    }

    @Test
    void aMinimalManifestTakesItsDatasetFromItsOwnFolder() throws Exception {
        Path dir = minimalSuite(true);
        Cli.Result up = Cli.run("regress", dir.toString(), "--update", "--threads", "2");
        assertEquals(0, up.code(), up.toString());
        assertTrue(up.out().contains("1 model(s) x 3 crossbar size(s)"), up.out());
        String base = Files.readString(dir.resolve("baseline.json"));
        assertTrue(base.contains("\"accuracy_deterministic\""), base);
        // no OOD set in the folder: none is measured, rather than a missing bundled file
        assertTrue(base.contains("\"ood_auroc\" : { }"), base);
        Cli.Result again = Cli.run("regress", dir.toString(), "--threads", "2");
        assertEquals(0, again.code(), again.toString());
    }

    @Test
    void aMinimalManifestWithoutADatasetFailsInOneLineNamingTheKey() throws Exception {
        Path dir = minimalSuite(false);
        Cli.Result r = Cli.run("regress", dir.toString(), "--update");
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(
                r.err().startsWith("bnncim: " + dir.resolve("manifest.json") + ": regress.inputs is missing"), r.err());
    }

    /**
     * The baseline is edited so that the measured run is better (or worse) than it: the direction of each metric
     * comes from the baseline's tolerances, with the defaults (accuracy and AUROC higher, energy lower) for a
     * baseline that does not say.
     */
    @Test
    void anImprovementBeyondToleranceIsReportedAsImprovedNotRegression() throws Exception {
        Path dir = minimalSuite(true);
        Files.writeString(
                dir.resolve("manifest.json"),
                "{\"models\": [{\"file\": \"models/m.onnx\"}], \"regress\": {\"crossbars\": [\"128x128\"]}}\n");
        assertEquals(0, Cli.run("regress", dir.toString(), "--update").code());
        Path basePath = dir.resolve("baseline.json");
        String base = Files.readString(basePath);
        double acc = number(base, "accuracy_deterministic"), energy = number(base, "energy_pj_mc");

        // the baseline was worse than now: lower accuracy, more energy
        String worse = set(set(base, "accuracy_deterministic", acc - 0.1), "energy_pj_mc", energy * 2);
        Files.writeString(basePath, worse);
        Cli.Result r = Cli.run("regress", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(row(r.out(), "accuracy_deterministic").endsWith(" improved"), r.out());
        assertTrue(row(r.out(), "energy_pj_mc").endsWith(" improved"), r.out());
        assertTrue(!r.out().contains("REGRESSION"), r.out());
        assertTrue(r.out().contains("0 regression(s), 2 improved"), r.out());

        // the baseline was better than now: a regression
        Files.writeString(basePath, set(base, "accuracy_deterministic", acc + 0.1));
        Cli.Result bad = Cli.run("regress", dir.toString());
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(row(bad.out(), "accuracy_deterministic").endsWith(" REGRESSION"), bad.out());

        // the direction is the baseline's: declared lower-is-better, the same higher accuracy now regresses
        String declared = worse.replaceFirst(
                "(\"accuracy_deterministic\" : \\{\\s*\"kind\" : \"absolute\",\\s*\"value\" : [^,]+,\\s*\"better\" : )"
                        + "\"higher\"",
                "$1\"lower\"");
        assertTrue(!declared.equals(worse), "the baseline declares a direction per metric: " + worse);
        Files.writeString(basePath, declared);
        Cli.Result flipped = Cli.run("regress", dir.toString());
        assertEquals(1, flipped.code(), flipped.toString());
        assertTrue(row(flipped.out(), "accuracy_deterministic").endsWith(" REGRESSION"), flipped.out());
        assertTrue(row(flipped.out(), "energy_pj_mc").endsWith(" improved"), flipped.out());
    }

    /** The value of {@code metric} in the baseline's single run (the tolerances come first and hold objects). */
    private static double number(String baseline, String metric) {
        String runs = baseline.substring(baseline.indexOf("\"runs\""));
        var m = java.util.regex.Pattern.compile("\"" + metric + "\" : ([-0-9.Ee+]+)")
                .matcher(runs);
        assertTrue(m.find(), metric + " in " + runs);
        return Double.parseDouble(m.group(1));
    }

    private static String set(String baseline, String metric, double v) {
        int at = baseline.indexOf("\"runs\"");
        String runs =
                baseline.substring(at).replaceFirst("\"" + metric + "\" : [-0-9.Ee+]+", "\"" + metric + "\" : " + v);
        return baseline.substring(0, at) + runs;
    }

    private static String row(String out, String metric) {
        return out.lines()
                .filter(l -> l.startsWith("m@128x128") && l.contains(" " + metric + " "))
                .findFirst()
                .orElse("(no row for " + metric + ")")
                .strip();
    }
}
