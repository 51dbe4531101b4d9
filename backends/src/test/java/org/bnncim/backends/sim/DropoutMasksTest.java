package org.bnncim.backends.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.Value;
import org.junit.jupiter.api.Test;

/**
 * The MC-Dropout bank's masks against an LFSR written out here from docs/verilog.md: unit u starts at
 * S ^ ((u + 1) * 0x9E3779B9), shifts right 32 times per draw with feedback mask 0x80200003 on a 1 out, and drops
 * its neuron when the new state, unsigned, is below round(p * 2^32).
 */
class DropoutMasksTest {
    private static Graph twoMasks() {
        Value x = new Value("x", new TensorType(ElemType.BIPOLAR, Shape.of(70)));
        Value a = new Value("a", new TensorType(ElemType.GATED_BIPOLAR, Shape.of(70)));
        Value b = new Value("b", new TensorType(ElemType.GATED_BIPOLAR, Shape.of(70)));
        return new Graph(
                "masks",
                List.of(x),
                List.of(new Node.McDropout("d1", "x", a, 0.3f), new Node.McDropout("d2", "a", b, 0.55f)),
                List.of("b"),
                Map.of());
    }

    @Test
    void everyUnitDrawsItsOwnLfsrOncePerPassInExampleMajorOrder() {
        long seed = 0x1234_5678_9ABCL;
        int examples = 3, samples = 5;
        DropoutMasks m = DropoutMasks.lfsr(twoMasks(), seed, 0, examples, samples);
        int s = (int) (seed ^ (seed >>> 32));
        int drops = 0;
        for (int u = 0; u < 140; u++) {
            int state = s ^ ((u + 1) * 0x9E3779B9);
            long thr = Math.round((u < 70 ? 0.3 : 0.55) * 4294967296.0);
            for (int e = 0; e < examples; e++) {
                for (int t = 0; t < samples; t++) {
                    for (int i = 0; i < 32; i++) state = (state & 1) != 0 ? (state >>> 1) ^ 0x80200003 : state >>> 1;
                    boolean want = Integer.toUnsignedLong(state) < thr;
                    assertEquals(want, m.dropped(e, t, u), "unit " + u + " example " + e + " pass " + t);
                    if (want) drops++;
                }
            }
        }
        // about 0.3 * 1050 + 0.55 * 1050 drops
        assertTrue(drops > 800 && drops < 990, "drops " + drops);
    }

    @Test
    void aRunTooLargeToPrecomputeIsRefusedInOneLine() {
        var e = assertThrows(BnncimException.class, () -> DropoutMasks.lfsr(twoMasks(), 1, 0, 1_000_000, 10_000));
        assertTrue(e.getMessage().startsWith("--bits lfsr: the MC-Dropout bank of masks draws"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
}
