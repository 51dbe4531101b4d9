package org.bnncim.compiler.driver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bnncim.io.Inputs;
import org.bnncim.io.Npy;
import org.bnncim.ir.BnncimException;

/**
 * A segmentation split: {@code *images.npy} (uint8 [N,H,W] or [N,1,H,W], read as pixel/255 like a classifier's,
 * or float32) and the {@code *masks.npy} beside it, uint8 class indices [N,H,W] (or [N,1,H,W]).
 */
public record SegmentationData(Path images, Path masksFile, float[][] inputs, byte[][] masks) {

    public int size() {
        return inputs.length;
    }

    /**
     * @param dir   a folder with one {@code *images.npy} (preferring test-images.npy) or that file
     * @param limit keep only the first {@code limit} examples; null for all
     */
    public static SegmentationData read(Path dir, int inputSize, ModelOutput out, Integer limit) {
        Path img = Inputs.datasetFiles(dir, false)[0];
        String name = img.getFileName().toString();
        if (!name.endsWith("images.npy"))
            throw new BnncimException(img + ": expected a *images.npy file with a *masks.npy beside it");
        Path maskFile = img.resolveSibling(name.substring(0, name.length() - "images.npy".length()) + "masks.npy");
        if (!Files.isRegularFile(maskFile))
            throw new BnncimException(
                    maskFile + ": masks file not found (a segmentation split needs one beside " + name + ")");
        return read(img, maskFile, inputSize, out, limit);
    }

    /** A split whose masks file is named explicitly (a manifest's {@code test_data}), not found beside the images. */
    public static SegmentationData read(Path img, Path maskFile, int inputSize, ModelOutput out, Integer limit) {
        Inputs.Batch batch = Inputs.read(img, inputSize);
        Npy.NpyArray a = Npy.read(maskFile);
        int[] s = a.shape();
        boolean flat = s.length == 3 && s[1] == out.height() && s[2] == out.width();
        boolean channel = s.length == 4 && s[1] == 1 && s[2] == out.height() && s[3] == out.width();
        if (!flat && !channel) {
            throw new BnncimException(maskFile + ": masks of shape " + Arrays.toString(s)
                    + ", the model's output needs [N," + out.height() + "," + out.width() + "] class indices");
        }
        if (a.type() != Npy.DType.U1)
            throw new BnncimException(maskFile + ": masks must be uint8 class indices, got " + a.dtype());
        if (s[0] != batch.size()) {
            throw new BnncimException(
                    maskFile + ": " + s[0] + " masks for " + batch.size() + " images in " + img.getFileName());
        }
        int n = limit == null ? batch.size() : Math.max(0, Math.min(limit, batch.size()));
        if (n == 0) throw new BnncimException(img + ": no examples to evaluate");
        int hw = out.area();
        byte[] all = a.u8();
        byte[][] masks = new byte[n][];
        for (int i = 0; i < n; i++) {
            masks[i] = Arrays.copyOfRange(all, i * hw, (i + 1) * hw);
            for (int q = 0; q < hw; q++) {
                if ((masks[i][q] & 0xFF) >= out.classes()) {
                    throw new BnncimException(maskFile + ": mask " + i + " has class " + (masks[i][q] & 0xFF)
                            + " at pixel (" + q / out.width() + "," + q % out.width() + "), the model has "
                            + out.classes() + " classes (0.." + (out.classes() - 1) + ")");
                }
            }
        }
        return new SegmentationData(img, maskFile, Arrays.copyOf(batch.examples(), n), masks);
    }
}
