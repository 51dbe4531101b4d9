package org.bnncim.compiler.passes;

import java.util.Set;

/**
 * A pass's declared metadata, as MLIR passes declare theirs: the name users give to {@code --print-after}, the
 * properties its input must have, and those its output has.
 */
public record PassInfo(String name, Set<Property> requires, Set<Property> produces) {
    public PassInfo {
        requires = Set.copyOf(requires);
        produces = Set.copyOf(produces);
    }
}
