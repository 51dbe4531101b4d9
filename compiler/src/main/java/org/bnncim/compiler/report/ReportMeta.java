package org.bnncim.compiler.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.bnncim.compiler.synth.Synthesis;
import org.bnncim.ir.arch.Architecture;

/**
 * What report.json says about how it was made: the tool build, the model file, the options and the architecture.
 * Nothing here depends on the clock or the machine, so two compiles of one model with one build give one report.
 *
 * @param modelPath   the model path as given (relative stays relative), or null for a graph built in memory
 * @param modelSha256 the model file's SHA-256 in lower-case hex, or null without a file
 * @param outputs     what the compile wrote besides the reports: {@code sim}, {@code verilog}
 * @param testbench   the Verilog testbench's options, or null without {@code verilog}
 * @param synth       the Yosys run of {@code --synth}, or null without it
 */
public record ReportMeta(
        String modelPath,
        String modelSha256,
        int samples,
        boolean mcDropout,
        boolean allowMultiOutput,
        int inputLevels,
        long maxBytes,
        List<String> outputs,
        Testbench testbench,
        Architecture arch,
        Synthesis.Result synth) {

    /** Without {@code --synth}. */
    public ReportMeta(
            String modelPath,
            String modelSha256,
            int samples,
            boolean mcDropout,
            boolean allowMultiOutput,
            int inputLevels,
            long maxBytes,
            List<String> outputs,
            Testbench testbench,
            Architecture arch) {
        this(
                modelPath,
                modelSha256,
                samples,
                mcDropout,
                allowMultiOutput,
                inputLevels,
                maxBytes,
                outputs,
                testbench,
                arch,
                null);
    }

    /** Bumped when a field changes meaning or goes away; docs/report-schema.json describes this version. */
    public static final String SCHEMA_VERSION = "1.0";

    public record Testbench(int examples, int samples, long seed) {}

    /** The tool's version and the git commit it was built from ("unknown" outside a checkout). */
    public record Build(String version, String commit) {
        public static final Build CURRENT = read();

        private static Build read() {
            Properties p = new Properties();
            try (InputStream in = ReportMeta.class.getResourceAsStream("/org/bnncim/compiler/build.properties")) {
                if (in != null) p.load(in);
            } catch (IOException e) {
                // an unreadable resource says no more than a missing one
            }
            return new Build(value(p, "version"), value(p, "commit"));
        }

        private static String value(Properties p, String key) {
            String v = p.getProperty(key, "").strip();
            return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
        }
    }

    /** The SHA-256 of a model file, or null when the path is not a regular file. */
    /** The SHA-256 of {@code bytes}, in lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256(Path file) {
        if (file == null || !Files.isRegularFile(file)) return null;
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
