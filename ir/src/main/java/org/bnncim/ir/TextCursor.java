package org.bnncim.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * A position in one line of the text read by {@link TextParser}; every token may be preceded by spaces. Errors
 * name the line the parser is on.
 */
final class TextCursor {
    private final TextParser parser;
    final String s;
    int pos;

    TextCursor(TextParser parser, String s, int pos) {
        this.parser = parser;
        this.s = s;
        this.pos = pos;
    }

    void spaces() {
        while (pos < s.length() && s.charAt(pos) == ' ') pos++;
    }

    String rest() {
        return pos >= s.length() ? "end of line" : "'" + s.substring(pos, Math.min(s.length(), pos + 30)) + "'";
    }

    boolean tryExpect(String tok) {
        spaces();
        if (s.startsWith(tok, pos)) {
            pos += tok.length();
            return true;
        }
        return false;
    }

    void expect(String tok) {
        if (!tryExpect(tok)) throw parser.error("expected '" + tok + "' at column " + (pos + 1) + ", found " + rest());
    }

    void end() {
        spaces();
        if (pos < s.length()) throw parser.error("unexpected " + rest() + " at column " + (pos + 1));
    }

    String word() {
        spaces();
        int b = pos;
        while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) pos++;
        if (b == pos) throw parser.error("expected a word at column " + (pos + 1) + ", found " + rest());
        return s.substring(b, pos);
    }

    String ref() {
        spaces();
        if (pos >= s.length() || s.charAt(pos) != '%')
            throw parser.error("expected a value '%name' at column " + (pos + 1) + ", found " + rest());
        pos++;
        if (pos < s.length() && s.charAt(pos) == '"') {
            StringBuilder sb = new StringBuilder();
            for (pos++; ; pos++) {
                if (pos >= s.length()) throw parser.error("unterminated quoted value name");
                char c = s.charAt(pos);
                if (c == '"') {
                    pos++;
                    return sb.toString();
                }
                if (c == '\\') {
                    if (++pos >= s.length()) throw parser.error("unterminated quoted value name");
                    sb.append(parser.unescapeChar(s.charAt(pos)));
                } else {
                    sb.append(c);
                }
            }
        }
        int b = pos;
        // a plain name has no ',' (TextPrinter.plainName), so the ", " between two inputs ends it
        while (pos < s.length() && s.charAt(pos) != ' ' && s.charAt(pos) != ',') pos++;
        String name = s.substring(b, pos);
        if (name.isEmpty()) throw parser.error("empty value name at column " + (b + 1));
        return name;
    }

    TensorType type() {
        spaces();
        int b = pos;
        while (pos < s.length() && Character.isLetterOrDigit(s.charAt(pos))) pos++;
        String e = s.substring(b, pos);
        ElemType elem;
        try {
            if (e.equals("bipolar")) elem = ElemType.BIPOLAR;
            else if (e.equals("ternary")) elem = ElemType.GATED_BIPOLAR;
            else if (e.matches("[uif][0-9]+")) {
                int bits = Integer.parseInt(e.substring(1));
                elem = new ElemType(
                        switch (e.charAt(0)) {
                            case 'u' -> ElemType.Kind.UINT;
                            case 'i' -> ElemType.Kind.INT;
                            default -> ElemType.Kind.FLOAT;
                        },
                        bits);
            } else throw parser.error("unknown element type '" + e + "' (bipolar, uN, iN, fN)");
        } catch (IllegalArgumentException ex) {
            throw parser.error("element type " + e + ": " + ex.getMessage());
        }
        if (pos >= s.length() || s.charAt(pos) != '[') throw parser.error("expected '[' after element type " + e);
        int[] dims = intList();
        Shape shape;
        try {
            shape = Shape.of(dims);
        } catch (IllegalArgumentException ex) {
            throw parser.error(ex.getMessage());
        }
        double scale = 1.0;
        if (pos < s.length() && s.charAt(pos) == '*') {
            pos++;
            if (s.startsWith("1/", pos)) {
                pos += 2;
                scale = 1.0 / integer();
            } else {
                int b2 = pos;
                while (pos < s.length() && s.charAt(pos) != ' ') pos++;
                try {
                    scale = Double.parseDouble(s.substring(b2, pos));
                } catch (NumberFormatException ex) {
                    throw parser.error("bad type scale '" + s.substring(b2, pos) + "'");
                }
            }
        }
        try {
            return new TensorType(elem, shape, scale);
        } catch (IllegalArgumentException ex) {
            throw parser.error("type: " + ex.getMessage());
        }
    }

    /** {@code [a,b,...]}, possibly empty. */
    int[] intList() {
        expect("[");
        List<Integer> out = new ArrayList<>();
        if (!tryExpect("]")) {
            do out.add(integer());
            while (tryExpect(","));
            expect("]");
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    int[] ints(int count) {
        int b = pos;
        int[] a = intList();
        if (a.length != count) {
            pos = b;
            throw parser.error("expected " + count + " integers at column " + (b + 1) + ", found " + a.length);
        }
        return a;
    }

    long longNumber() {
        spaces();
        int b = pos;
        if (pos < s.length() && (s.charAt(pos) == '-' || s.charAt(pos) == '+')) pos++;
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
        try {
            return Long.parseLong(s.substring(b, pos));
        } catch (NumberFormatException ex) {
            pos = b;
            throw parser.error("expected an integer at column " + (b + 1) + ", found " + rest());
        }
    }

    int integer() {
        long v = longNumber();
        if (v != (int) v) throw parser.error("integer " + v + " out of range");
        return (int) v;
    }

    float floatNumber() {
        spaces();
        int b = pos;
        while (pos < s.length() && " ,;]}".indexOf(s.charAt(pos)) < 0) pos++;
        String tok = s.substring(b, pos);
        try {
            if (tok.startsWith("nan:0x")) return Float.intBitsToFloat(Integer.parseUnsignedInt(tok.substring(6), 16));
            if (tok.isEmpty() || tok.endsWith("f") || tok.endsWith("F") || tok.endsWith("d") || tok.endsWith("D")) {
                throw new NumberFormatException();
            }
            return Float.parseFloat(tok);
        } catch (NumberFormatException ex) {
            pos = b;
            throw parser.error("expected a number at column " + (b + 1) + ", found " + rest());
        }
    }

    /** {@code [a b c]}, possibly empty. */
    float[] floatList() {
        expect("[");
        List<Float> out = new ArrayList<>();
        while (!tryExpect("]")) {
            if (pos >= s.length()) throw parser.error("unterminated list");
            out.add(floatNumber());
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) a[i] = out.get(i);
        return a;
    }

    /** A scalar or {@code [a b c]}. */
    float[] floats() {
        if (!tryExpect("[")) return new float[] {floatNumber()};
        List<Float> out = new ArrayList<>();
        while (!tryExpect("]")) {
            if (pos >= s.length()) throw parser.error("unterminated list");
            out.add(floatNumber());
        }
        if (out.isEmpty()) throw parser.error("empty constant list");
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) a[i] = out.get(i);
        return a;
    }

    boolean comparator() {
        if (tryExpect(">=")) return true;
        if (tryExpect("<=")) return false;
        throw parser.error("expected '>=' or '<=' at column " + (pos + 1) + ", found " + rest());
    }

    ThresholdSet thresholdSet() {
        expect("[");
        List<Long> t = new ArrayList<>();
        List<Boolean> ge = new ArrayList<>();
        while (!tryExpect("]")) {
            if (pos >= s.length()) throw parser.error("unterminated threshold list");
            ge.add(comparator());
            t.add(longNumber());
        }
        long[] ta = new long[t.size()];
        boolean[] ga = new boolean[ge.size()];
        for (int i = 0; i < ta.length; i++) {
            ta[i] = t.get(i);
            ga[i] = ge.get(i);
        }
        return new ThresholdSet(ta, ga);
    }

    /** {@code [>=1,3,5 <=4,2,0]}: per channel a direction and its thresholds, the same count for every channel. */
    LevelSet levelSet() {
        expect("[");
        List<Long> t = new ArrayList<>();
        List<Boolean> ge = new ArrayList<>();
        int steps = -1;
        while (!tryExpect("]")) {
            if (pos >= s.length()) throw parser.error("unterminated threshold list");
            ge.add(comparator());
            int n = 0;
            do {
                t.add(longNumber());
                n++;
            } while (tryExpect(","));
            if (steps >= 0 && n != steps) {
                throw parser.error("channel " + (ge.size() - 1) + " has " + n + " thresholds, channel 0 has " + steps);
            }
            steps = n;
        }
        if (ge.isEmpty()) throw parser.error("empty threshold list");
        long[] ta = new long[t.size()];
        boolean[] ga = new boolean[ge.size()];
        for (int i = 0; i < ta.length; i++) ta[i] = t.get(i);
        for (int i = 0; i < ga.length; i++) ga[i] = ge.get(i);
        try {
            return new LevelSet(ta, ga, steps);
        } catch (IllegalArgumentException e) {
            throw parser.error(e.getMessage());
        }
    }
}
