package org.bnncim.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bnncim.compiler.frontend.OnnxFiles;
import org.bnncim.oracle.OnnxBuilder;
import org.bnncim.oracle.ReferenceForm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "export-reference",
        mixinStandardHelpOptions = true,
        description = {
            "Write the reference form of a model: standard ONNX ops only, runnable by ONNX Runtime.",
            "BipolarQuant becomes Where(Not(Less(x,0)),1,-1); each ScaleDropout k "
                    + "becomes Mul(X, Where(z_k, dropped, scale)) with z_k a new boolean input of shape [N,1,...] "
                    + "(one bit per example), or its expectation with --expectation."
        })
final class ExportReferenceCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx")
    Path model;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "REF.onnx")
    Path output;

    @Option(
            names = "--expectation",
            description = "Replace Scale-Dropout by its expectation instead of adding bit inputs.")
    boolean expectation;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var proto = OnnxFiles.read(model);
        ReferenceForm.Result r =
                ReferenceForm.convert(proto, expectation ? ReferenceForm.Mode.EXPECTATION : ReferenceForm.Mode.BITS);
        OnnxBuilder.write(output, r.toByteArray());
        var out = spec.commandLine().getOut();
        out.println("wrote " + output
                + (r.zInputs().isEmpty() ? "" : " (bit inputs: " + String.join(", ", r.zInputs()) + ")"));
        out.flush();
        return Main.OK;
    }
}
