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

    /**
     * Without --mc-dropout the importer reads standard Dropout as the inference-time identity, so a model whose only
     * randomness is Dropout gives the same output on every Monte-Carlo pass: the "uncertainty" would be a silent
     * zero. Such a run is refused (in one line naming both choices) rather than reported as Monte-Carlo, from the
     * importer's note in the program, so a compiled folder is refused like the model it came from.
     */
    public static void refuseIdentityDropout(Path model, Program p, int samples) {
        String note = p.graph().notes().get(OnnxImporter.IDENTITY_DROPOUT_NOTE);
        if (samples == 0 || p.stochasticBits() > 0 || note == null) return;
        String fix = Files.isDirectory(model) ? "compile it again with --mc-dropout" : "add --mc-dropout";
        throw new BnncimException(model + ": --samples " + samples + " but " + note + ", so every pass would be the"
                + " same; " + fix + " to sample them, or use --samples 0 for one deterministic pass");
    }
}
