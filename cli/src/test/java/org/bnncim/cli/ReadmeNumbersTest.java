package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #19, item 13: the README's 10,000-image noise set comes out of scripts/fetch-datasets, and the MC-Dropout
 * model's simulator numbers stand beside the torch ones.
 */
class ReadmeNumbersTest {
    @TempDir
    Path tmp;

    @Test
    void fetchDatasetsWritesTheSeededTenThousandImageNoiseSet() throws Exception {
        Process p = new ProcessBuilder(
                        "python3",
                        Paths.root().resolve("scripts/fetch_datasets.py").toString(),
                        "--noise-only",
                        "--datasets",
                        tmp.toString())
                .redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, log);
        Npy.NpyArray a = Npy.read(tmp.resolve("noise/test-images.npy"));
        assertArrayEquals(new int[] {10000, 1, 28, 28}, a.shape());
        byte[] got = a.u8();
        // SplitMix64 from seed 0, each output's 8 bytes little-endian: written here again, independently
        byte[] want = new byte[got.length];
        ByteBuffer b = ByteBuffer.wrap(want).order(ByteOrder.LITTLE_ENDIAN);
        long state = 0;
        while (b.remaining() >= 8) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            b.putLong(z ^ (z >>> 31));
        }
        assertArrayEquals(want, got);
        // the committed 200 are its first 200
        byte[] committed = Npy.read(Paths.testdata("ood/noise-200-images.npy")).u8();
        assertArrayEquals(committed, Arrays.copyOf(got, committed.length));
    }

    @Test
    void readmeExplainsTheMcDropoutSimulatorNumbersAndHowToMakeTheNoiseSet() throws Exception {
        String readme = Files.readString(Paths.root().resolve("README.md")).replaceAll("\\s+", " ");
        assertTrue(readme.contains("scripts/fetch-datasets --noise-only"), "the noise set's command");
        assertTrue(readme.contains("--ood datasets/noise/test-images.npy"), "the noise set used");
        int mcd = readme.indexOf("`bnncim eval testdata/models/mlp-mcd.onnx --mc-dropout");
        assertTrue(mcd > 0, "the MC-Dropout model's simulator command");
        String around = readme.substring(mcd, Math.min(readme.length(), mcd + 900));
        assertTrue(around.contains("per-neuron"), around);
        assertTrue(around.contains("torch"), "compared with the torch numbers: " + around);
        String testdataReadme = Files.readString(Paths.testdata("README.md")).replaceAll("\\s+", " ");
        assertTrue(testdataReadme.contains("scripts/fetch-datasets --noise-only"), "testdata/README.md too");
        assertEquals(-1, readme.indexOf("noise-10000"), "one name for the set");
    }
}
