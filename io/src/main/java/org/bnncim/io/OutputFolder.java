package org.bnncim.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.bnncim.ir.BnncimException;

/**
 * Writes a compile's output folder so that it either appears complete or not at all: a new folder is filled under
 * a temporary name beside it and renamed; into an existing folder each file is renamed into place only after all
 * of them were computed.
 */
public final class OutputFolder {
    private OutputFolder() {}

    public static void write(Path out, Map<String, byte[]> files) {
        Path abs = out.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs))
            throw new BnncimException(out + ": exists and is not a folder");
        if (Files.isDirectory(abs)) {
            for (var e : files.entrySet()) AtomicFiles.write(abs.resolve(e.getKey()), e.getValue());
            return;
        }
        Path parent = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp");
            try {
                // temp folders are owner-only; the output should look like any folder the user makes
                Files.setPosixFilePermissions(
                        tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException ignored) {
                // non-POSIX file systems keep their defaults
            }
            for (var e : files.entrySet()) {
                Path f = tmp.resolve(e.getKey());
                Files.createDirectories(f.getParent());
                Files.write(f, e.getValue()); // inside the hidden temp folder: readers see nothing until the rename
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException ex) {
                Files.move(tmp, abs);
            }
            tmp = null;
        } catch (IOException e) {
            throw new BnncimException(out + ": cannot write output folder (" + e.getMessage() + ")", e);
        } finally {
            if (tmp != null) deleteTree(tmp);
        }
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(q -> {
                try {
                    Files.deleteIfExists(q);
                } catch (IOException ignored) {
                    // best effort: the original error is what the user needs to see
                }
            });
        } catch (IOException ignored) {
            // nothing more to clean
        }
    }
}
