package org.bnncim.backends.verilog;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.bnncim.backends.sim.BitSource;
import org.bnncim.backends.sim.DropoutMasks;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.Simulator;
import org.bnncim.ir.mapping.McSchedule;

/**
 * What the generated testbench must print, computed by the simulator's naive passes with the LFSR bit source and
 * the same seed: the chip inputs (the input periphery's output, which the testbench streams in), and per output beat
 * of the program's Monte-Carlo schedule the last crossbar layer's integer popcounts, the stochastic bits and how many
 * passes drew them. The text formats are the testbench's, so the
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
        String in = m.chipInput().name(), out = m.chipOutput().name();
        StringBuilder hex = new StringBuilder(), outs = new StringBuilder(), bits = new StringBuilder();
        for (int e = 0; e < inputs.length; e++) {
            boolean[][] patterns = new boolean[passes][];
            for (int t = 0; t < passes; t++) patterns[t] = source == null ? null : source.bits(e, t);
            hex.append(inputHex(
                            sim.pass(inputs[e], patterns[0], e, 0).ints(in),
                            m.inputBits(),
                            !m.layers().get(0).serial()))
                    .append('\n');
            List<Beat> beats = beats(p.montecarlo().order(), patterns);
            for (int b = 0; b < beats.size(); b++) {
                Beat beat = beats.get(b);
                DropoutMasks masks = source == null ? null : source.masks();
                int[] y = sim.pass(inputs[e], beat.bits(), masks, e, beat.firstPass())
                        .ints(out);
                outs.append(e).append(' ').append(b);
                for (int v : y) outs.append(' ').append(v);
                outs.append('\n');
                bits.append(e).append(' ').append(b).append(' ');
                if (beat.bits() == null || nbits == 0) bits.append('-');
                else for (boolean z : beat.bits()) bits.append(z ? '1' : '0');
                bits.append(' ').append(beat.count()).append('\n');
            }
        }
        return new Expected(hex.toString(), outs.toString(), bits.toString());
    }

    /**
     * One output beat of an example: the bits it ran with (null: deterministic), how many passes drew them, and the
     * first of those passes.
     */
    public record Beat(boolean[] bits, int count, int firstPass) {}

    /**
     * The beats of one example's passes ({@code patterns[t]}: the bits of pass t, null for a deterministic pass) as
     * the controller emits them: sorted, each distinct pattern once in lexicographic order (bit 0 first) with its
     * count; in draw order, one beat per pass.
     */
    public static List<Beat> beats(McSchedule.Order order, boolean[][] patterns) {
        List<Beat> out = new ArrayList<>();
        if (order == McSchedule.Order.DRAW || patterns.length == 1 || patterns[0] == null) {
            for (int t = 0; t < patterns.length; t++) out.add(new Beat(patterns[t], 1, t));
            return out;
        }
        TreeMap<String, int[]> seen = new TreeMap<>(); // key -> {count, first pass}
        for (int t = 0; t < patterns.length; t++) {
            StringBuilder k = new StringBuilder();
            for (boolean z : patterns[t]) k.append(z ? '1' : '0');
            seen.computeIfAbsent(k.toString(), x -> new int[] {0, -1});
            int[] c = seen.get(k.toString());
            c[0]++;
            if (c[1] < 0) c[1] = t;
        }
        for (int[] c : seen.values()) out.add(new Beat(patterns[c[1]], c[0], c[1]));
        return out;
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
