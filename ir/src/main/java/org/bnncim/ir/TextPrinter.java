package org.bnncim.ir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The readable, diffable text form of a graph. One line per node: {@code %out : type = op %in {attributes}  #
 * onnx-node}. Large constants are summarised with a content hash, so two dumps differ exactly when the model
 * differs; thresholds are printed in full because they are what a hardware engineer checks.
 */
public final class TextPrinter {
    private TextPrinter() {
    }

    /** A node's scale-bit slot and switching probability, as the stochastic unit's schedule holds them. */
    public record ScaleSlot(int bit, float p) {
    }

    public static String print(Graph g) {
        return print(g, name -> null);
    }

    /**
     * @param slots the schedule's slot of a node that draws a scale bit, by node name (null: the node's own
     *              declaration, for graphs without a schedule yet), so a program listing prints what the chip draws
     */
    public static String print(Graph g, Function<String, ScaleSlot> slots) {
        StringBuilder sb = new StringBuilder();
        sb.append("graph ").append(g.name()).append(" {\n");
        for (Map.Entry<String, String> e : g.notes().entrySet()) {
            sb.append("  // ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        for (Value v : g.inputs()) sb.append("  input ").append(ref(v.name())).append(" : ").append(v.type()).append('\n');
        for (Node n : g.nodes()) {
            sb.append("  ").append(ref(n.output().name())).append(" : ").append(n.output().type()).append(" = ")
                    .append(n.opName()).append(' ').append(ref(n.inputs().get(0)));
            String attrs = attributes(n, slots);
            if (!attrs.isEmpty()) sb.append(" {").append(attrs).append('}');
            sb.append("  # ").append(n.name()).append('\n');
        }
        for (String o : g.outputs()) sb.append("  output ").append(ref(o)).append('\n');
        sb.append("}\n");
        return sb.toString();
    }

    static String ref(String name) {
        return "%" + name;
    }

    private static String attributes(Node n, Function<String, ScaleSlot> slots) {
        if (n instanceof Node.InputQuantize q) return "bits=" + q.bits() + ", levels=" + q.levels();
        if (n instanceof Node.InputBinarize b) {
            if (b.t().length == 1) return "+1 when x " + (b.ge()[0] ? ">= " : "<= ") + num(b.t()[0]);
            return "per-channel float thresholds " + floats(b.t());
        }
        if (n instanceof Node.BinaryDense d) return weights(d.weights());
        if (n instanceof Node.BinaryConv c) {
            return "kernel=" + c.kh() + "x" + c.kw() + ", strides=" + ints(c.strides()) + ", pads=" + ints(c.pads())
                    + (c.dilations()[0] != 1 || c.dilations()[1] != 1 ? ", dilations=" + ints(c.dilations()) : "")
                    + ", " + weights(c.weights());
        }
        if (n instanceof Node.ScaleDropout s) {
            ScaleSlot slot = Objects.requireNonNullElseGet(slots.apply(s.name()), () -> new ScaleSlot(s.bit(), s.p()));
            return "p=" + num(slot.p()) + ", bit=" + slot.bit() + ", scale=" + floats(s.scale())
                    + ", dropped=" + floats(s.dropped());
        }
        if (n instanceof Node.Affine a) {
            StringBuilder sb = new StringBuilder();
            for (AffineStep st : a.steps()) {
                if (sb.length() > 0) sb.append("; ");
                sb.append(st.op().name().toLowerCase(Locale.ROOT)).append(' ').append(floats(st.c()));
            }
            return sb.toString();
        }
        if (n instanceof Node.Threshold t) {
            StringBuilder sb = new StringBuilder();
            sb.append(set(t.stochastic() == null ? "thresholds" : "expected", t.expected()));
            if (t.stochastic() != null) {
                ScaleSlot slot = Objects.requireNonNullElseGet(slots.apply(t.name()), () -> new ScaleSlot(t.stochastic().bit(), t.stochastic().p()));
                sb.append(", stochastic bit=").append(slot.bit()).append(" p=").append(num(slot.p()))
                        .append(", ").append(set("kept", t.stochastic().kept()))
                        .append(", ").append(set("dropped", t.stochastic().dropped()));
            }
            return sb.toString();
        }
        if (n instanceof Node.MaxPool m) return "kernel=" + ints(m.kernel()) + ", strides=" + ints(m.strides()) + ", pads=" + ints(m.pads());
        if (n instanceof Node.AvgPool a) {
            return "kernel=" + ints(a.kernel()) + ", strides=" + ints(a.strides()) + ", pads=" + ints(a.pads())
                    + (a.countIncludePad() ? ", count_include_pad" : "");
        }
        if (n instanceof Node.McDropout m) return "p=" + num(m.p());
        return "";
    }

    private static String set(String label, ThresholdSet s) {
        StringBuilder sb = new StringBuilder(label).append('=').append('[');
        for (int c = 0; c < s.channels(); c++) {
            if (c > 0) sb.append(' ');
            sb.append(s.greaterOrEqual(c) ? ">=" : "<=").append(s.threshold(c));
        }
        return sb.append(']').toString();
    }

    private static String weights(BitMatrix w) {
        long ones = w.countPlusOnes();
        double frac = 100.0 * ones / ((double) w.rows() * w.cols());
        return "weights=" + w.rows() + "x" + w.cols() + ", plus_ones=" + String.format(Locale.ROOT, "%.1f%%", frac)
                + ", sha256=" + hash(w);
    }

    /** First 12 hex digits of SHA-256 over the weights in row-major {-1,+1} order, one bit each. */
    public static String hash(BitMatrix w) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            md.update(b.putInt(w.rows()).putInt(w.cols()).array());
            for (int col = 0; col < w.cols(); col++) {
                long[] words = w.column(col);
                ByteBuffer cb = ByteBuffer.allocate(words.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                for (long word : words) cb.putLong(word);
                md.update(cb.array());
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String ints(int[] a) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) sb.append(i > 0 ? "," : "").append(a[i]);
        return sb.append(']').toString();
    }

    private static String floats(float[] a) {
        if (a.length == 1) return num(a[0]);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) sb.append(i > 0 ? " " : "").append(num(a[i]));
        return sb.append(']').toString();
    }

    /** Shortest text that reads back as the same float (Java's Float.toString), stable across locales. */
    public static String number(float f) {
        return num(f);
    }

    static String num(float f) {
        if (f == Math.rint(f) && Math.abs(f) < 1e7) return Long.toString((long) f);
        return Float.toString(f);
    }
}
