package org.bnncim.compiler.frontend;

import org.bnncim.ir.Graph;

/** Opens the frontend's package-private Canonicalize step to the pass fixtures in other packages. */
public final class CanonicalizeForTests {
    private CanonicalizeForTests() {}

    public static Graph run(Graph g) {
        return Canonicalize.run(g);
    }
}
