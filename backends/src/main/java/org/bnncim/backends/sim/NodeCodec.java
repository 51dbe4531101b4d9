package org.bnncim.backends.sim;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.LevelSet;
import org.bnncim.ir.Node;
import org.bnncim.ir.NodeTag;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;
import org.bnncim.ir.Window;
import org.bnncim.ir.WireCode;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * The graph part of {@code program.bnc} (docs/program-format.md): values, nodes with their fields by opcode, and the
 * primitive encodings (strings, counted arrays) the rest of {@link ProgramCodec} shares. What a version changes is
 * decided here: version 2 adds the k-bit kinds (opcodes 13 and 14) and gives gated bipolar its own element code, so
 * that a true signed 2-bit value can be stored; version 3 adds the digital datapath of residual networks (opcodes
 * 15 to 17: add, float dense, float conv) and the affine steps max, min and prelu (step ops 5 to 7); version 4 adds
 * the encoder-decoder kinds (opcodes 18 to 22: resize, concat, binary conv transpose, pixel softmax, sigmoid).
 */
final class NodeCodec {
    static final int MAX_COUNT = 1 << 28;
    /** Element code of gated bipolar from version 2 on (version 1 stores it as signed, 2 bits). */
    static final int GATED_BIPOLAR_V2 = 4;

    private NodeCodec() {}

    static void str(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** The affine step ops of version 3. */
    private static boolean newStep(AffineStep.Op op) {
        return op == AffineStep.Op.MAX || op == AffineStep.Op.MIN || op == AffineStep.Op.PRELU;
    }

    /** A value as the current version writes it (gated bipolar under its own code, as from version 2 on). */
    static void value(DataOutputStream out, Value v) throws IOException {
        str(out, v.name());
        ElemType e = v.elem();
        out.writeByte(
                e.kind() == ElemType.Kind.GATED_BIPOLAR
                        ? GATED_BIPOLAR_V2
                        : e.kind().code());
        out.writeByte(e.bits());
        ints(out, v.shape().dims());
        out.writeDouble(v.type().scale());
    }

    static void ints(DataOutputStream out, int[] a) throws IOException {
        out.writeInt(a.length);
        for (int x : a) out.writeInt(x);
    }

    static void floats(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        for (float x : a) out.writeFloat(x);
    }

    static void set(DataOutputStream out, ThresholdSet s) throws IOException {
        out.writeInt(s.channels());
        for (int c = 0; c < s.channels(); c++) {
            out.writeLong(s.threshold(c));
            out.writeBoolean(s.greaterOrEqual(c));
        }
    }

    /** A level set: {@code int} channels, {@code int} steps, then per channel {@code bool} >= and steps longs. */
    static void levels(DataOutputStream out, LevelSet s) throws IOException {
        out.writeInt(s.channels());
        out.writeInt(s.steps());
        for (int c = 0; c < s.channels(); c++) {
            out.writeBoolean(s.greaterOrEqual(c));
            for (int i = 0; i < s.steps(); i++) out.writeLong(s.threshold(c, i));
        }
    }

    static LevelSet rlevels(DataInputStream in) throws IOException {
        int ch = count(in), steps = count(in);
        if ((long) ch * steps > MAX_COUNT) throw new IOException("implausible level set " + ch + " x " + steps);
        fits(in, ch, 1 + 8L * steps);
        long[] t = new long[ch * steps];
        boolean[] ge = new boolean[ch];
        for (int c = 0; c < ch; c++) {
            ge[c] = in.readBoolean();
            for (int i = 0; i < steps; i++) t[c * steps + i] = in.readLong();
        }
        return new LevelSet(t, ge, steps);
    }

    /** A Scale-Dropout node's p and bit slot are written from the schedule, their one source. */
    static void node(DataOutputStream out, Node n, StochasticUnit unit) throws IOException {
        out.writeByte(n.tag().code());
        str(out, n.name());
        str(out, n.inputs().get(0));
        value(out, n.output());
        switch (n) {
            case DecoderNode.Resize r -> {
                ints(out, r.rows());
                ints(out, r.cols());
            }
            case DecoderNode.Concat c -> {
                // the first source is the node's input field
                List<String> more = c.sources().subList(1, c.sources().size());
                out.writeInt(more.size());
                for (String src : more) str(out, src);
            }
            case DecoderNode.BinaryConvTranspose t -> {
                // the weights are the crossbar images
                out.writeInt(t.inChannels());
                out.writeInt(t.kh());
                out.writeInt(t.kw());
                ints(out, t.strides());
                ints(out, t.pads());
                ints(out, t.dilations());
            }
            case DecoderNode.PixelSoftmax s -> {}
            case DecoderNode.Sigmoid s -> {}
            case Node.InputQuantize q -> {
                out.writeInt(q.bits());
                out.writeInt(q.levels());
            }
            case Node.InputBinarize b -> {
                floats(out, b.t());
                out.writeInt(b.ge().length);
                for (boolean x : b.ge()) out.writeBoolean(x);
            }
            case Node.BinaryDense d -> {
                // the weights are the crossbar images
            }
            case Node.BinaryConv c -> {
                out.writeInt(c.inChannels());
                out.writeInt(c.kh());
                out.writeInt(c.kw());
                ints(out, c.strides());
                ints(out, c.pads());
                ints(out, c.dilations());
            }
            case Node.ScaleDropout s -> {
                floats(out, s.scale());
                floats(out, s.dropped());
                StochasticUnit.Entry e = unit.entryOf(s.name());
                out.writeFloat(e.p());
                out.writeInt(e.bit());
            }
            case Node.Affine a -> {
                out.writeInt(a.steps().size());
                for (AffineStep st : a.steps()) {
                    out.writeByte(st.op().code());
                    floats(out, st.c());
                }
            }
            case Node.Sign s -> {}
            case Node.Quantize q -> {
                out.writeInt(q.base());
                out.writeInt(q.steps());
                floats(out, q.t());
            }
            case Node.MultiThreshold t -> {
                out.writeInt(t.base());
                levels(out, t.expected());
                out.writeBoolean(t.stochastic() != null);
                if (t.stochastic() != null) {
                    StochasticUnit.Entry e = unit.entryOf(t.name());
                    out.writeInt(e.bit());
                    out.writeFloat(e.p());
                    levels(out, t.stochastic().kept());
                    levels(out, t.stochastic().dropped());
                }
            }
            case Node.Threshold t -> {
                set(out, t.expected());
                out.writeBoolean(t.stochastic() != null);
                if (t.stochastic() != null) {
                    StochasticUnit.Entry e = unit.entryOf(t.name());
                    out.writeInt(e.bit());
                    out.writeFloat(e.p());
                    set(out, t.stochastic().kept());
                    set(out, t.stochastic().dropped());
                }
            }
            case Node.MaxPool m -> {
                ints(out, m.kernel());
                ints(out, m.strides());
                ints(out, m.pads());
            }
            case Node.AvgPool m -> {
                ints(out, m.kernel());
                ints(out, m.strides());
                ints(out, m.pads());
                out.writeBoolean(m.countIncludePad());
            }
            case Node.Reshape r -> {}
            case Node.Softmax s -> {}
            case Node.McDropout m -> out.writeFloat(m.p());
            case DigitalNode.Add a -> str(out, a.b()); // the first input is the node's input field
            case DigitalNode.FloatDense d -> {
                out.writeInt(d.k());
                out.writeInt(d.n());
                floats(out, d.weights());
                floats(out, d.bias());
            }
            case DigitalNode.FloatConv c -> {
                out.writeInt(c.inChannels());
                out.writeInt(c.group());
                out.writeInt(c.kh());
                out.writeInt(c.kw());
                ints(out, c.strides());
                ints(out, c.pads());
                ints(out, c.dilations());
                floats(out, c.weights());
                floats(out, c.bias());
            }
        }
    }

    /** The constant numbered {@code code}; a number this version does not know is refused in one line. */
    static <E extends Enum<E> & WireCode> E known(Class<E> type, int code, String what, String source, String where) {
        E e = WireCode.find(type, code);
        if (e == null) throw new BnncimException(source + ": unknown " + what + " " + code + where);
        return e;
    }

    static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_COUNT) throw new IOException("implausible count " + n);
        return n;
    }

    /**
     * A count of elements of {@code bytes} each must fit in what the file has left (the readers hold the whole file
     * in memory, so available() is exact): a corrupt count is a truncated file, never a huge allocation.
     */
    static void fits(DataInputStream in, long count, long bytes) throws IOException {
        if (count * bytes > in.available()) throw new java.io.EOFException();
    }

    static String rstr(DataInputStream in) throws IOException {
        int n = count(in);
        if (n > 1 << 20) throw new IOException("string of " + n + " bytes");
        fits(in, n, 1);
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    static Value rvalue(DataInputStream in, String source, int version) throws IOException {
        String name = rstr(in);
        int kind = in.readUnsignedByte();
        int bits = in.readUnsignedByte();
        ElemType elem;
        if (version == 1) elem = ElemType.ofCode(kind, bits);
        else if (kind == GATED_BIPOLAR_V2) elem = bits == 2 ? ElemType.GATED_BIPOLAR : null;
        else if (kind == ElemType.Kind.GATED_BIPOLAR.code()) elem = new ElemType(ElemType.Kind.INT, bits);
        else elem = ElemType.ofCode(kind, bits);
        if (elem == null) throw new BnncimException(source + ": unknown element kind " + kind + " of value " + name);
        int[] dims = rints(in);
        ProgramChecks.value(name, elem, dims);
        double scale = in.readDouble();
        return new Value(name, new TensorType(elem, Shape.of(dims), scale));
    }

    static int[] rints(DataInputStream in) throws IOException {
        int n = count(in);
        fits(in, n, 4);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = in.readInt();
        return a;
    }

    static float[] rfloats(DataInputStream in) throws IOException {
        int n = count(in);
        fits(in, n, 4);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = in.readFloat();
        return a;
    }

    static ThresholdSet rset(DataInputStream in) throws IOException {
        int n = count(in);
        fits(in, n, 9);
        long[] t = new long[n];
        boolean[] ge = new boolean[n];
        for (int i = 0; i < n; i++) {
            t[i] = in.readLong();
            ge[i] = in.readBoolean();
        }
        return new ThresholdSet(t, ge);
    }

    /** The opcodes of version 4. */
    private static final java.util.Set<NodeTag> DECODER_TAGS = java.util.EnumSet.of(
            NodeTag.RESIZE, NodeTag.CONCAT, NodeTag.BINARY_CONV_TRANSPOSE, NodeTag.PIXEL_SOFTMAX, NodeTag.SIGMOID);

    /** A resize index map: exactly as many entries as the output has rows (or columns), checked before allocating. */
    private static int[] rindices(DataInputStream in, int size, String what, String node) throws IOException {
        int n = count(in);
        if (n != size) throw new IOException("resize " + node + " has " + n + " " + what + " for " + size);
        fits(in, n, 4);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = in.readInt();
        return a;
    }

    static Node rnode(DataInputStream in, String source, int index, int version) throws IOException {
        String at = " at node #" + index;
        NodeTag tag = known(NodeTag.class, in.readUnsignedByte(), "node tag", source, at);
        if (version == 1 && (tag == NodeTag.QUANTIZE || tag == NodeTag.MULTI_THRESHOLD)) {
            throw new BnncimException(source + ": node tag " + tag.code() + at + " needs program format version 2");
        }
        if (version < 3 && (tag == NodeTag.ADD || tag == NodeTag.FLOAT_DENSE || tag == NodeTag.FLOAT_CONV)) {
            throw new BnncimException(source + ": node tag " + tag.code() + at + " needs program format version 3");
        }
        if (version < 4 && DECODER_TAGS.contains(tag)) {
            throw new BnncimException(source + ": node tag " + tag.code() + at + " needs program format version 4");
        }
        String name = rstr(in), input = rstr(in);
        Value out = rvalue(in, source, version);
        return switch (tag) {
            case RESIZE -> {
                if (out.shape().rank() != 3) throw new IOException("resize " + name + " output is not [C,H,W]");
                int[] rows = rindices(in, out.shape().dim(1), "rows", name);
                yield new DecoderNode.Resize(
                        name, input, out, rows, rindices(in, out.shape().dim(2), "cols", name));
            }
            case CONCAT -> {
                int more = count(in);
                if (more < 1) throw new IOException("concat " + name + " of " + (more + 1) + " sources");
                fits(in, more, 4);
                List<String> sources = new ArrayList<>(List.of(input));
                for (int i = 0; i < more; i++) sources.add(rstr(in));
                yield new DecoderNode.Concat(name, sources, out);
            }
            case BINARY_CONV_TRANSPOSE ->
                new DecoderNode.BinaryConvTranspose(
                        name,
                        input,
                        out,
                        BitMatrix.zeros(1, 1),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        rints(in),
                        rints(in),
                        rints(in));
            case PIXEL_SOFTMAX -> new DecoderNode.PixelSoftmax(name, input, out);
            case SIGMOID -> new DecoderNode.Sigmoid(name, input, out);
            case INPUT_QUANTIZE -> new Node.InputQuantize(name, input, out, in.readInt(), in.readInt());
            case INPUT_BINARIZE -> {
                float[] t = rfloats(in);
                int n = count(in);
                fits(in, n, 1);
                boolean[] ge = new boolean[n];
                for (int i = 0; i < n; i++) ge[i] = in.readBoolean();
                yield new Node.InputBinarize(name, input, out, t, ge);
            }
            // weights are filled in from the crossbar images once the mapping is read
            case BINARY_DENSE -> new Node.BinaryDense(name, input, out, BitMatrix.zeros(1, 1));
            case BINARY_CONV ->
                new Node.BinaryConv(
                        name,
                        input,
                        out,
                        BitMatrix.zeros(1, 1),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        rints(in),
                        rints(in),
                        rints(in));
            case SCALE_DROPOUT ->
                new Node.ScaleDropout(name, input, out, rfloats(in), rfloats(in), in.readFloat(), in.readInt());
            case AFFINE -> {
                int n = count(in);
                List<AffineStep> steps = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    AffineStep.Op op = known(AffineStep.Op.class, in.readUnsignedByte(), "affine step op", source, at);
                    if (version < 3 && newStep(op)) {
                        throw new BnncimException(
                                source + ": affine step op " + op.code() + at + " needs program format version 3");
                    }
                    steps.add(new AffineStep(op, rfloats(in)));
                }
                yield new Node.Affine(name, input, out, steps);
            }
            case SIGN -> new Node.Sign(name, input, out);
            case QUANTIZE -> {
                int base = in.readInt(), steps = in.readInt();
                yield new Node.Quantize(name, input, out, rfloats(in), steps, base);
            }
            case MULTI_THRESHOLD -> {
                int base = in.readInt();
                LevelSet expected = rlevels(in);
                Node.LevelStochastic st = null;
                if (in.readBoolean()) {
                    st = new Node.LevelStochastic(in.readInt(), in.readFloat(), rlevels(in), rlevels(in));
                }
                yield new Node.MultiThreshold(name, input, out, expected, st, base);
            }
            case THRESHOLD -> {
                ThresholdSet expected = rset(in);
                Node.Stochastic st = null;
                if (in.readBoolean()) st = new Node.Stochastic(in.readInt(), in.readFloat(), rset(in), rset(in));
                yield new Node.Threshold(name, input, out, expected, st);
            }
            case MAX_POOL -> new Node.MaxPool(name, input, out, new Window(rints(in), rints(in), rints(in)));
            case AVG_POOL ->
                new Node.AvgPool(name, input, out, new Window(rints(in), rints(in), rints(in)), in.readBoolean());
            case RESHAPE -> new Node.Reshape(name, input, out);
            case SOFTMAX -> new Node.Softmax(name, input, out);
            case MC_DROPOUT -> new Node.McDropout(name, input, out, in.readFloat());
            case ADD -> new DigitalNode.Add(name, input, rstr(in), out);
            case FLOAT_DENSE -> {
                int k = in.readInt(), n = in.readInt();
                if ((long) k * n > MAX_COUNT) throw new IOException("implausible dense layer " + k + " x " + n);
                yield new DigitalNode.FloatDense(name, input, out, rfloats(in), k, n, rfloats(in));
            }
            case FLOAT_CONV -> {
                int inCh = in.readInt(), group = in.readInt(), kh = in.readInt(), kw = in.readInt();
                int[] strides = rints(in), pads = rints(in), dil = rints(in);
                yield new DigitalNode.FloatConv(
                        name, input, out, rfloats(in), rfloats(in), inCh, group, kh, kw, strides, pads, dil);
            }
        };
    }
}
