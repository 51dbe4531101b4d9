package org.bnncim.compiler.cli;

import org.bnncim.compiler.testing.Cli;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets exit code 2 and exactly one line on stderr that names the file (and node), never a stack trace. */
class BadInputTest {
    @TempDir
    Path tmp;

    static void assertOneLineError(Cli.Result r, String... mustContain) {
        assertEquals(2, r.code(), r.toString());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line only:\n" + err);
        assertTrue(err.startsWith("bnncim: "), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        for (String s : mustContain) assertTrue(err.contains(s), "'" + s + "' missing from: " + err);
    }

    @Test
    void truncatedModel() throws Exception {
        byte[] all = Files.readAllBytes(Paths.tfc());
        Path f = tmp.resolve("truncated.onnx");
        Files.write(f, Arrays.copyOf(all, all.length / 2));
        assertOneLineError(Cli.run("inspect", f.toString()), "truncated.onnx", "not a valid ONNX model");
    }

    @Test
    void notAnOnnxFile() throws Exception {
        Path f = tmp.resolve("readme.onnx");
        Files.writeString(f, "This is a text file, not a model.\n");
        assertOneLineError(Cli.run("inspect", f.toString()), "readme.onnx");
    }

    @Test
    void missingFileAndFolder() {
        assertOneLineError(Cli.run("inspect", tmp.resolve("nope.onnx").toString()), "nope.onnx", "no such file");
        assertOneLineError(Cli.run("inspect", tmp.toString()), "is a folder");
    }

    @Test
    void usageErrors() {
        Cli.Result r = Cli.run("inspect");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("bnncim: "), r.err());
        assertEquals(2, Cli.run("frobnicate").code());
        assertOneLineError(Cli.run("inspect", "--format", "yaml", Paths.tfc().toString()), "--format");
    }
}
