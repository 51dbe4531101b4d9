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
            Simulator.Trace first = sim.pass(inputs[e], patterns[0], e, 0);
            String low =
                    inputHex(first.ints(in), m.inputBits(), !m.layers().get(0).serial());
            hex.append(withFloats(low, first.ints(in).length * m.inputBits(), m, first::get))
                    .append('\n');
            List<Beat> beats = beats(p.montecarlo().order(), patterns);
            for (int b = 0; b < beats.size(); b++) {
                Beat beat = beats.get(b);
                DropoutMasks masks = source == null ? null : source.masks();
                Simulator.Trace tr = sim.pass(inputs[e], beat.bits(), masks, e, beat.firstPass());
                int[] y = m.floatOutput() ? floatBits(tr.get(out)) : tr.ints(out);
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
     * One line of inputs.hex for any source of the pass's values (the simulator's trace or the reference
     * interpreter's): the chip input's elements, then the float32 words the host computes for the digital unit.
     */
    public static String inputLine(Program p, java.util.function.Function<String, double[]> value) {
        VerilogModel m = VerilogModel.of(p);
        double[] q = value.apply(m.chipInput().name());
        int[] ints = new int[q.length];
        for (int i = 0; i < q.length; i++) ints[i] = (int) q[i];
        String low = inputHex(ints, m.inputBits(), !m.layers().get(0).serial());
        return withFloats(low, ints.length * m.inputBits(), m, value);
    }

    /** Float32 values (held exactly as doubles) as their raw bit patterns, the digital unit's output words. */
    public static int[] floatBits(double[] d) {
        int[] y = new int[d.length];
        for (int i = 0; i < d.length; i++) y[i] = Float.floatToRawIntBits((float) d[i]);
        return y;
    }

    /** The input bus: the elements ({@code lowBits} bits, hex {@code low}), then the host's float32 words. */
    private static String withFloats(
            String low, int lowBits, VerilogModel m, java.util.function.Function<String, double[]> t) {
        int words = m.digital().hostWords();
        if (words == 0) return low;
        int total = lowBits + 32 * words;
        int[] nib = new int[(total + 3) / 4];
        for (int d = 0; d < low.length(); d++) nib[low.length() - 1 - d] = Character.digit(low.charAt(d), 16);
        for (var e : m.digital().hostInputs().entrySet()) {
            double[] v = t.apply(e.getKey());
            var type = m.graph().value(e.getKey()).type();
            for (int i = 0; i < v.length; i++) {
                int bits = Float.floatToRawIntBits(type.toReal(v[i]));
                for (int b = 0; b < 32; b++) {
                    if (((bits >>> b) & 1) == 0) continue;
                    int at = lowBits + (e.getValue() + i) * 32 + b;
                    nib[at / 4] |= 1 << (at % 4);
                }
            }
        }
        StringBuilder s = new StringBuilder(nib.length);
        for (int d = nib.length - 1; d >= 0; d--) s.append(Character.forDigit(nib[d], 16));
        return s.toString();
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
