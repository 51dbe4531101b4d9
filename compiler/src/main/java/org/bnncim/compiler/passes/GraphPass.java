package org.bnncim.compiler.passes;

import org.bnncim.ir.Graph;

/** A graph-to-graph transformation; runs before the mapping exists. */
public non-sealed interface GraphPass extends Pass {
    Graph run(Graph g);
}
