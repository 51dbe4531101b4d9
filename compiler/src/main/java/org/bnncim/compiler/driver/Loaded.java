package org.bnncim.compiler.driver;

import java.nio.file.Files;
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

    /** Java arrays end at 2 GiB; a program that large would not fit any chip bnncim models anyway. */
    public static final long MAX_PROGRAM_BYTES = Integer.MAX_VALUE - 8L;

    private Loaded() {}

    public static Program program(Path modelOrFolder, OnnxImporter.Options options, Architecture arch) {
        if (Files.isDirectory(modelOrFolder)) {
            Path f = modelOrFolder.resolve(PROGRAM_FILE);
            if (!Files.exists(f))
                throw new BnncimException(f + ": no simulator program here (compile with --target sim or all)");
            byte[] bytes = org.bnncim.io.InputFiles.read(f, "simulator program", MAX_PROGRAM_BYTES, null);
            return ProgramCodec.decode(bytes, f.toString());
        }
        var c = Compiler.compile(modelOrFolder, new Compiler.Options(options, arch, 1, Set.of()), s -> {});
        return Program.of(c.mapped());
    }
}
