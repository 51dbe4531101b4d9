package org.bnncim.compiler.passes;

import org.bnncim.ir.mapping.MappingVerifier;

/**
 * What a pass may require of its input and promise of its output. The pass manager checks the chain of
 * declarations before running anything, and after each mapping pass verifies every mapping property that holds.
 */
public enum Property {
    /** Periphery chains folded into integer thresholds and input binarizers. */
    FOLDED(null),
    /** One layer map per crossbar node: the mapping exists. */
    CROSSBAR_LAYERS(null),
    /** Every weight bit in exactly one piece. */
    TILED(MappingVerifier.Check.TILED),
    /** Pieces on crossbars, crossbars on tiles and chips. */
    PLACED(MappingVerifier.Check.PLACED),
    /** The stochastic unit and its schedule. */
    STOCHASTIC_UNIT(MappingVerifier.Check.SCHEDULED),
    /** The Monte-Carlo schedule: which passes share each node's value. */
    MC_SCHEDULE(MappingVerifier.Check.PLANNED);

    private final MappingVerifier.Check check;

    Property(MappingVerifier.Check check) {
        this.check = check;
    }

    /** The mapping verifier's check of this property, or null for a graph property. */
    public MappingVerifier.Check check() {
        return check;
    }
}
