package org.bnncim.ir;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The digital datapath beside the crossbars (residual networks): a sum of two computed tensors, and full-precision
 * layers (typically the stem convolution and the classifier) whose weights are not bipolar. All of it is float32,
 * computed in a fixed order so that every run of every backend is bit-identical; against ONNX Runtime, whose kernels
 * sum in their own order, it agrees within float32 rounding.
 */
public sealed interface DigitalNode extends Node
        permits DigitalNode.Add, DigitalNode.FloatDense, DigitalNode.FloatConv {

    /** {@code y = a + b} elementwise in float32 on the real values of two tensors of the same shape (a shortcut). */
    record Add(String name, String a, String b, Value output) implements DigitalNode {
        public List<String> inputs() {
            return List.of(a, b);
        }

        public String opName() {
            return "add";
        }

        public NodeTag tag() {
            return NodeTag.ADD;
        }
    }

    /**
     * A full-precision dense layer: {@code y[n] = (sum over k ascending of x[k] * W[k][n]) + bias[n]} in float32, W
     * row-major [K][N]; {@code bias} has N elements or none.
     */
    record FloatDense(String name, String input, Value output, float[] weights, int k, int n, float[] bias)
            implements DigitalNode {
        public FloatDense {
            if (weights.length != (long) k * n) throw new IllegalArgumentException("weights are not " + k + "x" + n);
            if (bias.length != 0 && bias.length != n) throw new IllegalArgumentException("bias length " + bias.length);
            weights = weights.clone();
            bias = bias.clone();
        }

        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "dense";
        }

        public NodeTag tag() {
            return NodeTag.FLOAT_DENSE;
        }

        @Override
        public float[] weights() {
            return weights.clone();
        }

        @Override
        public float[] bias() {
            return bias.clone();
        }

        /** W[row][col] without copying the array. */
        public float weight(int row, int col) {
            return weights[row * n + col];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FloatDense d
                    && name.equals(d.name)
                    && input.equals(d.input)
                    && output.equals(d.output)
                    && k == d.k
                    && n == d.n
                    && Arrays.equals(weights, d.weights)
                    && Arrays.equals(bias, d.bias);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, input, output, k, n, Arrays.hashCode(weights), Arrays.hashCode(bias));
        }
    }

    /**
     * A full-precision 2-D convolution as ONNX Conv (zero padding, groups): weights [Cout][Cin/group][kh][kw]; each
     * output is {@code (sum over ci, i, j ascending of x * w) + bias[co]} in float32; {@code bias} has Cout
     * elements or none.
     */
    record FloatConv(
            String name,
            String input,
            Value output,
            float[] weights,
            float[] bias,
            int inChannels,
            int group,
            int kh,
            int kw,
            int[] strides,
            int[] pads,
            int[] dilations)
            implements DigitalNode {
        public FloatConv {
            weights = weights.clone();
            bias = bias.clone();
            strides = strides.clone();
            pads = pads.clone();
            dilations = dilations.clone();
            if (group < 1 || inChannels % group != 0) throw new IllegalArgumentException("group " + group);
            if (weights.length % ((long) (inChannels / group) * kh * kw) != 0) {
                throw new IllegalArgumentException("weights are not [Cout][Cin/group][kh][kw]");
            }
            if (bias.length != 0 && bias.length != outChannels(weights, inChannels, group, kh, kw)) {
                throw new IllegalArgumentException("bias length " + bias.length);
            }
        }

        private static int outChannels(float[] w, int inChannels, int group, int kh, int kw) {
            return w.length / ((inChannels / group) * kh * kw);
        }

        public int outChannels() {
            return outChannels(weights, inChannels, group, kh, kw);
        }

        public List<String> inputs() {
            return List.of(input);
        }

        public String opName() {
            return "conv";
        }

        public NodeTag tag() {
            return NodeTag.FLOAT_CONV;
        }

        /** w[co][ci][i][j], ci counted within the group, without copying the array. */
        public float weight(int co, int ci, int i, int j) {
            return weights[((co * (inChannels / group) + ci) * kh + i) * kw + j];
        }

        @Override
        public float[] weights() {
            return weights.clone();
        }

        @Override
        public float[] bias() {
            return bias.clone();
        }

        @Override
        public int[] strides() {
            return strides.clone();
        }

        /** pads as ONNX orders them: top, left, bottom, right. */
        @Override
        public int[] pads() {
            return pads.clone();
        }

        @Override
        public int[] dilations() {
            return dilations.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FloatConv c
                    && name.equals(c.name)
                    && input.equals(c.input)
                    && output.equals(c.output)
                    && inChannels == c.inChannels
                    && group == c.group
                    && kh == c.kh
                    && kw == c.kw
                    && Arrays.equals(weights, c.weights)
                    && Arrays.equals(bias, c.bias)
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
                    inChannels,
                    group,
                    kh,
                    kw,
                    Arrays.hashCode(weights),
                    Arrays.hashCode(bias),
                    Arrays.hashCode(strides),
                    Arrays.hashCode(pads),
                    Arrays.hashCode(dilations));
        }
    }
}
