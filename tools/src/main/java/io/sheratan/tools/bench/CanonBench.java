package io.sheratan.tools.bench;

import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.canonical.JsonCanonicalizer;
import io.sheratan.integrity.Marks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sheratan bench canon}: our canonicalize + SHA-256 against the RFC 8785 reference lineage
 * ({@code io.github.erdtman:java-json-canonicalization:1.1}) + SHA-256, on ~1 KB and ~8 KB envelopes,
 * in one JVM. Both sides first prove byte-identical output on the whole corpus; then rounds
 * alternate between the two so that drift in machine load hits both alike, and medians are compared.
 */
@Command(name = "canon",
        header = "Benchmark: canonicalization against the RFC 8785 reference.",
        mixinStandardHelpOptions = true,
        description = {
            "Throughput of canonicalize+SHA-256: ours vs the erdtman reference (same JVM, alternating rounds).",
            "Last line: the ratio ours/reference per size; the target is >= 3."
        })
public final class CanonBench implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "15", description = "measured rounds per side and size (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--round-ms", defaultValue = "400", description = "length of one round in ms (default: ${DEFAULT-VALUE})")
    int roundMillis;

    @Option(names = "--documents", defaultValue = "200", description = "documents per corpus (default: ${DEFAULT-VALUE})")
    int documents;

    private final PrintStream out = System.out;

    private interface Side {
        byte[] digest(byte[] json) throws IOException;
    }

    @Override
    public Integer call() throws Exception {
        JsonCanonicalizer ours = new JsonCanonicalizer(CanonicalLimits.DEFAULTS);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Side oursSide = json -> Marks.sha256(ours.apply(json));
        Side reference = json -> sha.digest(new org.erdtman.jcs.JsonCanonicalizer(json).getEncodedUTF8());

        out.printf(Locale.ROOT, "sheratan bench canon: %d rounds x %d ms per side, java %s, %d cpus%n",
                rounds, roundMillis, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        StringBuilder last = new StringBuilder("ratio ours/reference (canonicalize+sha256, median docs/s):");
        boolean identical = true;
        for (int size : new int[] {1024, 8192}) {
            List<byte[]> corpus = Corpus.envelopes(documents, size, size);
            long bytes = corpus.stream().mapToLong(d -> d.length).sum();
            for (byte[] doc : corpus) {
                byte[] a = ours.apply(doc);
                byte[] b = new org.erdtman.jcs.JsonCanonicalizer(doc).getEncodedUTF8();
                if (!Arrays.equals(a, b)) {
                    identical = false;
                    out.println("  MISMATCH on a " + size + "-byte document: outputs differ");
                }
            }
            run(oursSide, corpus, roundMillis);      // warm-up
            run(reference, corpus, roundMillis);
            double[] oursRates = new double[rounds];
            double[] refRates = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                oursRates[r] = run(oursSide, corpus, roundMillis);
                refRates[r] = run(reference, corpus, roundMillis);
            }
            double oursMedian = Stats.median(oursRates);
            double refMedian = Stats.median(refRates);
            double meanDoc = (double) bytes / corpus.size();
            out.printf(Locale.ROOT, "  ~%d B docs (mean %.0f B): ours %,.0f docs/s (%.1f MB/s), reference %,.0f docs/s (%.1f MB/s), byte-identical on %d docs: %s%n",
                    size, meanDoc, oursMedian, oursMedian * meanDoc / 1e6, refMedian, refMedian * meanDoc / 1e6,
                    corpus.size(), identical ? "yes" : "NO");
            last.append(String.format(Locale.ROOT, " %dB x%.2f", size, oursMedian / refMedian));
        }
        last.append(" (target x3.00)");
        out.println(last);
        return identical ? 0 : 1;
    }

    /** Documents per second over one round of at least {@code millis}. */
    private static double run(Side side, List<byte[]> corpus, int millis) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        long start = System.nanoTime();
        long done = 0;
        int sink = 0;
        while (System.nanoTime() < deadline) {
            for (byte[] doc : corpus) {
                sink += side.digest(doc)[0];
            }
            done += corpus.size();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (sink == 42) {
            System.err.print(""); // keeps the digests observable so the JIT cannot drop them
        }
        return done / seconds;
    }
}
