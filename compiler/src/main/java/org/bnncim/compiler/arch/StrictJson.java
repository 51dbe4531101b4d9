package org.bnncim.compiler.arch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.bnncim.ir.BnncimException;

/**
 * The JSON files users write (architecture files, sweep specs): comments allowed; duplicate keys and trailing tokens
 * refused; nesting, string, name and document sizes capped, so a hostile file fails in one line instead of using up
 * memory; parse errors as one line naming the file.
 */
public final class StrictJson {
    private StrictJson() {}

    public static ObjectMapper mapper(int maxNesting, int maxString, int maxName, long maxBytes) {
        return new ObjectMapper(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder()
                                .maxNestingDepth(maxNesting)
                                .maxStringLength(maxString)
                                .maxNameLength(maxName)
                                .maxDocumentLength(maxBytes)
                                .maxNumberLength(64)
                                .build())
                        .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
                        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                        .build())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** {@code bytes}, read from {@code source}, as a tree; malformed JSON is one line naming the source. */
    public static JsonNode parse(ObjectMapper json, byte[] bytes, Object source) {
        try {
            return json.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new BnncimException(source + ": not valid JSON (" + shortMessage(e) + ")");
        } catch (IOException e) {
            throw new BnncimException(source + ": cannot read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Jackson's message may quote the offending text, which can be megabytes long: keep the gist and the line. */
    static String shortMessage(JsonProcessingException e) {
        String m = String.valueOf(e.getOriginalMessage());
        int nl = m.indexOf('\n');
        if (nl >= 0) m = m.substring(0, nl);
        if (m.length() > 160) m = m.substring(0, 160) + "...";
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? m : m + " at line " + at.getLineNr();
    }
}
