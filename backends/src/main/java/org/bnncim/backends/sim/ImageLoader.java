package org.bnncim.backends.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bnncim.backends.sim.kernels.CellPiece;
import org.bnncim.backends.sim.kernels.CrossbarLayer;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarImages;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.Piece;

/**
 * Turns a program's crossbar images into the packed form the kernels read, one {@link CrossbarLayer} per mapped
 * layer. Layers are read from the cells alone (with the stuck-at faults of this run), so a mapping or encoding
 * error shows up in the simulator's outputs rather than being bypassed by the graph's weights.
 */
final class ImageLoader {
    private ImageLoader() {}

    static Map<String, CrossbarLayer> load(Program program, Faults faults, long seed) {
        Architecture a = program.mapping().arch();
        List<CrossbarImages.Image> images = stuck(program.crossbars(), a, faults, seed);
        boolean comp = a.encoding() == Architecture.WeightEncoding.COMPLEMENTARY;
        Map<String, CrossbarLayer> layers = new HashMap<>();
        for (LayerMap l : program.mapping().layers()) {
            List<CellPiece> pieces = new ArrayList<>();
            for (Piece p : l.pieces()) {
                CrossbarImages.Image img = images.get(p.crossbar());
                int words = (p.kLen() + 63) >>> 6;
                long[][] cols = new long[p.nLen()][words];
                for (int dn = 0; dn < p.nLen(); dn++) {
                    // complementary encoding: column 2c holds w (2c + 1 its complement), and w is what a piece reads
                    int col = comp ? 2 * (p.col() + dn) : p.col() + dn;
                    for (int w = 0; w < words; w++) {
                        cols[dn][w] = img.range(img.bits(), col, p.row() + 64 * w, Math.min(64, p.kLen() - 64 * w));
                    }
                }
                pieces.add(CellPiece.of(p.k0(), p.kLen(), p.n0(), p.nLen(), cols));
            }
            layers.put(l.layer(), new CrossbarLayer(l.k(), l.n(), pieces));
        }
        return layers;
    }

    /** Stuck-at faults are a property of the programmed chip: drawn once from the seed, cell by cell. */
    private static List<CrossbarImages.Image> stuck(
            List<CrossbarImages.Image> images, Architecture a, Faults faults, long seed) {
        if (faults.stuckAt() == 0) return images;
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<CrossbarImages.Image> out = new ArrayList<>();
        for (CrossbarImages.Image img : images) {
            long[] bits = img.bits().clone();
            int words = img.words();
            // drawn row by row, cell by cell: the order fixes which cells a seed makes stuck
            for (int i = 0; i < a.rows(); i++) {
                for (int c = 0; c < a.cols(); c++) {
                    if (r.nextDouble() < faults.stuckAt()) {
                        long bit = 1L << (i & 63);
                        int w = c * words + (i >>> 6);
                        bits[w] = r.nextBoolean() ? bits[w] | bit : bits[w] & ~bit;
                    }
                }
            }
            out.add(new CrossbarImages.Image(img.id(), img.rows(), img.cols(), bits, img.used()));
        }
        return out;
    }
}
