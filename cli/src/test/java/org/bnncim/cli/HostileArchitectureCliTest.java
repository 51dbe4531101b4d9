package org.bnncim.cli;

import static org.bnncim.cli.BadInputTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        Files.writeString(psum, "{\"energy_pj\": {\"threshold\": 1e308}}");
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--arch", psum.toString()),
                "psum.json",
                "'energy_pj.threshold'");
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--arch", "/dev/zero"),
                "/dev/zero",
                "not a regular file");
        assertFalse(Files.exists(out), "nothing written");
    }

    /**
     * All 256 rows read at once draw 5.12 mA through 51.2 ohm of bit line: 0.262 V against the 0.01 V the sensing
     * tolerates. compile warns and goes on (the simulator is exact either way); --strict refuses before writing.
     */
    @Test
    void anUnphysicalReadIsAWarningOrWithStrictARefusal() throws Exception {
        Path out = tmp.resolve("out");
        String[] args = {"compile", Paths.tfc().toString(), "-o", out.toString(), "--rows-per-read", "256"};
        Cli.Result warned = Cli.run(args);
        assertEquals(0, warned.code(), warned.toString());
        assertTrue(
                warned.err()
                        .startsWith("warning: bit-line IR drop 0.262 V (256 rows read together x 20 uA x 51.2"
                                + " ohm of bit line) exceeds 0.01 V (mtj.max_ir_drop_fraction 0.1 of 0.1 V): the read"
                                + " is not physical; set crossbar.rows_per_read to 9 or less (--strict refuses it)"),
                warned.toString());
        assertEquals(1, warned.err().lines().count(), warned.toString());
        Path strictOut = tmp.resolve("strict");
        String[] strict = {
            "compile", Paths.tfc().toString(), "-o", strictOut.toString(), "--rows-per-read", "256", "--strict"
        };
        assertOneLineError(Cli.run(strict), "IR drop", "rows_per_read to 9 or less");
        assertFalse(Files.exists(strictOut), "nothing written");
        // the default reads 8 rows: 8 x 20 uA x 51.2 ohm = 8.2 mV, within the limit, so no warning
        Path quiet = tmp.resolve("quiet");
        Cli.Result ok = Cli.run("compile", Paths.tfc().toString(), "-o", quiet.toString(), "--strict");
        assertEquals(0, ok.code(), ok.toString());
        assertEquals("", ok.err());
        assertOneLineError(
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString(), "--rows-per-read", "0"),
                "--rows-per-read");
    }
}
