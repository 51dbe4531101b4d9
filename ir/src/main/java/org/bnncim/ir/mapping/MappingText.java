package org.bnncim.ir.mapping;

import java.util.Locale;

/**
 * The readable form of a mapping: where every crossbar sits, every layer's pieces, the stochastic unit's
 * schedule, and the Monte-Carlo schedule's nodes that do not run once per inference. The program listing ends
 * with it, and {@code --print-after} shows it after each mapping pass.
 */
public final class MappingText {
    private MappingText() {}

    public static String render(Mapping m) {
        StringBuilder sb = new StringBuilder();
        sb.append("crossbars (").append(m.crossbars().size()).append(")\n");
        for (CrossbarSlot s : m.crossbars()) {
            sb.append("  xbar ")
                    .append(s.id())
                    .append(" @ chip ")
                    .append(s.chip())
                    .append(" tile ")
                    .append(s.tile())
                    .append(" slot ")
                    .append(s.slot())
                    .append('\n');
        }
        sb.append("\nlayers\n");
        for (LayerMap l : m.layers()) {
            sb.append("  ")
                    .append(l.layer())
                    .append(": ")
                    .append(l.kind())
                    .append(' ')
                    .append(l.k())
                    .append('x')
                    .append(l.n())
                    .append(", ")
                    .append(l.positions())
                    .append(" position(s), ")
                    .append(l.inputBits())
                    .append("-bit input")
                    .append(
                            l.stochasticBit() >= 0
                                    ? ", threshold set selected by stochastic bit " + l.stochasticBit()
                                    : "")
                    .append('\n');
            for (Piece pc : l.pieces()) {
                sb.append("    rows ")
                        .append(pc.k0())
                        .append("..")
                        .append(pc.k0() + pc.kLen() - 1)
                        .append(" x cols ")
                        .append(pc.n0())
                        .append("..")
                        .append(pc.n0() + pc.nLen() - 1);
                // tiling cuts pieces before pack-place gives them a crossbar: say so rather than print a -1 id
                if (pc.crossbar() < 0) {
                    sb.append(" -> not placed yet\n");
                    continue;
                }
                sb.append(" -> xbar ")
                        .append(pc.crossbar())
                        .append(" at (")
                        .append(pc.row())
                        .append(',')
                        .append(pc.col())
                        .append(")\n");
            }
        }
        StochasticUnit u = m.stochastic();
        sb.append("\nstochastic unit: ")
                .append(u.kind().name().toLowerCase(Locale.ROOT))
                .append(", ")
                .append(u.units())
                .append(" unit(s)\n");
        for (StochasticUnit.Entry e : u.schedule()) {
            sb.append("  pass bit ")
                    .append(e.bit())
                    .append(" -> ")
                    .append(e.layer())
                    .append(" p=")
                    .append(e.p())
                    .append('\n');
        }
        McSchedule mc = m.montecarlo();
        if (mc != null) {
            // only the nodes that do not run once per inference: the rest is the deterministic prefix
            sb.append("\nmonte-carlo schedule: ")
                    .append(mc.order().name().toLowerCase(Locale.ROOT))
                    .append('\n');
            for (McSchedule.Stage st : mc.stages()) {
                if (st.depth() == 0) continue;
                sb.append("  ")
                        .append(st.node())
                        .append(st.depth() == McSchedule.PER_PASS ? " every pass" : " depth " + st.depth())
                        .append('\n');
            }
        }
        return sb.toString();
    }
}
