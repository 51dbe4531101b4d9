package org.bnncim.compiler.passes;

import org.bnncim.ir.Graph;
import org.bnncim.ir.mapping.Mapping;

/** Reads a finished graph and starts its mapping; after it, the graph is fixed. */
public non-sealed interface LoweringPass extends Pass {
    Mapping lower(Graph g);
}
