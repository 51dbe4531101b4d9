package org.bnncim.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The states a killed swap can leave, and what {@link OutputFolder#prepare} makes of each. */
class OutputFolderTest {
    @TempDir
    Path tmp;

    private List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private Path folder(String name, String report) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        Files.writeString(d.resolve("report.txt"), report);
        return d;
    }

    @Test
    void killBetweenTheRenamesFinishesTheSwap() throws Exception {
        folder(".out.bnncim-old-42", "old");
        folder(".out.bnncim-new-42", "new");
        OutputFolder.prepare(tmp.resolve("out"));
        assertEquals(List.of("out"), names());
        assertEquals("new", Files.readString(tmp.resolve("out/report.txt")));
    }

    @Test
    void anOldFolderWithoutItsNewHalfIsPutBack() throws Exception {
        folder(".out.bnncim-old-7", "old");
        OutputFolder.prepare(tmp.resolve("out"));
        assertEquals(List.of("out"), names());
        assertEquals("old", Files.readString(tmp.resolve("out/report.txt")));
    }

    @Test
    void aHalfBuiltNewFolderIsRemovedAndTheCurrentOneKept() throws Exception {
        folder("out", "current");
        folder(".out.bnncim-new-1", "half");
        folder(".out.bnncim-new-2", "half");
        folder(".other.bnncim-new-3", "not ours");
        OutputFolder.prepare(tmp.resolve("out"));
        assertEquals(List.of(".other.bnncim-new-3", "out"), names());
        assertEquals("current", Files.readString(tmp.resolve("out/report.txt")));
    }

    @Test
    void writeReplacesTheWholeFolder() throws Exception {
        Path out = folder("out", "old");
        Files.writeString(out.resolve("program.txt"), "old listing");
        Files.writeString(out.resolve(".report.txt123.tmp"), "killed write");
        OutputFolder.write(out, Map.of("report.txt", "new".getBytes()));
        assertEquals(List.of("out"), names());
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(
                    List.of("report.txt"),
                    s.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals("new", Files.readString(out.resolve("report.txt")));
    }

    @Test
    void aFolderWithTheUsersFilesIsNotReplaced() throws Exception {
        Path out = folder("out", "old");
        Files.writeString(out.resolve("thesis.tex"), "mine");
        var e = assertThrows(
                BnncimException.class, () -> OutputFolder.write(out, Map.of("report.txt", "new".getBytes())));
        assertTrue(e.getMessage().contains("thesis.tex"), e.getMessage());
        assertTrue(Files.exists(out.resolve("thesis.tex")));
        assertEquals("old", Files.readString(out.resolve("report.txt")));
    }

    @Test
    void aLinkedFolderIsReplacedWhereItLivesAndTheLinkStays() throws Exception {
        Path real = folder("real", "old");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        OutputFolder.write(link, Map.of("report.txt", "new".getBytes()));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(real.resolve("report.txt")));
        assertFalse(names().stream().anyMatch(n -> n.contains(".bnncim-")));
    }
}
