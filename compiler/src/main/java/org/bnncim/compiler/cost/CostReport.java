package org.bnncim.compiler.cost;

import java.util.List;
import java.util.Map;
import org.bnncim.ir.mapping.StochasticUnit;

/** Everything the mapping reports print: per layer and in total, for one pass, T passes and the MC-Dropout baseline. */
public record CostReport(
        String model,
        int rows,
        int cols,
        String encoding,
        int crossbarsUsed,
        long crossbarsLowerBound,
        double utilization,
        int tilesUsed,
        int chips,
        String stochasticKind,
        int stochasticUnits,
        List<StochasticUnit.Entry> schedule,
        List<Layer> layers,
        Totals deterministic,
        Totals mc,
        Totals baselineMcDropout,
        int baselineStochasticUnits,
        int samples,
        Map<String, String> notes,
        List<Digital> digital,
        List<BitCost> bitCostSweep,
        Programming programming,
        Schedule montecarlo,
        PerChannel baselinePerChannel,
        Periphery periphery) {

    /** A report without a digital datapath. */
    public CostReport(
            String model,
            int rows,
            int cols,
            String encoding,
            int crossbarsUsed,
            long crossbarsLowerBound,
            double utilization,
            int tilesUsed,
            int chips,
            String stochasticKind,
            int stochasticUnits,
            List<StochasticUnit.Entry> schedule,
            List<Layer> layers,
            Totals deterministic,
            Totals mc,
            Totals baselineMcDropout,
            int baselineStochasticUnits,
            int samples,
            Map<String, String> notes) {
        this(
                model,
                rows,
                cols,
                encoding,
                crossbarsUsed,
                crossbarsLowerBound,
                utilization,
                tilesUsed,
                chips,
                stochasticKind,
                stochasticUnits,
                schedule,
                layers,
                deterministic,
                mc,
                baselineMcDropout,
                baselineStochasticUnits,
                samples,
                notes,
                List.of(),
                List.of(),
                Programming.NONE,
                Schedule.NONE,
                PerChannel.NONE,
                Periphery.NONE);
    }

    /**
     * How many of each periphery component the area model counts (each times its architecture figure is the area
     * breakdown's entry): word-line drivers and converters of every crossbar, adder-tree bits (every logical column
     * of every crossbar at the widest layer's partial-sum width), comparators (threshold units: those after the
     * crossbar layers, and those binarizing a digital datapath's input) and activation buffer bits. {@code --synth}
     * sets them beside the synthesized periphery.
     */
    public record Periphery(
            long wordlineDrivers,
            long converters,
            long adderBits,
            long comparators,
            long inputComparators,
            long bufferBits) {
        public static final Periphery NONE = new Periphery(0, 0, 0, 0, 0, 0);
    }

    /**
     * The MC-Dropout baseline with its units time-shared per channel ({@link SharedUnits}).
     *
     * @param units one per channel of every dropped layer
     * @param areaMm2 its stochastic modules: units with a mask gate each, plus one mask buffer bit per neuron
     * @param extraLatencyNsPerPass the masks' positions drawn one after another, beyond the per-neuron baseline's
     *     single draw time, per pass
     */
    public record PerChannel(int units, double areaMm2, double extraLatencyNsPerPass) {
        public static final PerChannel NONE = new PerChannel(0, 0, 0);
    }

    /** The baseline's area with units per channel in place of its per-neuron stochastic modules. */
    public double baselinePerChannelAreaMm2() {
        return baselineMcDropout.areaMm2()
                - baselineMcDropout.areaBreakdownMm2().getOrDefault("stochastic", 0.0)
                + baselinePerChannel.areaMm2();
    }

    /**
     * The Monte-Carlo run as the compiled schedule executes it ({@link McScheduleCost}): the order, the stochastic
     * bits per pass, each crossbar layer's and digital node's expected runs over T passes (Scale-Dropout's schedule
     * and the MC-Dropout baseline's, which reuses only its deterministic prefix), the totals of both, and the buffers
     * the schedule adds (the reuse buffer and the sorted order's pattern counters, in bits).
     */
    public record Schedule(
            String order,
            int bits,
            List<Runs> runs,
            Totals scheduled,
            Totals baselineScheduled,
            long reuseBufferBits,
            long counterBits,
            long baselineReuseBufferBits) {
        public static final Schedule NONE = new Schedule("none", 0, List.of(), null, null, 0, 0, 0);

        public Schedule {
            runs = List.copyOf(runs);
        }

        public boolean present() {
            return scheduled != null;
        }
    }

    /** Expected runs of one crossbar layer or digital node over T passes, at its depth in the schedule. */
    public record Runs(String node, String runsOn, int depth, double expected, double baseline) {}

    /**
     * Writing the weights into the crossbars, once per model load and never per inference, so it is kept out of every
     * per-pass and Monte-Carlo figure: {@code cells} written at {@code cell_write} each; each crossbar writes its
     * {@code rows} occupied rows one after another (all columns of a row at once), the crossbars in parallel.
     */
    public record Programming(long cells, int rows, double energyPj, double timeNs) {
        public static final Programming NONE = new Programming(0, 0, 0, 0);
    }

    /**
     * The Scale-Dropout vs per-neuron MC-Dropout comparison at one energy of a random bit, over T passes: the paper's
     * claim is about the stochastic modules, and how much of it reaches the whole inference depends on this figure,
     * which published stochastic-MTJ sources put anywhere from tens of fJ to about a pJ per bit.
     *
     * @param modulePj this mapping's stochastic unit; {@code baselineModulePj} the per-neuron units with their mask
     *     gates; {@code totalPj} and {@code baselineTotalPj} the whole inference with them as naive T passes,
     *     {@code scheduledTotalPj} and {@code baselineScheduledTotalPj} as the compiled schedule runs them;
     *     {@code architectures} whether {@code bitPj} is the architecture's (the figures of the rest of the report);
     *     {@code writePj}, {@code resetPj}, {@code readPj} the parts of one bit by the architecture's split
     */
    public record BitCost(
            double bitPj,
            double writePj,
            double resetPj,
            double readPj,
            double modulePj,
            double baselineModulePj,
            double totalPj,
            double baselineTotalPj,
            double scheduledTotalPj,
            double baselineScheduledTotalPj,
            boolean architectures) {
        /** Whole-inference saving with both runs scheduled: the figure a chip that reuses work would see. */
        public double scheduledTotalRatio() {
            return scheduledTotalPj > 0 ? baselineScheduledTotalPj / scheduledTotalPj : Double.NaN;
        }

        public double moduleRatio() {
            return modulePj > 0 ? baselineModulePj / modulePj : Double.NaN;
        }

        public double totalRatio() {
            return totalPj > 0 ? baselineTotalPj / totalPj : Double.NaN;
        }
    }

    /** One schedule entry as the text reports print it. */
    public static String scheduleText(StochasticUnit.Entry e) {
        return "bit " + e.bit() + " -> " + e.layer() + " (p=" + e.p() + ")";
    }

    /** Whether Monte-Carlo passes differ at all: without a stochastic layer every pass gives the same output. */
    public boolean stochastic() {
        return !stochasticKind.equals("none");
    }

    /** The energy the stochastic modules spend over T passes: this mapping's and the per-neuron baseline's. */
    public double stochasticEnergyPj() {
        return mc.energyBreakdownPj().getOrDefault("stochastic", 0.0);
    }

    public double baselineStochasticEnergyPj() {
        return baselineMcDropout.energyBreakdownPj().getOrDefault("stochastic", 0.0);
    }

    /** One pass's energy of the crossbar layers (with their periphery and float tails), in pJ. */
    public double crossbarEnergyPj() {
        return layers.stream().mapToDouble(Layer::energyPj).sum();
    }

    public double crossbarLatencyNs() {
        return layers.stream().mapToDouble(Layer::latencyNs).sum();
    }

    /** One pass's energy of the digital unit (shortcut sums, full-precision layers, pooling, activations), in pJ. */
    public double digitalEnergyPj() {
        return onUnit(Digital.DIGITAL_UNIT).mapToDouble(Digital::energyPj).sum();
    }

    public double digitalLatencyNs() {
        return onUnit(Digital.DIGITAL_UNIT).mapToDouble(Digital::latencyNs).sum();
    }

    /** Whether some rows move data in the periphery's buffers (upsampling, skip concatenation). */
    public boolean hasPeripheryRows() {
        return onUnit(Digital.PERIPHERY).findAny().isPresent();
    }

    /** One pass's energy of the periphery's data movement (upsampling, skip buffering), in pJ. */
    public double peripheryEnergyPj() {
        return onUnit(Digital.PERIPHERY).mapToDouble(Digital::energyPj).sum();
    }

    public double peripheryLatencyNs() {
        return onUnit(Digital.PERIPHERY).mapToDouble(Digital::latencyNs).sum();
    }

    /** Whether some rows compute in a crossbar layer's periphery (an integer max pool). */
    public boolean hasPeripheryLogicRows() {
        return onUnit(Digital.PERIPHERY_LOGIC).findAny().isPresent();
    }

    public double peripheryLogicEnergyPj() {
        return onUnit(Digital.PERIPHERY_LOGIC).mapToDouble(Digital::energyPj).sum();
    }

    public double peripheryLogicLatencyNs() {
        return onUnit(Digital.PERIPHERY_LOGIC).mapToDouble(Digital::latencyNs).sum();
    }

    /** Whether some row runs in the fp32 digital unit. */
    public boolean hasDigitalUnitRows() {
        return onUnit(Digital.DIGITAL_UNIT).findAny().isPresent();
    }

    private java.util.stream.Stream<Digital> onUnit(String runsOn) {
        return digital.stream().filter(d -> d.runsOn().equals(runsOn));
    }

    /**
     * One node of the digital datapath or of the periphery's data movement: where it runs, its fp32 work (MACs, ops:
     * a MAC is two), the bits it moves through buffers (of them {@code shortcutBits} into the shortcut or skip
     * buffer), and its cost for one pass.
     */
    public record Digital(
            String name,
            String kind,
            String runsOn,
            long outputs,
            long macs,
            long ops,
            long bufferBits,
            long shortcutBits,
            String detail,
            double energyPj,
            double latencyNs,
            Map<String, Double> energyBreakdownPj) {
        public static final String DIGITAL_UNIT = "digital unit",
                CROSSBAR = "crossbar",
                PERIPHERY = "periphery buffers",
                PERIPHERY_LOGIC = "periphery logic";
        /** fp32 lanes of the digital unit of a model with a digital datapath (a choice, not an architecture key). */
        public static final int LANES = 16;
    }

    /** One crossbar layer (or the final digital unit) of the model. */
    public record Layer(
            String name,
            String kind,
            int k,
            int n,
            int positions,
            int inputBits,
            int rowTiles,
            int colTiles,
            int pieces,
            double crossbars,
            int crossbarsTouched,
            int tilesSpanned,
            double utilization,
            boolean scaleDropout,
            int stochasticBit,
            String padding,
            String periphery,
            double energyPj,
            double latencyNs,
            Map<String, Double> energyBreakdownPj,
            List<String> peripheryOps) {
        /**
         * @param peripheryOps the periphery-logic nodes ({@link Digital} rows) that work for this layer: the input
         *     interface feeding it and the max pools of its popcounts or activations, in graph order; the layer
         *     tables show them under the layer
         */
        public Layer {
            peripheryOps = List.copyOf(peripheryOps);
        }
    }

    /** The periphery-logic rows of {@link #digital} that belong to a layer, in the layer's order. */
    public List<Digital> peripheryOf(Layer l) {
        return l.peripheryOps().stream()
                .flatMap(n -> digital.stream().filter(d -> d.name().equals(n)))
                .toList();
    }

    public record Totals(
            double energyPj,
            double latencyNs,
            double areaMm2,
            Map<String, Double> energyBreakdownPj,
            Map<String, Double> areaBreakdownMm2) {}
}
