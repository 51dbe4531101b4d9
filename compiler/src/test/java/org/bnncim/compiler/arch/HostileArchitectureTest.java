package org.bnncim.compiler.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile architecture files: each is refused with one line naming the file and the key (issue #18, class 5). */
class HostileArchitectureTest {
    @TempDir
    Path tmp;

    private static Arguments bad(String name, String json, String... fragments) {
        return bad(name, () -> json, fragments);
    }

    private static Arguments bad(String name, Supplier<String> json, String... fragments) {
        return Arguments.of(name, json, List.of(fragments));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // parser hardening
                bad("huge-string", () -> "{\"name\": \"" + "x".repeat(25_000_000) + "\"}", "larger than"),
                bad("long-string", () -> "{\"name\": \"" + "x".repeat(100_000) + "\"}", "not valid JSON", "String"),
                bad("deep-nesting", () -> "[".repeat(5000) + "]".repeat(5000), "not valid JSON", "nesting"),
                bad("deep-objects", () -> "{\"a\":".repeat(5000) + "1" + "}".repeat(5000), "not valid JSON"),
                bad("trailing-text", "{\"chips\": 1} trailing", "not valid JSON"),
                bad("two-objects", "{\"chips\": 1}{\"chips\": 2}", "not valid JSON"),
                bad("duplicate-key", "{\"chips\": 1, \"chips\": 2}", "not valid JSON", "chips"),
                bad("not-utf8", () -> "{\"name\": \"\u00ff\u00fe\"}", "not valid JSON"),
                bad("array", "[1, 2]", "expected a JSON object"),
                bad("empty", "", "expected a JSON object"),
                bad("unknown-key", "{\"chipz\": 1}", "unknown architecture key 'chipz'"),
                bad("unknown-nested", "{\"energy_pj\": {\"cell_reed\": 1}}", "'energy_pj.cell_reed'"),
                // geometry and counts
                bad("rows-zero", "{\"crossbar\": {\"rows\": 0}}", "'crossbar.rows'", "2..4096"),
                bad("rows-huge", "{\"crossbar\": {\"rows\": 65536}}", "'crossbar.rows'", "2..4096"),
                bad("cols-float", "{\"crossbar\": {\"cols\": 128.5}}", "'crossbar.cols'", "integer"),
                bad("cols-string", "{\"crossbar\": {\"cols\": \"128\"}}", "'crossbar.cols'", "integer"),
                bad("cols-odd", "{\"crossbar\": {\"cols\": 255}}", "'crossbar'", "even"),
                bad("encoding", "{\"crossbar\": {\"weight_encoding\": \"triple\"}}", "'crossbar.weight_encoding'"),
                bad("crossbar-number", "{\"crossbar\": 5}", "'crossbar.weight_encoding'"),
                bad("chips-negative", "{\"chips\": -1}", "'chips'", "1..4096"),
                bad("chips-2^31", "{\"chips\": 2147483648}", "'chips'", "integer"),
                bad("tiles-zero", "{\"tiles_per_chip\": 0}", "'tiles_per_chip'"),
                bad("tiles-overflow", "{\"tiles_per_chip\": 65536, \"crossbars_per_tile\": 4096}", "per chip"),
                bad(
                        "total-overflow",
                        "{\"tiles_per_chip\": 4096, \"crossbars_per_tile\": 256, \"chips\": 17}",
                        "'chips'"),
                bad("name-control", "{\"name\": \"a\\u001b[2Jb\"}", "'name'"),
                bad("name-long", () -> "{\"name\": \"" + "n".repeat(300) + "\"}", "'name'"),
                // costs
                bad("energy-1e308", "{\"energy_pj\": {\"threshold\": 1e308}}", "'energy_pj.threshold'", "0..1.0E12"),
                bad("energy-overflow", "{\"energy_pj\": {\"adder_per_bit\": 1e400}}", "'energy_pj.adder_per_bit'"),
                // keys of earlier versions whose figure is now derived: named, with what replaced them
                bad("cell-read-derived", "{\"energy_pj\": {\"cell_read\": 0.002}}", "'energy_pj.cell_read'", "'mtj'"),
                bad("sense-amp-replaced", "{\"area_um2\": {\"sense_amp\": 15}}", "'area_um2.sense_amp'", "converter"),
                // the sensing model
                bad("rows-per-read-zero", "{\"crossbar\": {\"rows_per_read\": 0}}", "'crossbar.rows_per_read'"),
                bad(
                        "resistance-zero",
                        "{\"mtj\": {\"r_parallel_ohm\": 0}}",
                        "'mtj.r_parallel_ohm'",
                        "1..1000000000000"),
                bad("resistance-tiny", "{\"mtj\": {\"r_antiparallel_ohm\": 1e-300}}", "'mtj.r_antiparallel_ohm'"),
                bad("ir-fraction", "{\"mtj\": {\"max_ir_drop_fraction\": 2}}", "'mtj.max_ir_drop_fraction'", "0..1"),
                bad("voltage-negative", "{\"mtj\": {\"read_voltage_v\": -1}}", "'mtj.read_voltage_v'"),
                bad("converter-bits", "{\"converter\": {\"bits\": 17}}", "'converter.bits'", "0..16"),
                bad(
                        "converter-columns",
                        "{\"converter\": {\"columns_per_converter\": 0}}",
                        "'converter.columns_per_converter'"),
                bad(
                        "converter-power-nan",
                        "{\"converter\": {\"power_uw_fixed\": \"NaN\"}}",
                        "'converter.power_uw_fixed'"),
                bad("energy-negative", "{\"energy_pj\": {\"mask_gate\": -0.1}}", "'energy_pj.mask_gate'"),
                bad("latency-string", "{\"latency_ns\": {\"threshold\": \"fast\"}}", "'latency_ns.threshold'"),
                bad("latency-null", "{\"latency_ns\": {\"adder_stage\": null}}", "'latency_ns.adder_stage'"),
                bad("area-huge", "{\"area_um2\": {\"cell\": 2e12}}", "'area_um2.cell'"),
                bad("area-object", "{\"area_um2\": {\"cell\": {}}}", "'area_um2.cell'"),
                // keys the simulator and Verilog do not honour
                bad("input-bits", "{\"input_bits\": 4}", "'input_bits'", "not implemented"),
                bad("input-bits-huge", "{\"input_bits\": 99999999999}", "'input_bits'", "integer"),
                bad("psum-bits", "{\"psum_bits\": 32}", "'psum_bits'", "sized per layer"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedWithOneLineNamingFileAndKey(String name, Supplier<String> json, List<String> fragments)
            throws Exception {
        Path f = tmp.resolve(name + ".json");
        Files.writeString(
                f, json.get(), name.equals("not-utf8") ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        assertRefused(f, fragments.toArray(String[]::new));
    }

    @Test
    void specialFilesAreRefusedByTypeBeforeReading() throws Exception {
        assertRefused(tmp, "not a regular file");
        assertRefused(tmp.resolve("absent.json"), "no such file");
        Path zero = Path.of("/dev/zero");
        if (Files.exists(zero)) assertRefused(zero, "not a regular file");
        Path fifo = tmp.resolve("fifo.json");
        boolean made = false;
        try {
            made = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0;
        } catch (java.io.IOException e) {
            // no mkfifo on this system: the /dev/zero case above covers special files
        }
        assumeTrue(made);
        assertRefused(fifo, "not a regular file");
    }

    @Test
    void validFilesLoadAsBefore() throws Exception {
        Path full = tmp.resolve("full.json");
        Files.writeString(full, ArchitectureLoader.defaultText());
        assertEquals(ArchitectureLoader.defaults(), ArchitectureLoader.load(full));
        Path small = tmp.resolve("small.json");
        Files.writeString(
                small,
                "// comment\n{\"crossbar\": {\"rows\": 4096, \"cols\": 64, \"weight_encoding\": \"single\","
                        + " \"rows_per_read\": 4096},"
                        + " \"chips\": 4096, \"tiles_per_chip\": 64, \"crossbars_per_tile\": 64,"
                        + " \"energy_pj\": {\"threshold\": 1e12}}\n");
        Architecture a = ArchitectureLoader.load(small);
        assertEquals(4096, a.rows());
        assertEquals(1L << 24, a.crossbarCapacity());
        assertEquals(1e12, a.energy().threshold());
        assertEquals(4096, a.rowsPerRead());
        assertEquals(ArchitectureLoader.defaults().latency(), a.latency());
    }

    private static void assertRefused(Path f, String... fragments) {
        BnncimException e = assertThrows(BnncimException.class, () -> ArchitectureLoader.load(f));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.length() < 400, "short: " + m.length());
        assertTrue(m.startsWith(f.toString()), "names the file: " + m);
        for (String s : fragments) assertTrue(m.contains(s), "'" + s + "' missing from: " + m);
    }
}
