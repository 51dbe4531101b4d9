package org.bnncim.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.bnncim.ir.BnncimException;

/**
 * Every file bnncim writes goes through here: a temporary file in the target folder, then a rename, so a reader
 * never sees half a file and an interrupted run leaves at most the previous version behind; the temporary file a
 * killed run leaves is removed by the next write of the same file.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    public static void write(Path file, byte[]... parts) {
        Path abs = target(file);
        Path tmp = null;
        try {
            Path dir = abs.getParent();
            if (dir != null) Files.createDirectories(dir);
            removeLeftovers(abs);
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

    /**
     * Where {@code file}'s bytes go: an existing link is followed (the rename then replaces the file it points to,
     * not the link); a folder, FIFO or device in the way is refused, not replaced by a regular file.
     */
    private static Path target(Path file) {
        Path abs = file.toAbsolutePath();
        try {
            BasicFileAttributes a = Files.readAttributes(abs, BasicFileAttributes.class);
            if (a.isDirectory()) throw new BnncimException(file + ": is a folder; expected a file name to write");
            if (!a.isRegularFile()) {
                throw new BnncimException(
                        file + ": exists and is not a regular file (a FIFO, device or socket); refused");
            }
            return Files.isSymbolicLink(abs) ? abs.toRealPath() : abs;
        } catch (NoSuchFileException e) {
            return abs;
        } catch (IOException e) {
            throw new BnncimException(file + ": cannot inspect (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Temporary files an earlier, killed write of the same file left behind ({@code .NAME<digits>.tmp}). */
    private static void removeLeftovers(Path abs) throws IOException {
        Path dir = abs.getParent();
        String stem = "." + abs.getFileName();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(stem)
                    && n.endsWith(".tmp")
                    && n.substring(stem.length(), n.length() - 4).matches("[0-9]+");
        })) {
            for (Path p : s) Files.deleteIfExists(p);
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
