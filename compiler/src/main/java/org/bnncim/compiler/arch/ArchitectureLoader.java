package org.bnncim.compiler.arch;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;

/** Reads architecture files (JSON with comments); a missing key takes its value from the default file. */
public final class ArchitectureLoader {
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.ALLOW_COMMENTS);
    private static final String DEFAULT = "/org/bnncim/arch/default.json";

    private ArchitectureLoader() {}

    public static Architecture defaults() {
        return parse(defaultTree(), "built-in default architecture");
    }

    /** The default file's text, for users who want a starting point of their own. */
    public static String defaultText() {
        try (InputStream in = ArchitectureLoader.class.getResourceAsStream(DEFAULT)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("default architecture resource missing", e);
        }
    }

    private static JsonNode defaultTree() {
        try {
            return JSON.readTree(defaultText());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("default architecture is not valid JSON", e);
        }
    }

    public static Architecture load(Path file) {
        JsonNode user;
        try {
            user = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new BnncimException(file + ": no such file");
        } catch (JsonProcessingException e) {
            throw new BnncimException(file + ": not valid JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ")");
        } catch (IOException e) {
            throw new BnncimException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (user == null || !user.isObject()) throw new BnncimException(file + ": expected a JSON object");
        JsonNode merged = defaultTree().deepCopy();
        checkKeys(user, merged, file.toString(), "");
        merge((com.fasterxml.jackson.databind.node.ObjectNode) merged, user);
        return parse(merged, file.toString());
    }

    /** Unknown keys are typos far more often than intent: refuse them. */
    private static void checkKeys(JsonNode user, JsonNode known, String file, String prefix) {
        for (Iterator<String> it = user.fieldNames(); it.hasNext(); ) {
            String k = it.next();
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
            JsonNode xb = t.get("crossbar");
            String enc = text(xb, "weight_encoding", src).toUpperCase(Locale.ROOT);
            if (!Set.of("SINGLE", "COMPLEMENTARY").contains(enc)) {
                throw new BnncimException(src + ": weight_encoding must be single or complementary");
            }
            JsonNode e = t.get("energy_pj"), l = t.get("latency_ns"), a = t.get("area_um2");
            return new Architecture(
                    text(t, "name", src),
                    integer(xb, "rows", src),
                    integer(xb, "cols", src),
                    Architecture.WeightEncoding.valueOf(enc),
                    integer(t, "crossbars_per_tile", src),
                    integer(t, "tiles_per_chip", src),
                    integer(t, "chips", src),
                    integer(t, "input_bits", src),
                    integer(t, "psum_bits", src),
                    new Architecture.Energy(
                            num(e, "cell_read", src),
                            num(e, "sense_amp", src),
                            num(e, "adder_per_bit", src),
                            num(e, "threshold", src),
                            num(e, "stochastic_bit", src),
                            num(e, "buffer_per_bit", src),
                            num(e, "transfer_per_bit", src),
                            num(e, "digital_float_op", src),
                            num(e, "mask_gate", src)),
                    new Architecture.Latency(
                            num(l, "crossbar_read", src),
                            num(l, "adder_stage", src),
                            num(l, "threshold", src),
                            num(l, "stochastic_bit", src),
                            num(l, "transfer_per_word", src),
                            num(l, "digital_float_op", src)),
                    new Architecture.Area(
                            num(a, "cell", src),
                            num(a, "sense_amp", src),
                            num(a, "adder_per_bit", src),
                            num(a, "threshold_unit", src),
                            num(a, "stochastic_unit", src),
                            num(a, "buffer_per_bit", src),
                            num(a, "digital_unit", src),
                            num(a, "mask_gate", src)));
        } catch (IllegalArgumentException ex) {
            throw new BnncimException(src + ": " + ex.getMessage());
        }
    }

    private static JsonNode field(JsonNode o, String k, String src) {
        JsonNode v = o == null ? null : o.get(k);
        if (v == null || v.isNull()) throw new BnncimException(src + ": missing architecture key '" + k + "'");
        return v;
    }

    private static String text(JsonNode o, String k, String src) {
        JsonNode v = field(o, k, src);
        if (!v.isTextual()) throw new BnncimException(src + ": '" + k + "' must be a string");
        return v.asText();
    }

    private static int integer(JsonNode o, String k, String src) {
        JsonNode v = field(o, k, src);
        if (!v.canConvertToInt() || !v.isIntegralNumber())
            throw new BnncimException(src + ": '" + k + "' must be an integer");
        return v.asInt();
    }

    private static double num(JsonNode o, String k, String src) {
        JsonNode v = field(o, k, src);
        if (!v.isNumber() || v.asDouble() < 0 || !Double.isFinite(v.asDouble())) {
            throw new BnncimException(src + ": '" + k + "' must be a non-negative number");
        }
        return v.asDouble();
    }
}
