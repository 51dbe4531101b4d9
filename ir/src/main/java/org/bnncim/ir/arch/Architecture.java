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
        int psumBits,
        Energy energy,
        Latency latency,
        Area area) {

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

    /** Energies in picojoules. */
    public record Energy(
            double cellRead,
            double senseAmp,
            double adderPerBit,
            double threshold,
            double stochasticBit,
            double bufferPerBit,
            double transferPerBit,
            double digitalFloatOp,
            double maskGate) {}

    /** Latencies in nanoseconds. */
    public record Latency(
            double crossbarRead,
            double adderStage,
            double threshold,
            double stochasticBit,
            double transferPerWord,
            double digitalFloatOp) {}

    /** Areas in square micrometres. */
    public record Area(
            double cell,
            double senseAmp,
            double adderPerBit,
            double thresholdUnit,
            double stochasticUnit,
            double bufferPerBit,
            double digitalUnit,
            double maskGate) {}

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
        if (inputBits < 1 || inputBits > 16 || psumBits < 2 || psumBits > 64)
            throw new IllegalArgumentException("bit widths out of range");
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
                psumBits,
                energy,
                latency,
                area);
    }

    public Architecture withEncoding(WeightEncoding e) {
        return new Architecture(
                name, rows, cols, e, crossbarsPerTile, tilesPerChip, chips, inputBits, psumBits, energy, latency, area);
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
                psumBits,
                energy,
                latency,
                area);
    }
}
