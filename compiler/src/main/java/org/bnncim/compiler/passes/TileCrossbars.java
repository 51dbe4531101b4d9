package org.bnncim.compiler.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.Piece;

/**
 * Cuts each layer's K x N matrix into crossbar-sized pieces: row-tiles of at most R inputs (their partial
 * popcounts meet in an adder tree) and column-tiles of at most as many weights as a crossbar row holds under the
 * weight encoding. Packing places the pieces afterwards.
 */
public final class TileCrossbars implements MappingPass {
    private static final PassInfo INFO = new PassInfo("tile", Set.of(Property.CROSSBAR_LAYERS), Set.of(Property.TILED));

    @Override
    public PassInfo info() {
        return INFO;
    }

    @Override
    public Mapping run(MappedModel model) {
        Mapping m = model.mapping();
        int r = m.arch().rows(), c = m.arch().logicalCols();
        if (c < 1)
            throw new BnncimException(
                    "crossbar " + m.arch().rows() + "x" + m.arch().cols() + " holds no weight column");
        List<LayerMap> out = new ArrayList<>();
        for (LayerMap l : m.layers()) {
            List<Piece> pieces = new ArrayList<>();
            int rt = (l.k() + r - 1) / r, ct = (l.n() + c - 1) / c;
            for (int i = 0; i < rt; i++) {
                for (int j = 0; j < ct; j++) {
                    int k0 = i * r, n0 = j * c;
                    pieces.add(new Piece(
                            l.layer(), k0, Math.min(r, l.k() - k0), n0, Math.min(c, l.n() - n0), Piece.UNPLACED, 0, 0));
                }
            }
            out.add(l.withPieces(pieces, rt, ct));
        }
        return m.withLayers(out);
    }
}
