package org.bnncim.ir;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An IR operation producing exactly one value. Per-channel constants always index the first per-example
 * dimension (ONNX axis 1). {@code name} is the ONNX node the operation came from, so every message and every
 * generated artefact can be traced back to the user's model.
 *
 * <p>The set of operations is closed (the records here, the digital datapath's in {@link DigitalNode} and the
 * encoder-decoder kinds in {@link DecoderNode}): code that does something different per kind switches over this
 * sealed interface without a default, so a new kind does not compile until every such place has decided what to do.
 */
public sealed interface Node
        permits Node.InputQuantize,
                Node.InputBinarize,
                Node.BinaryDense,
                Node.BinaryConv,
                Node.ScaleDropout,
                Node.Affine,
                Node.Sign,
                Node.Threshold,
                Node.MaxPool,
                Node.AvgPool,
                Node.Reshape,
                Node.Softmax,
                Node.McDropout,
                Node.Quantize,
                Node.MultiThreshold,
                DigitalNode,
                DecoderNode {
    String name();

    Value output();

    List<String> inputs();

    /** Short lower-case operation name used by the printers. */
    String opName();

    /** This kind's stable number in {@code program.bnc}. */
    NodeTag tag();

    /**
     * What is wrong with this node's element types and shapes, given the types of its inputs (in order); empty when
     * it fits. The kind's own rules only: the verifier adds the graph-wide ones.
     */
    default List<String> check(List<TensorType> in) {
        return NodeChecks.check(this, in);
    }

    /** A slot of the stochastic unit's per-pass schedule that a node reads, and the slot's switching probability. */
    record BitSlot(int bit, float p) {}

    /** The schedule slot this node's Scale-Dropout bit comes from, if it has one. */
    default Optional<BitSlot> bitSlot() {
        return NodeChecks.bitSlot(this);
    }

    /** The bipolar weights this node keeps in crossbars, if it is a crossbar layer. */
    default Optional<BitMatrix> crossbarWeights() {
        return NodeChecks.crossbarWeights(this);
    }

    /** float input to an unsigned integer: {@code q = clamp(round(x * levels), 0, 2^bits - 1)}; scale 1/levels. */
    record InputQuantize(String name, String input, Value output, int bits, int levels) implements Node {
        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "input_quantize";
        }

        public NodeTag tag() {
            return NodeTag.INPUT_QUANTIZE;
        }
    }

    /** float input to bipolar: +1 when {@code ge ? x >= t : x <= t}, per channel or scalar. */
    record InputBinarize(String name, String input, Value output, float[] t, boolean[] ge) implements Node {
        public InputBinarize {
            if (t.length != ge.length) throw new IllegalArgumentException("t and ge differ in length");
            t = t.clone();
            ge = ge.clone();
        }

        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "input_binarize";
        }

        public NodeTag tag() {
            return NodeTag.INPUT_BINARIZE;
        }

        public boolean fires(float x, int channel) {
            int c = t.length == 1 ? 0 : channel;
            return ge[c] ? x >= t[c] : x <= t[c];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof InputBinarize b
                    && name.equals(b.name)
                    && input.equals(b.input)
                    && output.equals(b.output)
                    && Arrays.equals(t, b.t)
                    && Arrays.equals(ge, b.ge);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, input, output, Arrays.hashCode(t), Arrays.hashCode(ge));
        }
    }

    /** y[n] = sum_k x[k] * W[k][n] over a flat input of K elements; W bipolar, x bipolar or unsigned. */
    record BinaryDense(String name, String input, Value output, BitMatrix weights) implements Node {
        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "binary_dense";
        }

        public NodeTag tag() {
            return NodeTag.BINARY_DENSE;
        }
    }

    /**
     * 2-D convolution with bipolar weights, as ONNX Conv with group 1. The weight matrix is the im2col form:
     * row {@code (ci * kh + i) * kw + j}, column = output channel. Padded positions contribute 0 (ONNX zero
     * padding), which is not a bipolar value: lowering must account for it.
     */
    record BinaryConv(
            String name,
            String input,
            Value output,
            BitMatrix weights,
            int inChannels,
            int kh,
            int kw,
            int[] strides,
            int[] pads,
            int[] dilations)
            implements Node {
        public BinaryConv {
            strides = strides.clone();
            pads = pads.clone();
            dilations = dilations.clone();
        }

        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "binary_conv";
        }

        public NodeTag tag() {
            return NodeTag.BINARY_CONV;
        }

        /** pads as ONNX orders them: top, left, bottom, right. */
        @Override
        public int[] pads() {
            return pads.clone();
        }

        @Override
        public int[] strides() {
            return strides.clone();
        }

        @Override
        public int[] dilations() {
            return dilations.clone();
        }

        public boolean padded() {
            for (int p : pads) if (p != 0) return true;
            return false;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BinaryConv c
                    && name.equals(c.name)
                    && input.equals(c.input)
                    && output.equals(c.output)
                    && weights.equals(c.weights)
                    && inChannels == c.inChannels
                    && kh == c.kh
                    && kw == c.kw
                    && Arrays.equals(strides, c.strides)
                    && Arrays.equals(pads, c.pads)
                    && Arrays.equals(dilations, c.dilations);
        }

        @Override
        public int hashCode() {
            return Objects.hash(
                    name,
                    input,
                    output,
                    weights,
                    inChannels,
                    kh,
                    kw,
                    Arrays.hashCode(strides),
                    Arrays.hashCode(pads),
                    Arrays.hashCode(dilations));
        }
    }

    /**
     * Scale-Dropout: {@code y = x * (z ? dropped : scale)} with one Bernoulli(p) bit z per pass; without bits the
     * expectation {@code (1-p)*scale + p*dropped}. {@code bit} is this node's slot in the stochastic unit's
     * schedule (0, 1, ... in graph order).
     */
    record ScaleDropout(String name, String input, Value output, float[] scale, float[] dropped, float p, int bit)
            implements Node {
        public ScaleDropout {
            scale = scale.clone();
            dropped = dropped.clone();
        }

        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "scale_dropout";
        }

        public NodeTag tag() {
            return NodeTag.SCALE_DROPOUT;
        }

        @Override
        public float[] scale() {
            return scale.clone();
        }

        @Override
        public float[] dropped() {
            return dropped.clone();
        }

        public float factor(int channel, ScaleBit z) {
            float s = scale.length == 1 ? scale[0] : scale[channel];
            float d = dropped.length == 1 ? dropped[0] : dropped[channel];
            return switch (z) {
                case EXPECTATION -> expectation(s, d, p);
                case KEPT -> s;
                case DROPPED -> d;
            };
        }

        /** The deterministic factor, computed the one way every part of bnncim (and the reference form) uses. */
        public static float expectation(float scale, float dropped, float p) {
            return (1.0f - p) * scale + p * dropped;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ScaleDropout s
                    && name.equals(s.name)
                    && input.equals(s.input)
                    && output.equals(s.output)
                    && Arrays.equals(scale, s.scale)
                    && Arrays.equals(dropped, s.dropped)
                    && p == s.p
                    && bit == s.bit;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, input, output, Arrays.hashCode(scale), Arrays.hashCode(dropped), p, bit);
        }
    }

    /** A chain of elementwise float32 steps with per-channel constants (BN, bias, TensorNorm, ...). */
    record Affine(String name, String input, Value output, List<AffineStep> steps) implements Node {
        public Affine {
            steps = List.copyOf(steps);
        }

        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "affine";
        }

        public NodeTag tag() {
            return NodeTag.AFFINE;
        }

        public float apply(float x, int channel) {
            for (AffineStep s : steps) x = s.apply(x, channel);
            return x;
        }

        public int direction(int channel) {
            int d = 1;
            for (AffineStep s : steps) d *= s.direction(channel);
            return d;
        }
    }

    /**
     * Binarizing activation, +1 for x >= 0 (the hardware's sign(0) = +1). {@code sourceZeroIsPlus}: the source model's
     * binarizer gives +1 at exactly 0 too (BipolarQuant, signed 1-bit Quant, FINN's MultiThreshold), so a zero input
     * is no disagreement with ONNX Runtime; false for ONNX's Sign, whose sign(0) = 0 verify counts as a tie.
     */
    record Sign(String name, String input, Value output, boolean sourceZeroIsPlus) implements Node {
        /** ONNX's Sign (sign(0) = 0 in the source model). */
        public Sign(String name, String input, Value output) {
            this(name, input, output, false);
        }

        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "sign";
        }

        public NodeTag tag() {
            return NodeTag.SIGN;
        }
    }

    /**
     * Integer comparator per channel: BN, bias, scale and sign folded into one threshold on the popcount. With
     * Scale-Dropout the stochastic bit picks the kept or dropped set; without bits, {@code expected} applies.
     */
    record Threshold(String name, String input, Value output, ThresholdSet expected, Stochastic stochastic)
            implements Node {
        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "threshold";
        }

        public NodeTag tag() {
            return NodeTag.THRESHOLD;
        }

        /** The comparator set for bit {@code z}; a layer without Scale-Dropout always uses {@code expected}. */
        public ThresholdSet select(ScaleBit z) {
            if (stochastic == null) return expected;
            return switch (z) {
                case EXPECTATION -> expected;
                case KEPT -> stochastic.kept();
                case DROPPED -> stochastic.dropped();
            };
        }
    }

    /** The two comparator sets of a Scale-Dropout layer, selected by stochastic bit {@code bit}. */
    record Stochastic(int bit, float p, ThresholdSet kept, ThresholdSet dropped) {}

    /** Max pooling over [C,H,W]; padded positions are ignored. On bipolar data it is an OR of the +1s. */
    record MaxPool(String name, String input, Value output, Window window) implements Node {
        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "max_pool";
        }

        public NodeTag tag() {
            return NodeTag.MAX_POOL;
        }

        public int[] kernel() {
            return window.kernel();
        }

        public int[] strides() {
            return window.strides();
        }

        public int[] pads() {
            return window.pads();
        }
    }

    /** Average pooling over [C,H,W] in float32 (digital periphery). */
    record AvgPool(String name, String input, Value output, Window window, boolean countIncludePad) implements Node {
        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "avg_pool";
        }

        public NodeTag tag() {
            return NodeTag.AVG_POOL;
        }

        public int[] kernel() {
            return window.kernel();
        }

        public int[] strides() {
            return window.strides();
        }

        public int[] pads() {
            return window.pads();
        }
    }

    /**
     * Reinterprets the row-major data with a new shape (Flatten, Reshape). The stored values never change, but the
     * output's type scale may differ from the input's: a reshape may also change the real-valued scale of an integer
     * value (a positive scalar Mul or Div after a k-bit activation, as FINN leaves the scale of a MultiThreshold).
     */
    record Reshape(String name, String input, Value output) implements Node {
        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "reshape";
        }

        public NodeTag tag() {
            return NodeTag.RESHAPE;
        }
    }

    /** Softmax over the flat per-example vector, float32. */
    record Softmax(String name, String input, Value output) implements Node {
        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "softmax";
        }

        public NodeTag tag() {
            return NodeTag.SOFTMAX;
        }
    }

    /**
     * Classic per-neuron MC-Dropout on a bipolar activation (the baseline Scale-Dropout is compared with): each
     * element is gated by its own Bernoulli(p) bit, a dropped input contributes 0 to the next layer's dot product.
     * Only used with {@code --mc-dropout}; in deterministic mode it is the identity.
     */
    record McDropout(String name, String input, Value output, float p) implements Node {
        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "mc_dropout";
        }

        public NodeTag tag() {
            return NodeTag.MC_DROPOUT;
        }
    }

    /**
     * A k-bit activation quantizer on a float tensor: {@code stored = base + #{i : x >= t[c][i]}} with {@code steps}
     * float thresholds per channel (or one shared row), ascending. The importer turns every monotone quantizer
     * (QONNX {@code Quant} with any rounding mode, FINN's {@code MultiThreshold}) into these exact float32 boundaries;
     * the output's type scale gives the stored integer its real meaning. After folding it remains only where no
     * popcount precedes it (the model input), as a comparator bank in the digital periphery.
     */
    record Quantize(String name, String input, Value output, float[] t, int steps, int base) implements Node {
        public Quantize {
            if (steps < 1 || t.length % steps != 0 || t.length == 0) {
                throw new IllegalArgumentException("quantize needs a whole number of " + steps + "-threshold rows");
            }
            t = t.clone();
            for (int c = 0; c < t.length / steps; c++) {
                for (int i = 1; i < steps; i++) {
                    if (!(t[c * steps + i] >= t[c * steps + i - 1])) {
                        throw new IllegalArgumentException(
                                "quantize thresholds of channel " + c + " are not ascending");
                    }
                }
            }
        }

        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "quantize";
        }

        public NodeTag tag() {
            return NodeTag.QUANTIZE;
        }

        /** Channels with their own thresholds: 1 when all share one row. */
        public int channels() {
            return t.length / steps;
        }

        @Override
        public float[] t() {
            return t.clone();
        }

        /** The stored level of {@code x} in {@code channel}. */
        public int level(float x, int channel) {
            int row = (channels() == 1 ? 0 : channel) * steps;
            int n = 0;
            for (int i = 0; i < steps; i++) if (x >= t[row + i]) n++;
            return base + n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Quantize q
                    && name.equals(q.name)
                    && input.equals(q.input)
                    && output.equals(q.output)
                    && Arrays.equals(t, q.t)
                    && steps == q.steps
                    && base == q.base;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, input, output, Arrays.hashCode(t), steps, base);
        }
    }

    /**
     * A k-bit activation folded onto the popcount: {@code stored = base + (comparators of the channel that fire)},
     * with BN, bias, scale and the quantizer folded into {@code steps} integer thresholds per channel (2^k - 1 for a
     * full k-bit range). With Scale-Dropout the stochastic bit picks the kept or dropped bank; without bits,
     * {@code expected} applies.
     */
    record MultiThreshold(
            String name, String input, Value output, LevelSet expected, LevelStochastic stochastic, int base)
            implements Node {
        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "multi_threshold";
        }

        public NodeTag tag() {
            return NodeTag.MULTI_THRESHOLD;
        }

        public LevelSet select(ScaleBit z) {
            if (stochastic == null) return expected;
            return switch (z) {
                case EXPECTATION -> expected;
                case KEPT -> stochastic.kept();
                case DROPPED -> stochastic.dropped();
            };
        }
    }

    /** The two comparator banks of a Scale-Dropout layer with a k-bit activation, selected by bit {@code bit}. */
    record LevelStochastic(int bit, float p, LevelSet kept, LevelSet dropped) {}
}
