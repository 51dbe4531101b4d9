package org.bnncim.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bnncim.io.Npy.NpyArray;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixtures in {@code src/test/resources/npy/} were written by numpy 1.24.2 ({@code /usr/bin/python3}),
 * from inside that folder:
 *
 * <pre>
 * import numpy as np, numpy.lib.format as fmt
 * np.save('f4_2x3.npy', np.array([[0.5, -1.25, 3.0], [1e-3, -0.0, 65504.0]], dtype='&lt;f4'))
 * np.save('f8_3.npy', np.array([1.5, -2.25, 1e300], dtype='&lt;f8'))
 * np.save('u1_2x2.npy', np.array([[0, 1], [128, 255]], dtype='u1'))
 * np.save('i1_4.npy', np.array([-128, -1, 0, 127], dtype='i1'))
 * np.save('i4_2x2.npy', np.array([[-2147483648, -1], [0, 2147483647]], dtype='&lt;i4'))
 * np.save('i8_3.npy', np.array([-5, 0, 1 &lt;&lt; 40], dtype='&lt;i8'))
 * np.save('b1_5.npy', np.array([True, False, False, True, True]))
 * np.save('f4_scalar.npy', np.float32(2.5))
 * np.save('u1_empty.npy', np.zeros((0,), 'u1'))
 * # header text exactly 64-aligned before padding: numpy then pads a whole extra 64 bytes
 * np.save('u1_aligned.npy', np.zeros((0, 10, 10) + (1,) * 11, 'u1'))
 * np.save('f4_fortran.npy', np.asfortranarray(np.arange(6, dtype='&lt;f4').reshape(2, 3)))
 * np.save('f4_bigendian.npy', np.arange(3, dtype='&gt;f4'))
 * for v in [(2, 0), (3, 0)]:
 *     with open('i4_v%d.npy' % v[0], 'wb') as f:
 *         fmt.write_array(f, np.arange(6, dtype='&lt;i4').reshape(3, 2), version=v)
 * </pre>
 */
class NpyTest {

    @TempDir
    Path tmp;

    private static Path fixture(String name) {
        try {
            return Path.of(NpyTest.class.getResource("/npy/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] fixtureBytes(String name) throws IOException {
        try (InputStream in = NpyTest.class.getResourceAsStream("/npy/" + name)) {
            return in.readAllBytes();
        }
    }

    /** Reads a numpy file, checks it, and checks our writer reproduces numpy's bytes exactly. */
    private NpyArray readAndRewrite(String name) throws IOException {
        NpyArray a = Npy.read(fixture(name));
        assertArrayEquals(fixtureBytes(name), Npy.toBytes(a), name + " rewritten differs from numpy's bytes");
        Path out = tmp.resolve(name);
        Npy.write(out, a);
        assertArrayEquals(fixtureBytes(name), Files.readAllBytes(out));
        return a;
    }

    @Test
    void readsFloat32AndWritesIdenticalBytes() throws IOException {
        NpyArray a = readAndRewrite("f4_2x3.npy");
        assertEquals("<f4", a.dtype());
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertEquals(6, a.count());
        assertArrayEquals(new float[] {0.5f, -1.25f, 3.0f, 1e-3f, -0.0f, 65504.0f}, a.toFloat());
        assertEquals(NpyArray.ofFloat(new int[] {2, 3}, a.toFloat()), a);
    }

    @Test
    void readsEveryDtype() throws IOException {
        assertArrayEquals(
                new double[] {1.5, -2.25, 1e300}, readAndRewrite("f8_3.npy").toDouble());

        NpyArray u = readAndRewrite("u1_2x2.npy");
        assertEquals("|u1", u.dtype());
        assertArrayEquals(new float[] {0, 1, 128, 255}, u.toFloat(), "u1 keeps raw values, no scaling");
        assertArrayEquals(new byte[] {0, 1, (byte) 128, (byte) 255}, u.u8());
        assertArrayEquals(Npy.toBytes(u), Npy.toBytes(NpyArray.ofUint8(new int[] {2, 2}, u.u8())));

        assertArrayEquals(
                new float[] {-128, -1, 0, 127}, readAndRewrite("i1_4.npy").toFloat());

        NpyArray i4 = readAndRewrite("i4_2x2.npy");
        assertArrayEquals(new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, i4.toInt());
        assertEquals(i4, NpyArray.ofInt32(new int[] {2, 2}, i4.toInt()));

        NpyArray i8 = readAndRewrite("i8_3.npy");
        assertArrayEquals(new long[] {-5, 0, 1L << 40}, i8.toLong());
        assertThrows(BnncimException.class, i8::toInt);

        NpyArray b = readAndRewrite("b1_5.npy");
        assertArrayEquals(new boolean[] {true, false, false, true, true}, b.toBool());
        assertEquals(b, NpyArray.ofBool(new int[] {5}, b.toBool()));
    }

    @Test
    void scalarsEmptyAndAlignedHeaders() throws IOException {
        NpyArray s = readAndRewrite("f4_scalar.npy");
        assertEquals(0, s.rank());
        assertEquals(1, s.count());
        assertArrayEquals(new float[] {2.5f}, s.toFloat());

        NpyArray e = readAndRewrite("u1_empty.npy");
        assertEquals(0, e.count());

        NpyArray al = readAndRewrite("u1_aligned.npy");
        assertEquals(14, al.rank());
        assertEquals(192, Npy.toBytes(al).length);
    }

    @Test
    void readsVersion2And3Headers() {
        for (String name : new String[] {"i4_v2.npy", "i4_v3.npy"}) {
            NpyArray a = Npy.read(fixture(name));
            assertArrayEquals(new int[] {3, 2}, a.shape(), name);
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, a.toInt(), name);
        }
    }

    @Test
    void roundTripsThroughFiles() {
        float[] f = {1f, Float.NaN, Float.NEGATIVE_INFINITY, -3.5f, 0f, 7f};
        NpyArray a = NpyArray.ofFloat(new int[] {3, 1, 2}, f);
        Path p = tmp.resolve("rt.npy");
        Npy.write(p, a);
        NpyArray back = Npy.read(p);
        assertEquals(a, back);
        assertArrayEquals(f, back.toFloat());

        // Overwriting replaces the file and leaves no temp files behind.
        NpyArray big = NpyArray.ofInt32(new int[] {1000}, new int[1000]);
        Npy.write(p, big);
        assertEquals(big, Npy.read(p));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void deterministicOutput() {
        NpyArray a = NpyArray.ofUint8(new int[] {4, 3}, new byte[12]);
        byte[] x = Npy.toBytes(a);
        byte[] y = Npy.toBytes(NpyArray.ofUint8(new int[] {4, 3}, new byte[12]));
        assertArrayEquals(x, y);
        assertEquals(0, (x.length - 12) % 64, "data starts 64-aligned");
        String header = new String(x, 10, x.length - 22, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '|u1', 'fortran_order': False, 'shape': (4, 3), }"), header);
        assertTrue(header.endsWith(" \n"));
    }

    @Test
    void rejectsFortranOrderAndBigEndianNamingTheFile() {
        BnncimException f = assertThrows(BnncimException.class, () -> Npy.read(fixture("f4_fortran.npy")));
        assertTrue(f.getMessage().contains("f4_fortran.npy") && f.getMessage().contains("Fortran"), f.getMessage());
        BnncimException b = assertThrows(BnncimException.class, () -> Npy.read(fixture("f4_bigendian.npy")));
        assertTrue(b.getMessage().contains("f4_bigendian.npy") && b.getMessage().contains(">f4"), b.getMessage());
    }

    @Test
    void rejectsTruncatedAndMalformedFiles() throws IOException {
        byte[] good = fixtureBytes("f4_2x3.npy");
        assertBad(Arrays.copyOf(good, good.length - 1), "truncated");
        assertBad(Arrays.copyOf(good, 40), "truncated");
        assertBad(Arrays.copyOf(good, 7), "magic");
        assertBad(new byte[0], "magic");
        byte[] trailing = Arrays.copyOf(good, good.length + 4);
        assertBad(trailing, "trailing");
        byte[] badMagic = good.clone();
        badMagic[1] = 'X';
        assertBad(badMagic, "magic");
        byte[] badVersion = good.clone();
        badVersion[6] = 9;
        assertBad(badVersion, "version");
        byte[] garbledDict = good.clone();
        garbledDict[10] = '[';
        assertBad(garbledDict, "bad header");
    }

    @Test
    void hugeDeclaredShapeIsRejectedBeforeAllocating() throws IOException {
        String hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100000), }";
        assertBad(rawFile(hdr, new byte[8]), "truncated");
        String overflow = "{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647, "
                + "2147483647), }";
        assertBad(rawFile(overflow, new byte[8]), "too large");
        String tooBigDim = "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }";
        assertBad(rawFile(tooBigDim, new byte[0]), "too large");
    }

    @Test
    void acceptsOtherSpellingsOfTheHeader() throws IOException {
        // Older numpy wrote no growth padding and Python 2 wrote long literals and double quotes are legal.
        String hdr = "{\"descr\": \"<u1\", \"shape\": (2L, 1L), \"fortran_order\": False}";
        NpyArray a = Npy.parse(rawFile(hdr, new byte[] {3, 4}), "x.npy");
        assertEquals("|u1", a.dtype());
        assertArrayEquals(new int[] {2, 1}, a.shape());
        assertArrayEquals(new byte[] {3, 4}, a.u8());
    }

    private void assertBad(byte[] content, String expectedFragment) throws IOException {
        Path p = tmp.resolve("bad.npy");
        Files.write(p, content);
        BnncimException e = assertThrows(BnncimException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expectedFragment), e.getMessage());
        BnncimException e2 = assertThrows(BnncimException.class, () -> Npy.parse(content, "mem.npy"));
        assertTrue(e2.getMessage().startsWith("mem.npy"), e2.getMessage());
    }

    private static byte[] rawFile(String header, byte[] data) {
        String padded = header + "\n";
        byte[] h = padded.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] out = new byte[10 + h.length + data.length];
        out[0] = (byte) 0x93;
        System.arraycopy("NUMPY".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, out, 1, 5);
        out[6] = 1;
        out[8] = (byte) h.length;
        out[9] = (byte) (h.length >> 8);
        System.arraycopy(h, 0, out, 10, h.length);
        System.arraycopy(data, 0, out, 10 + h.length, data.length);
        return out;
    }
}
