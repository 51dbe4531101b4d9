package org.bnncim.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bnncim.ir.BnncimException;

/**
 * Model inputs from .npy files. uint8 arrays are images: pixel/255, the [0,1] range the models were trained on;
 * float32 arrays are used as they are. The first axis is the example; the rest must hold exactly as many
 * elements as the model's input.
 */
public final class Inputs {
    private Inputs() {}

    public record Batch(float[][] examples, String source) {
        public int size() {
            return examples.length;
        }
    }

    public static Batch read(Path file, int perExample) {
        Npy.NpyArray a = Npy.read(file);
        if (a.rank() < 1) throw new BnncimException(file + ": expected an array of examples, got a scalar");
        int n = a.dim(0);
        long per = n == 0 ? 0 : a.count() / n;
        if (per != perExample) {
            throw new BnncimException(
                    file + ": each example has " + per + " elements, the model input needs " + perExample);
        }
        boolean pixels = a.type() == Npy.DType.U1;
        if (!pixels && a.type() != Npy.DType.F4 && a.type() != Npy.DType.F8) {
            throw new BnncimException(file + ": inputs must be float32 or uint8, got " + a.dtype());
        }
        float[] all = a.toFloat();
        // a NaN or Inf passes every binarizing sign as some fixed value and yields a confident, meaningless answer
        for (int i = 0; !pixels && i < all.length; i++) {
            if (!Float.isFinite(all[i])) {
                throw new BnncimException(file + ": input value " + all[i] + " at flat index " + i + " (example "
                        + i / perExample + "); inputs must be finite");
            }
        }
        float[][] ex = new float[n][perExample];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < perExample; j++) {
                float v = all[i * perExample + j];
                ex[i][j] = pixels ? v / 255.0f : v;
            }
        }
        return new Batch(ex, file.toString());
    }

    /** Class labels in [0, classes), one per example, from an integer .npy array. */
    public static int[] labels(Path file, int expected, int classes) {
        Npy.NpyArray a = Npy.read(file);
        Npy.DType t = a.type();
        if (t == Npy.DType.F4 || t == Npy.DType.F8)
            throw new BnncimException(file + ": labels must be an integer dtype, got " + a.dtype());
        if (a.count() != expected)
            throw new BnncimException(file + ": " + a.count() + " labels for " + expected + " examples");
        long[] l = a.toLong();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            // compared as long so that a 64-bit label of 2^32 is refused rather than wrapped to class 0
            if (l[i] < 0 || l[i] >= classes) {
                throw new BnncimException(file + ": label " + l[i] + " at index " + i + " is outside [0, " + classes
                        + ") for a model with " + classes + " classes");
            }
            out[i] = (int) l[i];
        }
        return out;
    }

    /**
     * A dataset is a folder with one {@code *images.npy} (preferring {@code test-images.npy}), or that file; labels sit
     * beside it.
     */
    public static Path[] datasetFiles(Path dir, boolean needLabels) {
        if (Files.isRegularFile(dir) && dir.getFileName().toString().endsWith(".npy")) return pair(dir, needLabels);
        if (!Files.isDirectory(dir))
            throw new BnncimException(dir + ": dataset folder (or *images.npy file) not found");
        List<Path> images = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().endsWith("images.npy"))
                    .sorted()
                    .forEach(images::add);
        } catch (java.io.IOException e) {
            throw new BnncimException(dir + ": cannot list (" + e.getMessage() + ")");
        }
        Path img = images.stream()
                .filter(p -> p.getFileName().toString().equals("test-images.npy"))
                .findFirst()
                .orElse(images.size() == 1 ? images.get(0) : null);
        if (img == null) {
            throw new BnncimException(
                    dir + ": expected one *images.npy file (or test-images.npy), found " + images.size());
        }
        return pair(img, needLabels);
    }

    private static Path[] pair(Path img, boolean needLabels) {
        String name = img.getFileName().toString();
        if (!name.endsWith("images.npy")) {
            if (needLabels)
                throw new BnncimException(img + ": expected a *images.npy file with a *labels.npy beside it");
            return new Path[] {img, null};
        }
        Path labels = img.resolveSibling(name.substring(0, name.length() - "images.npy".length()) + "labels.npy");
        if (needLabels && !Files.isRegularFile(labels)) throw new BnncimException(labels + ": labels file not found");
        return new Path[] {img, Files.isRegularFile(labels) ? labels : null};
    }
}
