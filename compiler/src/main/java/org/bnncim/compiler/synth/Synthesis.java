package org.bnncim.compiler.synth;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.verilog.VerilogSynth;
import org.bnncim.ir.BnncimException;

/**
 * {@code compile --synth}: runs Yosys on the generated periphery ({@link VerilogSynth}) in a temporary folder and
 * reads its cell counts. Nothing here depends on the clock except {@link Result#seconds}, which no report records.
 */
public final class Synthesis {
    private Synthesis() {}

    /** Yosys gets this long by default (mlp-sd's banks take about 2.5 minutes on one shared core). */
    public static final int DEFAULT_TIMEOUT_S = 1800;

    /** The binary: {@code $BNNCIM_YOSYS} when set, else {@code yosys} on the PATH. */
    static final String ENV = "BNNCIM_YOSYS";

    /** What finished: the statistics were read, or Yosys was stopped at the time limit. */
    public enum Status {
        done,
        timeout
    }

    /**
     * Cells of one module with everything below it.
     *
     * @param byType           primitive cells by Yosys type ({@code $_AND_}, {@code $_DFF_P_}, ...), sorted
     * @param transistors      Yosys' CMOS estimate ({@code stat -tech cmos})
     * @param transistorsAtLeast the estimate leaves out cells it has no figure for (Yosys prints "N+")
     */
    public record Cells(
            Map<String, Long> byType, long total, long flipFlops, long transistors, boolean transistorsAtLeast) {
        static final Cells NONE = new Cells(Map.of(), 0, 0, 0, false);
    }

    public record Unit(VerilogSynth.Part part, Cells cells) {}

    /**
     * @param tool    Yosys' version line
     * @param units   every part, in {@link VerilogSynth#parts} order (empty on a timeout)
     * @param total   the whole synthesis top (empty on a timeout)
     * @param seconds wall time of the Yosys run (printed, not recorded)
     * @param files   what goes into {@code verilog/}: the wrapper, the script, Yosys' log and (when done) its stat
     */
    public record Result(
            Status status,
            String tool,
            int timeoutSeconds,
            List<Unit> units,
            Cells total,
            double seconds,
            Map<String, byte[]> files) {}

    /**
     * Synthesizes {@code verilog} (the files of {@code OUT/verilog/} by name, as {@code VerilogBackend.generate}
     * gives them). A missing or failing Yosys is a {@link BnncimException} of one line; a timeout is a result.
     */
    public static Result run(Program p, Map<String, byte[]> verilog, int timeoutSeconds) {
        String yosys = yosys(System.getenv(ENV), System.getenv().getOrDefault("PATH", ""));
        if (yosys == null) throw new BnncimException(missing(System.getenv(ENV)));
        Path dir = null;
        try {
            dir = Files.createTempDirectory("bnncim-synth");
            for (var f : verilog.entrySet()) {
                // the crossbar's images too: Yosys reads its $readmemh even as a black box
                String n = f.getKey();
                if (n.endsWith(".v") || n.endsWith(".vh") || (n.startsWith("xb_") && n.endsWith(".hex")))
                    Files.write(dir.resolve(f.getKey()), f.getValue());
            }
            Map<String, byte[]> files = new LinkedHashMap<>();
            files.put(VerilogSynth.WRAPPER, VerilogSynth.wrapper(p).getBytes(StandardCharsets.UTF_8));
            files.put(VerilogSynth.SCRIPT, VerilogSynth.script().getBytes(StandardCharsets.UTF_8));
            for (var f : files.entrySet()) Files.write(dir.resolve(f.getKey()), f.getValue());
            String tool = version(yosys, dir);
            long start = System.nanoTime();
            Process proc = new ProcessBuilder(yosys, "-q", "-l", VerilogSynth.LOG, VerilogSynth.SCRIPT)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("yosys.out").toFile())
                    .start();
            boolean finished = proc.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!finished) {
                // Yosys runs ABC as a child process: stop it too
                proc.descendants().forEach(ProcessHandle::destroyForcibly);
                proc.destroyForcibly();
                proc.waitFor(30, TimeUnit.SECONDS);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Path log = dir.resolve(VerilogSynth.LOG);
            if (Files.exists(log))
                files.put(VerilogSynth.LOG, reproducible(Files.readString(log, StandardCharsets.UTF_8)));
            if (!finished)
                return new Result(Status.timeout, tool, timeoutSeconds, List.of(), Cells.NONE, seconds, files);
            if (proc.exitValue() != 0) {
                throw new BnncimException("--synth: yosys failed (exit " + proc.exitValue() + "): "
                        + firstError(Files.readString(dir.resolve("yosys.out"), StandardCharsets.UTF_8)));
            }
            byte[] stat = Files.readAllBytes(dir.resolve(VerilogSynth.STAT));
            files.put(VerilogSynth.STAT, stat);
            Map<String, JsonNode> modules = modules(stat);
            List<Unit> units = new ArrayList<>();
            for (VerilogSynth.Part part : VerilogSynth.parts(p))
                units.add(new Unit(part, cells(part.module(), modules, new HashMap<>())));
            Cells total = cells(VerilogSynth.TOP, modules, new HashMap<>());
            return new Result(Status.done, tool, timeoutSeconds, List.copyOf(units), total, seconds, files);
        } catch (IOException e) {
            throw new BnncimException("--synth: cannot run yosys (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BnncimException("--synth: interrupted");
        } finally {
            if (dir != null) deleteTree(dir);
        }
    }

    /** The Yosys binary: {@code override} when set (a path, or a name on the PATH), else yosys on the PATH. */
    static String yosys(String override, String path) {
        String name = override == null || override.isBlank() ? "yosys" : override;
        if (name.contains(File.separator)) return Files.isExecutable(Path.of(name)) ? name : null;
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) continue;
            Path c = Path.of(d, name);
            if (Files.isExecutable(c)) return c.toString();
        }
        return null;
    }

    /** The one-line error when no Yosys is found. */
    static String missing(String override) {
        return override == null || override.isBlank()
                ? "--synth: yosys not found on the PATH: install Yosys (Debian: apt-get install yosys) or set " + ENV
                        + " to its binary"
                : "--synth: " + ENV + "=" + override + " is not an executable yosys";
    }

    private static String version(String yosys, Path dir) throws IOException, InterruptedException {
        Process v = new ProcessBuilder(yosys, "-V")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!v.waitFor(60, TimeUnit.SECONDS) || v.exitValue() != 0 || out.isEmpty())
            throw new BnncimException("--synth: " + yosys + " -V did not print a version");
        return out.lines().findFirst().orElse(out);
    }

    private static String firstError(String out) {
        return out.lines()
                .filter(l -> l.startsWith("ERROR"))
                .findFirst()
                .orElse(out.lines().reduce((a, b) -> b).orElse("no output"))
                .strip();
    }

    /** stat -json's modules by name, without Yosys' leading backslash (0.23 writes a trailing comma: accepted). */
    static Map<String, JsonNode> modules(byte[] stat) throws IOException {
        JsonNode root = JsonMapper.builder()
                .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
                .build()
                .readTree(stat);
        Map<String, JsonNode> out = new TreeMap<>();
        root.path("modules").properties().forEach(e -> out.put(strip(e.getKey()), e.getValue()));
        if (out.isEmpty()) throw new BnncimException("--synth: yosys wrote no module statistics");
        return out;
    }

    /** A module's cells with its submodules' (each times its instance count), summed down the hierarchy. */
    static Cells cells(String module, Map<String, JsonNode> modules, Map<String, Cells> memo) {
        Cells known = memo.get(module);
        if (known != null) return known;
        JsonNode m = modules.get(module);
        if (m == null) throw new BnncimException("--synth: yosys reported no statistics for " + module);
        Map<String, Long> byType = new TreeMap<>();
        String est = m.path("estimated_num_transistors").asText("0");
        long transistors = Long.parseLong(est.replace("+", "").strip());
        boolean primitives = false, atLeast = false;
        for (var e : m.path("num_cells_by_type").properties()) {
            String type = strip(e.getKey());
            long n = e.getValue().asLong();
            if (modules.containsKey(type)) {
                Cells sub = cells(type, modules, memo);
                sub.byType().forEach((k, v) -> byType.merge(k, v * n, Long::sum));
                transistors += sub.transistors() * n;
                atLeast |= sub.transistorsAtLeast();
            } else {
                byType.merge(type, n, Long::sum);
                primitives = true;
            }
        }
        // a module of submodules only prints "0+": its own estimate has nothing left out
        atLeast |= primitives && est.endsWith("+");
        long total = 0, ff = 0;
        for (var e : byType.entrySet()) {
            total += e.getValue();
            if (e.getKey().contains("DFF") || e.getKey().contains("DLATCH")) ff += e.getValue();
        }
        Cells c = new Cells(Collections.unmodifiableMap(byType), total, ff, transistors, atLeast);
        memo.put(module, c);
        return c;
    }

    private static String strip(String name) {
        return name.startsWith("\\") ? name.substring(1) : name;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(q -> {
                try {
                    Files.deleteIfExists(q);
                } catch (IOException ignored) {
                    // best effort: a temporary folder
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // nothing more to clean
        }
    }

    /**
     * Yosys' log without what changes from run to run (CPU times, memory peaks, temporary paths), so that the same
     * model and options give the same bytes in {@code verilog/}.
     */
    static byte[] reproducible(String log) {
        StringBuilder out = new StringBuilder();
        for (String line : log.split("\n", -1)) {
            if (line.contains("CPU: user")
                    || line.contains("Time spent:")
                    || line.contains("MEM:")
                    || line.contains("/tmp/")) continue;
            out.append(line).append('\n');
        }
        if (out.length() > 0) out.setLength(out.length() - 1);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }
}
