package org.bnncim.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The progress bars of long commands (eval, sweep): on stderr, plain ASCII, so stdout carries results only. */
final class ConsoleBar {
    private ConsoleBar() {}

    /** {@code --progress} / {@code --no-progress} as given, else on when stderr is a terminal. */
    static boolean wanted(Boolean option) {
        return option != null ? option : System.console() != null;
    }

    static ProgressBar open(String task, long max, String unit) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUnit(unit, 1)
                .build();
    }
}
