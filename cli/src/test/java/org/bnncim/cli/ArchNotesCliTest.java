package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * compile's reports show the [source] and [assumption] notes of an {@code --arch} file's comments in the parameter
 * table; a key an option overrides is the user's instead.
 */
class ArchNotesCliTest {
    @TempDir
    Path tmp;

    @Test
    void theReportShowsTheFilesNotesExceptWhereAnOptionOverrides() throws Exception {
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run(
                "compile",
                Paths.testdata("models/mlp-sd.onnx").toString(),
                "-o",
                out.toString(),
                "--arch",
                Paths.root().resolve("arch/cai-isscc2023.json").toString(),
                "--rows-per-read",
                "2");
        assertEquals(0, r.code(), r.toString());
        String txt = Files.readString(out.resolve("report.txt"));
        assertTrue(txt.contains("architecture stt-cim-cai-isscc2023:"), txt);
        assertTrue(txt.matches("(?s).*\\n    r_parallel_ohm +3000\\.0 ohm +source: NVSim sample_STTRAM\\.cell.*"), txt);
        assertTrue(txt.matches("(?s).*\\n    cols +256 bit lines +assumption: as rows.*"), txt);
        assertTrue(txt.matches("(?s).*\\n    rows_per_read +2 word lines +set by the user.*"), txt);
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("source: NVSim sample_STTRAM.cell (6e3d070e): ResistanceOn 3 kOhm"));
    }
}
