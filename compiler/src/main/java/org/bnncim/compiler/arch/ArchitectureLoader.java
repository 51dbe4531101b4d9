package org.bnncim.compiler.arch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.ArchLimits;
import org.bnncim.ir.arch.Architecture;

/**
 * Reads architecture files (JSON with comments); a missing key takes its value from the default file. The file is
 * hostile input: its size, nesting, string lengths and every value are capped (docs/robustness.md lists the caps)
 * so that neither parsing nor the cost totals computed from it can blow up.
 */
public final class ArchitectureLoader {
    /** The default file is about 4 KiB; a thousand times that is still no architecture anyone writes by hand. */
    public static final long MAX_FILE_BYTES = 1L << 20;

    static final int MAX_NESTING = 16;
    static final int MAX_STRING_CHARS = 4096;
    static final int MAX_NAME_CHARS = 256;
    /** The caps of {@link ArchLimits}, which program files meet too. */
    public static final int MAX_CROSSBAR_SIDE = ArchLimits.MAX_CROSSBAR_SIDE;

    public static final int MAX_CROSSBARS_PER_TILE = ArchLimits.MAX_CROSSBARS_PER_TILE;
    public static final int MAX_TILES_PER_CHIP = ArchLimits.MAX_TILES_PER_CHIP;
    public static final int MAX_CHIPS = ArchLimits.MAX_CHIPS;
    public static final long MAX_CROSSBARS_PER_CHIP = ArchLimits.MAX_CROSSBARS_PER_CHIP;
    public static final long MAX_CROSSBARS_TOTAL = ArchLimits.MAX_CROSSBARS_TOTAL;
    public static final double MAX_COST_VALUE = ArchLimits.MAX_COST_VALUE;
    /** The only input width the simulator and Verilog implement (see the message in {@link #parse}). */
    public static final int INPUT_BITS = 8;

    private static final ObjectMapper JSON =
            StrictJson.mapper(MAX_NESTING, MAX_STRING_CHARS, MAX_STRING_CHARS, MAX_FILE_BYTES);
    private static final String DEFAULT = "/org/bnncim/arch/default.json";

    private ArchitectureLoader() {}

    public static Architecture defaults() {
        return Default.ARCH;
    }

    /** The default file's text, for users who want a starting point of their own. */
    public static String defaultText() {
        return Default.TEXT;
    }

    /** The parsed default file, shared: callers that merge into it take a deep copy. */
    private static JsonNode defaultTree() {
        return Default.TREE;
    }

    /**
     * The default file read and parsed once per JVM: every compile's report asks for the defaults, and re-reading
     * the resource and its JSON was 6 % of a small model's compile (docs/benchmarks.md, goal 4).
     */
    private static final class Default {
        static final String TEXT = readText();
        static final JsonNode TREE = readTree();
        static final Architecture ARCH = parse(TREE, "built-in default architecture");

        private static String readText() {
            try (InputStream in = ArchitectureLoader.class.getResourceAsStream(DEFAULT)) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException | NullPointerException e) {
                throw new IllegalStateException("default architecture resource missing", e);
            }
        }

        private static JsonNode readTree() {
            try {
                return JSON.readTree(TEXT);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("default architecture is not valid JSON", e);
            }
        }
    }

    public static Architecture load(Path file) {
        return loadAnnotated(file).arch();
    }

    /**
     * An architecture file's values and the basis its comments give them.
     *
     * @param basis dotted key ({@code mtj.r_parallel_ohm}) to {@code "source: ..."} or {@code "assumption: ..."},
     *     for the keys whose comment starts with {@code [source]} or {@code [assumption]} (see {@link ArchBasis})
     */
    public record Annotated(Architecture arch, java.util.Map<String, String> basis) {
        public Annotated {
            basis = java.util.Map.copyOf(basis);
        }
    }

    /** As {@link #load}, with the notes of the file's comments. */
    public static Annotated loadAnnotated(Path file) {
        byte[] bytes = readCapped(file);
        JsonNode user = StrictJson.parse(JSON, bytes, file);
        if (user == null || !user.isObject()) throw new BnncimException(file + ": expected a JSON object");
        JsonNode merged = defaultTree().deepCopy();
        checkKeys(user, merged, file.toString(), "");
        merge((com.fasterxml.jackson.databind.node.ObjectNode) merged, user);
        Architecture a = parse(merged, file.toString());
        return new Annotated(a, notes(new String(bytes, java.nio.charset.StandardCharsets.UTF_8), user));
    }

    /**
     * The notes of a file's comments, less those copied from the default file beside a value that was changed: such
     * a note describes the default's value, not the user's.
     */
    private static java.util.Map<String, String> notes(String text, JsonNode user) {
        java.util.Map<String, String> notes = new java.util.LinkedHashMap<>(ArchBasis.of(text));
        java.util.Map<String, String> defaults = ArchBasis.of(defaultText());
        JsonNode d = defaultTree();
        notes.entrySet()
                .removeIf(e -> e.getValue().equals(defaults.get(e.getKey()))
                        && !sameValue(at(user, e.getKey()), at(d, e.getKey())));
        return notes;
    }

    private static JsonNode at(JsonNode root, String dotted) {
        JsonNode v = root;
        for (String part : dotted.split("\\.")) v = v == null || !v.isObject() ? null : v.get(part);
        return v;
    }

    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a == null || b == null) return false;
        if (a.isNumber() && b.isNumber()) return a.asDouble() == b.asDouble();
        return a.equals(b);
    }

    /**
     * FIFOs and devices are refused by type before opening ({@code /dev/zero} would otherwise be read until memory
     * runs out, a FIFO would hang); the read itself stops one byte past the cap in case the file grows meanwhile.
     */
    private static byte[] readCapped(Path file) {
        return org.bnncim.io.InputFiles.read(file, "architecture file", MAX_FILE_BYTES, null);
    }

    /** Keys of earlier versions whose figure is now derived, with where it comes from instead. */
    private static final java.util.Map<String, String> DERIVED = java.util.Map.of(
            "energy_pj.cell_read", "derived from 'mtj' (read voltage, resistances) and 'latency_ns.crossbar_read'",
            "energy_pj.sense_amp", "replaced by the 'converter' model (a SAR shared by several columns)",
            "area_um2.sense_amp", "replaced by the 'converter' model (a SAR shared by several columns)",
            "psum_bits", "sized per layer from its rows and input bits (docs/cost-model.md)");

    /** Unknown keys are typos far more often than intent: refuse them. */
    private static void checkKeys(JsonNode user, JsonNode known, String file, String prefix) {
        for (Iterator<String> it = user.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            String derived = DERIVED.get(prefix + k);
            if (derived != null)
                throw new BnncimException(file + ": architecture key '" + prefix + k + "' is no longer set: it is "
                        + derived + "; remove it");
            if (!known.has(k)) throw new BnncimException(file + ": unknown architecture key '" + prefix + k + "'");
            if (user.get(k).isObject()) checkKeys(user.get(k), known.get(k), file, prefix + k + ".");
        }
    }

    private static void merge(com.fasterxml.jackson.databind.node.ObjectNode into, JsonNode from) {
        for (Iterator<String> it = from.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            JsonNode v = from.get(k);
            if (v.isObject() && into.get(k) != null && into.get(k).isObject()) {
                merge((com.fasterxml.jackson.databind.node.ObjectNode) into.get(k), v);
            } else {
                into.set(k, v);
            }
        }
    }

    private static Architecture parse(JsonNode t, String src) {
        try {
            String enc = text(t, "crossbar.weight_encoding", src).toUpperCase(Locale.ROOT);
            if (!Set.of("SINGLE", "COMPLEMENTARY").contains(enc)) {
                throw new BnncimException(src + ": 'crossbar.weight_encoding' must be single or complementary");
            }
            String name = text(t, "name", src);
            if (name.length() > MAX_NAME_CHARS || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new BnncimException(
                        src + ": 'name' must be at most " + MAX_NAME_CHARS + " characters without control characters");
            }
            int perTile = integer(t, "crossbars_per_tile", src, 1, MAX_CROSSBARS_PER_TILE);
            int tiles = integer(t, "tiles_per_chip", src, 1, MAX_TILES_PER_CHIP);
            int chips = integer(t, "chips", src, 1, MAX_CHIPS);
            if ((long) perTile * tiles > MAX_CROSSBARS_PER_CHIP) {
                throw new BnncimException(src + ": 'crossbars_per_tile' x 'tiles_per_chip' = " + (long) perTile * tiles
                        + " crossbars per chip, more than the maximum " + MAX_CROSSBARS_PER_CHIP);
            }
            if ((long) perTile * tiles * chips > MAX_CROSSBARS_TOTAL) {
                throw new BnncimException(src + ": 'crossbars_per_tile' x 'tiles_per_chip' x 'chips' = "
                        + (long) perTile * tiles * chips + " crossbars, more than the maximum " + MAX_CROSSBARS_TOTAL);
            }
            // both keys used to be accepted and then ignored by the simulator and Verilog; until they honour other
            // widths, a different value is refused rather than reported as if it had an effect
            int inputBits = integer(t, "input_bits", src, Integer.MIN_VALUE, Integer.MAX_VALUE);
            if (inputBits != INPUT_BITS) {
                throw new BnncimException(src + ": 'input_bits' " + inputBits + " is not implemented: only "
                        + INPUT_BITS + " (each layer's input precision comes from the model's quantizers)");
            }
            return new Architecture(
                    name,
                    integer(t, "crossbar.rows", src, 2, MAX_CROSSBAR_SIDE),
                    integer(t, "crossbar.cols", src, 2, MAX_CROSSBAR_SIDE),
                    Architecture.WeightEncoding.valueOf(enc),
                    perTile,
                    tiles,
                    chips,
                    inputBits,
                    new Architecture.Energy(
                            num(t, "energy_pj.cell_write", src),
                            num(t, "energy_pj.wordline_drive", src),
                            num(t, "energy_pj.adder_per_bit", src),
                            num(t, "energy_pj.threshold", src),
                            num(t, "energy_pj.stochastic_bit", src),
                            num(t, "energy_pj.buffer_per_bit", src),
                            num(t, "energy_pj.transfer_per_bit", src),
                            num(t, "energy_pj.digital_float_op", src),
                            num(t, "energy_pj.mask_gate", src)),
                    new Architecture.Latency(
                            num(t, "latency_ns.row_write", src),
                            num(t, "latency_ns.crossbar_read", src),
                            num(t, "latency_ns.adder_stage", src),
                            num(t, "latency_ns.threshold", src),
                            num(t, "latency_ns.stochastic_bit", src),
                            num(t, "latency_ns.transfer_per_word", src),
                            num(t, "latency_ns.digital_float_op", src)),
                    new Architecture.Area(
                            num(t, "area_um2.cell", src),
                            num(t, "area_um2.wordline_driver", src),
                            num(t, "area_um2.adder_per_bit", src),
                            num(t, "area_um2.threshold_unit", src),
                            num(t, "area_um2.stochastic_unit", src),
                            num(t, "area_um2.buffer_per_bit", src),
                            num(t, "area_um2.digital_unit", src),
                            num(t, "area_um2.mask_gate", src)),
                    sensing(t, src),
                    activity(t, src));
        } catch (IllegalArgumentException ex) {
            throw new BnncimException(src + ": 'crossbar': " + ex.getMessage());
        }
    }

    private static Architecture.Activity activity(JsonNode t, String src) {
        double w = ranged(t, "stochastic_bit_split.write", src, 0, 1),
                r = ranged(t, "stochastic_bit_split.reset", src, 0, 1),
                d = ranged(t, "stochastic_bit_split.read", src, 0, 1);
        if (Math.abs(w + r + d - 1) > 1e-6) {
            throw new BnncimException(
                    src + ": 'stochastic_bit_split' write + reset + read must be 1, got " + (w + r + d));
        }
        return new Architecture.Activity(
                ranged(t, "activity.bit_serial_ones", src, 0, 1),
                ranged(t, "activity.interconnect_toggle", src, 0, 1),
                ranged(t, "activity.leakage_uw_per_mm2", src, 0, MAX_COST_VALUE),
                w,
                r,
                d);
    }

    private static Architecture.Sensing sensing(JsonNode t, String src) {
        return new Architecture.Sensing(
                integer(t, "crossbar.rows_per_read", src, 1, MAX_CROSSBAR_SIDE),
                ranged(t, "mtj.read_voltage_v", src, 1e-3, 10),
                ranged(t, "mtj.r_parallel_ohm", src, 1, MAX_COST_VALUE),
                ranged(t, "mtj.r_antiparallel_ohm", src, 1, MAX_COST_VALUE),
                ranged(t, "mtj.bitline_ohm_per_cell", src, 0, 1e6),
                ranged(t, "mtj.max_ir_drop_fraction", src, 0, 1),
                integer(t, "converter.bits", src, 0, 16),
                integer(t, "converter.columns_per_converter", src, 1, MAX_CROSSBAR_SIDE),
                num(t, "converter.power_uw_per_bit", src),
                num(t, "converter.power_uw_fixed", src),
                num(t, "converter.cycle_ns", src),
                num(t, "converter.transistor_area_um2", src));
    }

    /** {@code key} is the dotted path from the root, so that every message names the key as the file spells it. */
    private static JsonNode field(JsonNode root, String key, String src) {
        JsonNode v = root;
        for (String part : key.split("\\.")) v = v == null || !v.isObject() ? null : v.get(part);
        if (v == null || v.isNull()) throw new BnncimException(src + ": missing architecture key '" + key + "'");
        return v;
    }

    private static String text(JsonNode o, String k, String src) {
        JsonNode v = field(o, k, src);
        if (!v.isTextual()) throw new BnncimException(src + ": '" + k + "' must be a string");
        return v.asText();
    }

    private static int integer(JsonNode o, String k, String src, int min, int max) {
        JsonNode v = field(o, k, src);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            String range = min == Integer.MIN_VALUE ? "" : " in " + min + ".." + max;
            throw new BnncimException(src + ": '" + k + "' must be an integer" + range + ", got " + shown(v));
        }
        return v.asInt();
    }

    private static double num(JsonNode o, String k, String src) {
        JsonNode v = field(o, k, src);
        if (!v.isNumber() || !(v.asDouble() >= 0 && v.asDouble() <= MAX_COST_VALUE)) {
            throw new BnncimException(
                    src + ": '" + k + "' must be a number in 0.." + MAX_COST_VALUE + ", got " + shown(v));
        }
        return v.asDouble();
    }

    /**
     * A physical quantity in a range that keeps every figure derived from it finite (a resistance divides, so it
     * cannot be 0 or near it).
     */
    private static double ranged(JsonNode o, String k, String src, double min, double max) {
        JsonNode v = field(o, k, src);
        if (!v.isNumber() || !(v.asDouble() >= min && v.asDouble() <= max)) {
            throw new BnncimException(
                    src + ": '" + k + "' must be a number in " + plain(min) + ".." + plain(max) + ", got " + shown(v));
        }
        return v.asDouble();
    }

    private static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** The offending value as written, cut short: it may be a long string or a nested object. */
    private static String shown(JsonNode v) {
        String s = v.toString();
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
