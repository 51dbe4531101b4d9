package org.bnncim.ir.arch;

import org.bnncim.ir.WireCode;

/**
 * The target chip: crossbar geometry, grouping, and the cost of every component. Loaded from one JSON file
 * (compiler resource {@code arch/default.json} documents where each default value comes from).
 */
public record Architecture(
        String name,
        int rows,
        int cols,
        WeightEncoding encoding,
        int crossbarsPerTile,
        int tilesPerChip,
        int chips,
        int inputBits,
        Energy energy,
        Latency latency,
        Area area,
        Sensing sensing,
        Activity activity) {

    /** An architecture without activity factors or leakage ({@link Activity#NONE}): every event at full cost. */
    public Architecture(
            String name,
            int rows,
            int cols,
            WeightEncoding encoding,
            int crossbarsPerTile,
            int tilesPerChip,
            int chips,
            int inputBits,
            Energy energy,
            Latency latency,
            Area area,
            Sensing sensing) {
        this(
                name,
                rows,
                cols,
                encoding,
                crossbarsPerTile,
                tilesPerChip,
                chips,
                inputBits,
                energy,
                latency,
                area,
                sensing,
                Activity.NONE);
    }

    /** How a weight is stored in cells, with its code in {@code program.bnc}. */
    public enum WeightEncoding implements WireCode {
        /** One cell per weight, compared against one shared reference column per crossbar. */
        SINGLE(0),
        /** Two complementary cells per weight (w and not-w): differential sensing, half the columns. */
        COMPLEMENTARY(1);

        private final int code;

        WeightEncoding(int code) {
            this.code = code;
        }

        @Override
        public int code() {
            return code;
        }
    }

    /** Energies in picojoules; a cell read and a conversion are derived from {@link Sensing}. */
    public record Energy(
            double cellWrite,
            double wordlineDrive,
            double adderPerBit,
            double threshold,
            double stochasticBit,
            double bufferPerBit,
            double transferPerBit,
            double digitalFloatOp,
            double maskGate) {}

    /** Latencies in nanoseconds. */
    public record Latency(
            double rowWrite,
            double crossbarRead,
            double adderStage,
            double threshold,
            double stochasticBit,
            double transferPerWord,
            double digitalFloatOp) {}

    /** Areas in square micrometres. */
    public record Area(
            double cell,
            double wordlineDriver,
            double adderPerBit,
            double thresholdUnit,
            double stochasticUnit,
            double bufferPerBit,
            double digitalUnit,
            double maskGate) {}

    /**
     * How a column's popcount leaves the array. Driving every word line at once would put hundreds of cell currents on
     * one bit line, whose IR drop then exceeds the read voltage, so {@code rowsPerRead} word lines are driven per read
     * and a piece of K rows takes ceil(K / rowsPerRead) reads, summed digitally. The cell energy follows from the read
     * voltage, the two MTJ resistances and the read time ({@link Latency#crossbarRead}); each read of a column is one
     * conversion by a SAR converter shared by {@code columnsPerConverter} columns, priced by NeuroSim's fit: power
     * {@code uwPerBit * bits + uwFixed} microwatts over {@code bits + 1} cycles, area from its transistor counts.
     *
     * @param converterBits 0 derives the resolution from the rows read together: ceil(log2(rowsPerRead + 1))
     */
    public record Sensing(
            int rowsPerRead,
            double readVoltageV,
            double rParallelOhm,
            double rAntiparallelOhm,
            double bitlineOhmPerCell,
            double maxIrDropFraction,
            int converterBits,
            int columnsPerConverter,
            double converterUwPerBit,
            double converterUwFixed,
            double converterCycleNs,
            double transistorAreaUm2) {
        public Sensing {
            if (rowsPerRead < 1) throw new IllegalArgumentException("rows per read must be positive");
            if (converterBits < 0 || converterBits > 16)
                throw new IllegalArgumentException("converter bits must be 0 (derived) to 16");
            if (columnsPerConverter < 1) throw new IllegalArgumentException("columns per converter must be positive");
            if (!(rParallelOhm > 0) || !(rAntiparallelOhm > 0))
                throw new IllegalArgumentException("MTJ resistances must be positive");
        }
    }

    /**
     * What the per-event figures leave out, and how a random bit's energy divides.
     *
     * @param bitSerialOnes the fraction of a bit-serial input plane's word lines that are driven (only rows whose bit
     *     is 1 are): cells read and word-line drives of a layer with a multi-bit input scale by it
     * @param interconnectToggle the fraction of bits moved between tiles that switch a wire
     * @param leakageUwPerMm2 static power of the CMOS periphery (all area but the MTJ cells, which are non-volatile),
     *     charged over the latency of what is costed
     * @param randomWrite the share of {@link Energy#stochasticBit} spent on the switching attempt; {@code randomReset}
     *     on returning the MTJ to its start state; {@code randomRead} on sensing it (the three sum to 1)
     */
    public record Activity(
            double bitSerialOnes,
            double interconnectToggle,
            double leakageUwPerMm2,
            double randomWrite,
            double randomReset,
            double randomRead) {
        /** Every event at full cost, no leakage, the random bit's energy all in its write (before version 6). */
        public static final Activity NONE = new Activity(1, 1, 0, 1, 0, 0);

        public Activity {
            if (!(bitSerialOnes >= 0 && bitSerialOnes <= 1) || !(interconnectToggle >= 0 && interconnectToggle <= 1))
                throw new IllegalArgumentException("activity factors must be in [0, 1]");
            if (!(leakageUwPerMm2 >= 0)) throw new IllegalArgumentException("leakage must be >= 0");
            if (!(randomWrite >= 0)
                    || !(randomReset >= 0)
                    || !(randomRead >= 0)
                    || Math.abs(randomWrite + randomReset + randomRead - 1) > 1e-6)
                throw new IllegalArgumentException("the random bit's write, reset and read shares must sum to 1");
        }

        /** Static energy (pJ) of {@code areaMm2} of CMOS periphery over {@code ns} nanoseconds: uW x ns = fJ. */
        public double leakagePj(double areaMm2, double ns) {
            return leakageUwPerMm2 * areaMm2 * ns * 1e-3;
        }
    }

    public Architecture {
        if (rows < 2 || cols < 2 || rows > (1 << 16) || cols > (1 << 16)) {
            throw new IllegalArgumentException(
                    "crossbar must be between 2x2 and 65536x65536, got " + rows + "x" + cols);
        }
        if (encoding == WeightEncoding.COMPLEMENTARY && cols % 2 != 0) {
            throw new IllegalArgumentException("complementary encoding needs an even number of columns, got " + cols);
        }
        if (crossbarsPerTile < 1 || tilesPerChip < 1 || chips < 1)
            throw new IllegalArgumentException("tile/chip counts must be positive");
        if (inputBits < 1 || inputBits > 16) throw new IllegalArgumentException("bit widths out of range");
    }

    /** Word lines driven together in one read: the file's setting, at most the crossbar's rows. */
    public int rowsPerRead() {
        return Math.min(sensing.rowsPerRead(), rows);
    }

    /** Reads one column needs to cover {@code rowsUsed} word lines. */
    public int readsFor(int rowsUsed) {
        return Math.max(1, (rowsUsed + rowsPerRead() - 1) / rowsPerRead());
    }

    /** Converter resolution: as set, or enough for a popcount of 0..rowsPerRead. */
    public int converterBits() {
        if (sensing.converterBits() > 0) return sensing.converterBits();
        return 32 - Integer.numberOfLeadingZeros(rowsPerRead()); // ceil(log2(p + 1)) = bit length of p
    }

    /** One cell read (pJ): V^2 t at the mean of the two states' conductances (weights are balanced on average). */
    public double cellReadPj() {
        double g = (1 / sensing.rParallelOhm() + 1 / sensing.rAntiparallelOhm()) / 2;
        return sensing.readVoltageV() * sensing.readVoltageV() * g * latency.crossbarRead() * 1e3; // V^2 S ns = nJ
    }

    /** One conversion (ns): a SAR converter takes one cycle per bit plus one to sample. */
    public double conversionNs() {
        return (converterBits() + 1) * sensing.converterCycleNs();
    }

    /** One conversion (pJ): the fitted power over the conversion time (uW x ns = fJ). */
    public double conversionPj() {
        return (sensing.converterUwPerBit() * converterBits() + sensing.converterUwFixed()) * conversionNs() * 1e-3;
    }

    /** One converter's area (um^2): NeuroSim's SAR transistor counts times the area of a minimum-size transistor. */
    public double converterAreaUm2() {
        int b = converterBits();
        return (269 + (b - 1) * 109 + 209 + (b - 1) * 73) * sensing.transistorAreaUm2();
    }

    /** Converters on one crossbar: one per {@code columnsPerConverter} sensed columns. */
    public int convertersPerCrossbar() {
        return (logicalCols() + sensing.columnsPerConverter() - 1) / sensing.columnsPerConverter();
    }

    /**
     * One read of {@code columns} sensed columns (ns): the read pulse, then each converter converts the columns it
     * serves in turn (the columns taken as packed from a converter's first; without overlap of read and conversion).
     */
    public double readNs(int columns) {
        int perConverter = Math.min(sensing.columnsPerConverter(), Math.min(columns, logicalCols()));
        return latency.crossbarRead() + perConverter * conversionNs();
    }

    /**
     * Worst-case IR drop along a bit line (V): every driven cell in the low-resistance state, all current drawn
     * through the whole line (the driven rows at its far end).
     */
    public double irDropV() {
        double current = rowsPerRead() * sensing.readVoltageV() / sensing.rParallelOhm();
        return current * rows * sensing.bitlineOhmPerCell();
    }

    /** The IR drop the sensing tolerates (V). */
    public double irDropLimitV() {
        return sensing.maxIrDropFraction() * sensing.readVoltageV();
    }

    /** Cells a single binary weight occupies. */
    public int cellsPerWeight() {
        return encoding == WeightEncoding.COMPLEMENTARY ? 2 : 1;
    }

    /** Weights one crossbar row holds (output channels per crossbar). */
    public int logicalCols() {
        return encoding == WeightEncoding.COMPLEMENTARY ? cols / 2 : cols - 1;
    }

    public long cellsPerCrossbar() {
        return (long) rows * cols;
    }

    public int crossbarsPerChip() {
        return crossbarsPerTile * tilesPerChip;
    }

    public long crossbarCapacity() {
        return (long) crossbarsPerChip() * chips;
    }

    public Architecture withCrossbar(int r, int c) {
        return new Architecture(
                name,
                r,
                c,
                encoding,
                crossbarsPerTile,
                tilesPerChip,
                chips,
                inputBits,
                energy,
                latency,
                area,
                sensing,
                activity);
    }

    public Architecture withEncoding(WeightEncoding e) {
        return new Architecture(
                name,
                rows,
                cols,
                e,
                crossbarsPerTile,
                tilesPerChip,
                chips,
                inputBits,
                energy,
                latency,
                area,
                sensing,
                activity);
    }

    public Architecture withRowsPerRead(int p) {
        Sensing s = sensing;
        return new Architecture(
                name,
                rows,
                cols,
                encoding,
                crossbarsPerTile,
                tilesPerChip,
                chips,
                inputBits,
                energy,
                latency,
                area,
                new Sensing(
                        p,
                        s.readVoltageV(),
                        s.rParallelOhm(),
                        s.rAntiparallelOhm(),
                        s.bitlineOhmPerCell(),
                        s.maxIrDropFraction(),
                        s.converterBits(),
                        s.columnsPerConverter(),
                        s.converterUwPerBit(),
                        s.converterUwFixed(),
                        s.converterCycleNs(),
                        s.transistorAreaUm2()),
                activity);
    }

    public Architecture withChips(int n) {
        return new Architecture(
                name,
                rows,
                cols,
                encoding,
                crossbarsPerTile,
                tilesPerChip,
                n,
                inputBits,
                energy,
                latency,
                area,
                sensing,
                activity);
    }
}
