package org.bnncim.compiler.robustness;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxFiles;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.frontend.ScaleDropoutAgainstOrtTest;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.ir.BnncimException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutational fuzzing of import + compile. Every mutant must either compile or be refused with a
 * {@link BnncimException} (a one-line user error); anything else (NullPointerException, OutOfMemoryError,
 * IndexOutOfBounds, ...) is a crash, reported with the seed that reproduces it. Byte-level mutations test the
 * protobuf layer; structure-aware mutations (dims, types, attributes, wiring) reach the importer and passes.
 * The number of cases is -Dbnncim.fuzz.cases (default 10000).
 */
@Tag("slow")
class FuzzTest {
    private static final int CASES = Integer.getInteger("bnncim.fuzz.cases", 10_000);
    static final long SEED = Long.getLong("bnncim.fuzz.seed", 20261124L);

    /** Outcome counters for docs/robustness.md. */
    static int compiled, refused;

    @Test
    void importAndCompileNeverCrash() throws Exception {
        List<OnnxMl.ModelProto> seeds = List.of(
                OnnxFiles.read(Paths.tfc()),
                ScaleDropoutAgainstOrtTest.denseModel(new Random(3)),
                ScaleDropoutAgainstOrtTest.convModel(new Random(5)));
        List<byte[]> seedBytes = new ArrayList<>();
        for (var m : seeds) seedBytes.add(m.toByteArray());
        var options = new Compiler.Options(
                OnnxImporter.Options.DEFAULT, ArchitectureLoader.defaults().withCrossbar(64, 64), 2, Set.of());
        Random r = new Random(SEED);
        List<String> crashes = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < CASES; i++) {
            long caseSeed = r.nextLong();
            Random cr = new Random(caseSeed);
            int which = cr.nextInt(seeds.size());
            byte[] bytes = cr.nextInt(3) == 0
                    ? Mutations.bytes(seedBytes.get(which), cr)
                    : Mutations.structure(seeds.get(which), cr).toByteArray();
            try {
                var model = OnnxFiles.parse(bytes, "fuzz");
                var g = OnnxImporter.importModel(model, "fuzz", OnnxImporter.Options.DEFAULT);
                Compiler.outputs(Compiler.compile(g, options, s -> {}), true);
                compiled++;
            } catch (BnncimException e) {
                refused++;
                if (e.getMessage().contains("\n"))
                    crashes.add("case seed " + caseSeed + ": multi-line message: " + e.getMessage());
            } catch (Throwable t) {
                crashes.add("case seed " + caseSeed + " (seed model " + which + "): " + t);
                if (crashes.size() <= 3) t.printStackTrace(System.out);
                if (crashes.size() == 1) {
                    Files.createDirectories(Paths.root().resolve("compiler/target/fuzz"));
                    Files.write(Paths.root().resolve("compiler/target/fuzz/crash-" + caseSeed + ".onnx"), bytes);
                }
                if (crashes.size() >= 10) break;
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "fuzz: %d cases in %.1f s: %d compiled, %d refused with a user error, %d crashes%n",
                CASES, secs, compiled, refused, crashes.size());
        if (!crashes.isEmpty()) fail(crashes.size() + " crash(es); first: " + String.join("\n", crashes));
        assertTrue(compiled > 0 && refused > 0, "mutations should produce both valid and invalid models");
    }
}
