package org.bnncim.ir.arch;

/**
 * The largest architecture bnncim accepts from a file: an {@code --arch} JSON file (ArchitectureLoader) and the
 * architecture a {@code program.bnc} carries are both hostile input, so they meet the same caps. The
 * {@link Architecture} record's own limits are wider (it also serves as a scratch value in tests).
 */
public final class ArchLimits {
    /** Rows and columns of one crossbar; real MTJ arrays stop well below this (IR drop, sneak paths). */
    public static final int MAX_CROSSBAR_SIDE = 4096;

    public static final int MAX_CROSSBARS_PER_TILE = 4096;
    public static final int MAX_TILES_PER_CHIP = 65536;
    public static final int MAX_CHIPS = 4096;
    /** Crossbars on one chip and on all chips together: keeps every product an int and packing tables small. */
    public static final long MAX_CROSSBARS_PER_CHIP = 1L << 20;

    public static final long MAX_CROSSBARS_TOTAL = 1L << 24;
    /**
     * Per-operation energy (pJ), latency (ns) and per-unit area (um^2). Totals multiply these by counts that stay
     * below 2^63, so the cap keeps every total far from overflowing to Infinity.
     */
    public static final double MAX_COST_VALUE = 1e12;

    private ArchLimits() {}

    /** The first cap {@code a} breaks, as a phrase for an error message, or null when it meets them all. */
    public static String problem(Architecture a) {
        if (a.rows() > MAX_CROSSBAR_SIDE || a.cols() > MAX_CROSSBAR_SIDE) {
            return "crossbar " + a.rows() + "x" + a.cols() + " larger than " + MAX_CROSSBAR_SIDE + " per side";
        }
        if (a.crossbarsPerTile() > MAX_CROSSBARS_PER_TILE
                || a.tilesPerChip() > MAX_TILES_PER_CHIP
                || a.chips() > MAX_CHIPS
                || (long) a.crossbarsPerTile() * a.tilesPerChip() > MAX_CROSSBARS_PER_CHIP
                || a.crossbarCapacity() > MAX_CROSSBARS_TOTAL) {
            return a.crossbarsPerTile() + " crossbars per tile, " + a.tilesPerChip() + " tiles per chip, " + a.chips()
                    + " chips: more than " + MAX_CROSSBARS_TOTAL + " crossbars";
        }
        if (a.sensing().rowsPerRead() > MAX_CROSSBAR_SIDE || a.sensing().columnsPerConverter() > MAX_CROSSBAR_SIDE) {
            return "rows per read " + a.sensing().rowsPerRead() + " or columns per converter "
                    + a.sensing().columnsPerConverter() + " larger than " + MAX_CROSSBAR_SIDE;
        }
        for (double v : costs(a)) {
            if (!(v >= 0 && v <= MAX_COST_VALUE)) return "cost value " + v + " outside 0.." + MAX_COST_VALUE;
        }
        return null;
    }

    private static double[] costs(Architecture a) {
        var e = a.energy();
        var l = a.latency();
        var ar = a.area();
        return new double[] {
            e.cellWrite(),
            l.rowWrite(),
            e.wordlineDrive(),
            ar.wordlineDriver(),
            e.adderPerBit(),
            e.threshold(),
            e.stochasticBit(),
            e.bufferPerBit(),
            e.transferPerBit(),
            e.digitalFloatOp(),
            e.maskGate(),
            l.crossbarRead(),
            l.adderStage(),
            l.threshold(),
            l.stochasticBit(),
            l.transferPerWord(),
            l.digitalFloatOp(),
            ar.cell(),
            ar.adderPerBit(),
            ar.thresholdUnit(),
            ar.stochasticUnit(),
            ar.bufferPerBit(),
            ar.digitalUnit(),
            ar.maskGate(),
            a.sensing().readVoltageV(),
            a.sensing().rParallelOhm(),
            a.sensing().rAntiparallelOhm(),
            a.sensing().bitlineOhmPerCell(),
            a.sensing().maxIrDropFraction(),
            a.sensing().converterUwPerBit(),
            a.sensing().converterUwFixed(),
            a.sensing().converterCycleNs(),
            a.sensing().transistorAreaUm2()
        };
    }
}
