package org.bnncim.compiler.driver;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import javax.imageio.ImageIO;

/**
 * The pictures of the segmentation panel as PNG data: URIs, drawn pixel by pixel and enlarged by an integer
 * factor (nearest), so a page is self-contained and its bytes depend only on the numbers drawn.
 */
final class PixelImages {
    private PixelImages() {}

    /** Class colours: background dark, then a colour-blind-friendly qualitative set, cycled past 8 classes. */
    static final int[] CLASS_COLOURS = {0x202020, 0xFFD92F, 0x66C2A5, 0xFC8D62, 0x8DA0CB, 0xE78AC3, 0xA6D854, 0xE5C494};

    // viridis at 0, 1/4, 1/2, 3/4 and 1: dark means certain, yellow the most uncertain
    private static final int[] RAMP = {0x440154, 0x3B528B, 0x21918C, 0x5EC962, 0xFDE725};

    static int classColour(int c) {
        return CLASS_COLOURS[c % CLASS_COLOURS.length];
    }

    /** The ramp colour of {@code t} in [0,1] (clamped), linear between the anchors. */
    static int ramp(double t) {
        double x = Math.min(1, Math.max(0, Double.isNaN(t) ? 0 : t)) * (RAMP.length - 1);
        int i = Math.min(RAMP.length - 2, (int) x);
        double f = x - i;
        int a = RAMP[i], b = RAMP[i + 1], rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            int ca = (a >> shift) & 0xFF, cb = (b >> shift) & 0xFF;
            rgb |= (int) Math.round(ca + (cb - ca) * f) << shift;
        }
        return rgb;
    }

    /** Grey levels of a [H,W] plane: [0,1] inputs as they are, anything else stretched from its min to its max. */
    static String grey(float[] x, int offset, int h, int w, int zoom) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < h * w; q++) {
            min = Math.min(min, x[offset + q]);
            max = Math.max(max, x[offset + q]);
        }
        boolean unit = min >= 0 && max <= 1;
        float lo = unit ? 0 : min, span = unit ? 1 : Math.max(1e-12f, max - min);
        int[] rgb = new int[h * w];
        for (int q = 0; q < rgb.length; q++) {
            int g = Math.round((x[offset + q] - lo) / span * 255);
            rgb[q] = g << 16 | g << 8 | g;
        }
        return png(rgb, h, w, zoom);
    }

    static String classes(byte[] cls, int h, int w, int zoom) {
        int[] rgb = new int[h * w];
        for (int q = 0; q < rgb.length; q++) rgb[q] = classColour(cls[q] & 0xFF);
        return png(rgb, h, w, zoom);
    }

    /** A map of values in [0, max] on the ramp. */
    static String heat(float[] v, int h, int w, double max, int zoom) {
        int[] rgb = new int[h * w];
        for (int q = 0; q < rgb.length; q++) rgb[q] = ramp(v[q] / max);
        return png(rgb, h, w, zoom);
    }

    /** The colour scale itself: a horizontal bar from 0 (left) to the maximum (right). */
    static String legend(int width, int height) {
        int[] rgb = new int[width * height];
        for (int x = 0; x < width; x++) {
            int c = ramp((double) x / (width - 1));
            for (int y = 0; y < height; y++) rgb[y * width + x] = c;
        }
        return png(rgb, height, width, 1);
    }

    static String png(int[] rgb, int h, int w, int zoom) {
        BufferedImage img = new BufferedImage(w * zoom, h * zoom, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h * zoom; y++)
            for (int x = 0; x < w * zoom; x++) img.setRGB(x, y, rgb[(y / zoom) * w + x / zoom]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) throw new IllegalStateException("no PNG writer in this JVM");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }
}
