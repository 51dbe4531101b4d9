package org.bnncim.ir.mapping;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.util.PackedBits;

/**
 * The cell contents of every crossbar, as the chip is programmed: bit set = MTJ in its parallel (low resistance)
 * state. A weight +1 is one set cell; with complementary encoding it occupies the column pair (2c, 2c+1) as
 * (w, not w); with single encoding column c holds w and the last column is the reference column (left reset).
 * Unused cells stay reset. Backends write these images; {@link #weights} reads them back.
 */
public final class CrossbarImages {
    private CrossbarImages() {}

    /**
     * One crossbar, packed the way a bit line is read: column c's rows are bits of {@code plane[c * words() + r / 64]},
     * row r at bit {@code r % 64}; bits past the last row are zero. {@code bits} holds the cells' states, {@code used}
     * which cells hold a weight. Packed planes are 8x smaller than boolean arrays and a column piece is a few word
     * copies, which is what compile time and the simulator's load time go to for large models.
     */
    public record Image(int id, int rows, int cols, long[] bits, long[] used) {
        public Image {
            int words = (rows + 63) >>> 6;
            if (bits.length != Math.multiplyExact(words, cols) || used.length != bits.length) {
                throw new IllegalArgumentException(
                        "crossbar " + id + ": planes do not hold " + rows + "x" + cols + " cells");
            }
        }

        public static Image empty(int id, int rows, int cols) {
            int n = Math.multiplyExact((rows + 63) >>> 6, cols);
            return new Image(id, rows, cols, new long[n], new long[n]);
        }

        public int words() {
            return (rows + 63) >>> 6;
        }

        public boolean bit(int row, int col) {
            return get(bits, row, col);
        }

        public boolean isUsed(int row, int col) {
            return get(used, row, col);
        }

        private boolean get(long[] plane, int row, int col) {
            java.util.Objects.checkIndex(row, rows);
            java.util.Objects.checkIndex(col, cols);
            return PackedBits.range(plane, col * words(), row, 1) != 0;
        }

        /** Rows [from, from + len) of column {@code col} of {@code plane}, shifted down to bit 0; {@code len <= 64}. */
        public long range(long[] plane, int col, int from, int len) {
            return PackedBits.range(plane, col * words(), from, len);
        }
    }

    public static Map<String, BitMatrix> weightsByLayer(Graph g) {
        Map<String, BitMatrix> w = new HashMap<>();
        for (Node n : g.nodes()) n.crossbarWeights().ifPresent(m -> w.put(n.name(), m));
        return w;
    }

    public static List<Image> build(MappedModel model) {
        Mapping m = model.mapping();
        Architecture a = m.arch();
        Map<String, BitMatrix> weights = weightsByLayer(model.graph());
        int count = m.crossbarCount();
        List<Image> images = new ArrayList<>(count);
        for (int i = 0; i < count; i++) images.add(Image.empty(i, a.rows(), a.cols()));
        boolean comp = a.encoding() == Architecture.WeightEncoding.COMPLEMENTARY;
        for (LayerMap l : m.layers()) {
            BitMatrix w = weights.get(l.layer());
            for (Piece p : l.pieces()) {
                Image img = images.get(p.crossbar());
                int words = img.words();
                for (int dn = 0; dn < p.nLen(); dn++) {
                    int c = p.col() + dn;
                    for (int i = 0; i < p.kLen(); i += 64) {
                        int len = Math.min(64, p.kLen() - i), row = p.row() + i;
                        long v = w.bits(p.n0() + dn, p.k0() + i, len), all = PackedBits.mask(len);
                        if (comp) {
                            PackedBits.or(img.bits, 2 * c * words, row, v, len);
                            PackedBits.or(img.bits, (2 * c + 1) * words, row, ~v & all, len);
                            PackedBits.or(img.used, 2 * c * words, row, all, len);
                            PackedBits.or(img.used, (2 * c + 1) * words, row, all, len);
                        } else {
                            PackedBits.or(img.bits, c * words, row, v, len);
                            PackedBits.or(img.used, c * words, row, all, len);
                        }
                    }
                }
            }
        }
        return images;
    }

    /** Reads a layer's K x N weights back out of the images, from the mapping alone. */
    public static BitMatrix weights(Mapping m, List<Image> images, String layer) {
        LayerMap l = m.layer(layer);
        boolean comp = m.arch().encoding() == Architecture.WeightEncoding.COMPLEMENTARY;
        int kw = (l.k() + 63) >>> 6;
        long[] plus = new long[Math.multiplyExact(kw, l.n())];
        long[] seen = new long[plus.length];
        for (Piece p : l.pieces()) {
            Image img = images.get(p.crossbar());
            for (int dn = 0; dn < p.nLen(); dn++) {
                int c = p.col() + dn, n = p.n0() + dn;
                for (int i = 0; i < p.kLen(); i += 64) {
                    int len = Math.min(64, p.kLen() - i), row = p.row() + i;
                    long all = PackedBits.mask(len);
                    long v = img.range(img.bits, comp ? 2 * c : c, row, len);
                    if (comp) {
                        long bad = (v ^ img.range(img.bits, 2 * c + 1, row, len) ^ all) & all;
                        if (bad != 0) {
                            throw new IllegalStateException("crossbar " + p.crossbar() + " cell pair ("
                                    + (row + Long.numberOfTrailingZeros(bad)) + "," + c + ") is not complementary");
                        }
                    }
                    int k = p.k0() + i;
                    if ((PackedBits.range(seen, n * kw, k, len) & all) != 0)
                        throw new IllegalStateException(layer + " weight mapped twice");
                    PackedBits.or(seen, n * kw, k, all, len);
                    PackedBits.or(plus, n * kw, k, v, len);
                }
            }
        }
        for (int n = 0; n < l.n(); n++) {
            for (int k = 0; k < l.k(); k += 64) {
                int len = Math.min(64, l.k() - k);
                long miss = ~PackedBits.range(seen, n * kw, k, len) & PackedBits.mask(len);
                if (miss != 0) {
                    throw new IllegalStateException(
                            layer + " weight (" + (k + Long.numberOfTrailingZeros(miss)) + "," + n + ") is not mapped");
                }
            }
        }
        return BitMatrix.ofColumns(l.k(), l.n(), plus);
    }
}
