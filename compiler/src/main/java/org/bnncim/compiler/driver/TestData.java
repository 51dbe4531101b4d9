package org.bnncim.compiler.driver;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bnncim.ir.BnncimException;

/**
 * The examples a manifest model is measured on: its own {@code "test_data"} (images with labels for a classifier,
 * or with masks for a segmentation model, plus optional {@code "ood"} image files), or the manifest-wide defaults.
 * Paths are resolved against the manifest's folder.
 *
 * @param labels null for a segmentation split
 * @param masks  uint8 [N,H,W] class indices; null for a classifier
 */
public record TestData(Path images, Path labels, Path masks, List<Path> ood) {
    public TestData {
        ood = List.copyOf(ood);
    }

    public boolean segmentation() {
        return masks != null;
    }

    /**
     * The entry's {@code test_data}, or null when it has none. Every path must be relative, stay inside
     * {@code dir} and name an existing file, so a typo fails at planning time rather than half way through a run.
     */
    public static TestData parse(Path manifestFile, Path dir, JsonNode entry) {
        JsonNode t = entry.get("test_data");
        if (t == null || t.isNull()) return null;
        String where = manifestFile + ": model '"
                + entry.path("name").asText(entry.path("file").asText()) + "' ";
        if (!t.isObject())
            throw new BnncimException(where + "test_data must be an object with images and labels/masks");
        Path images = file(where, "test_data.images", dir, t.get("images"));
        boolean hasLabels = t.has("labels"), hasMasks = t.has("masks");
        if (hasLabels == hasMasks)
            throw new BnncimException(
                    where + "test_data needs exactly one of labels (classifier) or masks (segmentation)");
        Path labels = hasLabels ? file(where, "test_data.labels", dir, t.get("labels")) : null;
        Path masks = hasMasks ? file(where, "test_data.masks", dir, t.get("masks")) : null;
        List<Path> ood = new ArrayList<>();
        JsonNode o = t.get("ood");
        if (o != null && !o.isArray()) throw new BnncimException(where + "test_data.ood must be a list of .npy files");
        if (o != null) {
            for (int i = 0; i < o.size(); i++) {
                String field = "test_data.ood[" + i + "]";
                Path p = file(where, field, dir, o.get(i));
                // a shifted segmentation split is read as eval reads it: its masks sit beside it, named like it
                if (masks != null) {
                    String n = p.getFileName().toString();
                    if (!n.endsWith("images.npy"))
                        throw new BnncimException(where + field + ": " + n + " is not a *images.npy file");
                    Path m = p.resolveSibling(n.substring(0, n.length() - "images.npy".length()) + "masks.npy");
                    if (!Files.isRegularFile(m))
                        throw new BnncimException(where + field + ": masks file " + dir.relativize(m) + " not found");
                }
                ood.add(p);
            }
        }
        return new TestData(images, labels, masks, ood);
    }

    private static Path file(String where, String field, Path dir, JsonNode v) {
        if (v == null || !v.isTextual() || v.asText().isBlank())
            throw new BnncimException(where + field + " must be a path relative to " + dir);
        String rel = v.asText();
        Path root = dir.toAbsolutePath().normalize();
        Path p;
        try {
            p = root.resolve(rel).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new BnncimException(where + field + " is not a valid path (" + e.getReason() + ")");
        }
        if (Path.of(rel).isAbsolute() || !p.startsWith(root))
            throw new BnncimException(where + field + ": " + rel + " is not a path inside " + dir);
        if (!Files.isRegularFile(p)) throw new BnncimException(where + field + ": " + rel + " not found in " + dir);
        return dir.resolve(rel).normalize();
    }
}
