package org.bnncim.ir.mapping;

import java.util.List;

/**
 * How one crossbar layer (a binary dense or conv node) is computed: its K x N matrix, how many times it is applied
 * per pass (conv output positions), the input precision (8 for a bit-serial first layer), and its pieces.
 *
 * @param rowTiles number of distinct k-ranges: partial popcounts that meet in the adder tree
 * @param colTiles number of distinct n-ranges
 * @param padding  how ONNX zero padding is realised (conv only), for the report
 * @param stochasticBit the stochastic unit's bit slot that selects this layer's threshold set, or -1
 */
public record LayerMap(
        String layer,
        String kind,
        int k,
        int n,
        int positions,
        int inputBits,
        int rowTiles,
        int colTiles,
        List<Piece> pieces,
        String padding,
        int stochasticBit,
        int dropoutNeurons) {
    public LayerMap {
        pieces = List.copyOf(pieces);
    }

    public long weights() {
        return (long) k * n;
    }

    public LayerMap withPieces(List<Piece> p, int rt, int ct) {
        return new LayerMap(layer, kind, k, n, positions, inputBits, rt, ct, p, padding, stochasticBit, dropoutNeurons);
    }

    public LayerMap withStochastic(int bit, int neurons) {
        return new LayerMap(layer, kind, k, n, positions, inputBits, rowTiles, colTiles, pieces, padding, bit, neurons);
    }
}
