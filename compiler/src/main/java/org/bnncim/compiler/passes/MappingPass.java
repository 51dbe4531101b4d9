package org.bnncim.compiler.passes;

import org.bnncim.ir.mapping.MappedModel;
import org.bnncim.ir.mapping.Mapping;

/** Takes a mapped model and returns its new mapping; the graph cannot change here. */
public non-sealed interface MappingPass extends Pass {
    Mapping run(MappedModel m);
}
