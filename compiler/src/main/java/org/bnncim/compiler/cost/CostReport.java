package org.bnncim.compiler.cost;

import java.util.List;
import java.util.Map;

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
        List<String> schedule,
        List<Layer> layers,
        Totals deterministic,
        Totals mc,
        Totals baselineMcDropout,
        int baselineStochasticUnits,
        int samples,
        Map<String, String> notes) {

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
            Map<String, Double> energyBreakdownPj) {}

    public record Totals(
            double energyPj,
            double latencyNs,
            double areaMm2,
            Map<String, Double> energyBreakdownPj,
            Map<String, Double> areaBreakdownMm2) {}
}
