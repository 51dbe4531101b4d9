package org.bnncim.compiler.driver;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.ProgramCodec;
import org.bnncim.backends.sim.ProgramListing;
import org.bnncim.backends.verilog.VerilogBackend;
import org.bnncim.compiler.cost.CostModel;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.compiler.frontend.OnnxFiles;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.passes.FoldThresholds;
import org.bnncim.compiler.passes.InsertStochasticUnit;
import org.bnncim.compiler.passes.LowerToCrossbar;
import org.bnncim.compiler.passes.PackAndPlace;
import org.bnncim.compiler.passes.Pass;
import org.bnncim.compiler.passes.PassManager;
import org.bnncim.compiler.passes.PlanMonteCarlo;
import org.bnncim.compiler.passes.TileCrossbars;
import org.bnncim.compiler.report.ReportHtml;
import org.bnncim.compiler.report.ReportJson;
import org.bnncim.compiler.report.ReportMeta;
import org.bnncim.compiler.report.ReportSynth;
import org.bnncim.compiler.report.ReportText;
import org.bnncim.compiler.synth.Synthesis;
import org.bnncim.ir.Graph;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.MappedModel;

/** The whole compile: import, fold, lower, tile, pack and place, stochastic unit, cost model, output files. */
public final class Compiler {
    private Compiler() {}

    /**
     * @param samples    Monte-Carlo passes the cost report assumes
     * @param printAfter passes after which the IR is printed
     * @param archBasis  the notes the architecture file's comments give its keys, shown in the reports' parameter
     *                   tables ({@link org.bnncim.compiler.arch.ArchitectureLoader#loadAnnotated}); empty for none
     */
    public record Options(
            OnnxImporter.Options importOptions,
            Architecture arch,
            int samples,
            Set<String> printAfter,
            Map<String, String> archBasis) {
        public Options {
            archBasis = Map.copyOf(archBasis);
        }

        /** Options without notes on the architecture's keys. */
        public Options(OnnxImporter.Options importOptions, Architecture arch, int samples, Set<String> printAfter) {
            this(importOptions, arch, samples, printAfter, Map.of());
        }
    }

    /**
     * @param modelPath   the model file as given, or null for a graph built in memory
     * @param modelSha256 its SHA-256, or null
     * @param options     the options of the compile (report.json records them)
     */
    public record Compiled(
            MappedModel mapped, CostReport report, String modelPath, String modelSha256, Options options) {
        /** A compile without a file or known options (graphs built in tests). */
        public Compiled(MappedModel mapped, CostReport report) {
            this(mapped, report, null, null, null);
        }

        /** The mapped graph. */
        public Graph graph() {
            return mapped.graph();
        }
    }

    public static List<Pass> passes(Architecture arch) {
        return List.of(
                new FoldThresholds(),
                new LowerToCrossbar(arch),
                new TileCrossbars(),
                new PackAndPlace(),
                new InsertStochasticUnit(),
                new PlanMonteCarlo());
    }

    /** Model files from this size on are hashed beside the import rather than before it. */
    private static final int ASYNC_HASH_BYTES = 4 << 20;

    public static Compiled compile(Path model, Options o, Consumer<String> sink) {
        // the file is read once and hashed for report.json. A large file is hashed on another thread while it is
        // imported and mapped, which overlaps the two where the OS puts that thread on a free core. A small one is
        // hashed here: on the 2-vCPU machines of docs/benchmarks.md (goal 4) a woken hashing thread mostly ran on
        // the caller's own vCPU and shared it for the whole digest, the other vCPU idle (fifth and sixth sessions)
        byte[] bytes = OnnxFiles.bytes(model);
        java.util.concurrent.CompletableFuture<String> sha = bytes.length < ASYNC_HASH_BYTES
                ? java.util.concurrent.CompletableFuture.completedFuture(ReportMeta.sha256(bytes))
                : java.util.concurrent.CompletableFuture.supplyAsync(() -> ReportMeta.sha256(bytes));
        Graph imported = OnnxImporter.importModel(OnnxFiles.parse(bytes, model.toString()), model, o.importOptions());
        Compiled c = compile(imported, o, sink);
        return new Compiled(c.mapped(), c.report(), model.toString(), sha.join(), o);
    }

    public static Compiled compile(Graph imported, Options o, Consumer<String> sink) {
        MappedModel mapped = new PassManager(passes(o.arch()), o.printAfter(), sink).map(imported);
        return new Compiled(mapped, CostModel.evaluate(mapped, o.samples()), null, null, o);
    }

    /** What report.json records about this compile and the files written beside it. */
    public static ReportMeta meta(Compiled c, boolean sim, VerilogBackend.Options verilog) {
        return meta(c, sim, verilog, null);
    }

    /** As {@link #meta(Compiled, boolean, VerilogBackend.Options)}, with the {@code --synth} run (or null). */
    public static ReportMeta meta(Compiled c, boolean sim, VerilogBackend.Options verilog, Synthesis.Result synth) {
        OnnxImporter.Options io =
                c.options() == null ? OnnxImporter.Options.DEFAULT : c.options().importOptions();
        List<String> written = new java.util.ArrayList<>();
        if (sim) written.add("sim");
        if (verilog != null) written.add("verilog");
        ReportMeta.Testbench tb = verilog == null
                ? null
                : new ReportMeta.Testbench(
                        verilog.inputs() == null ? 0 : verilog.inputs().length, verilog.samples(), verilog.seed());
        return new ReportMeta(
                c.modelPath(),
                c.modelSha256(),
                c.report().samples(),
                io.mcDropout(),
                io.allowMultiOutput(),
                io.inputLevels(),
                io.maxBytes(),
                List.copyOf(written),
                tb,
                c.mapped().mapping().arch(),
                synth);
    }

    /** Every file of the output folder, by relative path, in a fixed order: nothing is written until all exist. */
    public static Map<String, byte[]> outputs(Compiled c, boolean sim) {
        return outputs(c, sim, null);
    }

    /** As {@link #outputs(Compiled, boolean)}, plus {@code verilog/} when {@code verilog} is not null. */
    public static Map<String, byte[]> outputs(Compiled c, boolean sim, VerilogBackend.Options verilog) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (sim) {
            Program p = Program.of(c.mapped());
            files.put(Loaded.PROGRAM_FILE, ProgramCodec.encode(p));
            files.put("program.txt", ProgramListing.render(p).getBytes(StandardCharsets.UTF_8));
        }
        if (verilog != null) {
            VerilogBackend.generate(Program.of(c.mapped()), verilog)
                    .forEach((name, bytes) -> files.put("verilog/" + name, bytes));
        }
        Map<String, String> basis = c.options() == null ? Map.of() : c.options().archBasis();
        files.put(
                "report.txt",
                ReportText.render(c.report(), c.mapped().mapping().arch(), basis)
                        .getBytes(StandardCharsets.UTF_8));
        files.put(
                "report.json",
                ReportJson.render(c.report(), meta(c, sim, verilog)).getBytes(StandardCharsets.UTF_8));
        files.put("report.html", org.bnncim.ir.util.Utf8.bytes(ReportHtml.render(c.report(), c.mapped(), basis)));
        return files;
    }

    /**
     * {@code --synth}: Yosys on the {@code verilog/} files of {@code files} (the output of
     * {@link #outputs(Compiled, boolean, VerilogBackend.Options)} with the same arguments). Returns its result; its
     * files go into {@code verilog/}, and report.json and report.txt get its section.
     */
    public static Synthesis.Result synthesize(
            Compiled c, boolean sim, VerilogBackend.Options verilog, Map<String, byte[]> files, int timeoutSeconds) {
        Map<String, byte[]> design = new LinkedHashMap<>();
        files.forEach((name, bytes) -> {
            if (name.startsWith("verilog/")) design.put(name.substring("verilog/".length()), bytes);
        });
        Synthesis.Result s = Synthesis.run(Program.of(c.mapped()), design, timeoutSeconds);
        s.files().forEach((name, bytes) -> files.put("verilog/" + name, bytes));
        Architecture a = c.mapped().mapping().arch();
        files.put(
                "report.txt",
                (ReportText.render(c.report(), a) + ReportSynth.text(s, c.report(), a))
                        .getBytes(StandardCharsets.UTF_8));
        files.put(
                "report.json",
                ReportJson.render(c.report(), meta(c, sim, verilog, s)).getBytes(StandardCharsets.UTF_8));
        return s;
    }
}
