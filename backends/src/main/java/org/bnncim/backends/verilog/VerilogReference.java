package org.bnncim.backends.verilog;

import java.util.Locale;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.Simulator;

/**
 * What the generated testbench must print, computed by the simulator with the LFSR bit source and the same seed:
 * the chip inputs (the input periphery's output, which the testbench streams in), and per pass the last crossbar
 * layer's integer popcounts and the stochastic bits drawn. The text formats are the testbench's, so the
 * comparison is a byte compare of two files.
 */
public final class VerilogReference {
    private VerilogReference() {}

    /** inputs.hex, expected outputs.txt and expected bits.txt. */
    public record Expected(String inputsHex, String outputs, String bits) {}

    public static Expected run(Program p, float[][] inputs, int samples, long seed) {
        VerilogModel m = VerilogModel.of(p);
        Simulator sim = new Simulator(p, Faults.NONE, seed);
        int passes = Math.max(1, samples);
        BitSource source = samples == 0 ? null : BitSource.lfsr(p.model(), seed, 0, inputs.length, samples);
        int nbits = p.stochasticBits();
        String in = m.layers().get(0).node().input(), out = m.chipOutput().name();
        StringBuilder hex = new StringBuilder(), outs = new StringBuilder(), bits = new StringBuilder();
        for (int e = 0; e < inputs.length; e++) {
            for (int t = 0; t < passes; t++) {
                boolean[] z = source == null ? null : source.bits(e, t);
                Simulator.Trace tr = sim.pass(inputs[e], z, e, t);
                if (t == 0)
                    hex.append(inputHex(
                                    tr.ints(in),
                                    m.inputBits(),
                                    !m.layers().get(0).serial()))
                            .append('\n');
                int[] y = tr.ints(out);
                outs.append(e).append(' ').append(t);
                for (int v : y) outs.append(' ').append(v);
                outs.append('\n');
                bits.append(e).append(' ').append(t).append(' ');
                if (z == null || nbits == 0) bits.append('-');
                else for (boolean b : z) bits.append(b ? '1' : '0');
                bits.append('\n');
            }
        }
        return new Expected(hex.toString(), outs.toString(), bits.toString());
    }

    /**
     * One line of inputs.hex: element k at bits [k*w, (k+1)*w), most significant hex digit first; a bipolar +1 is
     * bit 1 ({@code bipolar}, w = 1), a w-bit integer its low w bits (two's complement for a signed one).
     */
    public static String inputHex(int[] x, int w, boolean bipolar) {
        int total = x.length * w;
        int digits = (total + 3) / 4;
        char[] out = new char[digits];
        for (int d = 0; d < digits; d++) {
            int nib = 0;
            for (int b = 0; b < 4; b++) {
                int bit = d * 4 + b;
                if (bit >= total) break;
                int v = x[bit / w];
                boolean on = bipolar ? v > 0 : ((v >>> (bit % w)) & 1) != 0;
                if (on) nib |= 1 << b;
            }
            out[digits - 1 - d] = Character.forDigit(nib, 16);
        }
        return new String(out).toLowerCase(Locale.ROOT);
    }
}
