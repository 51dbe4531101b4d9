package org.bnncim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;

/**
 * The module arrows and the package graph, read from the sources themselves, so that a stray import that would
 * turn the layering into a cycle fails the build instead of waiting for a reviewer to notice it.
 */
class LayeringTest {
    /** What each module's main code may import from the others (the poms say the same; this also covers packages). */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "ir", Set.of(),
            "io", Set.of("ir"),
            "backends", Set.of("ir"),
            "compiler", Set.of("ir", "io", "backends"),
            "oracle", Set.of("ir", "io"),
            "cli", Set.of("ir", "io", "backends", "compiler", "oracle"),
            "bench", Set.of("ir", "io", "backends", "compiler", "oracle", "cli"),
            // above the CLI, so that the CLI never needs Spark: it finds the engine through ServiceLoader
            "spark", Set.of("ir", "io", "backends", "compiler", "oracle", "cli"));

    private static final Map<String, String> MODULE_OF_PACKAGE_ROOT = Map.of(
            "org.bnncim.ir", "ir",
            "org.bnncim.io", "io",
            "org.bnncim.backends", "backends",
            "org.bnncim.compiler", "compiler",
            "org.bnncim.oracle", "oracle",
            "org.bnncim.cli", "cli",
            "org.bnncim.verify", "cli",
            "org.bnncim.bench", "bench",
            "org.bnncim.spark", "spark");

    private static final Pattern PACKAGE = Pattern.compile("^package (org\\.bnncim[\\w.]*);", Pattern.MULTILINE);
    private static final Pattern IMPORT =
            Pattern.compile("^import (?:static )?(org\\.bnncim(?:\\.[a-z]\\w*)*)\\.[A-Z]", Pattern.MULTILINE);

    record Source(String module, String pkg, Set<String> imports) {}

    static List<Source> sources() throws IOException {
        List<Source> out = new ArrayList<>();
        for (String module : ALLOWED.keySet()) {
            Path dir = Paths.root().resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(f);
                    Matcher pm = PACKAGE.matcher(text);
                    if (!pm.find()) continue;
                    Set<String> imports = new TreeSet<>();
                    Matcher im = IMPORT.matcher(text);
                    while (im.find()) imports.add(im.group(1));
                    out.add(new Source(module, pm.group(1), imports));
                }
            }
        }
        return out;
    }

    static String moduleOf(String pkg) {
        String best = null;
        for (String root : MODULE_OF_PACKAGE_ROOT.keySet()) {
            if ((pkg.equals(root) || pkg.startsWith(root + ".")) && (best == null || root.length() > best.length())) {
                best = root;
            }
        }
        return best == null ? null : MODULE_OF_PACKAGE_ROOT.get(best);
    }

    @Test
    void everyModuleImportsOnlyTheModulesBelowIt() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (Source s : sources()) {
            assertEquals(s.module(), moduleOf(s.pkg()), "package " + s.pkg() + " lives in module " + s.module());
            for (String imp : s.imports()) {
                String target = moduleOf(imp);
                if (target != null
                        && !target.equals(s.module())
                        && !ALLOWED.get(s.module()).contains(target)) {
                    wrong.add(s.pkg() + " -> " + imp);
                }
            }
        }
        assertTrue(wrong.isEmpty(), "imports against the module arrows: " + wrong);
    }

    @Test
    void thePackageGraphHasNoCycle() throws IOException {
        Map<String, Set<String>> edges = new TreeMap<>();
        for (Source s : sources()) {
            Set<String> out = edges.computeIfAbsent(s.pkg(), k -> new TreeSet<>());
            for (String imp : s.imports()) if (!imp.equals(s.pkg())) out.add(imp);
        }
        List<List<String>> cycles =
                stronglyConnected(edges).stream().filter(c -> c.size() > 1).toList();
        assertTrue(cycles.isEmpty(), "package cycles: " + cycles);
    }

    /** Tarjan's algorithm, iterative so that a deep package chain cannot overflow the stack. */
    static List<List<String>> stronglyConnected(Map<String, Set<String>> edges) {
        Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] next = {0};
        for (String start : edges.keySet()) {
            if (index.containsKey(start)) continue;
            Deque<Object[]> work = new ArrayDeque<>();
            work.push(new Object[] {start, new ArrayList<>(edges.getOrDefault(start, Set.of())).iterator()});
            index.put(start, next[0]);
            low.put(start, next[0]++);
            stack.push(start);
            onStack.add(start);
            while (!work.isEmpty()) {
                Object[] frame = work.peek();
                String v = (String) frame[0];
                @SuppressWarnings("unchecked")
                java.util.Iterator<String> it = (java.util.Iterator<String>) frame[1];
                if (it.hasNext()) {
                    String w = it.next();
                    if (!index.containsKey(w)) {
                        index.put(w, next[0]);
                        low.put(w, next[0]++);
                        stack.push(w);
                        onStack.add(w);
                        work.push(new Object[] {w, new ArrayList<>(edges.getOrDefault(w, Set.of())).iterator()});
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                } else {
                    work.pop();
                    if (!work.isEmpty()) {
                        String parent = (String) work.peek()[0];
                        low.put(parent, Math.min(low.get(parent), low.get(v)));
                    }
                    if (low.get(v).equals(index.get(v))) {
                        List<String> comp = new ArrayList<>();
                        String w;
                        do {
                            w = stack.pop();
                            onStack.remove(w);
                            comp.add(w);
                        } while (!w.equals(v));
                        out.add(comp);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void theCycleFinderFindsACycle() {
        Map<String, Set<String>> g = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
        List<List<String>> c = stronglyConnected(new TreeMap<>(g)).stream()
                .filter(x -> x.size() > 1)
                .toList();
        assertEquals(1, c.size());
        assertEquals(Set.of("a", "b", "c"), new TreeSet<>(c.get(0)));
    }

    @Test
    void noMainSourceFileIsLongerThan600Lines() throws IOException {
        List<String> long_ = new ArrayList<>();
        for (String module : ALLOWED.keySet()) {
            Path dir = Paths.root().resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    long n = Files.readAllLines(f).size();
                    if (n > 600) long_.add(Paths.root().relativize(f) + " (" + n + ")");
                }
            }
        }
        assertTrue(long_.isEmpty(), "files over 600 lines: " + long_);
    }

    /** The formatter wraps code at 120 columns but not long string literals or comments; this catches them. */
    @Test
    void noSourceLineIsLongerThan120Columns() throws IOException {
        List<String> wide = new ArrayList<>();
        for (String module : ALLOWED.keySet()) {
            Path dir = Paths.root().resolve(module).resolve("src");
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readAllLines(f);
                    for (int i = 0; i < lines.size(); i++) {
                        int n = lines.get(i).length();
                        if (n > 120) wide.add(Paths.root().relativize(f) + ":" + (i + 1) + " (" + n + ")");
                    }
                }
            }
        }
        assertTrue(wide.isEmpty(), "lines over 120 columns: " + wide);
    }
}
