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
     * zero. Such a run is refused (in one line naming both choices) rather than reported as Monte-Carlo.
     */
    public static void refuseIdentityDropout(Path model, OnnxImporter.Options options, Program p, int samples) {
        if (samples == 0 || options.mcDropout() || p.stochasticBits() > 0 || Files.isDirectory(model)) return;
        long dropouts = org.bnncim.compiler.frontend.OnnxFiles.read(model).getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("Dropout") && n.getDomain().isEmpty())
                .filter(n ->
                        n.getAttributeList().stream().noneMatch(a -> a.getName().equals("ratio") && a.getF() == 0f))
                .count();
        if (dropouts == 0) return;
        throw new BnncimException(model + ": --samples " + samples + " but its " + dropouts + " Dropout node"
                + (dropouts == 1 ? " is" : "s are") + " the identity without --mc-dropout (every pass would be the"
                + " same); add --mc-dropout to sample them, or use --samples 0 for one deterministic pass");
    }
}
