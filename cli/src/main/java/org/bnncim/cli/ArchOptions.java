package org.bnncim.cli;

import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;

/** The target chip, shared by every command that compiles: an architecture file and the overrides users reach for most. */
final class ArchOptions {
    @Option(names = "--arch", paramLabel = "FILE", description = "Architecture file (JSON); defaults built in.")
    Path arch;

    @Option(names = "--crossbar", paramLabel = "RxC", description = "Crossbar size, e.g. 128x128 (overrides --arch).")
    String crossbar;

    @Option(names = "--weight-encoding", paramLabel = "E", description = "single or complementary (overrides --arch).")
    String encoding;

    @Option(names = "--chips", paramLabel = "N", description = "Number of chips (overrides --arch).")
    Integer chips;

    Architecture architecture() {
        Architecture a = arch == null ? ArchitectureLoader.defaults() : ArchitectureLoader.load(arch);
        try {
            if (crossbar != null) {
                String[] rc = crossbar.toLowerCase(Locale.ROOT).split("x");
                if (rc.length != 2) throw new BnncimException("--crossbar must look like 128x128, got '" + crossbar + "'");
                a = a.withCrossbar(Integer.parseInt(rc[0].trim()), Integer.parseInt(rc[1].trim()));
            }
            if (encoding != null) {
                a = a.withEncoding(switch (encoding.toLowerCase(Locale.ROOT)) {
                    case "single" -> Architecture.WeightEncoding.SINGLE;
                    case "complementary" -> Architecture.WeightEncoding.COMPLEMENTARY;
                    default -> throw new BnncimException("--weight-encoding must be single or complementary, got '" + encoding + "'");
                });
            }
            if (chips != null) a = a.withChips(chips);
        } catch (NumberFormatException e) {
            throw new BnncimException("--crossbar must look like 128x128, got '" + crossbar + "'");
        } catch (IllegalArgumentException e) {
            throw new BnncimException(e.getMessage());
        }
        return a;
    }
}
