package org.bnncim.ir.mapping;

import java.util.ArrayList;
import java.util.List;
import org.bnncim.ir.arch.Architecture;

/**
 * The result of mapping a graph onto the chip: per-layer pieces, where every crossbar sits, the stochastic unit
 * with its schedule, and the Monte-Carlo schedule ({@code montecarlo}: null until the planning pass has run). Built
 * up by the mapping passes; immutable.
 */
public record Mapping(
        Architecture arch,
        List<LayerMap> layers,
        List<CrossbarSlot> crossbars,
        StochasticUnit stochastic,
        McSchedule montecarlo) {
    public Mapping {
        layers = List.copyOf(layers);
        crossbars = List.copyOf(crossbars);
    }

    /** A mapping not yet planned for Monte-Carlo runs. */
    public Mapping(Architecture arch, List<LayerMap> layers, List<CrossbarSlot> crossbars, StochasticUnit stochastic) {
        this(arch, layers, crossbars, stochastic, null);
    }

    public LayerMap layer(String name) {
        for (LayerMap l : layers) if (l.layer().equals(name)) return l;
        throw new IllegalArgumentException("no mapped layer " + name);
    }

    public int crossbarCount() {
        int max = -1;
        for (LayerMap l : layers) for (Piece p : l.pieces()) max = Math.max(max, p.crossbar());
        return max + 1;
    }

    public List<Piece> piecesOn(int crossbar) {
        List<Piece> out = new ArrayList<>();
        for (LayerMap l : layers) for (Piece p : l.pieces()) if (p.crossbar() == crossbar) out.add(p);
        return out;
    }

    /** All weight cells of the model divided by the cells of one crossbar, rounded up: no mapping can do better. */
    public long lowerBound() {
        long cells = 0;
        for (LayerMap l : layers) cells += l.weights() * arch.cellsPerWeight();
        return (cells + arch.cellsPerCrossbar() - 1) / arch.cellsPerCrossbar();
    }

    public Mapping withLayers(List<LayerMap> l) {
        return new Mapping(arch, l, crossbars, stochastic, montecarlo);
    }

    public Mapping withCrossbars(List<CrossbarSlot> c) {
        return new Mapping(arch, layers, c, stochastic, montecarlo);
    }

    public Mapping withStochastic(StochasticUnit s) {
        return new Mapping(arch, layers, crossbars, s, montecarlo);
    }

    public Mapping withMonteCarlo(McSchedule mc) {
        return new Mapping(arch, layers, crossbars, stochastic, mc);
    }
}
