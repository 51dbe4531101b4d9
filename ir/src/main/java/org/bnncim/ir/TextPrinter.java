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
import org.bnncim.ir.util.Fmt;

/**
 * The readable, diffable text form of a graph. One line per node: {@code %out : type = op %in {attributes}  #
 * onnx-node}. Large constants are summarised with a content hash, so two dumps differ exactly when the model
 * differs; thresholds are printed in full because they are what a hardware engineer checks ({@link #summary} cuts
 * long lists for a screen).
 *
 * <p>{@link #printFull} writes everything instead (weights as rows of {@code +}/{@code -}, every float so that it
 * reads back bit for bit, exact type scales, quoted names where needed): the form {@link TextParser} reads, used by
 * the pass fixtures. The mapping, if any, is not part of either form.
 */
public final class TextPrinter {
    private TextPrinter() {}

    public static String print(Graph g) {
        return print(g, name -> null);
    }

    /**
     * @param slots the schedule's slot of a node that draws a scale bit, by node name (null: the node's own
     *              {@link Node#bitSlot()}, for graphs without a schedule yet), so a program listing prints what the
     *              chip draws
     */
    public static String print(Graph g, Function<String, Node.BitSlot> slots) {
        return print(g, slots, Integer.MAX_VALUE);
    }

    /**
     * The readable form with every list of more than {@code maxList} items (thresholds, scales, affine constants)
     * cut to its first and last items, followed by its length and a hash of the whole list, so that a 256-channel
     * layer fits on a screen and two summaries still differ when the lists do.
     */
    public static String summary(Graph g, int maxList) {
        if (maxList < 3) throw new IllegalArgumentException("maxList " + maxList + " < 3");
        return print(g, name -> null, maxList);
    }

    private static String print(Graph g, Function<String, Node.BitSlot> slots, int maxList) {
        StringBuilder sb = new StringBuilder();
        sb.append("graph ").append(g.name()).append(" {\n");
        for (Map.Entry<String, String> e : g.notes().entrySet()) {
            sb.append("  // ")
                    .append(e.getKey())
                    .append(": ")
                    .append(e.getValue())
                    .append('\n');
        }
        for (Value v : g.inputs())
            sb.append("  input ")
                    .append(ref(v.name()))
                    .append(" : ")
                    .append(v.type())
                    .append('\n');
        for (Node n : g.nodes()) {
            sb.append("  ")
                    .append(ref(n.output().name()))
                    .append(" : ")
                    .append(n.output().type())
                    .append(" = ")
                    .append(n.opName())
                    .append(' ')
                    .append(String.join(
                            ", ", n.inputs().stream().map(TextPrinter::ref).toList()));
            String attrs = attributes(n, slots);
            if (maxList != Integer.MAX_VALUE) attrs = shortenLists(attrs, maxList);
            if (!attrs.isEmpty()) sb.append(" {").append(attrs).append('}');
            sb.append("  # ").append(n.name()).append('\n');
        }
        for (String o : g.outputs()) sb.append("  output ").append(ref(o)).append('\n');
        sb.append("}\n");
        return sb.toString();
    }

    /** Every {@code [a b c ...]} of more than {@code maxList} items as {@code [a b ... y z] (N values, sha256=...)}. */
    static String shortenLists(String attrs, int maxList) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < attrs.length()) {
            int open = attrs.indexOf('[', i);
            int close = open < 0 ? -1 : attrs.indexOf(']', open);
            if (open < 0 || close < 0) {
                out.append(attrs, i, attrs.length());
                break;
            }
            out.append(attrs, i, open);
            String body = attrs.substring(open + 1, close);
            String[] items = body.split(" ");
            if (items.length <= maxList) {
                out.append('[').append(body).append(']');
            } else {
                int head = maxList - 2;
                out.append('[')
                        .append(String.join(" ", java.util.Arrays.copyOfRange(items, 0, head)))
                        .append(" ... ")
                        .append(items[items.length - 2])
                        .append(' ')
                        .append(items[items.length - 1])
                        .append("] (")
                        .append(items.length)
                        .append(" values, sha256=")
                        .append(textHash(body))
                        .append(')');
            }
            i = close + 1;
        }
        return out.toString();
    }

    private static String textHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The complete, parseable text of a graph: {@code TextParser.parse(printFull(g))} gives back an equal graph (the
     * mapping aside). Layout as {@link #print}; a binary_dense or binary_conv line is followed by one indented line
     * per weight row (crossbar row k), one {@code +} or {@code -} per column; so is a binary_conv_transpose line.
     */
    public static String printFull(Graph g) {
        StringBuilder sb = new StringBuilder();
        sb.append("graph ").append(escapeLine(g.name())).append(" {\n");
        for (Map.Entry<String, String> e : g.notes().entrySet()) {
            sb.append("  // ")
                    .append(escapeNoteKey(e.getKey()))
                    .append(": ")
                    .append(escapeLine(e.getValue()))
                    .append('\n');
        }
        for (Value v : g.inputs()) {
            sb.append("  input ")
                    .append(fullRef(v.name()))
                    .append(" : ")
                    .append(fullType(v.type()))
                    .append('\n');
        }
        for (Node n : g.nodes()) {
            sb.append("  ")
                    .append(fullRef(n.output().name()))
                    .append(" : ")
                    .append(fullType(n.output().type()))
                    .append(" = ")
                    .append(n.opName())
                    .append(' ')
                    .append(String.join(
                            ", ", n.inputs().stream().map(TextPrinter::fullRef).toList()));
            String attrs = fullAttributes(n);
            if (!attrs.isEmpty()) sb.append(" {").append(attrs).append('}');
            sb.append("  # ").append(escapeLine(n.name())).append('\n');
            if (n instanceof Node.BinaryDense d) weightRows(sb, d.weights());
            if (n instanceof Node.BinaryConv c) weightRows(sb, c.weights());
            if (n instanceof DecoderNode.BinaryConvTranspose t) weightRows(sb, t.weights());
        }
        for (String o : g.outputs()) sb.append("  output ").append(fullRef(o)).append('\n');
        sb.append("}\n");
        return sb.toString();
    }

    /** Characters a full-form value name may use without quotes. */
    static boolean plainName(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '_'
                    || c == '.'
                    || c == '/'
                    || c == '-'
                    || c == ':'
                    || c == '@'
                    || c == '$';
            if (!ok) return false;
        }
        return true;
    }

    static String fullRef(String name) {
        if (plainName(name)) return "%" + name;
        StringBuilder sb = new StringBuilder("%\"");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** Graph names, node names and note values run to the end of their line: only line breaks and \ are escaped. */
    static String escapeLine(String s) {
        if (s.indexOf('\\') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
    }

    /** A note key ends at the first ": ", so a colon in a key is escaped as well. */
    static String escapeNoteKey(String s) {
        return escapeLine(s).replace(":", "\\:");
    }

    static String fullType(TensorType t) {
        String s = t.elem() + t.shape().toString();
        if (t.scale() == 1.0) return s;
        double inv = 1.0 / t.scale();
        if (inv == Math.rint(inv) && inv < 1e15 && 1.0 / (long) inv == t.scale()) return s + "*1/" + (long) inv;
        return s + "*" + Double.toString(t.scale());
    }

    private static String fullAttributes(Node n) {
        if (n instanceof Node.InputQuantize q) return "bits=" + q.bits() + ", levels=" + q.levels();
        if (n instanceof Node.InputBinarize b) {
            StringBuilder sb = new StringBuilder("thresholds=[");
            for (int c = 0; c < b.t().length; c++) {
                if (c > 0) sb.append(' ');
                sb.append(b.ge()[c] ? ">=" : "<=").append(exact(b.t()[c]));
            }
            return sb.append(']').toString();
        }
        if (n instanceof Node.BinaryDense d)
            return "weights=" + d.weights().rows() + "x" + d.weights().cols();
        if (n instanceof Node.BinaryConv c) {
            return "kernel=" + c.kh() + "x" + c.kw() + ", strides=" + ints(c.strides()) + ", pads=" + ints(c.pads())
                    + ", dilations=" + ints(c.dilations()) + ", in_channels=" + c.inChannels()
                    + ", weights=" + c.weights().rows() + "x" + c.weights().cols();
        }
        if (n instanceof DecoderNode.BinaryConvTranspose t) {
            return "kernel=" + t.kh() + "x" + t.kw() + ", strides=" + ints(t.strides()) + ", pads=" + ints(t.pads())
                    + ", dilations=" + ints(t.dilations()) + ", in_channels=" + t.inChannels()
                    + ", weights=" + t.weights().rows() + "x" + t.weights().cols();
        }
        if (n instanceof Node.ScaleDropout s) {
            return "p=" + exact(s.p()) + ", bit=" + s.bit() + ", scale=" + exactFloats(s.scale()) + ", dropped="
                    + exactFloats(s.dropped());
        }
        if (n instanceof Node.Affine a) {
            StringBuilder sb = new StringBuilder();
            for (AffineStep st : a.steps()) {
                if (sb.length() > 0) sb.append("; ");
                sb.append(st.op().name().toLowerCase(Locale.ROOT)).append(' ').append(exactFloats(st.c()));
            }
            return sb.toString();
        }
        if (n instanceof Node.Threshold t) {
            Node.Stochastic st = t.stochastic();
            return st == null
                    ? banks(t.expected(), null, null, null, TextPrinter::exact, TextPrinter::set)
                    : banks(
                            t.expected(),
                            st.kept(),
                            st.dropped(),
                            new Node.BitSlot(st.bit(), st.p()),
                            TextPrinter::exact,
                            TextPrinter::set);
        }
        if (n instanceof Node.McDropout m) return "p=" + exact(m.p());
        if (n instanceof DigitalNode.FloatDense d) {
            return "weights=" + d.k() + "x" + d.n() + ", w=" + exactList(d.weights()) + ", bias=" + exactList(d.bias());
        }
        if (n instanceof DigitalNode.FloatConv c) {
            return "kernel=" + c.kh() + "x" + c.kw() + ", strides=" + ints(c.strides()) + ", pads=" + ints(c.pads())
                    + ", dilations=" + ints(c.dilations()) + ", in_channels=" + c.inChannels() + ", group="
                    + c.group() + ", w=" + exactList(c.weights()) + ", bias=" + exactList(c.bias());
        }
        if (n instanceof Node.Quantize q) {
            return "base=" + q.base() + ", steps=" + q.steps() + ", thresholds=" + exactFloats(q.t());
        }
        if (n instanceof Node.MultiThreshold t) {
            Node.LevelStochastic st = t.stochastic();
            return multiThreshold(t, st == null ? null : new Node.BitSlot(st.bit(), st.p()), TextPrinter::exact);
        }
        return attributes(
                n, name -> null); // pooling windows and attribute-free nodes: the summary form is already complete
    }

    private static void weightRows(StringBuilder sb, BitMatrix w) {
        char[] row = new char[w.cols()];
        for (int k = 0; k < w.rows(); k++) {
            for (int c = 0; c < w.cols(); c++) row[c] = w.get(k, c) > 0 ? '+' : '-';
            sb.append("    ").append(row).append('\n');
        }
    }

    /** {@code [a b c]}, also for one element or none ({@code []}). */
    private static String exactList(float[] a) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) sb.append(i > 0 ? " " : "").append(exact(a[i]));
        return sb.append(']').toString();
    }

    /** First 12 hex digits of SHA-256 over the float32 bits, little-endian: names full-precision weights. */
    public static String hash(float[] w) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : w) b.putInt(Float.floatToRawIntBits(f));
            return HexFormat.of().formatHex(md.digest(b.array())).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String exactFloats(float[] a) {
        if (a.length == 1) return exact(a[0]);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) sb.append(i > 0 ? " " : "").append(exact(a[i]));
        return sb.append(']').toString();
    }

    /** {@link #num}, except that -0.0 keeps its sign and a NaN other than Float.NaN is written by its bits. */
    static String exact(float f) {
        if (f == 0f && Float.floatToRawIntBits(f) != 0) return "-0.0";
        if (Float.isNaN(f) && Float.floatToRawIntBits(f) != Float.floatToRawIntBits(Float.NaN)) {
            return "nan:0x" + Integer.toHexString(Float.floatToRawIntBits(f));
        }
        return num(f);
    }

    static String ref(String name) {
        return "%" + name;
    }

    private static Node.BitSlot slotOf(Node n, Function<String, Node.BitSlot> slots) {
        return Objects.requireNonNullElseGet(
                slots.apply(n.name()), () -> n.bitSlot().orElseThrow());
    }

    private static String attributes(Node n, Function<String, Node.BitSlot> slots) {
        return switch (n) {
            case DecoderNode.Resize r ->
                r.replicationFactor() > 0
                        ? "scale=" + r.replicationFactor()
                        : "rows=" + spaced(r.rows()) + ", cols=" + spaced(r.cols());
            case DecoderNode.Concat c -> "";
            case DecoderNode.BinaryConvTranspose t ->
                "kernel=" + t.kh() + "x" + t.kw() + ", strides=" + ints(t.strides()) + ", pads=" + ints(t.pads())
                        + (t.dilations()[0] != 1 || t.dilations()[1] != 1 ? ", dilations=" + ints(t.dilations()) : "")
                        + ", " + weights(t.weights());
            case DecoderNode.PixelSoftmax s -> "";
            case DecoderNode.Sigmoid s -> "";
            case Node.InputQuantize q -> "bits=" + q.bits() + ", levels=" + q.levels();
            case Node.InputBinarize b ->
                b.t().length == 1
                        ? "+1 when x " + (b.ge()[0] ? ">= " : "<= ") + num(b.t()[0])
                        : "per-channel float thresholds " + floats(b.t());
            case Node.BinaryDense d -> weights(d.weights());
            case Node.BinaryConv c ->
                "kernel=" + c.kh() + "x" + c.kw() + ", strides=" + ints(c.strides()) + ", pads=" + ints(c.pads())
                        + (c.dilations()[0] != 1 || c.dilations()[1] != 1 ? ", dilations=" + ints(c.dilations()) : "")
                        + ", " + weights(c.weights());
            case Node.ScaleDropout s -> {
                Node.BitSlot slot = slotOf(s, slots);
                yield "p=" + num(slot.p()) + ", bit=" + slot.bit() + ", scale=" + floats(s.scale()) + ", dropped="
                        + floats(s.dropped());
            }
            case Node.Affine a -> {
                StringBuilder sb = new StringBuilder();
                for (AffineStep st : a.steps()) {
                    if (sb.length() > 0) sb.append("; ");
                    sb.append(st.op().name().toLowerCase(Locale.ROOT))
                            .append(' ')
                            .append(floats(st.c()));
                }
                yield sb.toString();
            }
            case Node.Threshold t -> {
                Node.Stochastic st = t.stochastic();
                yield st == null
                        ? banks(t.expected(), null, null, null, TextPrinter::num, TextPrinter::set)
                        : banks(
                                t.expected(),
                                st.kept(),
                                st.dropped(),
                                slotOf(t, slots),
                                TextPrinter::num,
                                TextPrinter::set);
            }
            case Node.MaxPool m ->
                "kernel=" + ints(m.kernel()) + ", strides=" + ints(m.strides()) + ", pads=" + ints(m.pads());
            case Node.AvgPool a ->
                "kernel=" + ints(a.kernel()) + ", strides=" + ints(a.strides()) + ", pads=" + ints(a.pads())
                        + (a.countIncludePad() ? ", count_include_pad" : "");
            case Node.Quantize q -> "base=" + q.base() + ", steps=" + q.steps() + ", thresholds=" + floats(q.t());
            case Node.MultiThreshold t ->
                multiThreshold(t, t.stochastic() == null ? null : slotOf(t, slots), TextPrinter::num);
            case Node.McDropout m -> "p=" + num(m.p());
            case Node.Sign s -> s.sourceZeroIsPlus() ? "source sign(0)=+1" : "";
            case DigitalNode.Add a -> "";
            case DigitalNode.FloatDense d ->
                "weights=" + d.k() + "x" + d.n() + ", bias=" + (d.bias().length > 0) + ", sha256=" + hash(d.weights());
            case DigitalNode.FloatConv c ->
                "kernel=" + c.kh() + "x" + c.kw() + ", strides=" + ints(c.strides()) + ", pads=" + ints(c.pads())
                        + (c.dilations()[0] != 1 || c.dilations()[1] != 1 ? ", dilations=" + ints(c.dilations()) : "")
                        + (c.group() != 1 ? ", group=" + c.group() : "") + ", out_channels=" + c.outChannels()
                        + ", bias=" + (c.bias().length > 0) + ", sha256=" + hash(c.weights());
            case Node.Reshape r -> "";
            case Node.Softmax s -> "";
        };
    }

    private static String set(String label, ThresholdSet s) {
        StringBuilder sb = new StringBuilder(label).append('=').append('[');
        for (int c = 0; c < s.channels(); c++) {
            if (c > 0) sb.append(' ');
            sb.append(s.greaterOrEqual(c) ? ">=" : "<=").append(s.threshold(c));
        }
        return sb.append(']').toString();
    }

    private static String multiThreshold(Node.MultiThreshold t, Node.BitSlot slot, Function<Float, String> num) {
        Node.LevelStochastic st = t.stochastic();
        return "base=" + t.base() + ", "
                + (st == null
                        ? banks(t.expected(), null, null, null, num, TextPrinter::levels)
                        : banks(t.expected(), st.kept(), st.dropped(), slot, num, TextPrinter::levels));
    }

    /**
     * A comparator node's banks, as {@link TextParser} reads them back: {@code thresholds=E} without Scale-Dropout
     * ({@code kept == null}), else {@code expected=E, stochastic bit=B p=P, kept=K, dropped=D}, each bank written by
     * {@code set(label, bank)}.
     */
    private static <S> String banks(
            S expected,
            S kept,
            S dropped,
            Node.BitSlot slot,
            Function<Float, String> num,
            java.util.function.BiFunction<String, S, String> set) {
        if (kept == null) return set.apply("thresholds", expected);
        return set.apply("expected", expected) + ", stochastic bit=" + slot.bit() + " p=" + num.apply(slot.p()) + ", "
                + set.apply("kept", kept) + ", " + set.apply("dropped", dropped);
    }

    /** {@code label=[>=1,3,5 <=4,2,0]}: per channel its direction, then its thresholds. */
    private static String levels(String label, LevelSet s) {
        StringBuilder sb = new StringBuilder(label).append("=[");
        for (int c = 0; c < s.channels(); c++) {
            if (c > 0) sb.append(' ');
            sb.append(s.greaterOrEqual(c) ? ">=" : "<=");
            for (int i = 0; i < s.steps(); i++) sb.append(i > 0 ? "," : "").append(s.threshold(c, i));
        }
        return sb.append(']').toString();
    }

    private static String weights(BitMatrix w) {
        long ones = w.countPlusOnes();
        double frac = 100.0 * ones / ((double) w.rows() * w.cols());
        return "weights=" + w.rows() + "x" + w.cols() + ", plus_ones=" + Fmt.format("%.1f%%", frac) + ", sha256="
                + hash(w);
    }

    /** First 12 hex digits of SHA-256 over the weights in row-major {-1,+1} order, one bit each. */
    public static String hash(BitMatrix w) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            md.update(b.putInt(w.rows()).putInt(w.cols()).array());
            md.update(w.columnBytes()); // one update over the columns in order, not a copy and an update per column
            return HexFormat.of().formatHex(md.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code [a b c]}: a resize's index maps, as long as the output is wide. */
    private static String spaced(int[] a) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) sb.append(i > 0 ? " " : "").append(a[i]);
        return sb.append(']').toString();
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
