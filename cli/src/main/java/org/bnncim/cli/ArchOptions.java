package org.bnncim.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Limits;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The target chip, shared by every command that compiles: an architecture file and the overrides users reach for most.
 */
final class ArchOptions {
    @Option(
            names = "--arch",
            paramLabel = "FILE",
            description = "Architecture file (JSON, a regular file of at most 1 MiB; keys and their ranges in "
                    + "docs/robustness.md, e.g. crossbar sides 2..4096, chips 1..4096); defaults built in.")
    Path arch;

    @Option(
            names = "--crossbar",
            paramLabel = "RxC",
            description = "Crossbar size RxC, each side 1..4096, e.g. 128x128 (overrides --arch).")
    String crossbar;

    @Option(
            names = "--weight-encoding",
            paramLabel = "E",
            converter = EncodingConverter.class,
            description = "single or complementary (overrides --arch).")
    Architecture.WeightEncoding encoding;

    @Option(names = "--chips", paramLabel = "N", description = "Number of chips, 1..4096 (overrides --arch).")
    Integer chips;

    @Option(
            names = "--rows-per-read",
            paramLabel = "N",
            description = "Word lines driven together in one read, 1..4096 (overrides --arch).")
    Integer rowsPerRead;

    Architecture architecture() {
        return annotated().arch();
    }

    /**
     * The architecture with its file's notes on where each value comes from; a key an option overrides loses its
     * note (the report then calls the value the user's).
     */
    ArchitectureLoader.Annotated annotated() {
        var loaded = arch == null
                ? new ArchitectureLoader.Annotated(ArchitectureLoader.defaults(), Map.of())
                : ArchitectureLoader.loadAnnotated(arch);
        Architecture a = loaded.arch();
        Map<String, String> basis = new HashMap<>(loaded.basis());
        try {
            if (crossbar != null) {
                int[] rc = Limits.crossbar("--crossbar", crossbar);
                a = a.withCrossbar(rc[0], rc[1]);
                basis.keySet().removeAll(List.of("crossbar.rows", "crossbar.cols"));
            }
            if (encoding != null) {
                a = a.withEncoding(encoding);
                basis.remove("crossbar.weight_encoding");
            }
            if (chips != null) {
                a = a.withChips((int) Limits.range("--chips", chips, 1, Limits.MAX_CHIPS));
                basis.remove("chips");
            }
            if (rowsPerRead != null) {
                a = a.withRowsPerRead((int) Limits.range("--rows-per-read", rowsPerRead, 1, Limits.MAX_CROSSBAR_SIDE));
                basis.remove("crossbar.rows_per_read");
            }
        } catch (IllegalArgumentException e) {
            throw new BnncimException(e.getMessage());
        }
        return new ArchitectureLoader.Annotated(a, basis);
    }

    /**
     * The encoding is matched case-insensitively, as the architecture file's weight_encoding is, so picocli's own
     * enum conversion (case-sensitive, upper-case constants) does not fit; the message has the same shape as its.
     */
    static final class EncodingConverter implements ITypeConverter<Architecture.WeightEncoding> {
        @Override
        public Architecture.WeightEncoding convert(String value) {
            for (Architecture.WeightEncoding e : Architecture.WeightEncoding.values()) {
                if (e.name().equalsIgnoreCase(value)) return e;
            }
            throw new TypeConversionException(
                    "expected one of [single, complementary] (case-insensitive) but was '" + value + "'");
        }
    }
}
