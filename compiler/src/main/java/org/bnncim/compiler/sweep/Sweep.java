package org.bnncim.compiler.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bnncim.compiler.cost.CostModel;
import org.bnncim.compiler.cost.CostReport;
import org.bnncim.compiler.report.ReportMeta;
import org.bnncim.io.AtomicFiles;
import org.bnncim.io.Inputs;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;

/**
 * Runs a sweep into a folder: every point's row is written to {@code points/} as soon as it is known, so a killed
 * sweep run again skips the points it finished (a point is recognised by a hash of everything its row depends on:
 * the model's, architecture's and datasets' bytes and the point's options). At the end the rows of all points, in
 * point order, become results.csv, results.jsonl and sweep.html.
 */
public final class Sweep {
    private Sweep() {}

    public static final String POINTS = "points",
            SPEC_COPY = "sweep.json",
            CSV = "results.csv",
            JSONL = "results.jsonl",
            HTML = "sweep.html";
    private static final Set<String> OURS = Set.of(POINTS, SPEC_COPY, CSV, JSONL, HTML);

    /** Progress of a sweep; called on the thread that called {@link #run}. */
    public interface Progress {
        Progress NONE = new Progress() {};

        /** Once, with the number of points and how many of them the folder already had. */
        default void start(int points, int reused) {}

        /** After every point that was computed in this run. */
        default void point(Map<String, Object> row) {}
    }

    /** What a run did: the rows (point order) and how many points it computed and reused. */
    public record Result(List<String> columns, List<Map<String, Object>> rows, int computed, int reused) {}

    public static Result run(SweepSpec spec, byte[] specBytes, Path dir, SweepEngine engine, Progress progress) {
        check(spec);
        prepare(dir);
        List<String> columns = SweepTable.columns(spec);
        List<SweepPlan.Point> points = SweepPlan.points(spec);
        Map<String, String> hashes = new HashMap<>();
        String[] keys = new String[points.size()];
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) rows.add(null);
        int reused = 0;
        for (SweepPlan.Point p : points) {
            keys[p.index()] = key(spec, p, columns, hashes);
            Map<String, Object> done = read(dir, keys[p.index()], columns);
            if (done != null) {
                done.put("point", (long) p.index());
                rows.set(p.index(), done);
                reused++;
            }
        }
        progress.start(points.size(), reused);
        AtomicFiles.write(dir.resolve(SPEC_COPY), specBytes);
        // the driver compiles each pending mapping once for its cost report (and learns which cannot be mapped)
        Map<Integer, CostReport> costs = new HashMap<>();
        Map<Integer, Architecture> archs = new HashMap<>();
        Map<Integer, Integer> pending = new HashMap<>();
        Map<Integer, List<SweepWorker.TaskResult>> results = new HashMap<>();
        List<SweepPlan.Task> tasks = new ArrayList<>();
        int computed = 0;
        for (SweepPlan.Point p : points) {
            if (rows.get(p.index()) != null) continue;
            Architecture a;
            try {
                a = SweepWorker.architecture(spec, p);
            } catch (BnncimException | IllegalArgumentException e) {
                finish(dir, keys, rows, p, SweepTable.failed(spec, p, null, e.getMessage()), progress);
                computed++;
                continue;
            }
            archs.put(p.index(), a);
            SweepWorker.Compiled c = SweepWorker.program(spec, p);
            if (c.error() != null) {
                finish(dir, keys, rows, p, SweepTable.failed(spec, p, a, c.error()), progress);
                computed++;
                continue;
            }
            int[] sizes;
            try {
                sizes = sizes(spec, p, c);
            } catch (BnncimException e) {
                finish(dir, keys, rows, p, SweepTable.failed(spec, p, a, e.getMessage()), progress);
                computed++;
                continue;
            }
            costs.put(p.index(), CostModel.evaluate(c.mapped(), spec.samples().get(p.samples())));
            List<SweepPlan.Task> ts = SweepPlan.tasks(p, sizes, spec.partitionExamples());
            if (sizes[0] == 0) {
                finish(dir, keys, rows, p, SweepTable.failed(spec, p, a, "no examples to evaluate"), progress);
                computed++;
                continue;
            }
            pending.put(p.index(), ts.size());
            results.put(p.index(), new ArrayList<>());
            tasks.addAll(ts);
        }
        int[] count = {computed};
        engine.run(spec, tasks, r -> {
            int i = r.task().point().index();
            List<SweepWorker.TaskResult> got = results.get(i);
            got.add(r);
            if (got.size() < pending.get(i)) return;
            SweepPlan.Point p = points.get(i);
            finish(dir, keys, rows, p, SweepTable.row(spec, p, archs.get(i), costs.get(i), got), progress);
            results.remove(i);
            count[0]++;
        });
        for (Map<String, Object> r : rows)
            if (r == null) throw new IllegalStateException("sweep: a point got no result");
        AtomicFiles.write(dir.resolve(CSV), SweepTable.csv(columns, rows).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve(JSONL), SweepTable.jsonLines(rows).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(
                dir.resolve(HTML), SweepHtml.render(spec, columns, rows).getBytes(StandardCharsets.UTF_8));
        return new Result(columns, rows, count[0], reused);
    }

    /**
     * A model that does not import (malformed, unknown ops, non-binary weights) or a dataset that does not fit its
     * model is bad input, refused before anything is written; a mapping that does not fit a chip is a point's
     * outcome, recorded in its row.
     */
    static void check(SweepSpec spec) {
        for (int i = 0; i < spec.models().size(); i++) {
            SweepSpec.Model m = spec.models().get(i);
            org.bnncim.ir.Graph g;
            try {
                g = SweepWorker.imported(m);
            } catch (BnncimException e) {
                throw new BnncimException(spec.file() + ": models[" + i + "]: " + e.getMessage());
            }
            var out = org.bnncim.compiler.driver.ModelOutput.of(g);
            if (out.pixels())
                throw new BnncimException(spec.file() + ": models[" + i + "]: " + m.name() + " has a per-pixel"
                        + " output " + g.output().type().shape() + ": sweeps evaluate classifiers (use eval for"
                        + " segmentation models)");
            int per = g.inputs().get(0).shape().size();
            for (int set = 0; set <= m.ood().size(); set++) {
                try {
                    SweepWorker.data(spec, m, set, per, out.classes());
                } catch (BnncimException e) {
                    String key =
                            set == 0 ? "dataset" : "ood." + m.ood().get(set - 1).name();
                    throw new BnncimException(spec.file() + ": models[" + i + "] (" + key + "): " + e.getMessage());
                }
            }
        }
    }

    private static int[] sizes(SweepSpec spec, SweepPlan.Point p, SweepWorker.Compiled c) {
        SweepSpec.Model m = spec.models().get(p.model());
        int per = c.program().graph().inputs().get(0).shape().size();
        int classes =
                org.bnncim.compiler.driver.ModelOutput.of(c.program().graph()).classes();
        int[] sizes = new int[1 + m.ood().size()];
        for (int s = 0; s < sizes.length; s++)
            sizes[s] = SweepWorker.data(spec, m, s, per, classes).examples().length;
        return sizes;
    }

    private static void finish(
            Path dir,
            String[] keys,
            List<Map<String, Object>> rows,
            SweepPlan.Point p,
            Map<String, Object> row,
            Progress progress) {
        Map<String, Object> stored = new LinkedHashMap<>(row);
        stored.remove("point");
        AtomicFiles.write(
                dir.resolve(POINTS).resolve(keys[p.index()] + ".json"),
                SweepTable.json(stored).getBytes(StandardCharsets.UTF_8));
        rows.set(p.index(), row);
        progress.point(row);
    }

    private static Map<String, Object> read(Path dir, String key, List<String> columns) {
        Path f = dir.resolve(POINTS).resolve(key + ".json");
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return null;
        try {
            JsonNode o = new ObjectMapper().readTree(Files.readAllBytes(f));
            if (o == null || !o.isObject()) return null;
            return SweepTable.fromJson(o, columns);
        } catch (IOException | IllegalArgumentException e) {
            return null; // a damaged point file (a kill mid-write cannot make one, a user can): compute it again
        }
    }

    /** A folder that does not exist, an empty one, or one an earlier sweep wrote: nothing else is written into. */
    static void prepare(Path dir) {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS))
            throw new BnncimException(dir + ": exists and is not a folder");
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String n = p.getFileName().toString();
                    if (!OURS.contains(n) && !n.startsWith("."))
                        throw new BnncimException(dir + ": holds '" + n + "', which a sweep does not write; give -o an"
                                + " empty or new folder, or the folder of an earlier sweep to resume it");
                }
            } catch (IOException e) {
                throw new BnncimException(dir + ": cannot list (" + e.getClass().getSimpleName() + ")");
            }
        }
        try {
            Files.createDirectories(dir.resolve(POINTS));
        } catch (IOException e) {
            throw new BnncimException(dir + ": cannot create (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** A point's identity: the bytes it reads and every option of its row. */
    static String key(SweepSpec s, SweepPlan.Point p, List<String> columns, Map<String, String> hashes) {
        SweepSpec.Model m = s.models().get(p.model());
        StringBuilder b = new StringBuilder("bnncim-sweep-point/1\n");
        b.append("model ")
                .append(m.name())
                .append(' ')
                .append(hash(m.path(), hashes))
                .append(' ')
                .append(m.mcDropout())
                .append('\n');
        b.append("data ").append(dataHash(m.dataset(), true, hashes)).append('\n');
        for (SweepSpec.DataSet d : m.ood())
            b.append("ood ")
                    .append(d.name())
                    .append(' ')
                    .append(dataHash(d.path(), false, hashes))
                    .append('\n');
        String arch = s.archs().get(p.arch());
        b.append("arch ").append(arch == null ? "default" : hash(arch, hashes)).append('\n');
        int[] rc = s.crossbars().get(p.crossbar());
        b.append("crossbar ").append(rc == null ? "-" : rc[0] + "x" + rc[1]).append('\n');
        b.append("encoding ").append(s.encodings().get(p.encoding())).append('\n');
        b.append("chips ").append(s.chips().get(p.chips())).append('\n');
        b.append("faults ").append(s.faults().get(p.faults())).append('\n');
        b.append("samples ").append(s.samples().get(p.samples())).append('\n');
        b.append("seed ").append(s.seeds().get(p.seed())).append('\n');
        b.append("limit ").append(s.limit()).append('\n');
        b.append("columns ").append(String.join(",", columns)).append('\n');
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The hashes of a dataset's files, found (a folder listing) and hashed once per sweep, not once per point. */
    private static String dataHash(String path, boolean labels, Map<String, String> hashes) {
        String key = "dataset " + labels + " " + path;
        String known = hashes.get(key);
        if (known != null) return known;
        StringBuilder b = new StringBuilder();
        for (Path f : Inputs.datasetFiles(Path.of(path), labels))
            if (f != null) b.append(hash(f.toString(), hashes)).append(' ');
        String h = b.toString().trim();
        hashes.put(key, h);
        return h;
    }

    private static String hash(String file, Map<String, String> hashes) {
        return hashes.computeIfAbsent(file, f -> ReportMeta.sha256(Path.of(f)));
    }
}
