package org.bnncim.compiler.sweep;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Pareto fronts of sweep points where x is a cost to minimise and y a quality to maximise. */
public final class Pareto {
    private Pareto() {}

    /**
     * The indices of the non-dominated points, by increasing x. A point is dominated when another has x no larger
     * and y no smaller and differs in one of them; equal points dominate neither, so duplicates are all kept.
     * Points with a NaN or infinite coordinate take no part.
     */
    public static List<Integer> front(double[] x, double[] y) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < x.length; i++) if (Double.isFinite(x[i]) && Double.isFinite(y[i])) order.add(i);
        // by x, then best y first: every point that could dominate a point comes before it
        order.sort(Comparator.comparingDouble((Integer i) -> x[i])
                .thenComparing(i -> -y[i])
                .thenComparingInt(i -> i));
        List<Integer> front = new ArrayList<>();
        double bestY = Double.NEGATIVE_INFINITY, xAtBest = Double.NaN;
        for (int i : order) {
            boolean dominated = bestY > y[i] || (bestY == y[i] && xAtBest < x[i]);
            if (!dominated) front.add(i);
            if (y[i] > bestY) {
                bestY = y[i];
                xAtBest = x[i];
            }
        }
        return front;
    }
}
