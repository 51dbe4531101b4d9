package org.bnncim.compiler.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.LevelSet;
import org.bnncim.ir.Node;
import org.bnncim.ir.SafeText;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.TextPrinter;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;
import org.bnncim.ir.mapping.StochasticUnit;

/** The IR as JSON, for scripts: the same facts as the text form, with every threshold and constant in full. */
public final class IrJson {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static {
        MAPPER.getFactory().setCharacterEscapes(new ControlEscapes());
    }

    /** Jackson escapes C0 itself; DEL, C1 and the line separators in a model's names would otherwise pass raw. */
    private static final class ControlEscapes extends com.fasterxml.jackson.core.io.CharacterEscapes {
        private final int[] ascii = standardAsciiEscapesForJSON();

        ControlEscapes() {
            ascii[0x7f] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public com.fasterxml.jackson.core.SerializableString getEscapeSequence(int ch) {
            return SafeText.unsafe(ch)
                    ? new com.fasterxml.jackson.core.io.SerializedString(String.format("\\u%04x", ch))
                    : null;
        }
    }

    private IrJson() {}

    public static String toJson(Graph g) {
        try {
            return MAPPER.writeValueAsString(tree(g)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ObjectNode tree(Graph g) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("graph", g.name());
        ObjectNode notes = root.putObject("notes");
        g.notes().forEach(notes::put);
        ArrayNode inputs = root.putArray("inputs");
        for (Value v : g.inputs()) inputs.add(value(v));
        ArrayNode nodes = root.putArray("nodes");
        // p and bit of Scale-Dropout nodes as the stochastic unit's schedule has them
        List<StochasticUnit.Entry> schedule = StochasticUnit.schedule(g);
        for (Node n : g.nodes()) nodes.add(node(g, n, StochasticUnit.entryOf(schedule, n.name())));
        ArrayNode outputs = root.putArray("outputs");
        g.outputs().forEach(outputs::add);
        return root;
    }

    private static ObjectNode value(Value v) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("name", v.name());
        type(o.putObject("type"), v.type());
        return o;
    }

    private static void type(ObjectNode o, TensorType t) {
        o.put("elem", t.elem().toString());
        ArrayNode shape = o.putArray("shape");
        for (int d : t.shape().dims()) shape.add(d);
        if (t.scale() != 1.0) o.put("scale", t.scale());
    }

    private static ObjectNode node(Graph g, Node n, StochasticUnit.Entry slot) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("op", n.opName());
        o.put("name", n.name());
        ArrayNode ins = o.putArray("inputs");
        n.inputs().forEach(ins::add);
        o.set("output", value(n.output()));
        ObjectNode a = o.putObject("attributes");
        switch (n) {
            case DecoderNode.Resize r -> {
                if (r.replicationFactor() > 0) a.put("scale", r.replicationFactor());
                ints(a.putArray("rows"), r.rows());
                ints(a.putArray("cols"), r.cols());
            }
            case DecoderNode.Concat c -> a.put("axis", 1);
            case DecoderNode.BinaryConvTranspose c -> {
                a.put("in_channels", c.inChannels());
                a.put("kh", c.kh());
                a.put("kw", c.kw());
                ints(a.putArray("strides"), c.strides());
                ints(a.putArray("pads"), c.pads());
                ints(a.putArray("dilations"), c.dilations());
                var in = g.value(c.input()).shape();
                ints(a.putArray("output_padding"), c.outputPadding(in.dim(1), in.dim(2)));
                weights(a, c.weights());
            }
            case DecoderNode.PixelSoftmax s -> a.put("axis", 1);
            case DecoderNode.Sigmoid s -> {}
            case Node.InputQuantize q -> {
                a.put("bits", q.bits());
                a.put("levels", q.levels());
            }
            case Node.InputBinarize b -> {
                floats(a.putArray("t"), b.t());
                bools(a.putArray("ge"), b.ge());
            }
            case Node.BinaryDense d -> weights(a, d.weights());
            case Node.BinaryConv c -> {
                a.put("in_channels", c.inChannels());
                a.put("kh", c.kh());
                a.put("kw", c.kw());
                ints(a.putArray("strides"), c.strides());
                ints(a.putArray("pads"), c.pads());
                ints(a.putArray("dilations"), c.dilations());
                weights(a, c.weights());
            }
            case Node.ScaleDropout s -> {
                a.put("p", slot.p());
                a.put("bit", slot.bit());
                floats(a.putArray("scale"), s.scale());
                floats(a.putArray("dropped"), s.dropped());
            }
            case Node.Affine af -> {
                ArrayNode steps = a.putArray("steps");
                for (AffineStep st : af.steps()) {
                    ObjectNode so = steps.addObject();
                    so.put("op", st.op().name().toLowerCase(Locale.ROOT));
                    floats(so.putArray("c"), st.c());
                }
            }
            case Node.Threshold t -> {
                set(a.putObject("expected"), t.expected());
                if (t.stochastic() != null) {
                    a.put("bit", slot.bit());
                    a.put("p", slot.p());
                    set(a.putObject("kept"), t.stochastic().kept());
                    set(a.putObject("dropped"), t.stochastic().dropped());
                }
            }
            case Node.Quantize q -> {
                a.put("base", q.base());
                a.put("steps", q.steps());
                floats(a.putArray("t"), q.t());
            }
            case Node.MultiThreshold t -> {
                a.put("base", t.base());
                a.put("steps", t.expected().steps());
                levels(a.putObject("expected"), t.expected());
                if (t.stochastic() != null) {
                    a.put("bit", slot.bit());
                    a.put("p", slot.p());
                    levels(a.putObject("kept"), t.stochastic().kept());
                    levels(a.putObject("dropped"), t.stochastic().dropped());
                }
            }
            case DigitalNode.Add s -> {}
            case DigitalNode.FloatDense d -> {
                a.put("k", d.k());
                a.put("n", d.n());
                a.put("bias", d.bias().length > 0);
                a.put("sha256", TextPrinter.hash(d.weights()));
            }
            case DigitalNode.FloatConv c -> {
                a.put("kh", c.kh());
                a.put("kw", c.kw());
                a.put("in_channels", c.inChannels());
                a.put("out_channels", c.outChannels());
                a.put("group", c.group());
                ints(a.putArray("strides"), c.strides());
                ints(a.putArray("pads"), c.pads());
                ints(a.putArray("dilations"), c.dilations());
                a.put("bias", c.bias().length > 0);
                a.put("sha256", TextPrinter.hash(c.weights()));
            }
            case Node.MaxPool m -> {
                ints(a.putArray("kernel"), m.kernel());
                ints(a.putArray("strides"), m.strides());
                ints(a.putArray("pads"), m.pads());
            }
            case Node.AvgPool m -> {
                ints(a.putArray("kernel"), m.kernel());
                ints(a.putArray("strides"), m.strides());
                ints(a.putArray("pads"), m.pads());
                a.put("count_include_pad", m.countIncludePad());
            }
            case Node.McDropout m -> a.put("p", m.p());
            case Node.Sign s -> {
                if (s.sourceZeroIsPlus()) a.put("source_zero_is_plus", true);
            }
            case Node.Reshape r -> {}
            case Node.Softmax s -> {}
        }
        return o;
    }

    private static void weights(ObjectNode a, BitMatrix w) {
        a.put("k", w.rows());
        a.put("n", w.cols());
        a.put("plus_ones", w.countPlusOnes());
        a.put("sha256_12", TextPrinter.hash(w));
    }

    private static void set(ObjectNode o, ThresholdSet s) {
        ArrayNode t = o.putArray("t");
        for (int c = 0; c < s.channels(); c++) t.add(s.threshold(c));
        ArrayNode ge = o.putArray("ge");
        for (int c = 0; c < s.channels(); c++) ge.add(s.greaterOrEqual(c));
    }

    /** Per channel its thresholds as an array: {@code t: [[1, 3, 5], [4, 2, 0]]}. */
    private static void levels(ObjectNode o, LevelSet s) {
        ArrayNode t = o.putArray("t");
        for (int c = 0; c < s.channels(); c++) {
            ArrayNode row = t.addArray();
            for (int i = 0; i < s.steps(); i++) row.add(s.threshold(c, i));
        }
        ArrayNode ge = o.putArray("ge");
        for (int c = 0; c < s.channels(); c++) ge.add(s.greaterOrEqual(c));
    }

    private static void floats(ArrayNode arr, float[] v) {
        for (float f : v) {
            if (Float.isFinite(f)) arr.add(f);
            else arr.add(Float.toString(f));
        }
    }

    private static void ints(ArrayNode arr, int[] v) {
        for (int i : v) arr.add(i);
    }

    private static void bools(ArrayNode arr, boolean[] v) {
        for (boolean b : v) arr.add(b);
    }
}
