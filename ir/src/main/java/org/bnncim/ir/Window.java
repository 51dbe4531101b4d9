package org.bnncim.ir;

import java.util.Arrays;
import java.util.Objects;

/** A pooling window: kernel and strides (height, width) and pads (top, left, bottom, right). */
public record Window(int[] kernel, int[] strides, int[] pads) {
    public Window {
        kernel = kernel.clone();
        strides = strides.clone();
        pads = pads.clone();
    }

    @Override
    public int[] kernel() {
        return kernel.clone();
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    @Override
    public int[] pads() {
        return pads.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Window w
                && Arrays.equals(kernel, w.kernel)
                && Arrays.equals(strides, w.strides)
                && Arrays.equals(pads, w.pads);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(kernel), Arrays.hashCode(strides), Arrays.hashCode(pads));
    }
}
