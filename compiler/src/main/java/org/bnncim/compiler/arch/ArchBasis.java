package org.bnncim.compiler.arch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an architecture file says its values come from: a comment after a key that starts with {@code [source]} or
 * {@code [assumption]}, as in the default file ({@code "r_parallel_ohm": 3000, // [source] NVSim ...}). Read line by
 * line: a key's note is the comment after its value on its own line, inside the group whose {@code "group": {} line
 * opened last. A layout this does not follow (several keys on a line, a group opened and closed on one line) only
 * loses notes; the report then calls those values the user's.
 */
final class ArchBasis {
    private ArchBasis() {}

    /** A note is shown in one table cell: longer ones are cut. */
    static final int MAX_NOTE_CHARS = 200;

    private static final Pattern KEY = Pattern.compile("\\s*\"(\\w{1,64})\"\\s*:");
    /** One value and its comma, nothing else, between a key and its comment (possessive: no backtracking). */
    private static final Pattern SCALAR = Pattern.compile("\\s*+(\"[^\"]*+\"|[-+\\w.]++)\\s*+,?+\\s*+");

    /**
     * Dotted key ({@code mtj.r_parallel_ohm}) to {@code "source: ..."} or {@code "assumption: ..."} (the bare tag when
     * the comment says no more).
     */
    static Map<String, String> of(String text) {
        Map<String, String> notes = new LinkedHashMap<>();
        String group = "";
        for (String line : text.split("\r?\n|\r")) {
            if (line.strip().startsWith("}")) {
                group = "";
                continue;
            }
            Matcher m = KEY.matcher(line);
            if (!m.lookingAt()) continue;
            String rest = line.substring(m.end());
            if (rest.strip().startsWith("{")) {
                if (rest.indexOf('}') < 0) group = m.group(1);
                continue;
            }
            int c = rest.indexOf("//");
            if (c < 0 || !SCALAR.matcher(rest.substring(0, c)).matches()) continue;
            String comment = rest.substring(c + 2).strip();
            for (String tag : new String[] {"source", "assumption"}) {
                if (!comment.startsWith("[" + tag + "]")) continue;
                String detail = clean(comment.substring(tag.length() + 2));
                String key = group.isEmpty() ? m.group(1) : group + "." + m.group(1);
                notes.put(key, detail.isEmpty() ? tag : tag + ": " + detail);
            }
        }
        return notes;
    }

    /** The comment's text without control characters, at most {@link #MAX_NOTE_CHARS} characters long. */
    private static String clean(String s) {
        int[] cps =
                s.strip().codePoints().filter(c -> !Character.isISOControl(c)).toArray();
        if (cps.length <= MAX_NOTE_CHARS) return new String(cps, 0, cps.length);
        return new String(cps, 0, MAX_NOTE_CHARS - 3) + "...";
    }
}
