package org.bnncim.compiler.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The regression service called directly: the update and the comparison come back as records with their rows. */
class RegressionServiceTest {
    @TempDir
    Path tmp;

    private Path suite() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("suite"));
        Files.createDirectories(dir.resolve("models"));
        Files.createDirectories(dir.resolve("mnist"));
        Files.copy(Paths.testdata("models/mlp-det.onnx"), dir.resolve("models/mlp-det.onnx"));
        Files.copy(Paths.testdata("mnist/test-1000-images.npy"), dir.resolve("mnist/test-1000-images.npy"));
        Files.copy(Paths.testdata("mnist/test-1000-labels.npy"), dir.resolve("mnist/test-1000-labels.npy"));
        Files.writeString(dir.resolve("manifest.json"), """
                {"models": [{"name": "mlp-det", "file": "models/mlp-det.onnx"}],
                 "regress": {"crossbars": ["128x128", "256x256"], "count": 30, "samples": 2, "ood": []}}
                """);
        return dir;
    }

    @Test
    void updateThenCompare() throws Exception {
        Path dir = suite();
        var compare = new RegressionService.Request(dir, null, List.of(), 2, false);
        var e = assertThrows(BnncimException.class, () -> RegressionService.run(compare));
        assertTrue(e.getMessage().contains("no baseline yet"), e.getMessage());

        var updated = assertInstanceOf(
                RegressionService.Updated.class,
                RegressionService.run(new RegressionService.Request(dir, null, List.of(), 2, true)));
        assertEquals(dir.resolve("baseline.json"), updated.baseline());
        assertEquals(2, updated.runs());
        assertEquals(1, updated.models());
        assertEquals(2, updated.crossbars());
        assertTrue(Files.exists(updated.baseline()));

        var compared = assertInstanceOf(RegressionService.Compared.class, RegressionService.run(compare));
        assertTrue(compared.ok(), compared.rows().toString());
        assertEquals(2, compared.runs());
        assertTrue(compared.rows().stream()
                .anyMatch(r -> r.run().equals("mlp-det@128x128") && r.metric().equals("crossbars_used")));
        assertTrue(
                compared.rows().stream().allMatch(r -> r.delta().equals("0")),
                compared.rows().toString());
        String xml = RegressionService.junitXml(compared.rows());
        assertTrue(xml.contains("tests=\"" + compared.rows().size() + "\" failures=\"0\""), xml);
    }

    @Test
    void aRunMissingFromTheBaselineIsARegressionRow() throws Exception {
        Path dir = suite();
        Path other = tmp.resolve("other-baseline.json");
        RegressionService.run(new RegressionService.Request(dir, other, List.of(), 2, true));
        Files.writeString(
                dir.resolve("manifest.json"),
                Files.readString(dir.resolve("manifest.json")).replace("\"256x256\"", "\"64x64\""));
        var compared = (RegressionService.Compared)
                RegressionService.run(new RegressionService.Request(dir, other, List.of(), 2, false));
        assertFalse(compared.ok());
        assertEquals(2, compared.regressions(), "256x256 is gone, 64x64 is new: " + compared.rows());
        assertTrue(compared.rows().stream()
                .filter(r -> !r.ok())
                .allMatch(r -> r.metric().equals("(run)")));
    }
}
