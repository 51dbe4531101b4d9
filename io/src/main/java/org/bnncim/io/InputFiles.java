package org.bnncim.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import org.bnncim.ir.BnncimException;

/**
 * The one gate every file bnncim reads goes through. A file is checked by type before it is opened: opening a FIFO
 * blocks until a writer appears and a device such as {@code /dev/zero} never ends, so anything but a regular file
 * is refused without being opened. Reads stop at the caller's cap even if the file grows meanwhile.
 */
public final class InputFiles {
    private InputFiles() {}

    /**
     * The size of {@code file}, once it is known to be a regular file. A link the user named is followed (they chose
     * where it points); {@code what} names the role in the error ("model", "architecture file").
     */
    public static long regular(Path file, String what) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new BnncimException(file + ": no such file");
        } catch (IOException | SecurityException e) {
            throw new BnncimException(
                    file + ": cannot read " + what + " (" + e.getClass().getSimpleName() + ")");
        }
        if (a.isDirectory())
            throw new BnncimException(file + ": is a folder, not a regular file; expected " + an(what));
        if (!a.isRegularFile()) {
            throw new BnncimException(file + ": not a regular file (a FIFO, device or socket); expected " + an(what)
                    + ", refused unread");
        }
        return a.size();
    }

    /** Bytes read per call: large enough to amortise the call, small enough for the copy to stay in cache. */
    private static final int CHUNK = 256 * 1024;

    /** The whole of {@code file}, at most {@code cap} bytes; {@code capHint} says how to allow more. */
    public static byte[] read(Path file, String what, long cap, String capHint) {
        long size = regular(file, what);
        int limit = (int) Math.min(cap, Integer.MAX_VALUE - 8L);
        if (size > limit) throw tooLarge(file, what, size, limit, capHint);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            byte[] b = new byte[(int) size];
            // in pieces: each passes through the JDK's temporary direct buffer while that is still in cache. The
            // whole file at once went through a buffer as large as the file, a quarter slower (lfc, 11.6 MB)
            int at = 0;
            while (at < b.length) {
                int got = ch.read(ByteBuffer.wrap(b, at, Math.min(CHUNK, b.length - at)));
                if (got < 0) break;
                at += got;
            }
            if (at < b.length) return Arrays.copyOf(b, at); // the file shrank meanwhile: what there was
            // the file may have grown meanwhile: the rest, up to the cap, as one read to its end would have it
            byte[] rest = Channels.newInputStream(ch).readNBytes(limit + 1 - b.length);
            if (rest.length > 0) {
                byte[] all = Arrays.copyOf(b, b.length + rest.length);
                System.arraycopy(rest, 0, all, b.length, rest.length);
                b = all;
            }
            if (b.length > limit) throw tooLarge(file, what, b.length, limit, capHint);
            return b;
        } catch (IOException e) {
            throw new BnncimException(
                    file + ": cannot read " + what + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    public static String readString(Path file, String what, long cap, String capHint) {
        return new String(read(file, what, cap, capHint), StandardCharsets.UTF_8);
    }

    /** A read channel on {@code file} after the type check (the caller bounds what it reads by the size it sees). */
    public static FileChannel channel(Path file, String what) throws IOException {
        regular(file, what);
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    /**
     * {@code location} (from inside a model) resolved against {@code folder} such that the file, after every link
     * is followed, lies inside the folder's real path and is regular. The resolved path is returned in its real
     * form, so that a later open cannot be redirected by a link swapped in between (it is opened with
     * NOFOLLOW_LINKS by {@link #openConfined}).
     */
    public static Path confined(Path folder, String location, String where) {
        Path real;
        Path target;
        try {
            Path base = folder.toAbsolutePath().normalize();
            Path loc = Path.of(location);
            if (loc.isAbsolute()) throw outside(where, location);
            target = base.resolve(loc).normalize();
            if (!target.startsWith(base)) throw outside(where, location);
            Path realBase = base.toRealPath();
            real = target.toRealPath();
            if (!real.startsWith(realBase)) throw outside(where, location);
        } catch (InvalidPathException e) {
            throw new BnncimException(where + ": external data location is not a valid path (" + e.getReason() + ")");
        } catch (NoSuchFileException e) {
            throw new BnncimException(where + ": external data file '" + location + "' not found");
        } catch (IOException e) {
            throw new BnncimException(where + ": cannot resolve external data '" + location + "' ("
                    + e.getClass().getSimpleName() + ")");
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new BnncimException(where + ": external data file '" + location + "' not found");
        }
        if (!a.isRegularFile()) {
            throw new BnncimException(where + ": external data '" + location + "' is not a regular file; refused");
        }
        return real;
    }

    /** Opens a path {@link #confined} returned, refusing to follow a link that appeared there since. */
    public static FileChannel openConfined(Path real) throws IOException {
        return FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    /** Reads exactly {@code length} bytes at {@code offset} from a channel. */
    public static byte[] readAt(FileChannel ch, long offset, int length) throws IOException {
        byte[] bytes = new byte[length];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
        long pos = offset;
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) throw new java.io.EOFException();
            pos += r;
        }
        return bytes;
    }

    private static String an(String what) {
        return ("aeiou".indexOf(what.charAt(0)) >= 0 ? "an " : "a ") + what;
    }

    private static BnncimException outside(String where, String location) {
        return new BnncimException(
                where + ": external data '" + location + "' points outside the model's folder; refused");
    }

    private static BnncimException tooLarge(Path file, String what, long size, long cap, String hint) {
        return new BnncimException(file + ": " + what + " of " + size + " bytes is larger than the cap of " + cap
                + " bytes" + (hint == null || hint.isEmpty() ? "" : " (" + hint + ")"));
    }
}
