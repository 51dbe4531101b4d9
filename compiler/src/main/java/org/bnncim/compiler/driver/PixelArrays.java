package org.bnncim.compiler.driver;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.io.Npy;
import org.bnncim.ir.BnncimException;

/**
 * The per-pixel arrays of a segmentation run as .npy files named after one base file {@code Y.npy}: {@code Y.npy}
 * the mean probability [N,C,H,W] float32 (C = 1: the foreground probability), {@code Y-entropy.npy},
 * {@code Y-expected-entropy.npy} and {@code Y-mutual-info.npy} [N,H,W] float32 (nats), and {@code Y-class.npy}
 * the predicted class [N,H,W] uint8. One base name keeps {@code run -o Y.npy} meaning what it means for a
 * classifier (Y.npy holds the outputs) while the uncertainty maps sit beside it.
 */
public final class PixelArrays {
    private PixelArrays() {}

    public static final List<String> SUFFIXES = List.of("", "-entropy", "-expected-entropy", "-mutual-info", "-class");

    /** The files, in {@link #SUFFIXES} order; {@code base} must end in .npy. */
    public static Map<Path, Npy.NpyArray> arrays(Path base, List<PixelMaps> maps) {
        String name = base.getFileName().toString();
        if (!name.endsWith(".npy")) throw new BnncimException(base + ": the output file name must end in .npy");
        String stem = name.substring(0, name.length() - ".npy".length());
        ModelOutput o = maps.get(0).output();
        int n = maps.size(), hw = o.area(), c = o.channels();
        float[] mean = new float[n * c * hw], ent = new float[n * hw], exp = new float[n * hw], mi = new float[n * hw];
        byte[] cls = new byte[n * hw];
        for (int i = 0; i < n; i++) {
            PixelMaps m = maps.get(i);
            System.arraycopy(m.mean(), 0, mean, i * c * hw, c * hw);
            System.arraycopy(m.entropy(), 0, ent, i * hw, hw);
            System.arraycopy(m.expected(), 0, exp, i * hw, hw);
            System.arraycopy(m.mutual(), 0, mi, i * hw, hw);
            System.arraycopy(m.classes(), 0, cls, i * hw, hw);
        }
        int[] map = {n, o.height(), o.width()};
        Map<Path, Npy.NpyArray> files = new LinkedHashMap<>();
        files.put(base, Npy.NpyArray.ofFloat(new int[] {n, c, o.height(), o.width()}, mean));
        files.put(base.resolveSibling(stem + SUFFIXES.get(1) + ".npy"), Npy.NpyArray.ofFloat(map, ent));
        files.put(base.resolveSibling(stem + SUFFIXES.get(2) + ".npy"), Npy.NpyArray.ofFloat(map, exp));
        files.put(base.resolveSibling(stem + SUFFIXES.get(3) + ".npy"), Npy.NpyArray.ofFloat(map, mi));
        files.put(base.resolveSibling(stem + SUFFIXES.get(4) + ".npy"), Npy.NpyArray.ofUint8(map, cls));
        return files;
    }

    public static void write(Path base, List<PixelMaps> maps) {
        arrays(base, maps).forEach(Npy::write);
    }
}
