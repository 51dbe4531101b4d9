package org.bnncim.ir.util;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Formattable;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code String.format(Locale.ROOT, ...)} for the handful of conversions reports use ({@code %d %s %n %% %.Nf}, each
 * with an optional width and {@code -} flag), with each pattern parsed once. Reports draw thousands of SVG shapes;
 * {@link java.util.Formatter} parses its pattern with a regular expression on every call, which made the HTML report
 * the slowest part of compiling a small model. Output is exactly {@code String.format}'s (half-up rounding of the
 * shortest decimal form, "-0.00" included); any other pattern or argument type is handed to {@code String.format}
 * itself.
 */
public final class Fmt {
    private static final ConcurrentHashMap<String, Object[]> PARSED = new ConcurrentHashMap<>();
    private static final Object[] UNSUPPORTED = new Object[0];
    private static final int D = -1, S = -2;
    private static final long[] POW10 = {
        1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000
    };

    private Fmt() {}

    public static String format(String pattern, Object... args) {
        return append(new StringBuilder(pattern.length() + 16 * args.length), pattern, args)
                .toString();
    }

    public static StringBuilder append(StringBuilder sb, String pattern, Object... args) {
        Object[] parts = PARSED.computeIfAbsent(pattern, Fmt::parse);
        int mark = sb.length();
        if (parts != UNSUPPORTED && appendParts(sb, parts, args)) return sb;
        sb.setLength(mark);
        return sb.append(String.format(Locale.ROOT, pattern, args));
    }

    /** False when an argument does not suit the fast path (the caller then lets String.format decide). */
    private static boolean appendParts(StringBuilder sb, Object[] parts, Object[] args) {
        int a = 0;
        for (Object p : parts) {
            if (p instanceof String lit) {
                sb.append(lit);
                continue;
            }
            if (a >= args.length) return false;
            Object arg = args[a++];
            Spec spec = (Spec) p;
            int code = spec.kind(), start = sb.length();
            if (code == D) {
                if (!(arg instanceof Integer || arg instanceof Long || arg instanceof Short || arg instanceof Byte))
                    return false;
                sb.append(((Number) arg).longValue());
            } else if (code == S) {
                if (arg instanceof Formattable) return false;
                sb.append(arg);
            } else {
                if (!(arg instanceof Double || arg instanceof Float)) return false;
                if (!fixed(sb, ((Number) arg).doubleValue(), code)) return false;
            }
            int pad = spec.width() - (sb.length() - start);
            if (pad > 0) {
                if (spec.left()) sb.repeat(' ', pad);
                else sb.insert(start, " ".repeat(pad));
            }
        }
        return true;
    }

    /**
     * {@code %.Nf}: rounded in long arithmetic unless the scaled value sits within a few ulps of a tie, where the
     * shortest decimal form decides.
     */
    private static boolean fixed(StringBuilder sb, double v, int n) {
        if (!Double.isFinite(v)) return false;
        if (Double.doubleToRawLongBits(v) < 0) sb.append('-');
        double abs = Math.abs(v), x = abs * POW10[n];
        long r;
        if (x < 1e15 && Math.abs(x - Math.floor(x) - 0.5) > 1e-7 + 8 * Math.ulp(x)) {
            r = (long) Math.floor(x + 0.5);
        } else {
            BigDecimal b = new BigDecimal(Double.toString(abs)).setScale(n, RoundingMode.HALF_UP);
            if (b.precision() > 18) return false;
            r = b.unscaledValue().longValueExact();
        }
        sb.append(r / POW10[n]);
        if (n > 0) {
            sb.append('.');
            String frac = Long.toString(r % POW10[n]);
            for (int i = frac.length(); i < n; i++) sb.append('0');
            sb.append(frac);
        }
        return true;
    }

    private static Object[] parse(String pattern) {
        List<Object> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%') {
                lit.append(c);
                continue;
            }
            if (i + 1 >= pattern.length()) return UNSUPPORTED;
            char d = pattern.charAt(++i);
            if (d == '%') {
                lit.append('%');
                continue;
            }
            if (d == 'n') {
                lit.append(System.lineSeparator());
                continue;
            }
            // %[-][width][.N]f, %[-][width]d, %[-][width]s
            boolean left = d == '-';
            int j = left ? i + 1 : i, width = 0;
            if (j < pattern.length() && pattern.charAt(j) == '0') return UNSUPPORTED; // the zero-padding flag
            while (j < pattern.length() && Character.isDigit(pattern.charAt(j)) && width < 1000)
                width = width * 10 + pattern.charAt(j++) - '0';
            if ((left && width == 0) || width >= 1000) return UNSUPPORTED;
            if (j >= pattern.length()) return UNSUPPORTED;
            int kind;
            char e = pattern.charAt(j);
            if (e == 'd' || e == 's') {
                kind = e == 'd' ? D : S;
            } else if (e == '.'
                    && j + 2 < pattern.length()
                    && Character.isDigit(pattern.charAt(j + 1))
                    && pattern.charAt(j + 2) == 'f') {
                kind = pattern.charAt(j + 1) - '0';
                j += 2;
            } else {
                return UNSUPPORTED;
            }
            flush(parts, lit);
            parts.add(new Spec(kind, width, left));
            i = j;
        }
        flush(parts, lit);
        return parts.toArray();
    }

    /** One conversion: {@link #D}, {@link #S} or a number of decimals, padded with spaces to {@code width}. */
    private record Spec(int kind, int width, boolean left) {}

    private static void flush(List<Object> parts, StringBuilder lit) {
        if (lit.length() > 0) parts.add(lit.toString());
        lit.setLength(0);
    }
}
