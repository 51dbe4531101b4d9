package org.bnncim.spark;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkException;
import org.bnncim.ir.BnncimException;

/**
 * Turns a failed Spark job back into the exception its task threw, so that the CLI reports a bad input as the same
 * one line (and exit code 2) as the in-process engine does, not as Spark's "Job aborted due to stage failure".
 */
final class TaskFailures {
    private TaskFailures() {}

    private static final Pattern BNNCIM = Pattern.compile(
            "(?:^|\\s)" + Pattern.quote(BnncimException.class.getName()) + ": ([^\\n]*)", Pattern.MULTILINE);

    static RuntimeException unwrap(Throwable t) {
        // the driver gets the task's exception as the cause when it can deserialize it (it can: same classes)
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SparkException) continue;
            if (c instanceof RuntimeException r) return r;
            if (c instanceof Error e) throw e;
            break;
        }
        // a cluster that could not deserialize it still names it in the message
        String msg = t.getMessage() == null ? "" : t.getMessage();
        Matcher m = BNNCIM.matcher(msg);
        if (m.find()) return new BnncimException(m.group(1));
        if (t instanceof RuntimeException r) return r;
        return new IllegalStateException("spark: " + firstLine(msg), t);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
