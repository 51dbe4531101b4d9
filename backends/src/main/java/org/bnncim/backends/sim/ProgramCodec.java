package org.bnncim.backends.sim;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.ir.AffineStep;
import org.bnncim.ir.BitMatrix;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Shape;
import org.bnncim.ir.TensorType;
import org.bnncim.ir.ThresholdSet;
import org.bnncim.ir.Value;
import org.bnncim.ir.Window;
import org.bnncim.ir.WireCode;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarImages;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.MappingVerifier;
import org.bnncim.ir.mapping.Piece;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * The binary simulator program ({@code program.bnc}), format version 1, laid out in docs/program-format.md.
 * Big-endian, no padding, every collection prefixed by its length; the same program always encodes to the same
 * bytes. Weight matrices are not stored: they are the crossbar images, read back through the mapping on load.
 */
public final class ProgramCodec {
    public static final byte[] MAGIC = "BNNCSIM".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    private static final int MAX_COUNT = 1 << 28;

    private ProgramCodec() {}

    // ------------------------------------------------------------------------------------------------ write

    public static byte[] encode(Program p) {
        try {
            // sized for the crossbar images, most of a program: growing by doubling copied them several times
            long images = imageBytes(p);
            ByteArrayOutputStream bytes =
                    new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 16, 256 * 1024 + images + images / 4));
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeByte(VERSION);
            Graph g = p.graph();
            str(out, g.name());
            out.writeInt(g.notes().size());
            for (var e : g.notes().entrySet()) {
                str(out, e.getKey());
                str(out, e.getValue());
            }
            out.writeInt(g.inputs().size());
            for (Value v : g.inputs()) value(out, v);
            out.writeInt(g.nodes().size());
            for (Node n : g.nodes()) node(out, n, p.mapping().stochastic());
            out.writeInt(g.outputs().size());
            for (String o : g.outputs()) str(out, o);
            mapping(out, p.mapping());
            images(out, p);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static void value(DataOutputStream out, Value v) throws IOException {
        str(out, v.name());
        ElemType e = v.elem();
        if (e.kind() == ElemType.Kind.INT && e.bits() == 2) {
            // version 1 stores gated bipolar as exactly this: written, it would come back as gated bipolar
            throw new IllegalStateException(
                    v.name() + ": a signed 2-bit value cannot be stored in program format " + VERSION);
        }
        out.writeByte(e.kind().code());
        out.writeByte(e.bits());
        ints(out, v.shape().dims());
        out.writeDouble(v.type().scale());
    }

    private static void ints(DataOutputStream out, int[] a) throws IOException {
        out.writeInt(a.length);
        for (int x : a) out.writeInt(x);
    }

    private static void floats(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        for (float x : a) out.writeFloat(x);
    }

    private static void set(DataOutputStream out, ThresholdSet s) throws IOException {
        out.writeInt(s.channels());
        for (int c = 0; c < s.channels(); c++) {
            out.writeLong(s.threshold(c));
            out.writeBoolean(s.greaterOrEqual(c));
        }
    }

    /** A Scale-Dropout node's p and bit slot are written from the schedule, their one source. */
    private static void node(DataOutputStream out, Node n, StochasticUnit unit) throws IOException {
        out.writeByte(n.tag().code());
        str(out, n.name());
        str(out, n.inputs().get(0));
        value(out, n.output());
        switch (n) {
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
            case Node.Quantize q -> throw new UnsupportedOperationException("TODO kbit");
            case Node.MultiThreshold t -> throw new UnsupportedOperationException("TODO kbit");
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
        }
    }

    private static void mapping(DataOutputStream out, Mapping m) throws IOException {
        Architecture a = m.arch();
        str(out, a.name());
        out.writeInt(a.rows());
        out.writeInt(a.cols());
        out.writeByte(a.encoding().code());
        out.writeInt(a.crossbarsPerTile());
        out.writeInt(a.tilesPerChip());
        out.writeInt(a.chips());
        out.writeInt(a.inputBits());
        out.writeInt(a.psumBits());
        var e = a.energy();
        for (double d : new double[] {
            e.cellRead(),
            e.senseAmp(),
            e.adderPerBit(),
            e.threshold(),
            e.stochasticBit(),
            e.bufferPerBit(),
            e.transferPerBit(),
            e.digitalFloatOp(),
            e.maskGate()
        }) out.writeDouble(d);
        var l = a.latency();
        for (double d : new double[] {
            l.crossbarRead(), l.adderStage(), l.threshold(), l.stochasticBit(), l.transferPerWord(), l.digitalFloatOp()
        }) out.writeDouble(d);
        var ar = a.area();
        for (double d : new double[] {
            ar.cell(),
            ar.senseAmp(),
            ar.adderPerBit(),
            ar.thresholdUnit(),
            ar.stochasticUnit(),
            ar.bufferPerBit(),
            ar.digitalUnit(),
            ar.maskGate()
        }) out.writeDouble(d);
        out.writeInt(m.layers().size());
        for (LayerMap lm : m.layers()) {
            str(out, lm.layer());
            str(out, lm.kind());
            for (int x : new int[] {
                lm.k(),
                lm.n(),
                lm.positions(),
                lm.inputBits(),
                lm.rowTiles(),
                lm.colTiles(),
                lm.stochasticBit(),
                lm.dropoutNeurons()
            }) out.writeInt(x);
            str(out, lm.padding());
            out.writeInt(lm.pieces().size());
            for (Piece p : lm.pieces()) {
                for (int x : new int[] {p.k0(), p.kLen(), p.n0(), p.nLen(), p.crossbar(), p.row(), p.col()})
                    out.writeInt(x);
            }
        }
        out.writeInt(m.crossbars().size());
        for (CrossbarSlot s : m.crossbars()) {
            out.writeInt(s.id());
            out.writeInt(s.chip());
            out.writeInt(s.tile());
            out.writeInt(s.slot());
        }
        StochasticUnit u = m.stochastic();
        out.writeByte(u.kind().code());
        out.writeInt(u.units());
        out.writeInt(u.schedule().size());
        for (StochasticUnit.Entry en : u.schedule()) {
            out.writeInt(en.bit());
            str(out, en.layer());
            out.writeFloat(en.p());
        }
    }

    /** Each crossbar column by column, 64 rows per word (bit r of word r/64), cells then the used-cell mask. */
    /** Bytes of all crossbar images: two planes of packed columns each. */
    private static long imageBytes(Program p) {
        Architecture a = p.mapping().arch();
        return 2L * 8 * a.cols() * ((a.rows() + 63) >>> 6) * p.crossbars().size();
    }

    private static void images(DataOutputStream out, Program p) throws IOException {
        out.writeInt(p.crossbars().size());
        // The planes are already the file's layout (column-major packed words): one bulk copy per plane.
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(imageBytes(p)));
        java.nio.LongBuffer longs = buf.asLongBuffer();
        for (CrossbarImages.Image img : p.crossbars()) {
            longs.put(img.bits());
            longs.put(img.used());
        }
        out.write(buf.array());
    }

    // ------------------------------------------------------------------------------------------------- read

    public static Program decode(byte[] bytes, String source) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC))
                throw new BnncimException(source + ": not a bnncim simulator program");
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new BnncimException(
                        source + ": program format version " + version + ", this bnncim reads version " + VERSION);
            }
            String name = rstr(in);
            Map<String, String> notes = new LinkedHashMap<>();
            int nn = count(in);
            for (int i = 0; i < nn; i++) notes.put(rstr(in), rstr(in));
            List<Value> inputs = new ArrayList<>();
            int ni = count(in);
            for (int i = 0; i < ni; i++) inputs.add(rvalue(in, source));
            List<Node> nodes = new ArrayList<>();
            int nodesCount = count(in);
            for (int i = 0; i < nodesCount; i++) nodes.add(rnode(in, source, i));
            List<String> outputs = new ArrayList<>();
            int no = count(in);
            for (int i = 0; i < no; i++) outputs.add(rstr(in));
            Mapping m = rmapping(in, source);
            List<CrossbarImages.Image> images = rimages(in, m.arch());
            if (in.read() != -1) throw new BnncimException(source + ": trailing bytes after the program");
            // weight matrices come back from the crossbars, so a program is only as right as its images
            List<Node> withWeights = new ArrayList<>();
            for (Node n : nodes) withWeights.add(withWeights(n, m, images));
            Graph g = new Graph(name, inputs, withWeights, outputs, notes);
            List<String> problems = org.bnncim.ir.Verifier.check(g);
            if (!problems.isEmpty()) throw new BnncimException(source + ": inconsistent program: " + problems.get(0));
            MappedModel model = new MappedModel(g, withScheduleNodes(m, g));
            problems = MappingVerifier.check(model, MappingVerifier.ALL);
            if (!problems.isEmpty()) throw new BnncimException(source + ": inconsistent program: " + problems.get(0));
            return new Program(model, images);
        } catch (EOFException e) {
            throw new BnncimException(source + ": truncated simulator program");
        } catch (IOException e) {
            throw new BnncimException(source + ": cannot read simulator program (" + e.getMessage() + ")");
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException e) {
            throw new BnncimException(source + ": corrupt simulator program (" + e.getMessage() + ")");
        }
    }

    /** A crossbar layer with its weights read back from the images; any other node as it is. */
    private static Node withWeights(Node n, Mapping m, List<CrossbarImages.Image> images) {
        return switch (n) {
            case Node.BinaryDense d ->
                new Node.BinaryDense(d.name(), d.input(), d.output(), CrossbarImages.weights(m, images, d.name()));
            case Node.BinaryConv c ->
                new Node.BinaryConv(
                        c.name(),
                        c.input(),
                        c.output(),
                        CrossbarImages.weights(m, images, c.name()),
                        c.inChannels(),
                        c.kh(),
                        c.kw(),
                        c.strides(),
                        c.pads(),
                        c.dilations());
            case Node.InputQuantize q -> q;
            case Node.InputBinarize b -> b;
            case Node.ScaleDropout s -> s;
            case Node.Affine a -> a;
            case Node.Sign s -> s;
            case Node.Threshold t -> t;
            case Node.Quantize q -> q;
            case Node.MultiThreshold t -> t;
            case Node.MaxPool p -> p;
            case Node.AvgPool p -> p;
            case Node.Reshape r -> r;
            case Node.Softmax s -> s;
            case Node.McDropout d -> d;
        };
    }

    /** The constant numbered {@code code}; a number this version does not know is refused in one line. */
    private static <E extends Enum<E> & WireCode> E known(
            Class<E> type, int code, String what, String source, String where) {
        E e = WireCode.find(type, code);
        if (e == null) throw new BnncimException(source + ": unknown " + what + " " + code + where);
        return e;
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_COUNT) throw new IOException("implausible count " + n);
        return n;
    }

    private static String rstr(DataInputStream in) throws IOException {
        int n = count(in);
        if (n > 1 << 20) throw new IOException("string of " + n + " bytes");
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static Value rvalue(DataInputStream in, String source) throws IOException {
        String name = rstr(in);
        int kind = in.readUnsignedByte();
        int bits = in.readUnsignedByte();
        ElemType elem = ElemType.ofCode(kind, bits);
        if (elem == null) throw new BnncimException(source + ": unknown element kind " + kind + " of value " + name);
        int[] dims = rints(in);
        double scale = in.readDouble();
        return new Value(name, new TensorType(elem, Shape.of(dims), scale));
    }

    private static int[] rints(DataInputStream in) throws IOException {
        int n = count(in);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = in.readInt();
        return a;
    }

    private static float[] rfloats(DataInputStream in) throws IOException {
        int n = count(in);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = in.readFloat();
        return a;
    }

    private static ThresholdSet rset(DataInputStream in) throws IOException {
        int n = count(in);
        long[] t = new long[n];
        boolean[] ge = new boolean[n];
        for (int i = 0; i < n; i++) {
            t[i] = in.readLong();
            ge[i] = in.readBoolean();
        }
        return new ThresholdSet(t, ge);
    }

    private static Node rnode(DataInputStream in, String source, int index) throws IOException {
        String at = " at node #" + index;
        Node.Tag tag = known(Node.Tag.class, in.readUnsignedByte(), "node tag", source, at);
        String name = rstr(in), input = rstr(in);
        Value out = rvalue(in, source);
        return switch (tag) {
            case INPUT_QUANTIZE -> new Node.InputQuantize(name, input, out, in.readInt(), in.readInt());
            case INPUT_BINARIZE -> {
                float[] t = rfloats(in);
                int n = count(in);
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
                    steps.add(new AffineStep(
                            known(AffineStep.Op.class, in.readUnsignedByte(), "affine step op", source, at),
                            rfloats(in)));
                }
                yield new Node.Affine(name, input, out, steps);
            }
            case SIGN -> new Node.Sign(name, input, out);
            case QUANTIZE, MULTI_THRESHOLD -> throw new UnsupportedOperationException("TODO kbit");
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
        };
    }

    /**
     * The file names each schedule entry's layer, not its node: the node is the graph's Scale-Dropout node of that
     * slot. The mapping verifier then checks the per-node copies the file carries against the schedule.
     */
    private static Mapping withScheduleNodes(Mapping m, Graph g) {
        Map<Integer, String> nodeOfBit = new java.util.HashMap<>();
        for (StochasticUnit.Entry e : StochasticUnit.schedule(g)) nodeOfBit.putIfAbsent(e.bit(), e.node());
        StochasticUnit u = m.stochastic();
        List<StochasticUnit.Entry> named = new ArrayList<>();
        for (StochasticUnit.Entry e : u.schedule()) {
            named.add(new StochasticUnit.Entry(e.bit(), nodeOfBit.getOrDefault(e.bit(), ""), e.layer(), e.p()));
        }
        return m.withStochastic(new StochasticUnit(u.kind(), u.units(), named));
    }

    private static Mapping rmapping(DataInputStream in, String source) throws IOException {
        String name = rstr(in);
        int rows = in.readInt(), cols = in.readInt();
        Architecture.WeightEncoding enc =
                known(Architecture.WeightEncoding.class, in.readUnsignedByte(), "weight encoding", source, "");
        int perTile = in.readInt(),
                tiles = in.readInt(),
                chips = in.readInt(),
                inputBits = in.readInt(),
                psum = in.readInt();
        var e = new Architecture.Energy(
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble());
        var l = new Architecture.Latency(
                in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
        var a = new Architecture.Area(
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble());
        Architecture arch = new Architecture(name, rows, cols, enc, perTile, tiles, chips, inputBits, psum, e, l, a);
        List<LayerMap> layers = new ArrayList<>();
        int nl = count(in);
        for (int i = 0; i < nl; i++) {
            String layer = rstr(in), kind = rstr(in);
            int k = in.readInt(),
                    n = in.readInt(),
                    pos = in.readInt(),
                    bits = in.readInt(),
                    rt = in.readInt(),
                    ct = in.readInt(),
                    bit = in.readInt(),
                    neurons = in.readInt();
            String padding = rstr(in);
            int np = count(in);
            List<Piece> pieces = new ArrayList<>();
            for (int j = 0; j < np; j++) {
                pieces.add(new Piece(
                        layer,
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        in.readInt(),
                        in.readInt()));
            }
            layers.add(new LayerMap(layer, kind, k, n, pos, bits, rt, ct, pieces, padding, bit, neurons));
        }
        List<CrossbarSlot> slots = new ArrayList<>();
        int ns = count(in);
        for (int i = 0; i < ns; i++)
            slots.add(new CrossbarSlot(in.readInt(), in.readInt(), in.readInt(), in.readInt()));
        StochasticUnit.Kind kind =
                known(StochasticUnit.Kind.class, in.readUnsignedByte(), "stochastic unit kind", source, "");
        int units = in.readInt();
        List<StochasticUnit.Entry> schedule = new ArrayList<>();
        int ne = count(in);
        for (int i = 0; i < ne; i++) schedule.add(new StochasticUnit.Entry(in.readInt(), "", rstr(in), in.readFloat()));
        return new Mapping(arch, layers, slots, new StochasticUnit(kind, units, schedule));
    }

    private static List<CrossbarImages.Image> rimages(DataInputStream in, Architecture a) throws IOException {
        int n = count(in);
        int words = (a.rows() + 63) >>> 6;
        List<CrossbarImages.Image> out = new ArrayList<>();
        long pad = (a.rows() & 63) == 0 ? 0 : -1L << (a.rows() & 63);
        for (int i = 0; i < n; i++) {
            long[][] planes = new long[2][Math.multiplyExact(a.cols(), words)];
            for (long[] plane : planes) {
                byte[] raw = new byte[Math.multiplyExact(plane.length, 8)];
                in.readFully(raw);
                ByteBuffer.wrap(raw).asLongBuffer().get(plane);
                // bits past the last row mean nothing; dropped so that equal images have equal words
                for (int c = 0; c < a.cols(); c++) plane[(c + 1) * words - 1] &= ~pad;
            }
            out.add(new CrossbarImages.Image(i, a.rows(), a.cols(), planes[0], planes[1]));
        }
        return out;
    }
}
