package org.bnncim.compiler.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.testing.Models;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/** report.json's own writer against Jackson's, the form it reproduces: random trees and every reference report. */
class JsonTextTest {
    private static final char[] CHARS = {
        'a', 'Z', '0', ' ', '"', '\\', '/', '\b', '\t', '\n', '\f', '\r', 0, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9f, 0xa0,
        0xe9, 0x2028, 0x2029, 0x4e2d, 0xd83d, 0xde00, 0xfffd, 0xfffe, 0xffff
    };

    private static String text(SplittableRandom r) {
        StringBuilder b = new StringBuilder();
        for (int i = r.nextInt(8); i > 0; i--) b.append(CHARS[r.nextInt(CHARS.length)]);
        return b.toString();
    }

    private static void fill(ObjectNode o, SplittableRandom r, int depth) {
        for (int i = r.nextInt(depth > 3 ? 3 : 6); i > 0; i--) {
            String k = text(r);
            switch (r.nextInt(depth > 3 ? 8 : 10)) {
                case 0 -> o.put(k, text(r));
                case 1 -> o.put(k, r.nextInt());
                case 2 -> o.put(k, r.nextLong());
                case 3 -> o.put(k, ReportJson.num(Double.longBitsToDouble(r.nextLong())));
                case 4 -> o.put(k, new BigDecimal(BigInteger.valueOf(r.nextLong()), r.nextInt(-20, 20)));
                case 5 -> o.put(k, r.nextBoolean());
                case 6 -> o.putNull(k);
                case 7 -> o.put(k, (short) r.nextInt(-30000, 30000));
                case 8 -> fill(o.putObject(k), r, depth + 1);
                default -> fill(o.putArray(k), r, depth + 1);
            }
        }
    }

    private static void fill(ArrayNode a, SplittableRandom r, int depth) {
        for (int i = r.nextInt(5); i > 0; i--) {
            switch (r.nextInt(depth > 3 ? 4 : 6)) {
                case 0 -> a.add(text(r));
                case 1 -> a.add(r.nextInt());
                case 2 -> a.add(ReportJson.num(r.nextDouble() * 1e9));
                case 3 -> a.addNull();
                case 4 -> fill(a.addObject(), r, depth + 1);
                default -> fill(a.addArray(), r, depth + 1);
            }
        }
    }

    @Test
    void randomTreesAreWrittenAsJacksonWritesThem() {
        SplittableRandom r = new SplittableRandom(5);
        for (int t = 0; t < 3_000; t++) {
            ObjectNode root = IrJson.MAPPER.createObjectNode();
            fill(root, r, 0);
            assertEquals(ReportJson.jackson(root), JsonText.write(root));
        }
    }

    @Test
    void aNodeKindItDoesNotWriteIsLeftToJackson() {
        ObjectNode root = IrJson.MAPPER.createObjectNode();
        root.put("x", 1.5);
        assertNull(JsonText.write(root));
    }

    @Test
    void everyReferenceReportIsWrittenAsJacksonWritesIt() {
        List<Architecture> arches = List.of(
                ArchitectureLoader.defaults(),
                ArchitectureLoader.defaults().withCrossbar(64, 64).withEncoding(Architecture.WeightEncoding.SINGLE));
        for (Path model : Models.all()) {
            for (Architecture a : arches) {
                Compiler.Compiled c = ReportSchemaTest.compile(model, a);
                JsonNode tree = ReportJson.tree(c.report(), Compiler.meta(c, true, null));
                assertEquals(ReportJson.jackson(tree), JsonText.write(tree), model.toString());
            }
        }
    }
}
