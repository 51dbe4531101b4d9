package org.bnncim.ir;

/** A named SSA value: produced once (by a graph input or one node), consumed any number of times. */
public record Value(String name, TensorType type) {
    public Shape shape() {
        return type.shape();
    }

    public ElemType elem() {
        return type.elem();
    }
}
