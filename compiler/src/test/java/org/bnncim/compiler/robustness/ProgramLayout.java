package org.bnncim.compiler.robustness;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The field layout of a {@code program.bnc}, walked from docs/program-format.md independently of
 * {@code ProgramCodec}: a second reading of the format, so that the fuzzer mutates a count as a count and a
 * float as a float rather than whatever bytes a random offset lands in. The crossbar images are one opaque region
 * (any bit pattern there is a valid program); byte-level mutations reach them.
 */
final class ProgramLayout {
    /** What a field means, which decides the values worth trying in it. */
    enum Kind {
        COUNT,
        STRING_LENGTH,
        INT,
        DIM,
        LONG,
        FLOAT,
        DOUBLE,
        BOOL,
        BYTE,
        ENUM
    }

    record Field(int offset, int width, Kind kind) {}

    private final ByteBuffer in;
    private final List<Field> fields = new ArrayList<>();

    private ProgramLayout(byte[] program) {
        this.in = ByteBuffer.wrap(program);
    }

    /** Every field of a valid program, in file order. */
    static List<Field> of(byte[] program) {
        ProgramLayout w = new ProgramLayout(program);
        w.in.position(7);
        int version = w.e();
        w.str();
        for (int i = w.count(); i > 0; i--) {
            w.str();
            w.str();
        }
        for (int i = w.count(); i > 0; i--) w.value();
        for (int i = w.count(); i > 0; i--) w.node(version);
        for (int i = w.count(); i > 0; i--) w.str();
        w.mapping();
        w.count(); // crossbar images follow, opaque
        return List.copyOf(w.fields);
    }

    private int at(int width, Kind kind) {
        fields.add(new Field(in.position(), width, kind));
        return in.position();
    }

    private int i(Kind kind) {
        at(4, kind);
        return in.getInt();
    }

    private int count() {
        return i(Kind.COUNT);
    }

    private void f() {
        at(4, Kind.FLOAT);
        in.getFloat();
    }

    private void d() {
        at(8, Kind.DOUBLE);
        in.getDouble();
    }

    private void l() {
        at(8, Kind.LONG);
        in.getLong();
    }

    private int e() {
        at(1, Kind.ENUM);
        return in.get() & 0xFF;
    }

    private boolean bool() {
        at(1, Kind.BOOL);
        return in.get() != 0;
    }

    private void str() {
        int n = i(Kind.STRING_LENGTH);
        in.position(in.position() + n);
    }

    private void ints(Kind kind) {
        for (int n = count(); n > 0; n--) i(kind);
    }

    private void floats() {
        for (int n = count(); n > 0; n--) f();
    }

    private void value() {
        str();
        e();
        at(1, Kind.BYTE);
        in.get();
        ints(Kind.DIM);
        d();
    }

    private void set() {
        for (int n = count(); n > 0; n--) {
            l();
            bool();
        }
    }

    private void levels() {
        int ch = count(), steps = count();
        for (int c = 0; c < ch; c++) {
            bool();
            for (int s = 0; s < steps; s++) l();
        }
    }

    private void window() {
        ints(Kind.DIM);
        ints(Kind.DIM);
        ints(Kind.DIM);
    }

    private void node(int version) {
        int tag = e();
        str();
        str();
        value();
        switch (tag) {
            case 0 -> { // input quantize
                i(Kind.INT);
                i(Kind.INT);
            }
            case 1 -> { // input binarize
                floats();
                for (int n = count(); n > 0; n--) bool();
            }
            case 3, 20 -> { // binary conv, binary conv transpose
                for (int k = 0; k < 3; k++) i(Kind.DIM);
                window();
            }
            case 4 -> { // scale dropout
                floats();
                floats();
                f();
                i(Kind.INT);
            }
            case 5 -> { // affine
                for (int n = count(); n > 0; n--) {
                    e();
                    floats();
                }
            }
            case 7 -> { // threshold
                set();
                if (bool()) {
                    i(Kind.INT);
                    f();
                    set();
                    set();
                }
            }
            case 8 -> window();
            case 9 -> {
                window();
                bool();
            }
            case 12 -> f();
            case 13 -> { // quantize
                i(Kind.INT);
                i(Kind.INT);
                floats();
            }
            case 14 -> { // multi-threshold
                i(Kind.INT);
                levels();
                if (bool()) {
                    i(Kind.INT);
                    f();
                    levels();
                    levels();
                }
            }
            case 15 -> str(); // add
            case 16 -> { // float dense
                i(Kind.DIM);
                i(Kind.DIM);
                floats();
                floats();
            }
            case 17 -> { // float conv
                for (int k = 0; k < 4; k++) i(Kind.DIM);
                window();
                floats();
                floats();
            }
            case 18 -> { // resize
                ints(Kind.INT);
                ints(Kind.INT);
            }
            case 19 -> { // concat
                for (int n = count(); n > 0; n--) str();
            }
            default -> {} // no fields: binary dense, sign, reshape, softmax, pixel softmax, sigmoid
        }
    }

    private void mapping() {
        str();
        i(Kind.DIM);
        i(Kind.DIM);
        e();
        for (int k = 0; k < 4; k++) i(Kind.INT); // crossbars per tile, tiles per chip, chips, input bits
        for (int k = 0; k < 9 + 7 + 8; k++) d(); // energies, latencies, areas
        for (int k = 0; k < 3; k++) i(Kind.INT); // sensing: rows per read, converter bits, columns per converter
        for (int k = 0; k < 9; k++) d();
        for (int k = 0; k < 6; k++) d(); // activity: bit-serial ones, toggle, leakage, random-bit write/reset/read
        for (int n = count(); n > 0; n--) {
            str();
            str();
            for (int k = 0; k < 8; k++) i(Kind.INT);
            str();
            for (int p = count(); p > 0; p--) for (int k = 0; k < 7; k++) i(Kind.INT);
        }
        for (int n = count(); n > 0; n--) for (int k = 0; k < 4; k++) i(Kind.INT);
        e();
        i(Kind.INT);
        for (int n = count(); n > 0; n--) {
            i(Kind.INT);
            str();
            f();
        }
        e(); // the Monte-Carlo schedule: order, then each node's name and depth
        for (int n = count(); n > 0; n--) {
            str();
            i(Kind.INT);
        }
    }
}
