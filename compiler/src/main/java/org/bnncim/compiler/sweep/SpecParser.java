package org.bnncim.compiler.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bnncim.backends.sim.Faults;
import org.bnncim.compiler.arch.StrictJson;
import org.bnncim.compiler.driver.EvalData;
import org.bnncim.compiler.driver.Limits;
import org.bnncim.io.InputFiles;
import org.bnncim.io.Inputs;
import org.bnncim.ir.BnncimException;

/**
 * Reads a sweep spec (JSON, comments allowed) into a {@link SweepSpec}. Every problem is one line naming the file and
 * the key ({@code spec.json: crossbar[1]: ...}), found before any work starts. The format is docs/sweeps.md's.
 */
public final class SpecParser {
    private SpecParser() {}

    public static final long MAX_FILE_BYTES = 1L << 20;
    /** Values of one axis, and points of the whole grid: past these a spec is a mistake, not a sweep. */
    public static final int MAX_AXIS_VALUES = 10_000, MAX_POINTS = 100_000;

    private static final double EXACT = 0x1p53;

    static final Set<String> KEYS = Set.of(
            "models",
            "dataset",
            "ood",
            "limit",
            "threads",
            "partition_examples",
            "arch",
            "crossbar",
            "weight_encoding",
            "chips",
            "faults",
            "samples",
            "seed");
    private static final Set<String> MODEL_KEYS = Set.of("path", "name", "mc_dropout", "dataset", "ood");

    private static final ObjectMapper JSON = StrictJson.mapper(32, 1 << 16, 1 << 10, MAX_FILE_BYTES);

    /** Parses and checks {@code file}; paths in it are relative to its folder. */
    public static SweepSpec parse(Path file) {
        return parse(file, read(file));
    }

    /** The spec file's bytes, read as {@link #parse(Path)} reads them (for a caller that keeps them too). */
    public static byte[] read(Path file) {
        return InputFiles.read(file, "sweep spec", MAX_FILE_BYTES, null);
    }

    /** As {@link #parse(Path)}, from {@code bytes} already read from {@code file}. */
    public static SweepSpec parse(Path file, byte[] bytes) {
        JsonNode root = StrictJson.parse(JSON, bytes, file);
        Path dir = file.toAbsolutePath().normalize().getParent();
        return new SpecParser.Reader(file.toString(), dir).spec(root);
    }

    private record Reader(String file, Path dir) {
        BnncimException error(String key, String problem) {
            return new BnncimException(file + ": " + key + ": " + problem);
        }

        SweepSpec spec(JsonNode root) {
            if (root == null || !root.isObject()) throw new BnncimException(file + ": expected a JSON object");
            for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!KEYS.contains(k))
                    throw error(k, "unknown key (known: " + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
            }
            Integer limit = root.has("limit") && !root.get("limit").isNull()
                    ? (int) integer(root.get("limit"), "limit", 1, Integer.MAX_VALUE)
                    : null;
            int threads = root.has("threads")
                    ? (int) integer(root.get("threads"), "threads", 1, Limits.MAX_THREADS)
                    : Math.max(
                            1, Math.min(Limits.MAX_THREADS, Runtime.getRuntime().availableProcessors()));
            int partition = root.has("partition_examples")
                    ? (int) integer(root.get("partition_examples"), "partition_examples", 1, 1_000_000)
                    : 1000;
            String dataset = root.has("dataset") ? dataPath(root.get("dataset"), "dataset", true) : null;
            List<SweepSpec.DataSet> ood = root.has("ood") ? ood(root.get("ood"), "ood") : List.of();
            List<SweepSpec.Model> models = models(root.get("models"), dataset, ood);
            SweepSpec s = new SweepSpec(
                    file,
                    models,
                    archs(root.get("arch")),
                    crossbars(root.get("crossbar")),
                    encodings(root.get("weight_encoding")),
                    nullable(values(root.get("chips"), "chips", 1, Limits.MAX_CHIPS), v -> (int) (long) v),
                    faults(root.get("faults")),
                    root.has("samples")
                            ? values(root.get("samples"), "samples", 0, Limits.MAX_SAMPLES).stream()
                                    .map(v -> (int) (long) v)
                                    .toList()
                            : List.of(0),
                    root.has("seed") ? values(root.get("seed"), "seed", Long.MIN_VALUE, Long.MAX_VALUE) : List.of(0L),
                    limit,
                    threads,
                    partition);
            if (s.size() > MAX_POINTS)
                throw new BnncimException(file + ": " + s.size() + " grid points; at most " + MAX_POINTS);
            return s;
        }

        List<SweepSpec.Model> models(JsonNode n, String dataset, List<SweepSpec.DataSet> ood) {
            if (n == null) throw error("models", "missing (a list of ONNX files or {\"path\": ...} objects)");
            if (!n.isArray() || n.isEmpty()) throw error("models", "expected a non-empty list");
            List<SweepSpec.Model> out = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (int i = 0; i < n.size(); i++) {
                String key = "models[" + i + "]";
                JsonNode m = n.get(i);
                JsonNode path = m;
                String name = null, data = dataset;
                boolean mcd = false;
                List<SweepSpec.DataSet> o = ood;
                if (m.isObject()) {
                    for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
                        String k = it.next();
                        if (!MODEL_KEYS.contains(k))
                            throw error(key + "." + k, "unknown key (known: dataset, mc_dropout, name, ood, path)");
                    }
                    path = m.get("path");
                    if (path == null) throw error(key + ".path", "missing");
                    if (m.has("name")) name = text(m.get("name"), key + ".name");
                    if (m.has("mc_dropout")) {
                        if (!m.get("mc_dropout").isBoolean())
                            throw error(key + ".mc_dropout", "expected true or false");
                        mcd = m.get("mc_dropout").booleanValue();
                    }
                    if (m.has("dataset")) data = dataPath(m.get("dataset"), key + ".dataset", true);
                    if (m.has("ood")) o = ood(m.get("ood"), key + ".ood");
                }
                String where = m.isObject() ? key + ".path" : key;
                Path p = resolve(text(path, where), where);
                try {
                    InputFiles.regular(p, "model");
                } catch (BnncimException e) {
                    throw error(where, e.getMessage());
                }
                if (name == null) name = p.getFileName().toString().replaceFirst("(?i)\\.onnx$", "");
                if (!name.matches("[A-Za-z0-9._-]{1,64}"))
                    throw error(m.isObject() ? key + ".name" : key, "name '" + name + "' must be 1-64 of A-Za-z0-9._-");
                if (!names.add(name)) throw error(key, "a second model named '" + name + "'; give one a \"name\"");
                if (data == null) throw error(key, "no dataset: set \"dataset\" at the top or in this model");
                out.add(new SweepSpec.Model(name, p.toString(), mcd, data, o));
            }
            return List.copyOf(out);
        }

        /** {"name": path, ...} or [path, ...] (named as eval names them). */
        List<SweepSpec.DataSet> ood(JsonNode n, String key) {
            List<SweepSpec.DataSet> out = new ArrayList<>();
            if (n.isObject()) {
                for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    if (!name.matches("[A-Za-z0-9._-]{1,64}"))
                        throw error(key + "." + name, "a set's name must be 1-64 of A-Za-z0-9._-");
                    out.add(new SweepSpec.DataSet(name, dataPath(n.get(name), key + "." + name, false)));
                }
            } else if (n.isArray()) {
                List<Path> paths = new ArrayList<>();
                for (int i = 0; i < n.size(); i++) paths.add(Path.of(dataPath(n.get(i), key + "[" + i + "]", false)));
                List<String> names = EvalData.names(paths);
                for (int i = 0; i < paths.size(); i++)
                    out.add(new SweepSpec.DataSet(names.get(i), paths.get(i).toString()));
            } else {
                throw error(key, "expected {\"name\": folder, ...} or a list of folders");
            }
            if (out.size() > 16) throw error(key, "at most 16 OOD sets, got " + out.size());
            return List.copyOf(out);
        }

        String dataPath(JsonNode n, String key, boolean labels) {
            Path p = resolve(text(n, key), key);
            try {
                Inputs.datasetFiles(p, labels);
            } catch (BnncimException e) {
                throw error(key, e.getMessage());
            }
            return p.toString();
        }

        List<String> archs(JsonNode n) {
            if (n == null) return Collections.singletonList(null);
            List<String> out = new ArrayList<>();
            List<JsonNode> items = list(n);
            for (int i = 0; i < items.size(); i++) {
                String key = n.isArray() ? "arch[" + i + "]" : "arch";
                JsonNode a = items.get(i);
                if (a.isNull() || (a.isTextual() && a.textValue().equals("default"))) {
                    out.add(null);
                    continue;
                }
                Path p = resolve(text(a, key), key);
                try {
                    InputFiles.regular(p, "architecture file");
                    org.bnncim.compiler.arch.ArchitectureLoader.load(p);
                } catch (BnncimException e) {
                    throw error(key, e.getMessage());
                }
                out.add(p.toString());
            }
            return unmodifiable(out);
        }

        List<int[]> crossbars(JsonNode n) {
            if (n == null) return Collections.singletonList(null);
            if (n.isObject()) {
                List<Long> sides = values(n, "crossbar", 1, Limits.MAX_CROSSBAR_SIDE);
                return sides.stream()
                        .map(v -> new int[] {(int) (long) v, (int) (long) v})
                        .toList();
            }
            List<int[]> out = new ArrayList<>();
            List<JsonNode> items = list(n);
            for (int i = 0; i < items.size(); i++) {
                String key = n.isArray() ? "crossbar[" + i + "]" : "crossbar";
                JsonNode c = items.get(i);
                if (c.isIntegralNumber()) {
                    int side = (int) integer(c, key, 1, Limits.MAX_CROSSBAR_SIDE);
                    out.add(new int[] {side, side});
                } else {
                    try {
                        out.add(Limits.crossbar(key, text(c, key)));
                    } catch (IllegalArgumentException | BnncimException e) {
                        throw new BnncimException(file + ": " + e.getMessage());
                    }
                }
            }
            return unmodifiable(out);
        }

        List<String> encodings(JsonNode n) {
            if (n == null) return Collections.singletonList(null);
            List<String> out = new ArrayList<>();
            List<JsonNode> items = list(n);
            for (int i = 0; i < items.size(); i++) {
                String key = n.isArray() ? "weight_encoding[" + i + "]" : "weight_encoding";
                String e = text(items.get(i), key).toLowerCase(Locale.ROOT);
                if (!e.equals("single") && !e.equals("complementary"))
                    throw error(
                            key,
                            "expected single or complementary, got '"
                                    + items.get(i).asText() + "'");
                out.add(e);
            }
            return unmodifiable(out);
        }

        /** Fault settings: --faults strings, {"stuck-at": r, ...} objects, or {"kind": K, rates or a range}. */
        List<String> faults(JsonNode n) {
            if (n == null) return List.of(Faults.NONE.toString());
            List<String> out = new ArrayList<>();
            if (n.isObject() && n.has("kind")) {
                String kind = text(n.get("kind"), "faults.kind").toLowerCase(Locale.ROOT);
                if (!List.of("stuck-at", "read-flip", "rng-bias").contains(kind))
                    throw error("faults.kind", "expected stuck-at, read-flip or rng-bias, got '" + kind + "'");
                com.fasterxml.jackson.databind.node.ObjectNode range = n.deepCopy();
                range.remove("kind");
                JsonNode rates = range.has("rates") ? range.get("rates") : range;
                for (double r : doubles(rates, range.has("rates") ? "faults.rates" : "faults"))
                    out.add(fault("faults", kind + "=" + r));
                return unmodifiable(out);
            }
            List<JsonNode> items = list(n);
            for (int i = 0; i < items.size(); i++) {
                String key = n.isArray() ? "faults[" + i + "]" : "faults";
                JsonNode f = items.get(i);
                if (f.isNull()
                        || (f.isTextual()
                                && (f.textValue().isBlank() || f.textValue().equals("none")))) {
                    out.add(Faults.NONE.toString());
                } else if (f.isObject()) {
                    StringBuilder b = new StringBuilder();
                    for (Iterator<String> it = f.fieldNames(); it.hasNext(); ) {
                        String k = it.next();
                        if (!f.get(k).isNumber()) throw error(key + "." + k, "expected a number");
                        b.append(b.isEmpty() ? "" : ",")
                                .append(k)
                                .append('=')
                                .append(f.get(k).doubleValue());
                    }
                    out.add(fault(key, b.toString()));
                } else {
                    out.add(fault(key, text(f, key)));
                }
            }
            return unmodifiable(out);
        }

        String fault(String key, String spec) {
            try {
                Faults f = Faults.parse(spec);
                new Faults(f.stuckAt(), f.readFlip(), f.rngBias()); // range checks
                return f.toString();
            } catch (BnncimException | IllegalArgumentException e) {
                throw error(key, e.getMessage().replaceFirst("^--faults: ", ""));
            }
        }

        /** An integer axis: a number, a list, or a range {from, to, step|steps|factor} / {from, count}. */
        List<Long> values(JsonNode n, String key, long lo, long hi) {
            if (n == null) return Collections.singletonList(null);
            List<Long> out = new ArrayList<>();
            if (n.isObject()) {
                for (long v : longRange(n, key)) out.add(check(key, v, lo, hi));
            } else {
                List<JsonNode> items = list(n);
                for (int i = 0; i < items.size(); i++)
                    out.add(integer(items.get(i), n.isArray() ? key + "[" + i + "]" : key, lo, hi));
            }
            return unmodifiable(out);
        }

        /**
         * An integer range in exact arithmetic: seeds span the whole long range, where a double would round
         * neighbouring seeds to one value. A geometric range ({@code factor}) goes through doubles, within 2^53.
         */
        List<Long> longRange(JsonNode n, String key) {
            rangeKeys(n, key, true);
            long from = integer(n.get("from"), key + ".from", Long.MIN_VALUE, Long.MAX_VALUE);
            List<Long> out = new ArrayList<>();
            try {
                if (n.has("factor")) {
                    if (Math.abs((double) from) > EXACT || Math.abs(n.path("to").asDouble()) > EXACT)
                        throw error(key, "a range with factor must stay within +-2^53");
                    for (double d : range(n, key)) out.add((long) Math.rint(d));
                    return out;
                }
                if (n.has("count")) {
                    if (n.has("to")) throw error(key + ".to", "not with count");
                    long c = integer(n.get("count"), key + ".count", 1, MAX_AXIS_VALUES);
                    for (long i = 0; i < c; i++) out.add(Math.addExact(from, i));
                    return out;
                }
                if (!n.has("to")) throw error(key + ".to", "missing");
                long to = integer(n.get("to"), key + ".to", Long.MIN_VALUE, Long.MAX_VALUE);
                if (to < from) throw error(key + ".to", "less than from");
                BigInteger span = BigInteger.valueOf(to).subtract(BigInteger.valueOf(from));
                if (n.has("steps")) {
                    long c = integer(n.get("steps"), key + ".steps", 1, MAX_AXIS_VALUES);
                    for (long i = 0; i < c; i++) {
                        BigDecimal off = c == 1
                                ? BigDecimal.ZERO
                                : new BigDecimal(span.multiply(BigInteger.valueOf(i)))
                                        .divide(BigDecimal.valueOf(c - 1), 0, RoundingMode.HALF_EVEN);
                        out.add(off.toBigInteger().add(BigInteger.valueOf(from)).longValueExact());
                    }
                    return out;
                }
                long st = integer(n.get("step"), key + ".step", 1, Long.MAX_VALUE);
                if (span.divide(BigInteger.valueOf(st)).compareTo(BigInteger.valueOf(MAX_AXIS_VALUES)) >= 0)
                    throw error(key, "more than " + MAX_AXIS_VALUES + " values");
                for (long v = from; ; v += st) {
                    out.add(v);
                    if (BigInteger.valueOf(to).subtract(BigInteger.valueOf(v)).compareTo(BigInteger.valueOf(st)) < 0)
                        break;
                }
                return out;
            } catch (ArithmeticException e) {
                throw error(key, "values beyond the range of a 64-bit integer");
            }
        }

        private void rangeKeys(JsonNode n, String key, boolean integral) {
            Set<String> allowed = Set.of("from", "to", "step", "steps", "factor", "count");
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!allowed.contains(k))
                    throw error(
                            key + "." + k,
                            "unknown range key (from, to and one of step, steps, factor; or from" + " and count)");
                if (!n.get(k).isNumber()) throw error(key + "." + k, "expected a number");
                if (integral && !k.equals("factor") && !n.get(k).isIntegralNumber())
                    throw error(key + "." + k, "expected an integer");
            }
            if (!n.has("from")) throw error(key + ".from", "missing");
            int ways = (n.has("step") ? 1 : 0)
                    + (n.has("steps") ? 1 : 0)
                    + (n.has("factor") ? 1 : 0)
                    + (n.has("count") ? 1 : 0);
            if (ways != 1) throw error(key, "a range needs exactly one of step, steps, factor or count");
        }

        List<Double> doubles(JsonNode n, String key) {
            if (n.isObject()) return range(n, key);
            List<Double> out = new ArrayList<>();
            List<JsonNode> items = list(n);
            for (int i = 0; i < items.size(); i++) {
                JsonNode v = items.get(i);
                if (!v.isNumber()) throw error(n.isArray() ? key + "[" + i + "]" : key, "expected a number");
                out.add(v.doubleValue());
            }
            return out;
        }

        /** {from, to, step}, {from, to, steps} (both ends included), {from, to, factor}, or {from, count}. */
        List<Double> range(JsonNode n, String key) {
            rangeKeys(n, key, false);
            double from = n.get("from").doubleValue();
            List<Double> out = new ArrayList<>();
            if (n.has("count")) {
                if (n.has("to")) throw error(key + ".to", "not with count");
                long c = integer(n.get("count"), key + ".count", 1, MAX_AXIS_VALUES);
                for (long i = 0; i < c; i++) out.add(from + i);
                return out;
            }
            if (!n.has("to")) throw error(key + ".to", "missing");
            double to = n.get("to").doubleValue();
            if (to < from) throw error(key + ".to", "less than from");
            if (n.has("steps")) {
                long s = integer(n.get("steps"), key + ".steps", 1, MAX_AXIS_VALUES);
                for (long i = 0; i < s; i++) {
                    double v = s == 1 ? from : from + (to - from) * i / (s - 1);
                    out.add(v);
                }
            } else if (n.has("step")) {
                double st = n.get("step").doubleValue();
                if (!(st > 0)) throw error(key + ".step", "must be > 0");
                if ((to - from) / st >= MAX_AXIS_VALUES) throw error(key, "more than " + MAX_AXIS_VALUES + " values");
                for (long i = 0; from + i * st <= to + Math.abs(st) * 1e-9; i++) out.add(from + i * st);
            } else {
                double f = n.get("factor").doubleValue();
                if (!(f > 1)) throw error(key + ".factor", "must be > 1");
                if (!(from > 0)) throw error(key + ".from", "must be > 0 with factor");
                for (double v = from; v <= to * (1 + 1e-9) && out.size() <= MAX_AXIS_VALUES; v *= f) out.add(v);
            }
            if (out.size() > MAX_AXIS_VALUES) throw error(key, "more than " + MAX_AXIS_VALUES + " values");
            return out;
        }

        List<JsonNode> list(JsonNode n) {
            List<JsonNode> out = new ArrayList<>();
            if (n.isArray()) n.forEach(out::add);
            else out.add(n);
            if (out.isEmpty()) throw new BnncimException(file + ": an axis has an empty list");
            if (out.size() > MAX_AXIS_VALUES)
                throw new BnncimException(file + ": an axis has more than " + MAX_AXIS_VALUES + " values");
            return out;
        }

        long integer(JsonNode n, String key, long lo, long hi) {
            if (n == null || !n.isIntegralNumber() || !n.canConvertToLong())
                throw error(key, "expected an integer, got " + (n == null ? "nothing" : abbreviate(n.toString())));
            return check(key, n.longValue(), lo, hi);
        }

        long check(String key, long v, long lo, long hi) {
            if (v < lo || v > hi) throw error(key, v + " is out of range " + lo + ".." + hi);
            return v;
        }

        String text(JsonNode n, String key) {
            if (n == null || !n.isTextual() || n.textValue().isEmpty())
                throw error(
                        key, "expected a non-empty string, got " + (n == null ? "nothing" : abbreviate(n.toString())));
            return n.textValue();
        }

        Path resolve(String given, String key) {
            if (given.indexOf('\0') >= 0) throw error(key, "a path with a NUL character");
            try {
                return dir.resolve(given).toAbsolutePath().normalize();
            } catch (java.nio.file.InvalidPathException e) {
                throw error(key, "not a valid path");
            }
        }
    }

    static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    static <T> List<T> unmodifiable(List<T> l) {
        return Collections.unmodifiableList(new ArrayList<>(l));
    }

    static <T, R> List<R> nullable(List<T> in, java.util.function.Function<T, R> f) {
        List<R> out = new ArrayList<>();
        for (T t : in) out.add(t == null ? null : f.apply(t));
        return unmodifiable(out);
    }
}
