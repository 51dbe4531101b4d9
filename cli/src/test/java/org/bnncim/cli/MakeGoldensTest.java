package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testdata.ManifestTest;
import org.bnncim.compiler.testing.SegModels;
import org.bnncim.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Goldens of a per-pixel model made from its manifest test_data: fewer examples than COUNT are all used, the entry
 * records the file and the output shape, and the golden reader of ManifestTest reproduces them pixel by pixel.
 */
class MakeGoldensTest {
    @TempDir
    Path dir;

    @Test
    void perPixelGoldensRoundTrip() throws Exception {
        SegModels.write(Files.createDirectories(dir.resolve("models")).resolve("seg.onnx"), 2, 7);
        SegModels.dataset(Files.createDirectories(dir.resolve("seg")), 5, 4, false);
        ObjectNode entry = (ObjectNode) new ObjectMapper().readTree("""
                {"name": "seg", "file": "models/seg.onnx",
                 "test_data": {"images": "seg/test-images.npy", "masks": "seg/test-masks.npy"}}
                """);
        ObjectNode gold = MakeGoldens.golden(dir, dir.resolve("manifest.json"), entry);

        assertEquals("seg/test-images.npy", gold.get("inputs").asText());
        assertEquals(5, gold.get("count").asInt(), "5 images, fewer than COUNT: all of them");
        int side = SegModels.SIDE;
        assertEquals(new ObjectMapper().readTree("[2," + side + "," + side + "]"), gold.get("output_shape"));
        int t = gold.get("samples").asInt();
        assertArrayEquals(
                new int[] {5, t, 2 * side * side},
                Npy.read(dir.resolve(gold.get("logits").asText())).shape());
        assertArrayEquals(
                new int[] {5, 2 * side * side},
                Npy.read(dir.resolve(gold.get("deterministic_logits").asText())).shape());
        ManifestTest.check(
                dir,
                "seg",
                OnnxImporter.importFile(dir.resolve("models/seg.onnx"), OnnxImporter.Options.DEFAULT),
                gold);
    }
}
