package org.bnncim.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.bnncim.ir.BnncimException;

/**
 * Every file bnncim writes goes through here: a temporary file in the target folder, then a rename, so a reader
 * never sees half a file and an interrupted run leaves at most the previous version behind.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    public static void write(Path file, byte[]... parts) {
        Path abs = file.toAbsolutePath();
        Path tmp = null;
        try {
            Path dir = abs.getParent();
            if (dir != null) Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                for (byte[] part : parts) {
                    ByteBuffer b = ByteBuffer.wrap(part);
                    while (b.hasRemaining()) ch.write(b);
                }
                ch.force(true);
            }
            relaxPermissions(tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new BnncimException(file + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write failure is the error worth reporting
                }
            }
        }
    }

    public static void writeString(Path file, String text) {
        write(file, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Temp files are created owner-only; the result should look like any other file the user saves. */
    private static void relaxPermissions(Path p) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // non-POSIX file systems keep their defaults
        }
    }
}
