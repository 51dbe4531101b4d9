package org.bnncim.ir;

import java.util.List;
import java.util.Optional;

/**
 * The element-type and shape rules of each {@link Node} kind ({@link Node#check}), kept apart from the node records
 * so that the sealed interface holds the operations and this class the rules they obey.
 */
final class NodeChecks {
    private NodeChecks() {}

    static List<String> check(Node node, List<TensorType> ins) {
        Value output = node.output();
        TensorType in = ins.get(0);
        return switch (node) {
            case DecoderNode d -> DecoderChecks.check(d, ins);
            case DigitalNode.Add a ->
                new Problems()
                        .expect(ins.size() == 2, "needs two inputs")
                        .expect(ins.size() == 2 && in.shape().equals(ins.get(1).shape()), "inputs differ in shape")
                        .expect(in.shape().equals(output.shape()), "shape changes")
                        .expect(output.elem().isFloat(), "output must be float")
                        .list();
            case DigitalNode.FloatDense d ->
                new Problems()
                        .expect(
                                in.shape().size() == d.k(),
                                "input has " + in.shape().size() + " elements, not " + d.k())
                        .expect(output.shape().equals(Shape.of(d.n())), "output shape")
                        .expect(output.elem().isFloat(), "output must be float")
                        .list();
            case DigitalNode.FloatConv c ->
                new Problems()
                        .expect(in.shape().rank() == 3 && in.shape().dim(0) == c.inChannels(), "input must be [C,H,W]")
                        .expect(c.outChannels() % c.group() == 0, "output channels not a multiple of group")
                        .expect(output.shape().rank() == 3 && output.shape().dim(0) == c.outChannels(), "output shape")
                        .expect(output.elem().isFloat(), "output must be float")
                        .list();
            case Node.InputQuantize q ->
                new Problems()
                        .expect(in.elem().isFloat(), "input must be float")
                        .expect(output.elem().equals(ElemType.uint(q.bits())), "output must be u" + q.bits())
                        .expect(in.shape().equals(output.shape()), "shape changes")
                        .list();
            case Node.InputBinarize b ->
                new Problems()
                        .expect(in.elem().isFloat(), "input must be float")
                        .expect(output.elem().isBipolar(), "output must be bipolar")
                        .expect(in.shape().equals(output.shape()), "shape changes")
                        .expect(b.t().length == 1 || b.t().length == in.shape().channels(), "threshold count")
                        .list();
            case Node.BinaryDense d -> binaryDense(d, in);
            case Node.BinaryConv c -> binaryConv(c, in);
            case Node.ScaleDropout s -> scaleDropout(s, in);
            case Node.Affine a -> affine(a, in);
            case Node.Sign s ->
                new Problems()
                        .expect(output.elem().isBipolar(), "output must be bipolar")
                        .list();
            case Node.Threshold t -> threshold(t, in);
            case Node.MaxPool m ->
                new Problems()
                        .expect(in.shape().rank() == 3 && in.elem().equals(output.elem()), "types")
                        .list();
            case Node.AvgPool a ->
                new Problems()
                        .expect(in.shape().rank() == 3 && output.elem().isFloat(), "types")
                        .list();
            case Node.Reshape r ->
                new Problems()
                        .expect(
                                in.shape().size() == output.shape().size()
                                        && in.elem().equals(output.elem()),
                                "reshape changes size or type")
                        .list();
            case Node.Softmax s ->
                new Problems()
                        .expect(output.elem().isFloat(), "output must be float")
                        .list();
            case Node.Quantize q ->
                new Problems()
                        .expect(in.elem().isFloat(), "input must be float")
                        .expect(in.shape().equals(output.shape()), "shape changes")
                        .expect(q.channels() == 1 || q.channels() == in.shape().channels(), "threshold count")
                        .expect(holdsLevels(output.elem(), q.base(), q.steps()), levelsProblem(output.elem(), q.base()))
                        .list();
            case Node.MultiThreshold t -> multiThreshold(t, in);
            case Node.McDropout m ->
                new Problems()
                        .expect(in.elem().isBipolar(), "input must be bipolar")
                        .expect(output.elem().kind() == ElemType.Kind.GATED_BIPOLAR, "output must be gated bipolar")
                        .list();
        };
    }

    /** {@link Node#bitSlot}: which kinds read a slot of the stochastic unit's schedule. */
    static Optional<Node.BitSlot> bitSlot(Node node) {
        return switch (node) {
            case Node.ScaleDropout s -> Optional.of(new Node.BitSlot(s.bit(), s.p()));
            case Node.Threshold t ->
                t.stochastic() == null
                        ? Optional.empty()
                        : Optional.of(new Node.BitSlot(
                                t.stochastic().bit(), t.stochastic().p()));
            case Node.MultiThreshold t ->
                t.stochastic() == null
                        ? Optional.empty()
                        : Optional.of(new Node.BitSlot(
                                t.stochastic().bit(), t.stochastic().p()));
            case Node.Quantize q -> Optional.empty();
            // MC-Dropout draws one bit per neuron from units of its own, not from the schedule
            case Node.McDropout m -> Optional.empty();
            case Node.InputQuantize q -> Optional.empty();
            case Node.InputBinarize b -> Optional.empty();
            case Node.BinaryDense d -> Optional.empty();
            case Node.BinaryConv c -> Optional.empty();
            case Node.Affine a -> Optional.empty();
            case Node.Sign s -> Optional.empty();
            case Node.MaxPool m -> Optional.empty();
            case Node.AvgPool a -> Optional.empty();
            case Node.Reshape r -> Optional.empty();
            case Node.Softmax s -> Optional.empty();
            case DigitalNode.Add a -> Optional.empty();
            case DigitalNode.FloatDense d -> Optional.empty();
            case DigitalNode.FloatConv c -> Optional.empty();
            case DecoderNode d -> Optional.empty();
        };
    }

    /** {@link Node#crossbarWeights}: the kinds whose weights live in crossbars. */
    static Optional<BitMatrix> crossbarWeights(Node node) {
        return switch (node) {
            case Node.BinaryDense d -> Optional.of(d.weights());
            case Node.BinaryConv c -> Optional.of(c.weights());
            case DecoderNode.BinaryConvTranspose t -> Optional.of(t.weights());
            case DecoderNode.Resize r -> Optional.empty();
            case DecoderNode.Concat c -> Optional.empty();
            case DecoderNode.PixelSoftmax s -> Optional.empty();
            case DecoderNode.Sigmoid s -> Optional.empty();
            case Node.InputQuantize q -> Optional.empty();
            case Node.InputBinarize b -> Optional.empty();
            case Node.ScaleDropout s -> Optional.empty();
            case Node.Affine a -> Optional.empty();
            case Node.Sign s -> Optional.empty();
            case Node.Threshold t -> Optional.empty();
            case Node.MaxPool m -> Optional.empty();
            case Node.AvgPool a -> Optional.empty();
            case Node.Reshape r -> Optional.empty();
            case Node.Softmax s -> Optional.empty();
            case Node.McDropout m -> Optional.empty();
            case Node.Quantize q -> Optional.empty();
            case Node.MultiThreshold t -> Optional.empty();
            case DigitalNode.Add a -> Optional.empty();
            case DigitalNode.FloatDense d -> Optional.empty();
            case DigitalNode.FloatConv c -> Optional.empty();
        };
    }

    private static List<String> binaryDense(Node.BinaryDense d, TensorType in) {
        BitMatrix weights = d.weights();
        Value output = d.output();
        ElemType.Kind k = in.elem().kind();
        return new Problems()
                .expect(
                        k == ElemType.Kind.BIPOLAR
                                || k == ElemType.Kind.GATED_BIPOLAR
                                || k == ElemType.Kind.UINT
                                || k == ElemType.Kind.INT,
                        "input must be integral")
                .expect(
                        in.shape().size() == weights.rows(),
                        "input has " + in.shape().size() + " elements, weights have " + weights.rows() + " rows")
                .expect(output.shape().equals(Shape.of(weights.cols())), "output shape")
                .expect(output.elem().kind() == ElemType.Kind.INT, "output must be integer")
                .list();
    }

    private static List<String> binaryConv(Node.BinaryConv c, TensorType in) {
        BitMatrix weights = c.weights();
        int inChannels = c.inChannels();
        Shape out = c.output().shape();
        return new Problems()
                .expect(in.elem().isIntegral(), "input must be integral")
                .expect(in.shape().rank() == 3 && in.shape().dim(0) == inChannels, "input must be [C,H,W]")
                .expect(weights.rows() == inChannels * c.kh() * c.kw(), "weight rows")
                .expect(out.rank() == 3 && out.dim(0) == weights.cols(), "output shape")
                .expect(c.output().elem().kind() == ElemType.Kind.INT, "output must be integer")
                .list();
    }

    private static List<String> scaleDropout(Node.ScaleDropout s, TensorType in) {
        int ch = in.shape().channels();
        int scale = s.scale().length;
        int dropped = s.dropped().length;
        float p = s.p();
        return new Problems()
                .expect(s.output().elem().isFloat(), "output must be float")
                .expect(scale == 1 || scale == ch, "scale length")
                .expect(dropped == 1 || dropped == ch, "dropped length")
                .expect(p >= 0 && p < 1, "p outside [0,1)")
                .list();
    }

    private static List<String> affine(Node.Affine a, TensorType in) {
        Problems p = new Problems().expect(a.output().elem().isFloat(), "output must be float");
        for (AffineStep st : a.steps()) {
            p.expect(st.c().length == 1 || st.c().length == in.shape().channels(), "constant length");
        }
        return p.list();
    }

    private static List<String> multiThreshold(Node.MultiThreshold t, TensorType in) {
        int ch = in.shape().channels();
        Node.LevelStochastic st = t.stochastic();
        LevelSet e = t.expected();
        ElemType out = t.output().elem();
        return new Problems()
                .expect(in.elem().isIntegral(), "input must be integral")
                .expect(in.shape().equals(t.output().shape()), "shape changes")
                .expect(e.channels() == ch, "threshold count")
                .expect(
                        st == null
                                || st.kept().channels() == ch
                                        && st.dropped().channels() == ch
                                        && st.kept().steps() == e.steps()
                                        && st.dropped().steps() == e.steps(),
                        "stochastic threshold count")
                .expect(holdsLevels(out, t.base(), e.steps()), levelsProblem(out, t.base()))
                .list();
    }

    /** Levels base .. base + steps fit a k-bit integer output (the crossbar reads it bit-serially). */
    private static boolean holdsLevels(ElemType e, int base, int steps) {
        long hi = (long) base + steps;
        return switch (e.kind()) {
            case UINT -> base >= 0 && e.bits() < 32 && hi <= (1L << e.bits()) - 1;
            case INT -> e.bits() < 32 && base >= -(1L << (e.bits() - 1)) && hi <= (1L << (e.bits() - 1)) - 1;
            case BIPOLAR, GATED_BIPOLAR, FLOAT -> false;
        };
    }

    private static String levelsProblem(ElemType e, int base) {
        return "output must be a k-bit integer holding the levels from " + base + ", is " + e;
    }

    private static List<String> threshold(Node.Threshold t, TensorType in) {
        int ch = in.shape().channels();
        Node.Stochastic stochastic = t.stochastic();
        return new Problems()
                .expect(in.elem().isIntegral(), "input must be integral")
                .expect(t.output().elem().isBipolar(), "output must be bipolar")
                .expect(t.expected().channels() == ch, "threshold count")
                .expect(
                        stochastic == null
                                || stochastic.kept().channels() == ch
                                        && stochastic.dropped().channels() == ch,
                        "stochastic threshold count")
                .list();
    }
}
