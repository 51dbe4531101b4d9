package org.bnncim.cli;

import static org.bnncim.cli.BadInputTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hostile {@code --arch} file ends the compile with exit 2 and one line, before anything is written. */
class HostileArchitectureCliTest {
    @TempDir
    Path tmp;

    @Test
    void compileRefusesHostileArchitectureFiles() throws Exception {
        Path out = tmp.resolve("out");
        Path deep = tmp.resolve("deep.json");
        Files.writeString(deep, "{\"a\":".repeat(5000) + "1" + "}".repeat(5000));
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--arch", deep.toString()),
                "deep.json",
                "nesting");
        Path tiles = tmp.resolve("tiles.json");
        Files.writeString(tiles, "{\"tiles_per_chip\": 65536, \"crossbars_per_tile\": 65536}");
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--arch", tiles.toString()),
                "tiles.json",
                "'crossbars_per_tile'");
        Path psum = tmp.resolve("psum.json");
        Files.writeString(psum, "{\"energy_pj\": {\"cell_read\": 1e308}}");
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--arch", psum.toString()),
                "psum.json",
                "'energy_pj.cell_read'");
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--arch", "/dev/zero"),
                "/dev/zero",
                "not a regular file");
        assertFalse(Files.exists(out), "nothing written");
    }
}
