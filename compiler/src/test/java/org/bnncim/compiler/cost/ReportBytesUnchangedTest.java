package org.bnncim.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.bnncim.compiler.arch.ArchitectureLoader;
import org.bnncim.compiler.driver.Compiler;
import org.bnncim.compiler.frontend.OnnxImporter;
import org.bnncim.compiler.testing.Paths;
import org.junit.jupiter.api.Test;

/**
 * Models without the encoder-decoder kinds keep their report bytes: the SHA-256 of report.txt, report.json and
 * report.html of a plain CNN and of a ResNet (whose digital datapath shares the rows and the split with the decoder
 * kinds), as the compiler wrote them at commit 89a7022, before those kinds were costed.
 */
class ReportBytesUnchangedTest {
    private static Map<String, byte[]> reports(String model) {
        var path = Paths.testdata("models/" + model);
        var imp = new OnnxImporter.Options(false, false, 255);
        var c = Compiler.compile(path, new Compiler.Options(imp, ArchitectureLoader.defaults(), 20, Set.of()), s -> {});
        return Compiler.outputs(c, false);
    }

    private static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void check(String model, String txt, String json, String html) {
        Map<String, byte[]> r = reports(model);
        assertEquals(txt, sha(r.get("report.txt")), model + " report.txt");
        assertEquals(json, sha(r.get("report.json")), model + " report.json");
        assertEquals(html, sha(r.get("report.html")), model + " report.html");
    }

    @Test
    void aPlainCnnKeepsItsReports() {
        check(
                "cnn-sd.onnx",
                "66619b7e43dc0e8269e7079d5102081fd724c621a6d017839d28aa994f719794",
                "7441f30e6a1533477f0087d61b92dce2bb926541c15c8b245d9bb9ec08fcdacd",
                "0432f2ed73e0127995cee2283c86e0b4af4f3356c1be5f978c9e42a204024527");
    }

    @Test
    void aResNetKeepsItsReports() {
        check(
                "resnet-sd.onnx",
                "c9ad43b6b6aa1483ca2be0c0444803dfee7e18b5e4f138508315fc07fa6da6b4",
                "77c2f31af72745ee33482afa1a611a11fc51d844a5f441df11865a482ccc151d",
                "02b88a9315aad5940cbda819fc4786c0b18a59bb45f9a3adb39928db2cef5e82");
    }
}
