package org.bnncim.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnncim.cli.Main;

/**
 * The spark-submit entry point: {@code SparkSweep SPEC.json -o DIR [options]} is {@code bnncim sweep SPEC.json -o DIR
 * --engine spark [options]}, with the CLI's messages and exit codes; the master and settings come from spark-submit.
 */
public final class SparkSweep {
    private SparkSweep() {}

    public static void main(String[] args) {
        Main.main(arguments(args));
    }

    static String[] arguments(String[] args) {
        List<String> a = new ArrayList<>(List.of("sweep"));
        a.addAll(Arrays.asList(args));
        // an explicit --engine is the user's (picocli refuses the option twice)
        boolean engine = a.stream().anyMatch(s -> s.equals("--engine") || s.startsWith("--engine="));
        if (!engine) a.addAll(List.of("--engine", "spark"));
        return a.toArray(String[]::new);
    }
}
