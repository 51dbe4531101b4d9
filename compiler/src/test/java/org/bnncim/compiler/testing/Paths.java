package org.bnncim.compiler.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where tests find the repository, and its testdata, wherever Maven runs them. */
public final class Paths {
    private Paths() {}

    public static Path root() {
        String prop = System.getProperty("bnncim.root");
        if (prop != null && Files.isDirectory(Path.of(prop, "testdata")))
            return Path.of(prop).toAbsolutePath().normalize();
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("testdata"))) p = p.getParent();
        if (p == null)
            throw new IllegalStateException("cannot find the repository root (no testdata/ above "
                    + Path.of("").toAbsolutePath() + ")");
        return p;
    }

    public static Path testdata(String rel) {
        return root().resolve("testdata").resolve(rel);
    }

    public static Path tfc() {
        return testdata("models/qonnx-tfc/TFC_1W1A.onnx");
    }
}
