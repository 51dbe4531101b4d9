package org.bnncim.ir;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the full text form written by {@link TextPrinter#printFull} back into a {@link Graph}, so tests can state
 * a pass's input and expected output as text. Blank lines and {@code //} lines outside the graph block are ignored;
 * inside it, {@code // key: value} lines are the graph's notes. Every problem is reported as one line naming the
 * line it was found on.
 *
 * <pre>
 * graph NAME {
 *   // key: value
 *   input %x : bipolar[4]
 *   %acc : i32[3] = binary_dense %x {weights=4x3}  # fc
 *     +-+
 *     ...one row of + and - per weight row...
 *   %y : bipolar[3] = threshold %acc {thresholds=[>=0 >=2 <=-1]}  # fc+sign
 *   output %y
 * }
 * </pre>
 */
public final class TextParser {
    /** A malformed text: the message names the source and line and fits on one line. */
    public static final class ParseException extends BnncimException {
        private final int line;

        ParseException(String source, int line, String message) {
            super(source + ":" + line + ": " + message);
            this.line = line;
        }

        public int line() {
            return line;
        }
    }

    private final String source;
    private final String[] lines;
    private int at; // index of the current line

    private TextParser(String source, String text) {
        this.source = source;
        this.lines = text.split("\r?\n", -1);
    }

    public static Graph parse(String text) {
        return parse(text, "<ir>");
    }

    /** @param source what to call the text in messages, e.g. a file name */
    public static Graph parse(String text, String source) {
        return new TextParser(source, text).graph();
    }

    ParseException error(String message) {
        return new ParseException(source, at + 1, message);
    }

    private static boolean ignorable(String l) {
        String t = l.strip();
        return t.isEmpty() || t.startsWith("//");
    }

    private Graph graph() {
        while (at < lines.length && ignorable(lines[at])) at++;
        if (at >= lines.length) {
            at = Math.max(0, lines.length - 1);
            throw error("no graph: expected 'graph NAME {'");
        }
        String head = lines[at].strip();
        if (!head.startsWith("graph ") || !head.endsWith(" {") || head.length() < 8)
            throw error("expected 'graph NAME {', found '" + head + "'");
        String name = unescapeLine(head.substring(6, head.length() - 2));
        Map<String, String> notes = new LinkedHashMap<>();
        List<Value> inputs = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        Map<String, Value> defined = new LinkedHashMap<>();
        boolean closed = false;
        for (at++; at < lines.length; at++) {
            String l = lines[at];
            String t = l.strip();
            if (t.isEmpty()) continue;
            if (t.equals("}")) {
                closed = true;
                break;
            }
            if (t.startsWith("//")) {
                note(l.stripLeading(), notes);
            } else if (t.startsWith("input ")) {
                if (!nodes.isEmpty()) throw error("inputs must come before the nodes");
                TextCursor c = new TextCursor(this, t, 6);
                String v = c.ref();
                c.expect(":");
                TensorType type = c.type();
                c.end();
                define(defined, new Value(v, type));
                inputs.add(defined.get(v));
            } else if (t.startsWith("output ")) {
                TextCursor c = new TextCursor(this, t, 7);
                String v = c.ref();
                c.end();
                if (!defined.containsKey(v)) throw error("output %" + v + " is never defined");
                outputs.add(v);
            } else if (t.startsWith("%")) {
                if (!outputs.isEmpty()) throw error("nodes must come before the outputs");
                Node n = node(l.stripLeading(), defined);
                define(defined, n.output());
                nodes.add(n);
            } else {
                throw error(
                        "expected a note, 'input', 'output', a node '%name : type = op ...' or '}', found '" + t + "'");
            }
        }
        if (!closed) {
            at = lines.length - 1;
            throw error("graph " + name + " is not closed by '}'");
        }
        for (at++; at < lines.length; at++) {
            if (!ignorable(lines[at])) throw error("text after the end of the graph: '" + lines[at].strip() + "'");
        }
        return new Graph(name, inputs, nodes, outputs, notes);
    }

    private void define(Map<String, Value> defined, Value v) {
        if (defined.containsKey(v.name())) throw error("value %" + v.name() + " is defined twice");
        defined.put(v.name(), v);
    }

    private void note(String t, Map<String, String> notes) {
        String body = t.substring(2);
        if (body.startsWith(" ")) body = body.substring(1);
        StringBuilder key = new StringBuilder();
        int i = 0;
        for (; i < body.length(); i++) {
            char ch = body.charAt(i);
            if (ch == '\\' && i + 1 < body.length()) {
                key.append(unescapeChar(body.charAt(++i)));
            } else if (ch == ':' && i + 1 < body.length() && body.charAt(i + 1) == ' ') {
                break;
            } else if (ch == ':' && i + 1 == body.length()) {
                break;
            } else {
                key.append(ch);
            }
        }
        if (i >= body.length()) throw error("a note is '// key: value'; found '" + t + "'");
        String value = i + 2 <= body.length() ? body.substring(Math.min(i + 2, body.length())) : "";
        String k = key.toString();
        if (notes.containsKey(k)) throw error("note " + k + " given twice");
        notes.put(k, unescapeLine(value));
    }

    char unescapeChar(char c) {
        return switch (c) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case '\\', ':', '"' -> c;
            default -> throw error("unknown escape \\" + c);
        };
    }

    private String unescapeLine(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (i + 1 >= s.length()) throw error("'\\' at the end of the line");
                sb.append(unescapeChar(s.charAt(++i)));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private Node node(String t, Map<String, Value> defined) {
        TextCursor c = new TextCursor(this, t, 0);
        String out = c.ref();
        c.expect(":");
        TensorType type = c.type();
        c.expect("=");
        String op = c.word();
        String in = c.ref();
        if (!defined.containsKey(in)) throw error(op + " reads %" + in + " before it is defined");
        String second = null;
        if (op.equals("add")) {
            c.expect(",");
            second = c.ref();
            if (!defined.containsKey(second)) throw error(op + " reads %" + second + " before it is defined");
        }
        String in2 = second;
        List<String> sources = new ArrayList<>(List.of(in));
        if (op.equals("concat")) {
            c.expect(",");
            do {
                String more = c.ref();
                if (!defined.containsKey(more)) throw error(op + " reads %" + more + " before it is defined");
                sources.add(more);
            } while (c.tryExpect(","));
        }
        Value v = new Value(out, type);
        boolean braces = c.tryExpect("{");
        Node n;
        switch (op) {
            case "input_quantize" -> {
                c.expect("bits=");
                int bits = c.integer();
                c.expect(",");
                c.expect("levels=");
                int levels = c.integer();
                n = named(c, braces, name -> new Node.InputQuantize(name, in, v, bits, levels));
            }
            case "input_binarize" -> {
                List<Float> ts = new ArrayList<>();
                List<Boolean> ges = new ArrayList<>();
                if (c.tryExpect("+1 when x")) {
                    ges.add(c.comparator());
                    ts.add(c.floatNumber());
                } else {
                    c.expect("thresholds=");
                    c.expect("[");
                    while (!c.tryExpect("]")) {
                        ges.add(c.comparator());
                        ts.add(c.floatNumber());
                    }
                }
                float[] ta = new float[ts.size()];
                boolean[] ga = new boolean[ges.size()];
                for (int i = 0; i < ta.length; i++) {
                    ta[i] = ts.get(i);
                    ga[i] = ges.get(i);
                }
                if (ta.length == 0) throw error("input_binarize needs at least one threshold");
                n = named(c, braces, name -> new Node.InputBinarize(name, in, v, ta, ga));
            }
            case "binary_dense" -> {
                int[] kn = weightsHeader(c);
                String name = nodeName(c, braces);
                n = new Node.BinaryDense(name, in, v, weightRows(kn[0], kn[1]));
            }
            case "binary_conv" -> {
                ConvText k = convText(c);
                String name = nodeName(c, braces);
                BitMatrix w = weightRows(k.rows(), k.cols());
                n = new Node.BinaryConv(name, in, v, w, k.inChannels(), k.kh(), k.kw(), k.strides(), k.pads(), k.dil());
            }
            case "binary_conv_transpose" -> {
                ConvText k = convText(c);
                String name = nodeName(c, braces);
                BitMatrix w = weightRows(k.rows(), k.cols());
                n = new DecoderNode.BinaryConvTranspose(
                        name, in, v, w, k.inChannels(), k.kh(), k.kw(), k.strides(), k.pads(), k.dil());
            }
            case "resize" -> {
                int[][] idx = resizeIndices(c, type);
                n = named(c, braces, name -> new DecoderNode.Resize(name, in, v, idx[0], idx[1]));
            }
            case "concat" -> n = named(c, braces, name -> new DecoderNode.Concat(name, sources, v));
            case "pixel_softmax" -> n = named(c, braces, name -> new DecoderNode.PixelSoftmax(name, in, v));
            case "sigmoid" -> n = named(c, braces, name -> new DecoderNode.Sigmoid(name, in, v));
            case "scale_dropout" -> {
                c.expect("p=");
                float p = c.floatNumber();
                c.expect(",");
                c.expect("bit=");
                int bit = c.integer();
                c.expect(",");
                c.expect("scale=");
                float[] scale = c.floats();
                c.expect(",");
                c.expect("dropped=");
                float[] dropped = c.floats();
                n = named(c, braces, name -> new Node.ScaleDropout(name, in, v, scale, dropped, p, bit));
            }
            case "affine" -> {
                List<AffineStep> steps = new ArrayList<>();
                if (braces) {
                    do {
                        String w = c.word();
                        AffineStep.Op aop;
                        try {
                            aop = AffineStep.Op.valueOf(w.toUpperCase(Locale.ROOT));
                        } catch (IllegalArgumentException e) {
                            throw error("unknown affine step '" + w + "' (mul, add, sub, rsub, div, max, min, prelu)");
                        }
                        steps.add(new AffineStep(aop, c.floats()));
                    } while (c.tryExpect(";"));
                }
                n = named(c, braces, name -> new Node.Affine(name, in, v, steps));
            }
            case "threshold" -> {
                Banks<ThresholdSet> b = banks(c, c::thresholdSet);
                Node.Stochastic s =
                        b.kept() == null ? null : new Node.Stochastic(b.bit(), b.p(), b.kept(), b.dropped());
                n = named(c, braces, name -> new Node.Threshold(name, in, v, b.expected(), s));
            }
            case "quantize" -> {
                c.expect("base=");
                int base = c.integer();
                c.expect(",");
                c.expect("steps=");
                int steps = c.integer();
                c.expect(",");
                c.expect("thresholds=");
                float[] ts = c.floats();
                n = named(c, braces, name -> new Node.Quantize(name, in, v, ts, steps, base));
            }
            case "multi_threshold" -> {
                c.expect("base=");
                int base = c.integer();
                c.expect(",");
                Banks<LevelSet> b = banks(c, c::levelSet);
                Node.LevelStochastic s =
                        b.kept() == null ? null : new Node.LevelStochastic(b.bit(), b.p(), b.kept(), b.dropped());
                n = named(c, braces, name -> new Node.MultiThreshold(name, in, v, b.expected(), s, base));
            }
            case "max_pool" -> {
                Window w = window(c);
                n = named(c, braces, name -> new Node.MaxPool(name, in, v, w));
            }
            case "avg_pool" -> {
                Window w = window(c);
                boolean include = false;
                if (c.tryExpect(",")) {
                    c.expect("count_include_pad");
                    include = true;
                }
                boolean inc = include;
                n = named(c, braces, name -> new Node.AvgPool(name, in, v, w, inc));
            }
            case "mc_dropout" -> {
                c.expect("p=");
                float p = c.floatNumber();
                n = named(c, braces, name -> new Node.McDropout(name, in, v, p));
            }
            case "reshape" -> n = named(c, braces, name -> new Node.Reshape(name, in, v));
            case "add" -> n = named(c, braces, name -> new DigitalNode.Add(name, in, in2, v));
            case "dense" -> {
                c.expect("weights=");
                int k = c.integer();
                c.expect("x");
                int cols = c.integer();
                c.expect(",");
                c.expect("w=");
                float[] w = c.floatList();
                c.expect(",");
                c.expect("bias=");
                float[] b = c.floatList();
                n = named(c, braces, name -> new DigitalNode.FloatDense(name, in, v, w, k, cols, b));
            }
            case "conv" -> {
                c.expect("kernel=");
                int kh = c.integer();
                c.expect("x");
                int kw = c.integer();
                c.expect(",");
                c.expect("strides=");
                int[] strides = c.ints(2);
                c.expect(",");
                c.expect("pads=");
                int[] pads = c.ints(4);
                c.expect(",");
                c.expect("dilations=");
                int[] dil = c.ints(2);
                c.expect(",");
                c.expect("in_channels=");
                int inCh = c.integer();
                c.expect(",");
                c.expect("group=");
                int group = c.integer();
                c.expect(",");
                c.expect("w=");
                float[] w = c.floatList();
                c.expect(",");
                c.expect("bias=");
                float[] b = c.floatList();
                n = named(
                        c,
                        braces,
                        name -> new DigitalNode.FloatConv(name, in, v, w, b, inCh, group, kh, kw, strides, pads, dil));
            }
            case "sign" -> {
                boolean plus = braces && c.tryExpect("source sign(0)=+1");
                n = named(c, braces, name -> new Node.Sign(name, in, v, plus));
            }
            case "softmax" -> n = named(c, braces, name -> new Node.Softmax(name, in, v));
            default -> throw error("unknown operation '" + op + "'");
        }
        return n;
    }

    /** A comparator node's banks; {@code kept} is null without Scale-Dropout. */
    private record Banks<S>(S expected, int bit, float p, S kept, S dropped) {}

    /** {@code thresholds=E}, or {@code expected=E, stochastic bit=B p=P, kept=K, dropped=D} (TextPrinter.banks). */
    private static <S> Banks<S> banks(TextCursor c, java.util.function.Supplier<S> set) {
        if (c.tryExpect("thresholds=")) return new Banks<>(set.get(), 0, 0f, null, null);
        c.expect("expected=");
        S expected = set.get();
        c.expect(",");
        c.expect("stochastic");
        c.expect("bit=");
        int bit = c.integer();
        c.expect("p=");
        float p = c.floatNumber();
        c.expect(",");
        c.expect("kept=");
        S kept = set.get();
        c.expect(",");
        c.expect("dropped=");
        return new Banks<>(expected, bit, p, kept, set.get());
    }

    private interface Builder {
        Node build(String name);
    }

    private Node named(TextCursor c, boolean braces, Builder b) {
        String name = nodeName(c, braces);
        try {
            return b.build(name);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /** Closes the attribute braces (if opened) and reads the trailing {@code  # onnx-node}. */
    private String nodeName(TextCursor c, boolean braces) {
        if (braces) c.expect("}");
        c.expect("#");
        if (c.pos < c.s.length() && c.s.charAt(c.pos) == ' ') c.pos++;
        String name = c.s.substring(c.pos);
        if (name.isEmpty()) throw error("node without a name after '#'");
        return unescapeLine(name);
    }

    /** The attributes binary_conv and binary_conv_transpose share, up to and including the weights header. */
    private record ConvText(int kh, int kw, int[] strides, int[] pads, int[] dil, int inChannels, int rows, int cols) {}

    private ConvText convText(TextCursor c) {
        c.expect("kernel=");
        int kh = c.integer();
        c.expect("x");
        int kw = c.integer();
        c.expect(",");
        c.expect("strides=");
        int[] strides = c.ints(2);
        c.expect(",");
        c.expect("pads=");
        int[] pads = c.ints(4);
        c.expect(",");
        int[] dilations = {1, 1};
        if (c.tryExpect("dilations=")) {
            dilations = c.ints(2);
            c.expect(",");
        }
        c.expect("in_channels=");
        int inChannels = c.integer();
        c.expect(",");
        int[] kn = weightsHeader(c);
        return new ConvText(kh, kw, strides, pads, dilations, inChannels, kn[0], kn[1]);
    }

    /**
     * {@code scale=S} (replication, {@code rows[i] = i / S} over the output's height, likewise cols), or
     * {@code rows=[..], cols=[..]} with the indices separated by spaces.
     */
    private int[][] resizeIndices(TextCursor c, TensorType out) {
        if (out.shape().rank() != 3) throw error("resize output must be [C,H,W], is " + out.shape());
        int oh = out.shape().dim(1), ow = out.shape().dim(2);
        if (c.tryExpect("scale=")) {
            int s = c.integer();
            if (s < 1) throw error("resize scale must be >= 1, is " + s);
            int[] rows = new int[oh], cols = new int[ow];
            for (int i = 0; i < oh; i++) rows[i] = i / s;
            for (int j = 0; j < ow; j++) cols[j] = j / s;
            return new int[][] {rows, cols};
        }
        c.expect("rows=");
        int[] rows = spacedInts(c);
        c.expect(",");
        c.expect("cols=");
        return new int[][] {rows, spacedInts(c)};
    }

    /** {@code [a b c]}: at least one integer. */
    private int[] spacedInts(TextCursor c) {
        c.expect("[");
        List<Integer> out = new ArrayList<>();
        while (!c.tryExpect("]")) {
            if (c.pos >= c.s.length()) throw error("unterminated index list");
            out.add(c.integer());
        }
        if (out.isEmpty()) throw error("empty index list");
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private Window window(TextCursor c) {
        c.expect("kernel=");
        int[] k = c.ints(2);
        c.expect(",");
        c.expect("strides=");
        int[] s = c.ints(2);
        c.expect(",");
        c.expect("pads=");
        int[] p = c.ints(4);
        return new Window(k, s, p);
    }

    private int[] weightsHeader(TextCursor c) {
        c.expect("weights=");
        int k = c.integer();
        c.expect("x");
        int n = c.integer();
        if (c.tryExpect(",") && c.tryExpect("plus_ones=")) {
            throw error("weights are summarised by a hash: the parser reads the full form (TextPrinter.printFull)");
        }
        if (k <= 0 || n <= 0) throw error("empty weight matrix " + k + "x" + n);
        return new int[] {k, n};
    }

    /** The {@code rows} lines after the node line: one {@code +}/{@code -} per column. */
    private BitMatrix weightRows(int rows, int cols) {
        int nodeLine = at;
        int wpc = (rows + 63) >>> 6;
        long[] words = new long[Math.multiplyExact(wpc, cols)];
        for (int k = 0; k < rows; k++) {
            at++;
            if (at >= lines.length) {
                at = nodeLine;
                throw error("weights=" + rows + "x" + cols + " but the text ends after " + k + " rows");
            }
            String r = lines[at].strip();
            if (r.length() != cols || !r.matches("[+-]*")) {
                throw error("weight row " + k + " of " + rows + " must be " + cols + " characters of + and -, found '"
                        + (r.length() > 60 ? r.substring(0, 60) + "..." : r) + "'");
            }
            for (int n = 0; n < cols; n++) {
                if (r.charAt(n) == '+') words[n * wpc + (k >>> 6)] |= 1L << (k & 63);
            }
        }
        return BitMatrix.ofColumns(rows, cols, words);
    }
}
