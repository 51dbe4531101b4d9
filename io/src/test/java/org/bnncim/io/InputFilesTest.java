package org.bnncim.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryByteAcrossItsPieces() throws Exception {
        Random r = new Random(4);
        for (int size : new int[] {0, 1, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, 3 * 256 * 1024 + 17}) {
            byte[] want = new byte[size];
            r.nextBytes(want);
            Path f = Files.write(dir.resolve("f" + size), want);
            assertArrayEquals(want, InputFiles.read(f, "model", 1L << 30, ""), size + " bytes");
        }
    }

    @Test
    void aFileOverTheCapIsRefusedWithItsName() throws Exception {
        Path f = Files.write(dir.resolve("big.onnx"), new byte[1000]);
        BnncimException e = assertThrows(BnncimException.class, () -> InputFiles.read(f, "model", 999, "--max-bytes"));
        assertTrue(
                e.getMessage().startsWith(f + ": model of 1000 bytes is larger than the cap of 999"), e.getMessage());
    }
}
