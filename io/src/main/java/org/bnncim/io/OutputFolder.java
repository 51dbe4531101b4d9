package org.bnncim.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bnncim.ir.BnncimException;

/**
 * Writes an output folder as a whole: the new contents are built in a hidden sibling folder and swapped in, so a
 * failure or a kill leaves either the complete old folder or the complete new one, never a mix of two runs.
 *
 * <p>Replacing an existing folder takes two renames (old aside, new in); Java has no atomic exchange of two
 * folders. A kill between them leaves the name absent for a moment with both versions complete beside it; the next
 * write to the same folder, or {@link #recover}, finishes the swap, and removes every leftover of an interrupted
 * run. Two runs writing the same folder at the same time are not supported (the second may remove the first's
 * temporary folder, and the first then fails in one line).
 */
public final class OutputFolder {
    static final String NEW = ".bnncim-new-", OLD = ".bnncim-old-";
    /** What earlier runs leave in an output folder: an existing folder holding anything else is not replaced. */
    private static final Set<String> KNOWN = Set.of(
            "program.bnc",
            "program.txt",
            "report.txt",
            "report.json",
            "report.html",
            "verilog",
            "eval.json",
            "eval.html",
            "metrics.json",
            "arrays");

    private static final Pattern KNOWN_ARRAYS = Pattern.compile("(test|shifted)(-[a-z0-9-]+)?\\.npy");

    private OutputFolder() {}

    public static void write(Path out, Map<String, byte[]> files) {
        Path abs = target(out);
        Path parent = abs.getParent();
        String name = abs.getFileName().toString();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            recover(abs);
            boolean replace = Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS);
            if (replace) checkReplaceable(out, abs, files);
            tmp = Files.createTempDirectory(parent, "." + name + NEW);
            relax(tmp);
            for (var e : files.entrySet()) {
                Path f = tmp.resolve(e.getKey());
                Files.createDirectories(f.getParent());
                writeSynced(f, e.getValue());
            }
            if (!replace) {
                move(tmp, abs);
            } else {
                // the same random suffix ties the two halves of one swap together for recover()
                Path old = parent.resolve("." + name + OLD + suffix(tmp, name));
                move(abs, old);
                move(tmp, abs);
                deleteTree(old);
            }
            tmp = null;
        } catch (IOException e) {
            throw new BnncimException(
                    out + ": cannot write output folder (" + e.getClass().getSimpleName() + ")", e);
        } finally {
            if (tmp != null) deleteTree(tmp);
        }
    }

    /**
     * Called when a command starts: refuses an {@code out} that is not a folder before any work is done, and
     * repairs what a killed run left beside it even if this run then fails.
     */
    public static void prepare(Path out) {
        Path abs = target(out);
        if (!Files.isDirectory(abs.getParent())) return;
        try {
            recover(abs);
        } catch (IOException e) {
            throw new BnncimException(
                    out + ": cannot tidy output folder (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /**
     * Finishes or undoes an interrupted write of {@code abs} (see the class comment) and removes temporary folders
     * and files earlier runs left beside it. When the name is absent but a complete new version is waiting, the
     * new one wins: it was complete before the old one was set aside.
     */
    public static void recover(Path abs) throws IOException {
        Path parent = abs.getParent();
        String name = abs.getFileName().toString();
        List<Path> news = new ArrayList<>(), olds = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(parent, "." + glob(name) + ".bnncim-*")) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (n.startsWith("." + name + NEW)) news.add(p);
                else if (n.startsWith("." + name + OLD)) olds.add(p);
            }
        } catch (NoSuchFileException e) {
            return;
        }
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            for (Path old : olds) {
                Path partner = parent.resolve("." + name + NEW + suffix(old, name, OLD));
                Path back = news.contains(partner) ? partner : old;
                move(back, abs);
                news.remove(back);
                olds.remove(back);
                break;
            }
        }
        for (Path p : news) deleteTree(p);
        for (Path p : olds) deleteTree(p);
    }

    /**
     * The folder the user means: a link to a folder is followed, so the swap happens where the data lives and the
     * link stays. Anything that exists and is not a folder (a file, FIFO, device) is refused.
     */
    private static Path target(Path out) {
        Path abs = out.toAbsolutePath().normalize();
        if (abs.getParent() == null) throw new BnncimException(out + ": cannot replace the root folder");
        try {
            BasicFileAttributes a = Files.readAttributes(abs, BasicFileAttributes.class);
            if (!a.isDirectory()) {
                throw new BnncimException(out + ": exists and is not a folder ("
                        + (a.isRegularFile() ? "a file" : "a FIFO, device or socket") + "); refused");
            }
            Path real = abs.toRealPath();
            if (real.getParent() == null) throw new BnncimException(out + ": cannot replace the root folder");
            return real;
        } catch (NoSuchFileException e) {
            return abs;
        } catch (IOException e) {
            throw new BnncimException(
                    out + ": cannot inspect output folder (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * The swap deletes what the old folder held, so it is only done to a folder of bnncim's own outputs: a folder
     * that also holds the user's files (or is their working folder) is refused, not emptied.
     */
    private static void checkReplaceable(Path out, Path abs, Map<String, byte[]> files) throws IOException {
        Set<String> ours = new HashSet<>(KNOWN);
        for (String f : files.keySet()) ours.add(f.split("/", 2)[0]);
        try (DirectoryStream<Path> s = Files.newDirectoryStream(abs)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (ours.contains(n) || KNOWN_ARRAYS.matcher(n).matches() || isLeftoverFile(n)) continue;
                throw new BnncimException(out + ": exists and holds '" + n + "', which bnncim does not write; an "
                        + "output folder is replaced as a whole, so name a new folder or one of bnncim's own");
            }
        }
    }

    /** A temporary file {@link AtomicFiles} left behind when killed mid-write. */
    private static boolean isLeftoverFile(String n) {
        return n.startsWith(".") && n.endsWith(".tmp");
    }

    /**
     * A file of the hidden new folder: no temporary name and rename per file (the folder is swapped in whole, so
     * nobody sees it half-written), but synced, so the swap never exposes files whose bytes are not on disk.
     */
    private static void writeSynced(Path f, byte[] bytes) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(
                f, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static String suffix(Path tmp, String name) {
        return suffix(tmp, name, NEW);
    }

    private static String suffix(Path p, String name, String kind) {
        return p.getFileName().toString().substring(1 + name.length() + kind.length());
    }

    /** {@code name} with the glob's special characters escaped. */
    private static String glob(String name) {
        return name.replaceAll("([\\\\*?\\[\\]{}])", "\\\\$1");
    }

    /** Temp folders are created owner-only; the output should look like any folder the user makes. */
    private static void relax(Path dir) {
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // non-POSIX file systems keep their defaults
        }
    }

    static void deleteTree(Path p) {
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
