package org.bnncim.compiler.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import org.bnncim.backends.sim.Program;
import org.bnncim.backends.sim.ProgramCodec;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.ir.BnncimException;
import org.bnncim.ir.arch.Architecture;

/** A simulator program from either a compiled output folder (OUT/program.bnc) or an ONNX model compiled on the fly. */
public final class Loaded {
    public static final String PROGRAM_FILE = "program.bnc";

    private Loaded() {}

    public static Program program(Path modelOrFolder, OnnxImporter.Options options, Architecture arch) {
        if (Files.isDirectory(modelOrFolder)) {
            Path f = modelOrFolder.resolve(PROGRAM_FILE);
            try {
                return ProgramCodec.decode(Files.readAllBytes(f), f.toString());
            } catch (NoSuchFileException e) {
                throw new BnncimException(f + ": no simulator program here (compile with --target sim or all)");
            } catch (IOException e) {
                throw new BnncimException(f + ": cannot read (" + e.getMessage() + ")");
            }
        }
        var c = Compiler.compile(modelOrFolder, new Compiler.Options(options, arch, 1, Set.of()), s -> {});
        return Program.of(c.mapped());
    }
}
