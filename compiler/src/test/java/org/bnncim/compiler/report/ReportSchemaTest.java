package org.bnncim.compiler.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Models;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.arch.Architecture;
import org.junit.jupiter.api.Test;

/** Every reference model's report.json against docs/report-schema.json, with a maintained JSON Schema validator. */
class ReportSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    // a JSON number in E-notation: the report writes every number plainly
    private static final Pattern E_NUMBER = Pattern.compile("[:\\[,]\\s*-?[0-9]+(\\.[0-9]+)?[eE]");

    static Schema schema() throws Exception {
        JsonNode doc =
                JSON.readTree(Paths.root().resolve("docs/report-schema.json").toFile());
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(doc);
    }

    static Compiler.Compiled compile(Path model, Architecture arch) {
        var imp = new OnnxImporter.Options(Models.mcDropout(model), false, 255);
        return Compiler.compile(model, new Compiler.Options(imp, arch, 20, Set.of()), s -> {});
    }

    private static String reportJson(Compiler.Compiled c) {
        return new String(Compiler.outputs(c, true).get("report.json"), StandardCharsets.UTF_8);
    }

    @Test
    void everyReferenceModelsReportMatchesTheSchema() throws Exception {
        Schema schema = schema();
        List<Architecture> arches = List.of(
                ArchitectureLoader.defaults(),
                ArchitectureLoader.defaults().withCrossbar(64, 64).withEncoding(Architecture.WeightEncoding.SINGLE));
        for (Path model : Models.all()) {
            for (Architecture a : arches) {
                var c = compile(model, a);
                String text = reportJson(c);
                JsonNode report = JSON.readTree(text);
                List<Error> errors = schema.validate(report);
                assertTrue(errors.isEmpty(), model.getFileName() + " at " + a.rows() + ": " + errors);
                assertFalse(E_NUMBER.matcher(text).find(), model.getFileName() + ": a number in E-notation");
                // full precision: the numbers read back to the very doubles the cost model computed
                assertEquals(
                        c.report().deterministic().energyPj(),
                        report.at("/totals/deterministic/energy_pj").doubleValue(),
                        0.0,
                        model.getFileName().toString());
                for (int i = 0; i < c.report().layers().size(); i++) {
                    assertEquals(
                            c.report().layers().get(i).latencyNs(),
                            report.at("/layers/" + i + "/latency_ns").doubleValue(),
                            0.0);
                }
                assertEquals(sha256(model), report.at("/model_file/sha256").asText());
                assertEquals(model.toString(), report.at("/model_file/path").asText());
                assertEquals(a.rows(), report.at("/architecture/crossbar/rows").asInt());
                assertEquals(
                        a.energy().threshold(),
                        report.at("/architecture/energy_pj/threshold").doubleValue());
                assertEquals(
                        a.rowsPerRead(),
                        report.at("/architecture/crossbar/rows_per_read").asInt());
                assertEquals(
                        a.conversionPj(), report.at("/read_path/conversion_pj").doubleValue());
            }
        }
    }

    @Test
    void aReportMissingAFieldOrWithAWrongTypeIsRefused() throws Exception {
        Schema schema = schema();
        JsonNode ok = JSON.readTree(reportJson(compile(Paths.testdata("models/mlp-sd.onnx"), defaults())));
        assertTrue(schema.validate(ok).isEmpty());
        var missing = ok.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) missing).remove("tool");
        assertFalse(schema.validate(missing).isEmpty(), "a report without its tool version passed");
        var wrong = ok.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) wrong.at("/layers/0")).put("k", "many");
        assertFalse(schema.validate(wrong).isEmpty(), "a layer with a text K passed");
    }

    @Test
    void twoCompilesGiveTheSameBytesAndARelativePathStaysRelative() throws Exception {
        Path abs = Paths.testdata("models/mlp-sd.onnx");
        Path rel = Path.of("").toAbsolutePath().relativize(abs);
        byte[] first = Compiler.outputs(compile(rel, defaults()), true).get("report.json");
        byte[] second = Compiler.outputs(compile(rel, defaults()), true).get("report.json");
        assertArrayEquals(first, second);
        JsonNode r = JSON.readTree(first);
        assertEquals(rel.toString(), r.at("/model_file/path").asText());
        assertFalse(Path.of(r.at("/model_file/path").asText()).isAbsolute());
        assertNotEquals("", r.at("/tool/version").asText());
        assertEquals("1.0", r.path("schema_version").asText());
    }

    @Test
    void roundValuesAreWrittenPlainlyAndRatiosWithNothingToCompareAreNull() throws Exception {
        assertEquals("10000000.0", ReportJson.num(1.0e7).toPlainString());
        assertEquals("0.00001", ReportJson.num(1.0e-5).toPlainString());
        assertEquals("0.1", ReportJson.num(0.1).toPlainString());
        assertEquals(0.1 + 0.2, Double.parseDouble(ReportJson.num(0.1 + 0.2).toPlainString()), 0.0);
        JsonNode det = JSON.readTree(reportJson(compile(Paths.testdata("models/mlp-det.onnx"), defaults())));
        assertTrue(det.at("/scale_dropout_saving/mc_energy_ratio").isNull());
        assertTrue(
                det.at("/scale_dropout_saving/stochastic_modules/energy_ratio").isNull());
        JsonNode sd = JSON.readTree(reportJson(compile(Paths.testdata("models/mlp-sd.onnx"), defaults())));
        JsonNode st = sd.at("/scale_dropout_saving/stochastic_modules");
        assertEquals(
                st.path("baseline_energy_pj").doubleValue()
                        / st.path("energy_pj").doubleValue(),
                st.path("energy_ratio").doubleValue(),
                1e-12);
        JsonNode entry = sd.at("/stochastic_schedule/0");
        assertTrue(entry.path("bit").isInt() && entry.path("layer").isTextual(), entry.toString());
    }

    private static Architecture defaults() {
        return ArchitectureLoader.defaults();
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }
}
