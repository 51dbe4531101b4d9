package org.bnncim.compiler.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bnncim.compiler.driver.Frontend;
import org.bnncim.compiler.testing.Paths;
import org.bnncim.io.Inputs;
import org.bnncim.ir.Graph;
import org.bnncim.ir.interp.ReferenceInterpreter;
import org.bnncim.oracle.OrtReference;
import org.bnncim.oracle.ReferenceForm;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 2 of the foundation issue: on the 1,000 committed MNIST digits, the reference interpreter's logits
 * for TFC w1a1 equal ONNX Runtime's on the reference form within 1e-4, and the argmax agrees on every digit.
 */
class TfcAgainstOrtTest {
    @Test
    void interpreterMatchesOnnxRuntimeOnEveryDigit() throws Exception {
        Graph g = Frontend.load(Paths.tfc(), OnnxImporter.Options.DEFAULT);
        int per = g.inputs().get(0).shape().size();
        Inputs.Batch data = Inputs.read(Paths.testdata("mnist/test-1000-images.npy"), per);
        int[] labels = Inputs.labels(Paths.testdata("mnist/test-1000-labels.npy"), data.size(), 10);
        int n = data.size();
        float[] flat = new float[n * per];
        for (int i = 0; i < n; i++) System.arraycopy(data.examples()[i], 0, flat, i * per, per);
        var ref = ReferenceForm.convert(OnnxFiles.read(Paths.tfc()), ReferenceForm.Mode.BITS);
        float[][] ort;
        try (OrtReference rt = new OrtReference(ref.toByteArray(), 2)) {
            ort = rt.runBatched(flat, new int[] {1, 28, 28}, n, null, 250);
        }
        ReferenceInterpreter interp = new ReferenceInterpreter(g);
        double maxDiff = 0;
        int correct = 0;
        for (int i = 0; i < n; i++) {
            float[] mine = interp.output(data.examples()[i], null);
            assertEquals(ort[i].length, mine.length);
            for (int c = 0; c < mine.length; c++) maxDiff = Math.max(maxDiff, Math.abs(mine[c] - ort[i][c]));
            assertEquals(argmax(ort[i]), argmax(mine), "digit " + i);
            if (argmax(mine) == labels[i]) correct++;
        }
        assertTrue(maxDiff <= 1e-4, "max |logit difference| = " + maxDiff);
        // an independent sanity bar: the model is a 93 % classifier, so the subset must be well above chance
        assertTrue(correct > 880, "accuracy on the subset: " + correct + "/1000");
    }

    private static int argmax(float[] v) {
        int b = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
        return b;
    }
}
