package org.bnncim.backends.sim;

import org.bnncim.ir.TextPrinter;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.Piece;
import org.bnncim.ir.mapping.StochasticUnit;

/** program.txt: the program a person can read: layer sequence, where every piece sits, the bit schedule. */
public final class ProgramListing {
    private ProgramListing() {
    }

    public static String render(Program p) {
        StringBuilder sb = new StringBuilder();
        var m = p.mapping();
        var a = m.arch();
        sb.append("bnncim simulator program, format version ").append(ProgramCodec.VERSION).append('\n');
        sb.append("architecture ").append(a.name()).append(": crossbar ").append(a.rows()).append('x').append(a.cols())
                .append(", ").append(a.encoding().name().toLowerCase(java.util.Locale.ROOT)).append(" encoding, ")
                .append(a.crossbarsPerTile()).append(" crossbars/tile, ").append(a.tilesPerChip()).append(" tiles/chip, ")
                .append(a.chips()).append(" chip(s)\n\n");
        sb.append(TextPrinter.print(p.graph())).append('\n');
        sb.append("crossbars (").append(m.crossbars().size()).append(")\n");
        for (CrossbarSlot s : m.crossbars()) {
            sb.append("  xbar ").append(s.id()).append(" @ chip ").append(s.chip()).append(" tile ").append(s.tile())
                    .append(" slot ").append(s.slot()).append('\n');
        }
        sb.append("\nlayers\n");
        for (LayerMap l : m.layers()) {
            sb.append("  ").append(l.layer()).append(": ").append(l.kind()).append(' ').append(l.k()).append('x').append(l.n())
                    .append(", ").append(l.positions()).append(" position(s), ").append(l.inputBits()).append("-bit input")
                    .append(l.stochasticBit() >= 0 ? ", threshold set selected by stochastic bit " + l.stochasticBit() : "")
                    .append('\n');
            for (Piece pc : l.pieces()) {
                sb.append("    rows ").append(pc.k0()).append("..").append(pc.k0() + pc.kLen() - 1)
                        .append(" x cols ").append(pc.n0()).append("..").append(pc.n0() + pc.nLen() - 1)
                        .append(" -> xbar ").append(pc.crossbar()).append(" at (").append(pc.row()).append(',')
                        .append(pc.col()).append(")\n");
            }
        }
        StochasticUnit u = m.stochastic();
        sb.append("\nstochastic unit: ").append(u.kind().name().toLowerCase(java.util.Locale.ROOT)).append(", ")
                .append(u.units()).append(" unit(s)\n");
        for (StochasticUnit.Entry e : u.schedule()) {
            sb.append("  pass bit ").append(e.bit()).append(" -> ").append(e.layer()).append(" p=").append(e.p()).append('\n');
        }
        return sb.toString();
    }
}
