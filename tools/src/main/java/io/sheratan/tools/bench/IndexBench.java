package io.sheratan.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sheratan.audit.ChainLog;
import io.sheratan.audit.TransparencyLog;
import io.sheratan.cli.TempDirs;
import io.sheratan.tlog.NoteKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code sheratan bench index}: proof lookups against appends (DESIGN section 9: lookups never stall
 * appends; an unknown id costs the same bounded work as a known one). Builds a log of {@code --size}
 * entries through the sink's write path (chain, tiles, index), then times lookups of known and of
 * unknown event ids (goal: p99 at most 1 ms each), then alternates rounds of appends alone and appends
 * while {@code --clients} threads ask for random unknown ids back to back (goal: the median of the
 * per-round ratios of the append rates at least 0.9).
 */
@Command(name = "index",
        header = "Benchmark: proof lookups at --size entries (hit/miss p99) and appends while clients look up unknown ids.",
        mixinStandardHelpOptions = true,
        description = {
            "Builds a log of --size entries (chain + Merkle log + index, batches of 2,000), times --lookups hits and misses",
            "(goal p99 <= 1 ms), then --rounds pairs of append rounds of --entries each, without and with --clients threads",
            "asking for random unknown event ids at --client-rate each (goal: median ratio of append rates >= 0.9).",
            "First, --disk-records rejects and verified results measure the audit disk per record. Needs ~1.3 KB of disk an entry."
        })
public final class IndexBench implements Callable<Integer> {

    @Option(names = "--size", defaultValue = "10000000", description = "entries in the log before timing (default: ${DEFAULT-VALUE})")
    long size;

    @Option(names = "--lookups", defaultValue = "20000", description = "hits and misses timed each (default: ${DEFAULT-VALUE})")
    int lookups;

    @Option(names = "--entries", defaultValue = "200000", description = "entries appended per round (default: ${DEFAULT-VALUE})")
    int entries;

    @Option(names = "--rounds", defaultValue = "5", description = "pairs of rounds (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--clients", defaultValue = "16", description = "lookup threads during the loaded rounds (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--client-rate", defaultValue = "100",
            description = "lookups a second per client, paced like a client polling proofs (default: ${DEFAULT-VALUE}; 0: back to back, "
                    + "which measures CPU sharing on this machine rather than interference)")
    int clientRate;

    @Option(names = "--disk-records", defaultValue = "200000",
            description = "rejects, then verified results, logged to measure audit disk per record (default: ${DEFAULT-VALUE}; 0 skips)")
    int diskRecords;

    private static final int BATCH = 2_000;
    private final ObjectMapper json = new ObjectMapper();
    private long next;

    @Override
    public Integer call() throws Exception {
        if (diskRecords > 0) {
            diskPerRecord();
        }
        Path dir = Files.createTempDirectory("sheratan-bench-index-");
        NoteKeys.Signer key = NoteKeys.fromSeed("bench.local/audit", new SecureRandom().generateSeed(32));
        System.out.printf(Locale.ROOT, "sheratan bench index: a log of %,d entries in %s%n", size, dir);
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
             TransparencyLog tree = TransparencyLog.open(dir, chain, key, note -> { }, Clock.systemUTC())) {
            long start = System.nanoTime();
            while (next < size) {
                append(chain, tree, (int) Math.min(BATCH, size - next));
                if (next % 1_000_000 == 0) {
                    System.out.printf(Locale.ROOT, "  built %,d entries (%.0f s)%n", next, (System.nanoTime() - start) / 1e9);
                }
            }
            tree.maybeSign();
            tree.awaitSigned();
            System.out.printf(Locale.ROOT, "  built %,d entries in %.0f s%n", next, (System.nanoTime() - start) / 1e9);

            double[] hit = time(tree, true);
            double[] miss = time(tree, false);
            System.out.printf(Locale.ROOT, "  lookups at %,d entries: hit median %.1f µs, p99 %.1f µs, max %.0f µs; miss median %.1f µs, p99 %.1f µs, "
                            + "max %.0f µs (goal p99 <= 1000 µs)%n",
                    next, Stats.median(hit), p99(hit), hit[hit.length - 1], Stats.median(miss), p99(miss), miss[miss.length - 1]);

            double[] ratios = new double[rounds];
            double[] alone = new double[rounds];
            double[] loaded = new double[rounds];
            long asked = 0;
            for (int round = 0; round < rounds; round++) {
                alone[round] = appendRate(chain, tree, 0, null);
                AtomicLong done = new AtomicLong();
                loaded[round] = appendRate(chain, tree, clients, done);
                asked += done.get();
                ratios[round] = loaded[round] / alone[round];
                System.out.printf(Locale.ROOT, "  round %d: appends alone %,.0f/s; with %d clients %,.0f/s (%,d lookups, %,.0f/s): x%.2f%n",
                        round + 1, alone[round], clients, loaded[round], done.get(), done.get() * loaded[round] / entries, ratios[round]);
            }
            System.out.printf(Locale.ROOT, "ratio appends with %d lookup clients (%s) / appends alone (median of per-round ratios %s): x%.2f (goal >= 0.90); "
                            + "lookup p99 hit %.1f µs, miss %.1f µs at %,d entries; %,d lookups during the loaded rounds%n",
                    clients, clientRate > 0 ? clientRate + "/s each" : "back to back", Arrays.toString(Arrays.stream(ratios).map(r -> Math.round(r * 100) / 100.0).toArray()), Stats.median(ratios),
                    p99(hit), p99(miss), size, asked);
            return 0;
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    /**
     * Bytes of audit disk (JSONL chain, offsets files, tiles, entry bundles, index) per logged record,
     * for rejects as the verifier audits them and for verified results (their RESULT_VERIFIED
     * entries), each in a log of its own, after a clean close.
     */
    private void diskPerRecord() throws Exception {
        NoteKeys.Signer key = NoteKeys.fromSeed("bench.local/audit", new SecureRandom().generateSeed(32));
        for (boolean verified : new boolean[] {false, true}) {
            Path dir = Files.createTempDirectory("sheratan-bench-disk-");
            try {
                try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
                     TransparencyLog tree = TransparencyLog.open(dir, chain, key, "sheratan.results.verified", note -> { }, Clock.systemUTC())) {
                    for (int from = 0; from < diskRecords; from += BATCH) {
                        List<ChainLog.Entry> batch = new ArrayList<>();
                        for (int i = from; i < Math.min(diskRecords, from + BATCH); i++) {
                            batch.add(verified ? verifiedEntry(i) : rejectEntry(i));
                        }
                        tree.append(chain.append(batch));
                        tree.maybeSign();
                    }
                }
                long bytes;
                try (var walk = Files.walk(dir)) {
                    bytes = walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
                }
                System.out.printf(Locale.ROOT, "  audit disk per %s: %,.0f bytes (%,d records, %,d bytes: chain, tiles, entry bundles, index)%n",
                        verified ? "verified result (its RESULT_VERIFIED entry)" : "rejected record (a sha_mismatch audit event)",
                        (double) bytes / diskRecords, diskRecords, bytes);
            } finally {
                TempDirs.deleteQuietly(dir);
            }
        }
    }

    /** An audit event as the verifier writes it for a sha_mismatch (the Avro fields, flat). */
    private ChainLog.Entry rejectEntry(long i) {
        ObjectNode event = json.createObjectNode();
        event.put("event_id", "sheratan.results.submitted/" + (i % 3) + "/" + i);
        event.put("event_type", "RESULT_INTEGRITY_FAIL");
        event.put("reason", "sha_mismatch");
        event.putNull("detail");
        event.put("job_id", "job-" + i);
        event.put("mode", "sha256");
        event.putNull("key_id");
        event.put("node_id", "worker-7");
        event.putNull("remote_addr");
        event.put("ts", 1_795_000_000_000L + i);
        event.put("source_topic", "sheratan.results.submitted");
        event.put("source_partition", (int) (i % 3));
        event.put("source_offset", i / 3);
        event.put("received_sha256", String.format(Locale.ROOT, "%064x", i));
        event.putNull("first_sha256");
        event.putNull("new_sha256");
        return new ChainLog.Entry(event, "sheratan.results.audit", (int) (i % 3), i / 3);
    }

    /** The RESULT_VERIFIED entry the sink makes from a verified result (see AuditSink). */
    private ChainLog.Entry verifiedEntry(long i) {
        ObjectNode event = json.createObjectNode();
        event.put("event_type", "RESULT_VERIFIED");
        event.put("event_id", "sheratan.results.submitted/" + (i % 3) + "/" + i);
        event.put("job_id", "job-" + i);
        event.put("sha256", String.format(Locale.ROOT, "%064x", i));
        event.put("mode", "ed25519");
        event.put("key_id", "worker-7/2026-11");
        event.put("node_id", "worker-7");
        event.put("source_topic", "sheratan.results.submitted");
        event.put("source_partition", (int) (i % 3));
        event.put("source_offset", i / 3);
        event.put("verified_at", 1_795_000_000_000L + i);
        event.put("ts", 1_795_000_000_000L + i);
        event.put("logged_from", "sheratan.results.verified/" + (i % 3) + "/" + i / 3);
        return new ChainLog.Entry(event, "sheratan.results.verified", (int) (i % 3), i / 3);
    }

    private static double p99(double[] sorted) {
        return sorted[(int) (sorted.length * 0.99)];
    }

    private void append(ChainLog chain, TransparencyLog tree, int count) throws Exception {
        List<ChainLog.Entry> batch = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            long i = next++;
            ObjectNode event = json.createObjectNode();
            event.put("event_id", "sheratan.results.submitted/" + (i % 3) + "/" + i);
            event.put("event_type", "RESULT_INTEGRITY_FAIL");
            event.put("reason", "sha_mismatch");
            event.put("job_id", "job-" + i);
            event.put("ts", 1_795_000_000_000L + i);
            event.put("received_sha256", "ab".repeat(32));
            batch.add(new ChainLog.Entry(event, "sheratan.results.audit", (int) (i % 3), i / 3));
        }
        tree.append(chain.append(batch));
        tree.maybeSign();
    }

    /** Microseconds per lookup, sorted: of known ids (hits) or of ids never logged (misses). */
    private double[] time(TransparencyLog tree, boolean hits) {
        SplittableRandom random = new SplittableRandom(hits ? 1 : 2);
        double[] micros = new double[lookups];
        for (int i = 0; i < lookups; i++) {
            long n = random.nextLong(next);
            String id = hits ? "sheratan.results.submitted/" + (n % 3) + "/" + n : "unknown/" + random.nextLong();
            long t0 = System.nanoTime();
            long at = tree.indexOfEvent(id);
            micros[i] = (System.nanoTime() - t0) / 1e3;
            if ((at >= 0) != hits) {
                throw new IllegalStateException((hits ? "a known id was not found: " : "an unknown id was found: ") + id);
            }
        }
        Arrays.sort(micros);
        return micros;
    }

    /** Entries a second appended through the sink's path while {@code threads} clients look up unknown ids. */
    private double appendRate(ChainLog chain, TransparencyLog tree, int threads, AtomicLong done) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = t;
            Thread worker = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                long interval = clientRate > 0 ? 1_000_000_000L / clientRate : 0;
                long next = System.nanoTime() + random.nextLong(Math.max(1, interval)); // clients out of step
                while (!stop.get()) {
                    if (interval > 0) {
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait);
                            continue;
                        }
                        next += interval;
                    }
                    tree.indexOfEvent("unknown/" + random.nextLong());
                    done.incrementAndGet();
                }
            }, "lookup-client-" + t);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
        long start = System.nanoTime();
        for (int n = 0; n < entries; n += BATCH) {
            append(chain, tree, Math.min(BATCH, entries - n));
        }
        tree.awaitSigned();
        double seconds = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        for (Thread worker : workers) {
            worker.join();
        }
        return entries / seconds;
    }
}
