package org.bnncim.cli;

import java.nio.file.Path;
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
        Architecture a = arch == null ? ArchitectureLoader.defaults() : ArchitectureLoader.load(arch);
        try {
            if (crossbar != null) {
                int[] rc = Limits.crossbar("--crossbar", crossbar);
                a = a.withCrossbar(rc[0], rc[1]);
            }
            if (encoding != null) a = a.withEncoding(encoding);
            if (chips != null) a = a.withChips((int) Limits.range("--chips", chips, 1, Limits.MAX_CHIPS));
            if (rowsPerRead != null)
                a = a.withRowsPerRead((int) Limits.range("--rows-per-read", rowsPerRead, 1, Limits.MAX_CROSSBAR_SIDE));
        } catch (IllegalArgumentException e) {
            throw new BnncimException(e.getMessage());
        }
        return a;
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
