package org.bnncim.compiler.sweep;

import java.io.Serializable;
import java.util.List;

/**
 * A parsed, checked sweep spec: every axis expanded to its values, every path absolute. Plain strings and numbers
 * only, so that the spec travels to Spark executors by Java serialization (a {@code java.nio.file.Path} does not).
 *
 * @param file              the spec file, as given (messages and results name it)
 * @param models            the models, in the spec's order
 * @param archs             architecture files; {@code null} entries stand for the built-in default
 * @param crossbars         crossbar sizes, {rows, cols}
 * @param encodings         weight encodings, lower case ({@code single}, {@code complementary})
 * @param chips             chip counts
 * @param faults            fault settings in the {@code --faults} form, canonical ({@code Faults.toString})
 * @param samples           Monte-Carlo passes per example (0: one deterministic pass)
 * @param seeds             seeds of the stochastic bits and fault draws
 * @param limit             at most this many examples of every dataset; null for all
 * @param threads           worker threads of the in-process engine
 * @param partitionExamples examples per task: a dataset larger than this is split into ranges
 */
public record SweepSpec(
        String file,
        List<Model> models,
        List<String> archs,
        List<int[]> crossbars,
        List<String> encodings,
        List<Integer> chips,
        List<String> faults,
        List<Integer> samples,
        List<Long> seeds,
        Integer limit,
        int threads,
        int partitionExamples)
        implements Serializable {

    /**
     * One model and the data it is evaluated on.
     *
     * @param name      how the results name it (unique within the spec)
     * @param path      the ONNX file, absolute
     * @param mcDropout read standard Dropout as MC-Dropout ({@code --mc-dropout})
     * @param dataset   labelled in-distribution set: a folder or an *images.npy file, absolute
     * @param ood       out-of-distribution sets, each scored by AUROC
     */
    public record Model(String name, String path, boolean mcDropout, String dataset, List<DataSet> ood)
            implements Serializable {}

    /** An OOD set: its name in the results (column {@code auroc_<name>}) and its folder or *images.npy file. */
    public record DataSet(String name, String path) implements Serializable {}

    /** The OOD names of every model, in first-seen order: the table's AUROC columns. */
    public List<String> oodNames() {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        for (Model m : models) for (DataSet d : m.ood()) names.add(d.name());
        return List.copyOf(names);
    }

    /** Number of grid points. */
    public long size() {
        return (long) models.size()
                * archs.size()
                * crossbars.size()
                * encodings.size()
                * chips.size()
                * faults.size()
                * samples.size()
                * seeds.size();
    }
}
