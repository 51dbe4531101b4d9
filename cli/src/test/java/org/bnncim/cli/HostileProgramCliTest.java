package org.bnncim.cli;

import static org.bnncim.cli.BadInputTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bnncim.backends.sim.ProgramCodec;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A corrupt {@code program.bnc} ends {@code bnncim run} with exit 2 and one line naming the file (issue #18). */
class HostileProgramCliTest {
    @TempDir
    Path tmp;

    /** Where the string {@code s} is stored (its length prefix) at or after {@code from}. */
    private static int stringAt(byte[] file, String s, int from) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] pattern =
                ByteBuffer.allocate(4 + b.length).putInt(b.length).put(b).array();
        for (int i = from; i + pattern.length <= file.length; i++) {
            if (Arrays.equals(file, i, i + pattern.length, pattern, 0, pattern.length)) return i;
        }
        throw new AssertionError(s + " not in the file");
    }

    @Test
    void runRefusesCorruptProgramsInOneLine() throws Exception {
        Path out = tmp.resolve("out");
        assertEquals(
                0,
                Cli.run("compile", Paths.tfc().toString(), "-o", out.toString()).code());
        Path program = out.resolve("program.bnc");
        byte[] good = Files.readAllBytes(program);
        String input = ProgramCodec.decode(good, "p").graph().inputs().get(0).name();
        String images = Paths.testdata("mnist/test-1000-images.npy").toString();

        Files.write(program, Arrays.copyOf(good, good.length / 2));
        assertOneLineError(Cli.run("run", out.toString(), "--input", images), "program.bnc", "truncated");

        // the graph input's first dimension: 2^25 elements per example, a size bomb the pass would allocate
        ByteBuffer b = ByteBuffer.wrap(good.clone());
        b.putInt(stringAt(good, input, 0) + 4 + input.length() + 2 + 4, 1 << 25);
        Files.write(program, b.array());
        assertOneLineError(
                Cli.run("run", out.toString(), "--input", images), "program.bnc", "more than 16777216 elements");

        // the architecture's rows, beyond the 4096 of --arch files
        String arch = ArchitectureLoader.defaults().name();
        int rows = stringAt(good, arch, 0) + 4 + arch.length();
        b = ByteBuffer.wrap(good.clone());
        assertEquals(ArchitectureLoader.defaults().rows(), b.getInt(rows));
        b.putInt(rows, 8192);
        Files.write(program, b.array());
        assertOneLineError(Cli.run("run", out.toString(), "--input", images), "program.bnc", "larger than 4096");
    }
}
