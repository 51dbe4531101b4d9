package org.bnncim.backends.sim;

import org.bnncim.ir.Node;
import org.bnncim.ir.TextPrinter;
import org.bnncim.ir.mapping.MappingText;
import org.bnncim.ir.mapping.StochasticUnit;

/** program.txt: the program a person can read: layer sequence, where every piece sits, the bit schedule. */
public final class ProgramListing {
    private ProgramListing() {}

    public static String render(Program p) {
        StringBuilder sb = new StringBuilder();
        var m = p.mapping();
        var a = m.arch();
        sb.append("bnncim simulator program, format version ")
                .append(ProgramCodec.VERSION) // the version program.bnc is written in
                .append('\n');
        sb.append("architecture ")
                .append(a.name())
                .append(": crossbar ")
                .append(a.rows())
                .append('x')
                .append(a.cols())
                .append(", ")
                .append(a.encoding().name().toLowerCase(java.util.Locale.ROOT))
                .append(" encoding, ")
                .append(a.crossbarsPerTile())
                .append(" crossbars/tile, ")
                .append(a.tilesPerChip())
                .append(" tiles/chip, ")
                .append(a.chips())
                .append(" chip(s)\n\n");
        sb.append(TextPrinter.print(p.graph(), name -> {
                    StochasticUnit.Entry e = p.model().stochasticEntry(name);
                    return e == null ? null : new Node.BitSlot(e.bit(), e.p());
                }))
                .append('\n');
        sb.append(MappingText.render(m));
        return sb.toString();
    }
}
