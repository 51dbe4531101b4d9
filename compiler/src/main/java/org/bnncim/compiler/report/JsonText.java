package org.bnncim.compiler.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ShortNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Map;
import org.bnncim.ir.SafeText;

/**
 * A report's JSON tree as text, in the form Jackson's default pretty printer gives it with bnncim's escapes
 * ({@link IrJson}) and big decimals written plainly. Jackson's generator took half of report.json's time on a small
 * model, for a few hundred nodes: its per-call set-up and per-token indirection, not the text. The form is Jackson's
 * byte for byte (JsonTextTest compares the two on random trees); a tree holding a node kind not handled here is
 * written by Jackson itself.
 */
final class JsonText {
    private static final String NL = System.lineSeparator();
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private JsonText() {}

    /** The text, or null when the tree holds a node kind this writer does not handle. */
    static String write(JsonNode root) {
        StringBuilder sb = new StringBuilder(16 * 1024);
        return value(sb, root, 0) ? sb.toString() : null;
    }

    private static boolean value(StringBuilder sb, JsonNode n, int depth) {
        switch (n) {
            case ObjectNode o -> {
                if (o.isEmpty()) {
                    sb.append("{ }");
                    return true;
                }
                sb.append('{');
                boolean first = true;
                for (Map.Entry<String, JsonNode> e : o.properties()) {
                    if (!first) sb.append(',');
                    first = false;
                    sb.append(NL);
                    indent(sb, depth + 1);
                    string(sb, e.getKey());
                    sb.append(" : ");
                    if (!value(sb, e.getValue(), depth + 1)) return false;
                }
                sb.append(NL);
                indent(sb, depth);
                sb.append('}');
            }
            case ArrayNode a -> {
                if (a.isEmpty()) {
                    sb.append("[ ]");
                    return true;
                }
                sb.append("[ ");
                for (int i = 0; i < a.size(); i++) {
                    if (i > 0) sb.append(", ");
                    if (!value(sb, a.get(i), depth)) return false;
                }
                sb.append(" ]");
            }
            case TextNode t -> string(sb, t.textValue());
            case IntNode i -> sb.append(i.intValue());
            case ShortNode s -> sb.append(s.intValue());
            case LongNode l -> sb.append(l.longValue());
            case BigIntegerNode b -> sb.append(b.bigIntegerValue());
            case DecimalNode d -> sb.append(d.decimalValue().toPlainString());
            case BooleanNode b -> sb.append(b.booleanValue());
            case NullNode x -> sb.append("null");
            default -> {
                return false;
            }
        }
        return true;
    }

    private static void indent(StringBuilder sb, int depth) {
        sb.repeat(' ', 2 * depth);
    }

    /** A quoted string: JSON's short escapes, other C0 and DEL as upper-case \\u, the rest of SafeText's lower. */
    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        int n = s.length(), from = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') continue;
            if (c >= 0x80 && !SafeText.unsafe(c)) continue;
            sb.append(s, from, i);
            from = i + 1;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c <= 0x7f) {
                        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        sb.append("\\u").append(String.format("%04x", (int) c));
                    }
                }
            }
        }
        sb.append(s, from, n).append('"');
    }
}
