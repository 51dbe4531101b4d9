package org.bnncim.compiler.arch;

import java.math.BigDecimal;
import java.math.MathContext;
import org.bnncim.ir.arch.Architecture;

/**
 * Whether an architecture's partial-parallel read is physical: the worst-case bit-line IR drop (every driven cell in
 * its low-resistance state, all the current through the whole line) must stay within the fraction of the read
 * voltage the sensing tolerates. The simulator sums popcounts digitally either way, so a configuration that fails is
 * still simulated exactly; only its cost would describe a chip that cannot be built.
 */
public final class ReadCheck {
    private ReadCheck() {}

    /** One line naming the figures and the largest rows_per_read that passes, or null when {@code a} passes. */
    public static String problem(Architecture a) {
        double drop = a.irDropV(), limit = a.irDropLimitV();
        if (drop <= limit) return null;
        Architecture.Sensing s = a.sensing();
        double perRow = s.readVoltageV() / s.rParallelOhm() * a.rows() * s.bitlineOhmPerCell();
        int fits = perRow == 0 ? a.rowsPerRead() : (int) Math.floor(limit / perRow);
        String fix = fits >= 1
                ? "set crossbar.rows_per_read to " + fits + " or less"
                : "no rows_per_read fits: lower mtj.bitline_ohm_per_cell or the crossbar's rows";
        return "bit-line IR drop " + num(drop) + " V (" + a.rowsPerRead() + " rows read together x "
                + num(s.readVoltageV() / s.rParallelOhm() * 1e6) + " uA x " + num(a.rows() * s.bitlineOhmPerCell())
                + " ohm of bit line) exceeds " + num(limit) + " V (mtj.max_ir_drop_fraction "
                + num(s.maxIrDropFraction()) + " of " + num(s.readVoltageV()) + " V): the read is not physical; " + fix;
    }

    /** Three significant digits, no trailing zeros, never in E-notation. */
    private static String num(double v) {
        return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
