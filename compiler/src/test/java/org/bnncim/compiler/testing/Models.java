package org.bnncim.compiler.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The models every mapping test runs on: the third-party TFC w1a1 and every model under testdata/models/, except
 * the files of the manifest's "pending_models" (models the compiler does not accept yet).
 */
public final class Models {
    private Models() {}

    public static List<Path> all() {
        List<Path> models = new ArrayList<>(List.of(Paths.tfc()));
        Path dir = Paths.testdata("models");
        Set<Path> pending = pending();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".onnx"))
                        .filter(p -> !pending.contains(p.toAbsolutePath().normalize()))
                        .sorted()
                        .forEach(models::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return models;
    }

    /** The files of testdata/manifest.json's "pending_models", as absolute paths. */
    public static Set<Path> pending() {
        Set<Path> files = new HashSet<>();
        Path manifest = Paths.testdata("manifest.json");
        if (!Files.isRegularFile(manifest)) {
            return files;
        }
        try {
            JsonNode root = new ObjectMapper().readTree(manifest.toFile());
            for (JsonNode m : root.path("pending_models")) {
                files.add(
                        Paths.testdata(m.path("file").asText()).toAbsolutePath().normalize());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** Models with classic dropout are compiled with --mc-dropout; their names say so. */
    public static boolean mcDropout(Path model) {
        return model.getFileName().toString().contains("mcd");
    }
}
