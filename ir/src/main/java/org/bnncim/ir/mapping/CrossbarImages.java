package org.bnncim.ir.mapping;

import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cell contents of every crossbar, as the chip is programmed: bit set = MTJ in its parallel (low resistance)
 * state. A weight +1 is one set cell; with complementary encoding it occupies the column pair (2c, 2c+1) as
 * (w, not w); with single encoding column c holds w and the last column is the reference column (left reset).
 * Unused cells stay reset. Backends write these images; {@link #weights} reads them back.
 */
public final class CrossbarImages {
    private CrossbarImages() {
    }

    /** One crossbar: {@code bits[row][col]} and which cells hold a weight. */
    public record Image(int id, boolean[][] bits, boolean[][] used) {
    }

    public static Map<String, BitMatrix> weightsByLayer(Graph g) {
        Map<String, BitMatrix> w = new HashMap<>();
        for (Node n : g.nodes()) {
            if (n instanceof Node.BinaryDense d) w.put(d.name(), d.weights());
            if (n instanceof Node.BinaryConv c) w.put(c.name(), c.weights());
        }
        return w;
    }

    public static List<Image> build(Graph g) {
        Mapping m = g.mapping().orElseThrow(() -> new IllegalStateException("graph is not mapped"));
        Architecture a = m.arch();
        Map<String, BitMatrix> weights = weightsByLayer(g);
        int count = m.crossbarCount();
        List<Image> images = new ArrayList<>();
        for (int i = 0; i < count; i++) images.add(new Image(i, new boolean[a.rows()][a.cols()], new boolean[a.rows()][a.cols()]));
        boolean comp = a.encoding() == Architecture.WeightEncoding.COMPLEMENTARY;
        for (LayerMap l : m.layers()) {
            BitMatrix w = weights.get(l.layer());
            for (Piece p : l.pieces()) {
                Image img = images.get(p.crossbar());
                // the piece's columns as packed words first, so the cells below are written row by row, the way
                // the image arrays lie in memory, instead of one matrix lookup per cell
                int words = (p.kLen() + 63) >>> 6;
                long[][] cols = new long[p.nLen()][words];
                for (int dn = 0; dn < p.nLen(); dn++) {
                    for (int i = 0; i < words; i++) {
                        cols[dn][i] = w.bits(p.n0() + dn, p.k0() + 64 * i, Math.min(64, p.kLen() - 64 * i));
                    }
                }
                for (int dk = 0; dk < p.kLen(); dk++) {
                    int r = p.row() + dk, word = dk >>> 6, bit = dk & 63;
                    boolean[] bits = img.bits[r], used = img.used[r];
                    for (int dn = 0; dn < p.nLen(); dn++) {
                        boolean plus = ((cols[dn][word] >>> bit) & 1) != 0;
                        int c = p.col() + dn;
                        if (comp) {
                            bits[2 * c] = plus;
                            bits[2 * c + 1] = !plus;
                            used[2 * c] = used[2 * c + 1] = true;
                        } else {
                            bits[c] = plus;
                            used[c] = true;
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
        boolean[][] plus = new boolean[l.k()][l.n()];
        boolean[][] seen = new boolean[l.k()][l.n()];
        for (Piece p : l.pieces()) {
            Image img = images.get(p.crossbar());
            for (int dk = 0; dk < p.kLen(); dk++) {
                for (int dn = 0; dn < p.nLen(); dn++) {
                    int r = p.row() + dk, c = p.col() + dn;
                    boolean v = comp ? img.bits()[r][2 * c] : img.bits()[r][c];
                    if (comp && img.bits()[r][2 * c + 1] == v) {
                        throw new IllegalStateException("crossbar " + p.crossbar() + " cell pair (" + r + "," + c + ") is not complementary");
                    }
                    if (seen[p.k0() + dk][p.n0() + dn]) throw new IllegalStateException(layer + " weight mapped twice");
                    seen[p.k0() + dk][p.n0() + dn] = true;
                    plus[p.k0() + dk][p.n0() + dn] = v;
                }
            }
        }
        for (int k = 0; k < l.k(); k++) {
            for (int n = 0; n < l.n(); n++) if (!seen[k][n]) throw new IllegalStateException(layer + " weight (" + k + "," + n + ") is not mapped");
        }
        return BitMatrix.of(l.k(), l.n(), (k, n) -> plus[k][n]);
    }
}
