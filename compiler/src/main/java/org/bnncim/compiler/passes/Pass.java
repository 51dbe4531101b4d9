package org.bnncim.compiler.passes;

/**
 * One step of the compile. Passes never mutate their input and never know about a backend. A graph pass rewrites
 * the graph; the lowering pass starts the mapping from a graph; a mapping pass rewrites the mapping of a fixed
 * graph, so no mapping pass can leave a mapping describing a graph that is gone.
 */
public sealed interface Pass permits GraphPass, LoweringPass, MappingPass {
    PassInfo info();

    /** The name users give to {@code --print-after}. */
    default String name() {
        return info().name();
    }
}
