package org.bnncim.ir;

import java.util.Arrays;
import java.util.List;

/** {@link Node#check} for the encoder-decoder kinds. */
final class DecoderChecks {
    private DecoderChecks() {}

    static List<String> check(DecoderNode node, List<TensorType> ins) {
        TensorType in = ins.get(0);
        Value output = node.output();
        Shape is = in.shape(), os = output.shape();
        return switch (node) {
            case DecoderNode.Resize r ->
                new Problems()
                        .expect(is.rank() == 3 && os.rank() == 3, "input and output must be [C,H,W]")
                        .expect(is.rank() == 3 && os.rank() == 3 && is.dim(0) == os.dim(0), "channels change")
                        .expect(os.rank() == 3 && r.rows().length == os.dim(1), "rows do not match the output height")
                        .expect(os.rank() == 3 && r.cols().length == os.dim(2), "cols do not match the output width")
                        .expect(is.rank() == 3 && within(r.rows(), is.dim(1)), "a row index is outside the input")
                        .expect(is.rank() == 3 && within(r.cols(), is.dim(2)), "a col index is outside the input")
                        .expect(output.type().equals(in.withShape(os)), "element type or scale changes")
                        .list();
            case DecoderNode.Concat c -> concat(ins, output);
            case DecoderNode.BinaryConvTranspose t -> convTranspose(t, in);
            case DecoderNode.PixelSoftmax s ->
                new Problems()
                        .expect(in.elem().isFloat() && output.elem().isFloat(), "input and output must be float")
                        .expect(is.rank() == 3 && is.equals(os), "input and output must be the same [C,H,W]")
                        .list();
            case DecoderNode.Sigmoid s ->
                new Problems()
                        .expect(in.elem().isFloat() && output.elem().isFloat(), "input and output must be float")
                        .expect(is.equals(os), "shape changes")
                        .list();
        };
    }

    private static boolean positive(int[] a, int len) {
        return a.length == len && Arrays.stream(a).allMatch(v -> v >= 1);
    }

    private static boolean within(int[] idx, int size) {
        for (int i : idx) if (i < 0 || i >= size) return false;
        return true;
    }

    private static List<String> concat(List<TensorType> ins, Value output) {
        Problems p = new Problems().expect(ins.size() >= 2, "needs two or more inputs");
        Shape os = output.shape();
        p.expect(os.rank() == 3, "output must be [C,H,W]");
        if (os.rank() != 3) return p.list();
        int channels = 0;
        for (TensorType t : ins) {
            Shape s = t.shape();
            boolean ok = s.rank() == 3 && s.dim(1) == os.dim(1) && s.dim(2) == os.dim(2);
            p.expect(ok, "inputs differ in height or width");
            p.expect(
                    t.elem().equals(output.elem()) && t.scale() == output.type().scale(), "inputs differ in type");
            if (ok) channels += s.dim(0);
        }
        return p.expect(channels == os.dim(0), "output channels are not the sum of the inputs'")
                .list();
    }

    private static List<String> convTranspose(DecoderNode.BinaryConvTranspose t, TensorType in) {
        Shape is = in.shape(), os = t.output().shape();
        Problems p = new Problems()
                .expect(in.elem().isIntegral(), "input must be integral")
                .expect(is.rank() == 3 && is.dim(0) == t.inChannels(), "input must be [C,H,W]")
                .expect(t.weights().rows() == t.inChannels() * t.kh() * t.kw(), "weight rows")
                .expect(os.rank() == 3 && os.dim(0) == t.weights().cols(), "output shape")
                .expect(t.output().elem().kind() == ElemType.Kind.INT, "output must be integer");
        boolean window = t.kh() >= 1
                && t.kw() >= 1
                && positive(t.strides(), 2)
                && positive(t.dilations(), 2)
                && t.pads().length == 4
                && Arrays.stream(t.pads()).allMatch(v -> v >= 0);
        // a program file may carry any numbers: the kernels divide by the strides
        p.expect(window, "kernel, strides, dilations (two, >= 1) or pads (four, >= 0) malformed");
        if (window && is.rank() == 3 && os.rank() == 3) {
            int[] op = t.outputPadding(is.dim(1), is.dim(2));
            int[] s = t.strides(), d = t.dilations();
            for (int a = 0; a < 2; a++) {
                // ONNX: output_padding is below the stride or the dilation
                p.expect(op[a] >= 0 && op[a] < Math.max(s[a], d[a]), "output size does not follow from the input");
            }
        }
        return p.list();
    }
}
