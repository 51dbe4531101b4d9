package org.bnncim.compiler.passes;

import org.bnncim.ir.Graph;

/** One graph-to-graph transformation. Passes never mutate their input and never know about a backend. */
public interface Pass {
    /** The name users give to {@code --print-after}. */
    String name();

    Graph run(Graph g);
}
