package org.bnncim.ir.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The sensing model's derived figures, each worked out by hand from the parameters. */
class SensingTest {
    /** A 256x256 complementary array with the default file's figures (NeuroSim 22 nm SAR fit). */
    private static Architecture arch(int rows, int rowsPerRead, int bits) {
        return new Architecture(
                "t",
                rows,
                256,
                Architecture.WeightEncoding.COMPLEMENTARY,
                8,
                64,
                1,
                8,
                new Architecture.Energy(0, 0, 0, 0, 0, 0, 0, 0, 0),
                new Architecture.Latency(0, 2, 0, 0, 0, 0, 0),
                new Architecture.Area(0, 0, 0, 0, 0, 0, 0, 0),
                new Architecture.Sensing(rowsPerRead, 0.1, 5000, 10000, 0.2, 0.1, bits, 8, 0.7213, 3.3041, 1, 0.03));
    }

    @Test
    void theConverterResolvesAPopcountOfTheRowsReadTogether() {
        assertEquals(1, arch(256, 1, 0).converterBits()); // 0..1
        assertEquals(2, arch(256, 2, 0).converterBits()); // 0..2
        assertEquals(2, arch(256, 3, 0).converterBits()); // 0..3
        assertEquals(3, arch(256, 4, 0).converterBits()); // 0..4
        assertEquals(4, arch(256, 8, 0).converterBits()); // 0..8
        assertEquals(8, arch(256, 255, 0).converterBits());
        assertEquals(9, arch(256, 256, 0).converterBits());
        // more rows per read than the array has: the array's rows
        assertEquals(7, arch(64, 256, 0).converterBits());
        assertEquals(64, arch(64, 256, 0).rowsPerRead());
        // set explicitly
        assertEquals(6, arch(256, 8, 6).converterBits());
    }

    @Test
    void readsCoverThePieceInGroupsOfRowsPerRead() {
        Architecture a = arch(256, 8, 0);
        assertEquals(1, a.readsFor(1));
        assertEquals(1, a.readsFor(8));
        assertEquals(2, a.readsFor(9));
        assertEquals(32, a.readsFor(256));
    }

    @Test
    void energiesTimesAndAreaByHand() {
        Architecture a = arch(256, 8, 0);
        // 0.1 V squared x 0.5 x (200 uS + 100 uS) x 2 ns = 3 fJ
        assertEquals(0.003, a.cellReadPj(), 1e-15);
        // 4 bits: 5 cycles of 1 ns; (0.7213 x 4 + 3.3041) uW = 6.1893 uW, x 5 ns = 30.9465 fJ
        assertEquals(5, a.conversionNs(), 1e-12);
        assertEquals(0.0309465, a.conversionPj(), 1e-12);
        // NeuroSim's SAR transistor counts at 4 bits: 269 + 3 x 109 NMOS, 209 + 3 x 73 PMOS = 1024, x 0.03 um^2
        assertEquals(1024 * 0.03, a.converterAreaUm2(), 1e-9);
        // 128 sensed columns (complementary) over converters of 8
        assertEquals(16, a.convertersPerCrossbar());
        // a read of 3 columns: the 2 ns pulse, then 3 conversions on one converter; 40 columns: 8 per converter
        assertEquals(2 + 3 * 5, a.readNs(3), 1e-12);
        assertEquals(2 + 8 * 5, a.readNs(40), 1e-12);
    }

    @Test
    void theIrDropIsTheDrivenRowsCurrentThroughTheWholeBitLine() {
        // 8 rows x 0.1 V / 5 kOhm = 160 uA, x 256 x 0.2 Ohm = 51.2 Ohm: 8.192 mV, within 0.1 x 0.1 V
        Architecture a = arch(256, 8, 0);
        assertEquals(0.008192, a.irDropV(), 1e-12);
        assertEquals(0.01, a.irDropLimitV(), 1e-15);
        assertEquals(0.262144, arch(256, 256, 0).irDropV(), 1e-12);
    }
}
