package org.bnncim.compiler.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bnncim.compiler.cost.TransposedRows;
import org.bnncim.ir.DecoderNode;
import org.bnncim.ir.DigitalNode;
import org.bnncim.ir.ElemType;
import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * Turns every binary dense, conv and transposed conv node into a crossbar layer: a K x N matrix applied at some
 * number of output positions. Conv is lowered by im2col: the IR already stores its weights as the (C_in*kh*kw) x
 * C_out matrix, and each output pixel is one application. ONNX zero padding has no value in the +-1 domain, so padded
 * rows are left undriven and the popcount is taken over the driven rows only (dot = 2P - K_active): exact, and the
 * report says so. A transposed conv is lowered the same way, see {@link TransposedRows}.
 */
public final class LowerToCrossbar implements LoweringPass {
    private static final PassInfo INFO =
            new PassInfo("lower-crossbar", Set.of(Property.FOLDED), Set.of(Property.CROSSBAR_LAYERS));

    private final Architecture arch;

    public LowerToCrossbar(Architecture arch) {
        this.arch = arch;
    }

    @Override
    public PassInfo info() {
        return INFO;
    }

    @Override
    public Mapping lower(Graph g) {
        List<LayerMap> layers = new ArrayList<>();
        for (Node n : g.nodes()) {
            switch (n) {
                case DecoderNode.BinaryConvTranspose c -> layers.add(transposed(g, c));
                // data movement: a Concat is a view (the reader's word lines take every source), a Resize is
                // address generation for the reader's word lines; the output activations run in the digital unit
                case DecoderNode.Resize r -> {}
                case DecoderNode.Concat c -> {}
                case DecoderNode.PixelSoftmax s -> {}
                case DecoderNode.Sigmoid s -> {}
                case Node.BinaryDense d ->
                    layers.add(new LayerMap(
                            d.name(),
                            "dense",
                            d.weights().rows(),
                            d.weights().cols(),
                            1,
                            inputBits(g, d.input()),
                            0,
                            0,
                            List.of(),
                            "",
                            -1,
                            0));
                case Node.BinaryConv c -> {
                    var os = c.output().shape();
                    int bits = inputBits(g, c.input());
                    String padding = !c.padded()
                            ? "none"
                            : bits > 1
                                    ? "zero padding: padded pixels are 0, their word lines get no pulse"
                                    : "zero padding: word lines of padded positions stay undriven; "
                                            + "dot = 2P - K_active per position";
                    layers.add(new LayerMap(
                            c.name(),
                            "conv",
                            c.weights().rows(),
                            c.weights().cols(),
                            os.dim(1) * os.dim(2),
                            bits,
                            0,
                            0,
                            List.of(),
                            padding,
                            -1,
                            0));
                }
                // the rest is periphery: comparators, float tail, input handling, data movement
                case Node.InputQuantize q -> {}
                case Node.InputBinarize b -> {}
                case Node.ScaleDropout s -> {}
                case Node.Affine a -> {}
                case Node.Sign s -> {}
                case Node.Threshold t -> {}
                // the digital unit: no crossbar
                case DigitalNode.Add a -> {}
                case DigitalNode.FloatDense d -> {}
                case DigitalNode.FloatConv c -> {}
                case Node.Quantize q -> {}
                case Node.MultiThreshold t -> {}
                case Node.MaxPool m -> {}
                case Node.AvgPool a -> {}
                case Node.Reshape r -> {}
                case Node.Softmax s -> {}
                case Node.McDropout m -> {}
            }
        }
        return new Mapping(arch, layers, List.of(), StochasticUnit.none());
    }

    /**
     * One mapping of the whole kernel, applied at every output position; each output phase drives only the rows whose
     * input position exists, so the popcount is over the driven rows as for a padded Conv (exact in the +-1 domain,
     * where an inserted zero has no value).
     */
    private LayerMap transposed(Graph g, DecoderNode.BinaryConvTranspose c) {
        var os = c.output().shape();
        var in = g.value(c.input()).shape();
        int k = c.weights().rows();
        int[] range = TransposedRows.perPositionRange(c, in);
        long positions = (long) os.dim(1) * os.dim(2);
        long driven = TransposedRows.driven(c, in);
        String note = "transposed: one mapping of the whole kernel; each output phase drives its own word lines ("
                + range[0] + " to " + range[1] + " of " + k + " per position, "
                + Math.round(100.0 * driven / (k * positions)) + "% of all row reads; zero-insertion would read all "
                + k + "), the rest stay undriven; dot = 2P - K_active per position";
        return new LayerMap(
                c.name(),
                "conv_transpose",
                k,
                c.weights().cols(),
                os.dim(1) * os.dim(2),
                inputBits(g, c.input()),
                0,
                0,
                List.of(),
                note,
                -1,
                0);
    }

    /**
     * Bit-serial reads per position: 1 for bipolar activations (gated or not), k for a k-bit integer input (the 8-bit
     * quantized input, or a k-bit activation, unsigned or two's complement: a signed input needs no flag here, the
     * graph's input type says it and its top plane is subtracted by the same shift-add).
     */
    private int inputBits(Graph g, String input) {
        ElemType e = g.value(input).elem();
        if (e.isBipolar() || e.kind() == ElemType.Kind.GATED_BIPOLAR) return 1;
        return e.bits();
    }
}
