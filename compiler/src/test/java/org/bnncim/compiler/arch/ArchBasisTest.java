package org.bnncim.compiler.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The notes an architecture file's comments give its keys ([source] or [assumption]), as the report shows them. */
class ArchBasisTest {
    @TempDir
    Path tmp;

    @Test
    void aTaggedCommentIsTheKeysNoteInsideItsGroup() throws Exception {
        Path f = tmp.resolve("a.json");
        Files.writeString(f, """
                // [source] a header comment is no key's note
                {
                  "name": "x",               // [source] the name's note is kept but the report lists no name
                  "chips": 2,                // [assumption]   two of them
                  "mtj": {                   // [source] a group's own comment is no key's note
                    "r_parallel_ohm": 3000,  // [source] NVSim sample_STTRAM.cell: 3 kOhm
                    "read_voltage_v": 0.25,  // a plain comment: no note
                    "r_antiparallel_ohm": 6000 // [assumption]
                  },
                  "tiles_per_chip": 2        // [source] after the group closed: a top-level key
                }
                """);
        ArchitectureLoader.Annotated a = ArchitectureLoader.loadAnnotated(f);
        assertEquals(2, a.arch().chips());
        assertEquals(3000, a.arch().sensing().rParallelOhm());
        Map<String, String> n = a.basis();
        assertEquals("assumption: two of them", n.get("chips"));
        assertEquals("source: NVSim sample_STTRAM.cell: 3 kOhm", n.get("mtj.r_parallel_ohm"));
        assertEquals("assumption", n.get("mtj.r_antiparallel_ohm"));
        assertEquals("source: after the group closed: a top-level key", n.get("tiles_per_chip"));
        assertFalse(n.containsKey("mtj.read_voltage_v"));
        assertFalse(n.containsKey("mtj"));
        assertEquals(5, n.size(), n.toString());
    }

    @Test
    void aDefaultNoteBesideAChangedValueIsDropped() throws Exception {
        // a copy of the default file with two values edited and their comments left as they were
        String text = ArchitectureLoader.defaultText()
                .replace("\"columns_per_converter\": 8,", "\"columns_per_converter\": 4,")
                .replace("\"r_parallel_ohm\": 5000,", "\"r_parallel_ohm\": 5000.0,");
        Path f = tmp.resolve("copy.json");
        Files.writeString(f, text);
        Map<String, String> n = ArchitectureLoader.loadAnnotated(f).basis();
        assertFalse(n.containsKey("converter.columns_per_converter"), "the NeuroSim note is the default's, not 4's");
        assertTrue(n.get("mtj.r_parallel_ohm").startsWith("assumption: "), "5000.0 is the default's value");
        assertTrue(n.get("converter.power_uw_fixed").startsWith("source: "));
    }

    @Test
    void aLayoutItCannotReadLosesNotesButMisplacesNone() {
        Map<String, String> n = ArchBasis.of("""
                {
                  "mtj": {"r_parallel_ohm": 3000}, // [source] not the group's
                  "chips": 1, "tiles_per_chip": 2, // [source] two keys on a line: neither's
                  "name": "a // [source] inside a string", // [assumption] the name's
                  "crossbars_per_tile": 1 // [assumption] one
                }
                """);
        assertEquals(Map.of("crossbars_per_tile", "assumption: one"), n);
    }

    @Test
    void aLongLineIsReadInLinearTime() {
        String spaces = " ".repeat(500_000);
        Map<String, String> n = ArchBasis.of("{\n \"chips\": 1" + spaces + "x" + spaces + "// [source] x\n}");
        assertTrue(n.isEmpty());
    }

    @Test
    void aLongNoteIsCutAndControlCharactersDropped() {
        Map<String, String> n = ArchBasis.of("{\n \"chips\": 1 // [source] a\u0007b" + "c".repeat(10_000) + "\n}");
        String note = n.get("chips");
        assertEquals(ArchBasis.MAX_NOTE_CHARS + "source: ".length(), note.length());
        assertTrue(note.startsWith("source: abc") && note.endsWith("..."), note);
    }

    @Test
    void theDefaultFilesLayoutIsRead() {
        Map<String, String> n = ArchBasis.of(ArchitectureLoader.defaultText());
        assertTrue(n.get("mtj.r_parallel_ohm").startsWith("assumption: "), n.get("mtj.r_parallel_ohm"));
        assertTrue(n.get("converter.columns_per_converter").startsWith("source: NeuroSim"));
        assertTrue(n.get("stochastic_bit_split.read").startsWith("assumption: "));
        assertTrue(n.get("crossbars_per_tile").startsWith("assumption"));
    }
}
