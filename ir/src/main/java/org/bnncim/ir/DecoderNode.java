package org.bnncim.ir;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The encoder-decoder (segmentation) kinds: nearest upsampling, concatenation of skip connections along channels,
 * transposed convolution with bipolar weights, and the per-pixel output activations. Upsampling and concatenation
 * move data only (the periphery's address generators and buffers); the transposed convolution runs on crossbars
 * like {@link Node.BinaryConv}.
 */
public sealed interface DecoderNode extends Node
        permits DecoderNode.Resize,
                DecoderNode.Concat,
                DecoderNode.BinaryConvTranspose,
                DecoderNode.PixelSoftmax,
                DecoderNode.Sigmoid {

    /**
     * Nearest-neighbour resampling of a [C,H,W] tensor as a gather: {@code y[c][i][j] = x[c][rows[i]][cols[j]]}.
     * The frontend computes the index maps with ONNX Runtime's own formula for the model's coordinate
     * transformation and nearest mode, so every mode it accepts is exact; an integer scale s under the modes PyTorch
     * and Keras export gives {@code rows[i] = i / s}. Element type and scale pass through unchanged.
     */
    record Resize(String name, String input, Value output, int[] rows, int[] cols) implements DecoderNode {
        public Resize {
            rows = rows.clone();
            cols = cols.clone();
        }

        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "resize";
        }

        public NodeTag tag() {
            return NodeTag.RESIZE;
        }

        @Override
        public int[] rows() {
            return rows.clone();
        }

        @Override
        public int[] cols() {
            return cols.clone();
        }

        /** The integer factor when this is plain replication ({@code rows[i] = i / s}, same for cols), else 0. */
        public int replicationFactor() {
            int s = rows.length == 0 ? 0 : rows.length / Math.max(1, rows[rows.length - 1] + 1);
            if (s < 1 || cols.length == 0 || cols.length / Math.max(1, cols[cols.length - 1] + 1) != s) return 0;
            for (int i = 0; i < rows.length; i++) if (rows[i] != i / s) return 0;
            for (int j = 0; j < cols.length; j++) if (cols[j] != j / s) return 0;
            return s;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Resize r
                    && name.equals(r.name)
                    && input.equals(r.input)
                    && output.equals(r.output)
                    && Arrays.equals(rows, r.rows)
                    && Arrays.equals(cols, r.cols);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, input, output, Arrays.hashCode(rows), Arrays.hashCode(cols));
        }
    }

    /**
     * Concatenation along channels (ONNX axis 1) of two or more [C_i,H,W] tensors of one element type and scale, in
     * input order: a skip connection. When the result feeds a crossbar layer, its word lines receive every source.
     */
    record Concat(String name, List<String> sources, Value output) implements DecoderNode {
        public Concat {
            sources = List.copyOf(sources);
        }

        public List<String> inputs() {
            return sources;
        }

        public String opName() {
            return "concat";
        }

        public NodeTag tag() {
            return NodeTag.CONCAT;
        }
    }

    /**
     * Transposed 2-D convolution with bipolar weights, as ONNX ConvTranspose with group 1. The weight matrix has the
     * im2col row order of {@link Node.BinaryConv}: row {@code (ci * kh + i) * kw + j}, column = output channel. Each
     * output {@code y[co][oy][ox]} sums {@code x[ci][iy][ix] * W[row][co]} over the rows whose input position exists:
     * {@code oy = iy * strides[0] - pads[0] + i * dilations[0]} (and likewise for x with pads[1]). The other rows of
     * that output position contribute 0: on the crossbar their word lines stay undriven, as for a padded Conv. The
     * output shape (from which ONNX's output_padding follows) is the output value's.
     */
    record BinaryConvTranspose(
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
            implements DecoderNode {
        public BinaryConvTranspose {
            strides = strides.clone();
            pads = pads.clone();
            dilations = dilations.clone();
        }

        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "binary_conv_transpose";
        }

        public NodeTag tag() {
            return NodeTag.BINARY_CONV_TRANSPOSE;
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

        /** ONNX output_padding along H and W, given the input's H and W (what the output shape adds to the formula). */
        public int[] outputPadding(int inH, int inW) {
            int[] out = {output.shape().dim(1), output.shape().dim(2)};
            int[] in = {inH, inW};
            int[] k = {kh, kw};
            int[] op = new int[2];
            for (int a = 0; a < 2; a++) {
                int base = strides[a] * (in[a] - 1) + (k[a] - 1) * dilations[a] + 1 - pads[a] - pads[a + 2];
                op[a] = out[a] - base;
            }
            return op;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BinaryConvTranspose c
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
     * Softmax over the channels of every pixel of a float [C,H,W] tensor (ONNX Softmax with axis 1 on NCHW), in
     * float32: per pixel, the max, then exp(x - max) summed over channels ascending, then each divided by the sum.
     */
    record PixelSoftmax(String name, String input, Value output) implements DecoderNode {
        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "pixel_softmax";
        }

        public NodeTag tag() {
            return NodeTag.PIXEL_SOFTMAX;
        }
    }

    /** The logistic function elementwise on float values, {@code 1 / (1 + exp(-x))} in float32. */
    record Sigmoid(String name, String input, Value output) implements DecoderNode {
        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "sigmoid";
        }

        public NodeTag tag() {
            return NodeTag.SIGMOID;
        }
    }
}
