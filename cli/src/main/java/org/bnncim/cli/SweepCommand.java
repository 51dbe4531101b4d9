package org.bnncim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.bnncim.compiler.driver.Limits;
import org.bnncim.compiler.sweep.SpecParser;
import org.bnncim.compiler.sweep.Sweep;
import org.bnncim.compiler.sweep.SweepEngine;
import org.bnncim.compiler.sweep.SweepSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "sweep",
        mixinStandardHelpOptions = true,
        description = {
            "Design-space sweep: every point of a grid of models x architecture files x crossbar sizes x weight "
                    + "encodings x chips x fault settings x Monte-Carlo passes x seeds is compiled (once per mapping) "
                    + "and evaluated on the simulator; the spec's format is in docs/sweeps.md.",
            "-o DIR gets results.csv and results.jsonl (one row per point: options, crossbars used, utilisation, "
                    + "energy/latency/area per pass and for T passes, the MC-Dropout baseline's, accuracy, NLL, ECE, "
                    + "AUROC per OOD set), sweep.html (Pareto plots) and points/ (one file per finished point: a "
                    + "killed sweep run again skips them).",
            "--engine local (default) runs on a thread pool in this process; --engine spark runs the same tasks as "
                    + "an Apache Spark job (module spark; local[N] by default, a cluster via spark-submit)."
        })
final class SweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC.json")
    Path specFile;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "DIR",
            description = "Output folder.")
    Path out;

    @Option(names = "--engine", paramLabel = "E", description = "local (default) or spark.")
    String engine = "local";

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (overrides the spec's threads).")
    Integer threads;

    @Option(
            names = "--progress",
            negatable = true,
            description = "Show a progress bar (default: when stderr is a terminal).")
    Boolean progress;

    @Spec
    CommandSpec cmd;

    @Override
    public Integer call() {
        if (threads != null) Limits.range("--threads", threads, 1, Limits.MAX_THREADS);
        String e = engine.toLowerCase(Locale.ROOT);
        byte[] bytes = SpecParser.read(specFile);
        SweepSpec spec = SpecParser.parse(specFile, bytes);
        int n = threads != null ? threads : spec.threads();
        SweepEngine eng = SweepEngine.named(e, n);
        PrintWriter o = cmd.commandLine().getOut();
        boolean bar = ConsoleBar.wanted(progress);
        Sweep.Result r;
        try (Bar b = new Bar(bar)) {
            r = Sweep.run(spec, bytes, out, eng, b);
        }
        long ok = r.rows().stream().filter(x -> "ok".equals(x.get("status"))).count();
        o.printf(
                Locale.ROOT,
                "sweep: %d points (%d computed, %d from %s), %d ok, %d failed; %s%n",
                r.rows().size(),
                r.computed(),
                r.reused(),
                out,
                ok,
                r.rows().size() - ok,
                out.resolve(Sweep.CSV));
        return 0;
    }

    private static final class Bar implements Sweep.Progress, AutoCloseable {
        private final boolean enabled;
        private ProgressBar pb;

        Bar(boolean enabled) {
            this.enabled = enabled;
        }

        @Override
        public void start(int points, int reused) {
            if (!enabled) return;
            pb = ConsoleBar.open("sweep", points, " points");
            pb.stepTo(reused);
        }

        @Override
        public void point(java.util.Map<String, Object> row) {
            if (pb != null) pb.step();
        }

        @Override
        public void close() {
            if (pb != null) pb.close();
        }
    }
}
