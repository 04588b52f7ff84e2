package io.sheratan.tools.bench;

import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.tools.bench.HostileCorpus.Hostile;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Marks;
import io.sheratan.integrity.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sheratan bench hostile}: CPU per record of each hostile class (HostileCorpus) on the
 * verifier's per-record path (read the envelope strictly, verify the mark, hash the raw bytes as
 * audit evidence), against a valid ~1 KB signed result measured in the same run. Rounds alternate
 * between the baseline and each class; medians of thread CPU time are compared, so the ratios hold
 * on a noisy machine. Tells how much work an attacker buys with one record.
 */
@Command(name = "hostile",
        header = "Benchmark: CPU per record of each hostile input class.",
        mixinStandardHelpOptions = true,
        description = {
            "CPU per record of each hostile input class on the verifier's path (read + verify + evidence hash),",
            "against a valid 1 KB result in the same run. Last line: the worst ratio and the worst CPU per input byte",
            "among records of 64 KiB or more (what an attacker pays per byte sent)."
        })
public final class HostileBench implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "7", description = "measured rounds per class (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--round-ms", defaultValue = "200", description = "length of one round in ms (default: ${DEFAULT-VALUE})")
    int roundMillis;

    private final PrintStream out = System.out;
    private final EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);
    private final IntegrityPolicy policy = IntegrityPolicy.defaults();

    @Override
    public Integer call() {
        byte[] baseline = HostileCorpus.signed("bench-valid", "{\"value\":\"" + "v".repeat(900) + "\"}");
        List<Hostile> corpus = new ArrayList<>(HostileCorpus.all(8));
        out.printf(Locale.ROOT, "sheratan bench hostile: %d classes, %d rounds x %d ms, java %s, %d cpus%n",
                corpus.size(), rounds, roundMillis, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "  %-72s %10s %12s %9s %10s%n", "class", "bytes", "CPU/record", "x valid", "ns/byte");
        cpuPerRecord(baseline, roundMillis); // warm-up
        double worstRatio = 0;
        double worstPerByte = 0;
        String worst = "";
        double baseMedian = 0;
        for (Hostile hostile : corpus) {
            cpuPerRecord(hostile.value(), roundMillis); // warm-up
            double[] base = new double[rounds];
            double[] cost = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                base[r] = cpuPerRecord(baseline, roundMillis);
                cost[r] = cpuPerRecord(hostile.value(), roundMillis);
            }
            baseMedian = Stats.median(base);
            double median = Stats.median(cost);
            int length = hostile.value() == null ? 0 : hostile.value().length;
            double perByte = length == 0 ? 0 : median / length;
            double ratio = median / baseMedian;
            out.printf(Locale.ROOT, "  %-72s %,10d %9.1f µs %8.1fx %10.2f%n", hostile.name(), length, median / 1e3, ratio, perByte);
            if (ratio > worstRatio) {
                worstRatio = ratio;
                worst = hostile.name();
            }
            if (length >= 64 * 1024) {
                worstPerByte = Math.max(worstPerByte, perByte); // small records are dominated by the fixed cost
            }
        }
        out.printf(Locale.ROOT, "valid 1 KB result: %.1f µs CPU; worst class x%.0f (%s); worst %.2f ns CPU per input byte (records >= 64 KiB)%n",
                baseMedian / 1e3, worstRatio, worst, worstPerByte);
        return 0;
    }

    private double cpuPerRecord(byte[] value, int millis) {
        return Stats.cpuNanosPerCall(millis, () -> once(value));
    }

    /** What the verifier does with one record before routing it. */
    private int once(byte[] value) {
        int evidence = value == null ? 0 : Marks.sha256(value)[0];
        try {
            Submission submission = reader.read(value);
            Verdict verdict = IntegrityVerifier.verify(submission, policy);
            return evidence + (verdict.accepted() ? 1 : verdict.reason().ordinal());
        } catch (MalformedEnvelopeException e) {
            return evidence + e.detail().length();
        }
    }
}
