package org.bnncim.compiler.driver;

/**
 * Where the stochastic bits of a Monte-Carlo pass come from. The constants are spelled as on the command line
 * ({@code --bits counter|lfsr}) so that picocli's enum conversion accepts exactly those spellings.
 */
public enum BitModel {
    /** Counter-based: every (example, pass) draws independently, so results do not depend on thread order. */
    counter,
    /** The generated Verilog's LFSR, consumed in example-major order: the bits a testbench would see. */
    lfsr
}
