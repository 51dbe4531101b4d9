package org.bnncim.compiler.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bnncim.backends.sim.Faults;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.BitModel;
import org.bnncim.compiler.driver.EvaluationService;
import org.bnncim.compiler.driver.SimSettings;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep's rows are eval's numbers for the same options, whatever the split into example ranges and however often
 * it is interrupted; points that cannot run are rows that say why.
 */
class SweepTest {
    @TempDir
    Path tmp;

    private Path spec(String extra) throws Exception {
        Path f = tmp.resolve("spec-" + Integer.toHexString(extra.hashCode()) + ".json");
        String models = Paths.testdata("models").toString().replace("\\", "/");
        String data = Paths.testdata("").toString().replace("\\", "/");
        Files.writeString(
                f,
                ("{\"models\": [\"$M/mlp-sd.onnx\", {\"path\": \"$M/mlp-mcd.onnx\", \"mc_dropout\": true}],"
                                + " \"dataset\": \"$D/mnist\", \"ood\": {\"fashion\": \"$D/fashion\"}" + extra + "}")
                        .replace("$M", models)
                        .replace("$D", data));
        return f;
    }

    private static Sweep.Result run(Path spec, Path out, int threads) throws Exception {
        return Sweep.run(
                SpecParser.parse(spec),
                Files.readAllBytes(spec),
                out,
                new InProcessEngine(threads),
                Sweep.Progress.NONE);
    }

    @Test
    void aRowHasEvalsNumbersForTheSameOptions() throws Exception {
        Path s = spec(", \"crossbar\": \"128x128\", \"faults\": \"stuck-at=0.02\", \"samples\": 6, \"seed\": 3,"
                + " \"partition_examples\": 300");
        Sweep.Result r = run(s, tmp.resolve("out"), 2);
        assertEquals(2, r.rows().size());
        for (int m = 0; m < 2; m++) {
            Map<String, Object> row = r.rows().get(m);
            assertEquals("ok", row.get("status"));
            String model = m == 0 ? "mlp-sd" : "mlp-mcd";
            var req = new EvaluationService.Request(
                    Paths.testdata("models/" + model + ".onnx"),
                    new OnnxImporter.Options(m == 1, false, 255),
                    ArchitectureLoader.defaults().withCrossbar(128, 128),
                    Paths.testdata("mnist"),
                    List.of(Paths.testdata("fashion")),
                    null,
                    EvaluationService.Engine.sim,
                    new SimSettings(6, 3, BitModel.counter, Faults.parse("stuck-at=0.02"), 2));
            EvaluationService.Result e = EvaluationService.evaluate(req, EvaluationService.Progress.NONE);
            assertEquals((long) e.examples(), row.get("examples"));
            assertEquals(e.accuracy(), row.get("accuracy"), model);
            assertEquals(e.nll(), row.get("nll"), model);
            assertEquals(e.ece(), row.get("ece"), model);
            assertEquals(e.meanEntropy(), row.get("mean_entropy"), model);
            assertEquals(e.ood().orElseThrow().auroc(), row.get("auroc_fashion"), model);
            assertEquals("128x128", row.get("crossbar"));
            assertTrue((Long) row.get("crossbars_used") > 0);
            assertTrue((Double) row.get("energy_pj_T") > (Double) row.get("energy_pj_per_pass"));
        }
    }

    @Test
    void rangesOfAnySizeGiveTheSameTable() throws Exception {
        // read flips and MC-Dropout masks are drawn per example: a range must draw those of its global indices
        String axes = ", \"limit\": 50, \"samples\": 4, \"seed\": [1, 2],"
                + " \"faults\": [\"read-flip=0.01\", \"stuck-at=0.01\"], \"crossbar\": [64, 256]";
        Sweep.Result whole = run(spec(axes + ", \"partition_examples\": 1000"), tmp.resolve("a"), 1);
        Sweep.Result split = run(spec(axes + ", \"partition_examples\": 7"), tmp.resolve("b"), 2);
        assertEquals(16, whole.rows().size());
        String csv = Files.readString(tmp.resolve("a").resolve(Sweep.CSV));
        assertEquals(csv, Files.readString(tmp.resolve("b").resolve(Sweep.CSV)));
        assertEquals(
                Files.readString(tmp.resolve("a").resolve(Sweep.JSONL)),
                Files.readString(tmp.resolve("b").resolve(Sweep.JSONL)));
        assertEquals(17, csv.lines().count());
        assertTrue(whole.rows().stream().allMatch(x -> "ok".equals(x.get("status"))));
        // the seeds differ, so must the rows' NLL (a seed that is ignored would give equal ones)
        assertTrue(!whole.rows().get(0).get("nll").equals(whole.rows().get(1).get("nll")));
        assertEquals(split.rows(), whole.rows());
    }

    @Test
    void aRerunSkipsFinishedPointsAndRedoesDamagedOnes() throws Exception {
        Path s = spec(", \"limit\": 30, \"samples\": 3, \"seed\": [0, 1, 2]");
        Path out = tmp.resolve("out");
        Sweep.Result first = run(s, out, 2);
        assertEquals(6, first.computed());
        byte[] csv = Files.readAllBytes(out.resolve(Sweep.CSV));
        List<Path> points;
        try (Stream<Path> l = Files.list(out.resolve(Sweep.POINTS))) {
            points = l.sorted().toList();
        }
        assertEquals(6, points.size());
        Files.delete(points.get(0));
        Files.writeString(points.get(1), "{\"status\": [", StandardCharsets.UTF_8);
        Files.delete(out.resolve(Sweep.CSV));
        Sweep.Result again = run(s, out, 1);
        assertEquals(2, again.computed());
        assertEquals(4, again.reused());
        assertEquals(new String(csv, StandardCharsets.UTF_8), Files.readString(out.resolve(Sweep.CSV)));
        Sweep.Result third = run(s, out, 1);
        assertEquals(0, third.computed());
        assertEquals(first.rows(), third.rows());
    }

    @Test
    void aPointThatCannotBeMappedIsARowSayingWhy() throws Exception {
        Sweep.Result r = run(spec(", \"limit\": 10, \"crossbar\": [8, 256], \"chips\": 1"), tmp.resolve("out"), 2);
        assertEquals(4, r.rows().size());
        Map<String, Object> small = r.rows().get(0), big = r.rows().get(1);
        assertTrue(((String) small.get("status")).startsWith("error: "), small.toString());
        assertTrue(!((String) small.get("status")).contains("\n"));
        assertNull(small.get("accuracy"));
        assertEquals("8x8", small.get("crossbar"));
        assertEquals("ok", big.get("status"));
        String csv = Files.readString(tmp.resolve("out").resolve(Sweep.CSV));
        assertTrue(csv.lines().skip(1).allMatch(l -> l.startsWith("0,") || l.matches("\\d+,.*")));
    }

    @Test
    void aFolderHoldingOtherFilesIsNotWrittenInto() throws Exception {
        Path out = tmp.resolve("mine");
        Files.createDirectories(out);
        Files.writeString(out.resolve("thesis.tex"), "keep");
        BnncimException e = assertThrows(BnncimException.class, () -> run(spec(", \"limit\": 5"), out, 1));
        assertTrue(e.getMessage().contains("thesis.tex"), e.getMessage());
        assertEquals(
                List.of("thesis.tex"),
                Files.list(out).map(p -> p.getFileName().toString()).toList());
    }
}
