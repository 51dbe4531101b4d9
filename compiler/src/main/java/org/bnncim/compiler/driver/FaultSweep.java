package org.bnncim.compiler.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bnncim.backends.sim.Faults;
import org.bnncim.backends.sim.Program;
import org.bnncim.ir.BnncimException;

/**
 * eval --faults-sweep KIND=R1,R2,...: the whole evaluation rerun once per fault rate (same seed, so the same
 * stochastic bits and the same fault draws for a given rate), the other fault kinds as --faults gives them.
 *
 * @param kind    stuck-at, read-flip or rng-bias
 * @param rates   the rates in the order given
 * @param results one evaluation per rate
 */
public record FaultSweep(String kind, List<Double> rates, List<EvaluationService.Result> results) {
    /** The kinds and rates of a spec, without running anything (so bad input is refused before any work). */
    public static FaultSweep parse(String spec) {
        String[] kv = spec.split("=", 2);
        String kind = kv[0].trim().toLowerCase(Locale.ROOT);
        if (kv.length != 2 || !List.of("stuck-at", "read-flip", "rng-bias").contains(kind)) {
            throw new BnncimException("--faults-sweep: expected KIND=RATE,RATE,... with KIND stuck-at, read-flip or"
                    + " rng-bias, got '" + spec + "'");
        }
        List<Double> rates = new ArrayList<>();
        for (String r : kv[1].split(",")) {
            double v;
            try {
                v = Double.parseDouble(r.trim());
            } catch (NumberFormatException e) {
                throw new BnncimException("--faults-sweep: '" + r + "' is not a number");
            }
            with(Faults.NONE, kind, v); // range checks of Faults itself
            rates.add(v);
        }
        if (rates.size() > 64) throw new BnncimException("--faults-sweep: at most 64 rates, got " + rates.size());
        return new FaultSweep(kind, List.copyOf(rates), List.of());
    }

    static Faults with(Faults base, String kind, double v) {
        return switch (kind) {
            case "stuck-at" -> new Faults(v, base.readFlip(), base.rngBias());
            case "read-flip" -> new Faults(base.stuckAt(), v, base.rngBias());
            default -> new Faults(base.stuckAt(), base.readFlip(), v);
        };
    }

    /** Runs the evaluation at every rate of this sweep. */
    public FaultSweep run(EvaluationService.Request r, Program p, EvaluationService.Progress progress) {
        if (r.engine() != EvaluationService.Engine.sim) throw new BnncimException("--faults-sweep needs --engine sim");
        List<EvaluationService.Result> out = new ArrayList<>();
        for (double rate : rates) {
            SimSettings s = r.sim();
            SimSettings at =
                    new SimSettings(s.samples(), s.seed(), s.bits(), with(s.faults(), kind, rate), s.threads());
            out.add(EvaluationService.evaluate(r.withSim(at), p, progress));
        }
        return new FaultSweep(kind, rates, List.copyOf(out));
    }
}
