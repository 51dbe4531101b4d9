package org.bnncim.compiler.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The models every mapping test runs on: the third-party TFC w1a1 and every model under testdata/models/. */
public final class Models {
    private Models() {}

    public static List<Path> all() {
        List<Path> models = new ArrayList<>(List.of(Paths.tfc()));
        Path dir = Paths.testdata("models");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".onnx")).sorted().forEach(models::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return models;
    }

    /** Models with classic dropout are compiled with --mc-dropout; their names say so. */
    public static boolean mcDropout(Path model) {
        return model.getFileName().toString().contains("mcd");
    }
}
