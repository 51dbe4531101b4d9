package org.bnncim.backends.sim;

import static org.bnncim.backends.sim.NodeCodec.count;
import static org.bnncim.backends.sim.NodeCodec.known;
import static org.bnncim.backends.sim.NodeCodec.node;
import static org.bnncim.backends.sim.NodeCodec.rnode;
import static org.bnncim.backends.sim.NodeCodec.rstr;
import static org.bnncim.backends.sim.NodeCodec.rvalue;
import static org.bnncim.backends.sim.NodeCodec.str;
import static org.bnncim.backends.sim.NodeCodec.value;

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
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.Value;
import org.bnncim.ir.arch.ArchLimits;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.CrossbarImages;
import org.bnncim.ir.mapping.CrossbarSlot;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.MappingVerifier;
import org.bnncim.ir.mapping.McSchedule;
import org.bnncim.ir.mapping.Piece;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * The binary simulator program ({@code program.bnc}), format versions 1 to 6, laid out in docs/program-format.md
 * (nodes and values in {@link NodeCodec}). Version 5 changed the architecture block (the sensing model replaced the
 * per-activation sense amplifier) and version 6 added the Monte-Carlo schedule after the stochastic unit, which
 * every program has, so every program is written as version 6; versions 1 to 4 are still read, their sensing taken
 * from {@link #PRE_V5_SENSING}, and versions before 6 get the schedule the planning pass derives.
 * Big-endian, no padding, every collection prefixed by its length; the same program always encodes to the same
 * bytes. Weight matrices are not stored: they are the crossbar images, read back through the mapping on load.
 */
public final class ProgramCodec {
    public static final byte[] MAGIC = "BNNCSIM".getBytes(StandardCharsets.US_ASCII);
    /** The newest version this bnncim reads and writes; it reads every version from 1. */
    public static final int VERSION = 6;

    /**
     * The sensing of a program of version 1 to 4, which recorded a sense-amplifier energy and area instead: the
     * default architecture's when version 5 came. No cost is computed from a program, so these only fill the record.
     */
    public static final Architecture.Sensing PRE_V5_SENSING =
            new Architecture.Sensing(8, 0.1, 5000, 10000, 0.2, 0.1, 0, 8, 0.7213, 3.3041, 1.0, 0.03);

    /** The word-line driver's energy and area of a program of version 1 to 4 (the default's when version 5 came). */
    public static final double PRE_V5_WORDLINE_PJ = 0.04, PRE_V5_WORDLINE_UM2 = 1.0;

    /** The weight-programming figures of a program of version 1 to 4 (the default's when version 5 came). */
    public static final double PRE_V5_CELL_WRITE_PJ = 1.0, PRE_V5_ROW_WRITE_NS = 10.0;

    private ProgramCodec() {}

    // ------------------------------------------------------------------------------------------------ write

    public static byte[] encode(Program p) {
        try {
            // sized for the crossbar images, most of a program: growing by doubling copied them several times.
            // The rest is a few hundred bytes per node; a fixed 256 KB for it was zeroed on every compile
            long images = imageBytes(p);
            long rest = 16 * 1024 + 512L * p.graph().nodes().size();
            ByteArrayOutputStream bytes =
                    new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 16, rest + images + images / 4));
            DataOutputStream out = new DataOutputStream(bytes);
            Graph g = p.graph();
            out.write(MAGIC);
            out.writeByte(VERSION);
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
        var e = a.energy();
        for (double d : new double[] {
            e.cellWrite(),
            e.wordlineDrive(),
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
            l.rowWrite(),
            l.crossbarRead(),
            l.adderStage(),
            l.threshold(),
            l.stochasticBit(),
            l.transferPerWord(),
            l.digitalFloatOp()
        }) out.writeDouble(d);
        var ar = a.area();
        for (double d : new double[] {
            ar.cell(),
            ar.wordlineDriver(),
            ar.adderPerBit(),
            ar.thresholdUnit(),
            ar.stochasticUnit(),
            ar.bufferPerBit(),
            ar.digitalUnit(),
            ar.maskGate()
        }) out.writeDouble(d);
        var sn = a.sensing();
        out.writeInt(sn.rowsPerRead());
        out.writeInt(sn.converterBits());
        out.writeInt(sn.columnsPerConverter());
        for (double d : new double[] {
            sn.readVoltageV(),
            sn.rParallelOhm(),
            sn.rAntiparallelOhm(),
            sn.bitlineOhmPerCell(),
            sn.maxIrDropFraction(),
            sn.converterUwPerBit(),
            sn.converterUwFixed(),
            sn.converterCycleNs(),
            sn.transistorAreaUm2()
        }) out.writeDouble(d);
        var ac = a.activity();
        for (double d : new double[] {
            ac.bitSerialOnes(),
            ac.interconnectToggle(),
            ac.leakageUwPerMm2(),
            ac.randomWrite(),
            ac.randomReset(),
            ac.randomRead()
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
        McSchedule mc = m.montecarlo();
        out.writeByte(mc.order().code());
        out.writeInt(mc.stages().size());
        for (McSchedule.Stage st : mc.stages()) {
            str(out, st.node());
            out.writeInt(st.depth());
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
            if (version < 1 || version > VERSION) {
                throw new BnncimException(source + ": program format version " + version
                        + ", this bnncim reads versions 1 to " + VERSION);
            }
            String name = rstr(in);
            Map<String, String> notes = new LinkedHashMap<>();
            int nn = count(in);
            for (int i = 0; i < nn; i++) notes.put(rstr(in), rstr(in));
            List<Value> inputs = new ArrayList<>();
            int ni = count(in);
            for (int i = 0; i < ni; i++) inputs.add(rvalue(in, source, version));
            List<Node> nodes = new ArrayList<>();
            int nodesCount = count(in);
            for (int i = 0; i < nodesCount; i++) nodes.add(rnode(in, source, i, version));
            List<String> outputs = new ArrayList<>();
            int no = count(in);
            for (int i = 0; i < no; i++) outputs.add(rstr(in));
            Mapping m = rmapping(in, source, version);
            List<CrossbarImages.Image> images = rimages(in, m.arch());
            if (in.read() != -1) throw new BnncimException(source + ": trailing bytes after the program");
            // every weight takes a cell of an image read above, no two layers the same (the mapping verifier checks
            // it later): layers claiming more are corrupt, not an allocation of K x N bits per layer, which a
            // hundred bytes of layer and node could otherwise repeat over one large image
            long cells = (long) images.size() * m.arch().rows() * m.arch().cols(), claimed = 0;
            for (LayerMap l : m.layers()) {
                if (l.k() < 1 || l.n() < 1 || (long) l.k() * l.n() > cells) {
                    throw new BnncimException(source + ": corrupt simulator program (layer " + l.layer() + " of "
                            + l.k() + "x" + l.n() + " weights does not fit its crossbars)");
                }
                claimed += (long) l.k() * l.n();
                if (claimed > cells) {
                    throw new BnncimException(source + ": corrupt simulator program (layers of " + claimed
                            + " weights up to " + l.layer() + " do not fit the " + cells + " cells of the crossbars)");
                }
            }
            // weight matrices come back from the crossbars, so a program is only as right as its images
            List<Node> withWeights = new ArrayList<>();
            for (Node n : nodes) withWeights.add(withWeights(n, m, images));
            Graph g = new Graph(name, inputs, withWeights, outputs, notes);
            List<String> problems = org.bnncim.ir.Verifier.check(g);
            if (!problems.isEmpty()) throw new BnncimException(source + ": inconsistent program: " + problems.get(0));
            String shapes = ProgramChecks.problem(g);
            if (shapes != null) throw new BnncimException(source + ": inconsistent program: " + shapes);
            MappedModel model = new MappedModel(g, withScheduleNodes(m, g));
            problems = MappingVerifier.check(model, MappingVerifier.ALL);
            if (!problems.isEmpty()) throw new BnncimException(source + ": inconsistent program: " + problems.get(0));
            return new Program(model, images);
        } catch (EOFException e) {
            throw new BnncimException(source + ": truncated simulator program");
        } catch (IOException e) {
            throw new BnncimException(source + ": cannot read simulator program (" + e.getMessage() + ")");
        } catch (IllegalArgumentException
                | IllegalStateException
                | IndexOutOfBoundsException
                | ArithmeticException
                | NegativeArraySizeException e) {
            throw new BnncimException(source + ": corrupt simulator program (" + e.getMessage() + ")");
        }
    }

    /** A crossbar layer with its weights read back from the images; any other node as it is. */
    private static Node withWeights(Node n, Mapping m, List<CrossbarImages.Image> images) {
        return switch (n) {
            case DecoderNode.BinaryConvTranspose t ->
                new DecoderNode.BinaryConvTranspose(
                        t.name(),
                        t.input(),
                        t.output(),
                        CrossbarImages.weights(m, images, t.name()),
                        t.inChannels(),
                        t.kh(),
                        t.kw(),
                        t.strides(),
                        t.pads(),
                        t.dilations());
            case DecoderNode.Resize r -> r;
            case DecoderNode.Concat c -> c;
            case DecoderNode.PixelSoftmax s -> s;
            case DecoderNode.Sigmoid s -> s;
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
            case DigitalNode.Add a -> a;
            case DigitalNode.FloatDense d -> d;
            case DigitalNode.FloatConv c -> c;
            case Node.Quantize q -> q;
            case Node.MultiThreshold t -> t;
            case Node.MaxPool p -> p;
            case Node.AvgPool p -> p;
            case Node.Reshape r -> r;
            case Node.Softmax s -> s;
            case Node.McDropout d -> d;
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
        Mapping out = m.withStochastic(new StochasticUnit(u.kind(), u.units(), named));
        return out.montecarlo() != null ? out : out.withMonteCarlo(McSchedule.plan(g, out.stochastic()));
    }

    private static Mapping rmapping(DataInputStream in, String source, int version) throws IOException {
        String name = rstr(in);
        int rows = in.readInt(), cols = in.readInt();
        Architecture.WeightEncoding enc =
                known(Architecture.WeightEncoding.class, in.readUnsignedByte(), "weight encoding", source, "");
        int perTile = in.readInt(), tiles = in.readInt(), chips = in.readInt(), inputBits = in.readInt();
        if (version < 5) in.skipNBytes(4); // the partial-sum width, now sized per layer by the cost model
        if (version < 5) in.skipNBytes(16); // cell read and sense amplifier energies, now derived from the sensing
        double write = version < 5 ? PRE_V5_CELL_WRITE_PJ : in.readDouble();
        double wordline = version < 5 ? PRE_V5_WORDLINE_PJ : in.readDouble();
        var e = new Architecture.Energy(
                write,
                wordline,
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble());
        double rowWrite = version < 5 ? PRE_V5_ROW_WRITE_NS : in.readDouble();
        var l = new Architecture.Latency(
                rowWrite,
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble());
        double cellArea = in.readDouble();
        if (version < 5) in.skipNBytes(8); // the sense amplifier's area
        double driverArea = version < 5 ? PRE_V5_WORDLINE_UM2 : in.readDouble();
        var a = new Architecture.Area(
                cellArea,
                driverArea,
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble());
        Architecture.Sensing sensing = version < 5 ? PRE_V5_SENSING : rsensing(in, source);
        Architecture.Activity activity = version < 6 ? Architecture.Activity.NONE : ractivity(in, source);
        Architecture arch =
                new Architecture(name, rows, cols, enc, perTile, tiles, chips, inputBits, e, l, a, sensing, activity);
        // the caps of --arch files: every crossbar count and image size below is sized from these numbers
        String capped = ArchLimits.problem(arch);
        if (capped != null) throw new IllegalArgumentException("architecture: " + capped);
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
        // before version 6 the Monte-Carlo schedule was not recorded: the decoder derives it once the graph is read
        McSchedule mc = null;
        if (version >= 6) {
            McSchedule.Order order =
                    known(McSchedule.Order.class, in.readUnsignedByte(), "Monte-Carlo order", source, "");
            List<McSchedule.Stage> stages = new ArrayList<>();
            int nst = count(in);
            for (int i = 0; i < nst; i++) stages.add(new McSchedule.Stage(rstr(in), in.readInt()));
            mc = new McSchedule(order, stages);
        }
        return new Mapping(arch, layers, slots, new StochasticUnit(kind, units, schedule), mc);
    }

    private static Architecture.Activity ractivity(DataInputStream in, String source) throws IOException {
        double[] d = new double[6];
        for (int i = 0; i < d.length; i++) d[i] = in.readDouble();
        try {
            return new Architecture.Activity(d[0], d[1], d[2], d[3], d[4], d[5]);
        } catch (IllegalArgumentException e) {
            throw new BnncimException(source + ": corrupt simulator program (activity: " + e.getMessage() + ")");
        }
    }

    private static Architecture.Sensing rsensing(DataInputStream in, String source) throws IOException {
        int rowsPerRead = in.readInt(), bits = in.readInt(), perConverter = in.readInt();
        double[] d = new double[9];
        for (int i = 0; i < d.length; i++) d[i] = in.readDouble();
        if (rowsPerRead < 1 || bits < 0 || bits > 16 || perConverter < 1 || !(d[1] > 0) || !(d[2] > 0)) {
            throw new BnncimException(source + ": corrupt simulator program (sensing: " + rowsPerRead
                    + " rows per read, " + bits + "-bit converter per " + perConverter + " columns, MTJ " + d[1]
                    + "/" + d[2] + " ohm)");
        }
        return new Architecture.Sensing(
                rowsPerRead, d[0], d[1], d[2], d[3], d[4], bits, perConverter, d[5], d[6], d[7], d[8]);
    }

    private static List<CrossbarImages.Image> rimages(DataInputStream in, Architecture a) throws IOException {
        int n = count(in);
        int words = (a.rows() + 63) >>> 6;
        List<CrossbarImages.Image> out = new ArrayList<>();
        long pad = (a.rows() & 63) == 0 ? 0 : -1L << (a.rows() & 63);
        NodeCodec.fits(in, n, 2L * 8 * Math.multiplyExact(a.cols(), words));
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
