package org.bnncim.compiler.sweep;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The grid of a spec as points, and the work of a point as tasks. Points are numbered in a fixed order (model, arch,
 * crossbar, encoding, chips, then faults, samples, seed: the last varies fastest), so that the points sharing a
 * mapping are neighbours and a table sorted by point is the same whatever ran them.
 */
public final class SweepPlan {
    private SweepPlan() {}

    /**
     * One grid point, as indices into the spec's axes.
     *
     * @param index its number in the grid
     */
    public record Point(
            int index, int model, int arch, int crossbar, int encoding, int chips, int faults, int samples, int seed)
            implements Serializable {
        /** Points with the same mapping key compile to the same program. */
        public String mappingKey() {
            return model + "/" + arch + "/" + crossbar + "/" + encoding + "/" + chips;
        }
    }

    /**
     * Examples {@code first .. first + count - 1} of one dataset of one point.
     *
     * @param set 0 for the model's labelled set, k for its k-th OOD set
     */
    public record Task(Point point, int set, int first, int count) implements Serializable {}

    public static List<Point> points(SweepSpec s) {
        List<Point> out = new ArrayList<>();
        int i = 0;
        for (int m = 0; m < s.models().size(); m++)
            for (int a = 0; a < s.archs().size(); a++)
                for (int c = 0; c < s.crossbars().size(); c++)
                    for (int e = 0; e < s.encodings().size(); e++)
                        for (int h = 0; h < s.chips().size(); h++)
                            for (int f = 0; f < s.faults().size(); f++)
                                for (int t = 0; t < s.samples().size(); t++)
                                    for (int d = 0; d < s.seeds().size(); d++)
                                        out.add(new Point(i++, m, a, c, e, h, f, t, d));
        return out;
    }

    /**
     * The tasks of a point whose datasets have {@code sizes[set]} examples (after the spec's limit): each set in
     * ranges of at most {@code partitionExamples}.
     */
    public static List<Task> tasks(Point p, int[] sizes, int partitionExamples) {
        List<Task> out = new ArrayList<>();
        for (int set = 0; set < sizes.length; set++)
            for (int first = 0; first < sizes[set]; first += partitionExamples)
                out.add(new Task(p, set, first, Math.min(partitionExamples, sizes[set] - first)));
        return out;
    }
}
