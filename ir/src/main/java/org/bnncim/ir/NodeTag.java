package org.bnncim.ir;

/**
 * Node opcodes of {@code program.bnc} (docs/program-format.md). Written as explicit numbers, never
 * {@code ordinal()}: reordering the constants must not change a byte of any program.
 */
public enum NodeTag implements WireCode {
    INPUT_QUANTIZE(0),
    INPUT_BINARIZE(1),
    BINARY_DENSE(2),
    BINARY_CONV(3),
    SCALE_DROPOUT(4),
    AFFINE(5),
    SIGN(6),
    THRESHOLD(7),
    MAX_POOL(8),
    AVG_POOL(9),
    RESHAPE(10),
    SOFTMAX(11),
    MC_DROPOUT(12),
    QUANTIZE(13),
    MULTI_THRESHOLD(14),
    ADD(15),
    FLOAT_DENSE(16),
    FLOAT_CONV(17),
    RESIZE(18),
    CONCAT(19),
    BINARY_CONV_TRANSPOSE(20),
    PIXEL_SOFTMAX(21),
    SIGMOID(22);

    private final int code;

    NodeTag(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }
}
