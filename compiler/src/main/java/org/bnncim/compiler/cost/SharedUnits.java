package org.bnncim.compiler.cost;

import org.bnncim.ir.Graph;
import org.bnncim.ir.Node;
import org.bnncim.ir.arch.Architecture;
import org.bnncim.ir.mapping.LayerMap;
import org.bnncim.ir.mapping.Mapping;
import org.bnncim.ir.mapping.StochasticUnit;

/**
 * The per-neuron MC-Dropout baseline with its units time-shared per channel instead of one per neuron: a
 * convolution's mask has one bit per output position, and one unit per channel can draw them one after another, as a
 * chip would rather than build positions x channels units. Same bits, same energy; fewer units, more latency, and the
 * drawn mask bits wait in a buffer until the layer that reads them. Reported beside the per-neuron figure, since
 * which one a comparison should use depends on how fast the bits are needed.
 */
final class SharedUnits {
    private SharedUnits() {}

    static CostReport.PerChannel of(Graph g, Mapping m) {
        Architecture a = m.arch();
        StochasticUnit u = m.stochastic();
        long channels = 0, neurons = 0, drawsInSequence = 0;
        if (u.kind() == StochasticUnit.Kind.SCALE_DROPOUT) {
            // the baseline drops each Scale-Dropout layer's outputs per neuron
            for (LayerMap l : m.layers()) {
                if (l.stochasticBit() < 0) continue;
                channels += l.n();
                neurons += (long) l.n() * l.positions();
                drawsInSequence += l.positions();
            }
        } else if (u.kind() == StochasticUnit.Kind.MC_DROPOUT) {
            for (Node.McDropout d : g.nodesOf(Node.McDropout.class)) {
                var s = d.output().shape();
                channels += s.channels();
                neurons += s.size();
                drawsInSequence += s.perChannel();
            }
        } else {
            return CostReport.PerChannel.NONE;
        }
        double um2 = channels * (a.area().stochasticUnit() + a.area().maskGate())
                + neurons * a.area().bufferPerBit();
        // layers draw their masks one after another; the per-neuron baseline draws every bit of a pass at once
        double extra = Math.max(0, drawsInSequence - 1) * a.latency().stochasticBit();
        return new CostReport.PerChannel(Math.toIntExact(channels), um2 * 1e-6, extra);
    }
}
