package io.sheratan.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sheratan.audit.ChainLog;
import io.sheratan.audit.LogVerifier;
import io.sheratan.audit.TransparencyLog;
import io.sheratan.cli.TempDirs;
import io.sheratan.tlog.Merkle;
import io.sheratan.tlog.NoteKeys;
import io.sheratan.tlog.TileLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
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

/**
 * {@code sheratan bench tlog}: what the transparency log costs. (1) Appends of realistic audit events
 * in the sink's batches (2,000, fsynced): the chain alone against the chain plus the Merkle log (tiles,
 * index, a signed checkpoint at most once a second), alternating rounds in one process, median of the
 * per-round ratios (goal >= 0.8); the Merkle rounds are charged their deferred tile fsyncs, done when
 * the tiles are as old as a running sink lets them get. (2) Inclusion and consistency proof generation from tiles on disk at
 * 1M and 10M entries (goal: under 5 ms, growing with log n). (3) {@code verify-log} of a 1M-entry log.
 */
@Command(name = "tlog",
        header = "Benchmark: the audit log's Merkle tree (append ratio, proofs at 1M/10M, verify-log).",
        mixinStandardHelpOptions = true,
        description = {
            "Append rate with the Merkle log vs the chain alone (ratio of medians, same process; goal >= 0.8),",
            "proof generation time at --sizes (goal < 5 ms), and verify-log of --verify-entries entries."
        })
public final class TlogBench implements Callable<Integer> {

    @Option(names = "--entries", defaultValue = "200000", description = "entries appended per round (default: ${DEFAULT-VALUE})")
    int entries;

    @Option(names = "--rounds", defaultValue = "5", description = "rounds of each (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--sizes", defaultValue = "1000000,10000000", split = ",", description = "tree sizes for proof timing (default: ${DEFAULT-VALUE})")
    long[] sizes;

    @Option(names = "--proofs", defaultValue = "2000", description = "proofs timed per size (default: ${DEFAULT-VALUE})")
    int proofs;

    @Option(names = "--verify-entries", defaultValue = "1000000", description = "entries in the log verify-log checks (default: ${DEFAULT-VALUE})")
    int verifyEntries;

    private static final int BATCH = 2_000;
    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        Path root = Files.createTempDirectory("sheratan-bench-tlog-");
        NoteKeys.Signer key = NoteKeys.fromSeed("bench.local/audit", new SecureRandom().generateSeed(32));
        System.out.printf(Locale.ROOT, "sheratan bench tlog: %,d entries x %d rounds per variant, batches of %,d, in %s%n",
                entries, rounds, BATCH, root);
        try {
            double ratio = appendRatio(root, key);
            for (long size : sizes) {
                proofTimes(root.resolve("proofs-" + size), size);
            }
            double verifySeconds = verifyLog(root.resolve("verify"), key);
            System.out.printf(Locale.ROOT, "ratio merkle/chain append rate (median of per-round ratios): x%.2f (goal >= 0.80); verify-log of %,d entries %.1f s%n",
                    ratio, verifyEntries, verifySeconds);
            return 0;
        } finally {
            TempDirs.deleteQuietly(root);
        }
    }

    private List<ChainLog.Entry> batch(long from, int count) {
        List<ChainLog.Entry> batch = new ArrayList<>(count);
        for (long i = from; i < from + count; i++) {
            ObjectNode event = json.createObjectNode();
            event.put("event_id", "sheratan.results.submitted/" + (i % 3) + "/" + i);
            event.put("event_type", i % 4 == 0 ? "RESULT_VERIFIED" : "RESULT_INTEGRITY_FAIL");
            event.put("reason", i % 4 == 0 ? "verified" : "sha_mismatch");
            event.put("job_id", "job-" + i);
            event.put("ts", 1_795_000_000_000L + i);
            event.put("received_sha256", "ab".repeat(32));
            batch.add(new ChainLog.Entry(event, "sheratan.results.audit", (int) (i % 3), i / 3));
        }
        return batch;
    }

    /**
     * Alternating rounds; the Merkle rounds' logs stay open until the end, when (their tiles then
     * older than {@link TransparencyLog#DURABLE_LAG}, as in a running sink) closing them does the
     * deferred fsyncs, which are timed and charged to their rounds.
     */
    private double appendRatio(Path root, NoteKeys.Signer key) throws Exception {
        double[] chainSeconds = new double[rounds];
        double[] merkleSeconds = new double[rounds];
        List<Open> open = new ArrayList<>();
        appendRound(root.resolve("warm-chain"), null, null); // warm-up of both paths, not counted
        appendRound(root.resolve("warm-merkle"), key, null);
        for (int round = 0; round < rounds; round++) {
            chainSeconds[round] = appendRound(root.resolve("chain-" + round), null, null);
            merkleSeconds[round] = appendRound(root.resolve("merkle-" + round), key, open);
            System.out.printf(Locale.ROOT, "  round %d: chain alone %,.0f entries/s, chain + Merkle log %,.0f entries/s before the deferred fsync%n",
                    round + 1, entries / chainSeconds[round], entries / merkleSeconds[round]);
        }
        long wait = TransparencyLog.DURABLE_LAG.toSeconds() + 5;
        System.out.printf(Locale.ROOT, "  waiting %d s, then the deferred fsyncs (as a running sink does them, %d s after writing)...%n",
                wait, TransparencyLog.DURABLE_LAG.toSeconds());
        Thread.sleep(wait * 1000);
        double[] ratios = new double[rounds];
        double[] merkleRates = new double[rounds];
        double[] chainRates = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            Open o = open.get(round);
            long start = System.nanoTime();
            o.tree().close();
            o.chain().close();
            double fsync = (System.nanoTime() - start) / 1e9;
            merkleRates[round] = entries / (merkleSeconds[round] + fsync);
            chainRates[round] = entries / chainSeconds[round];
            ratios[round] = merkleRates[round] / chainRates[round];
            System.out.printf(Locale.ROOT, "  round %d: deferred fsync %.0f ms (%.2f µs an entry); with it %,.0f entries/s, x%.2f of the chain alone%n",
                    round + 1, fsync * 1000, fsync * 1e6 / entries, merkleRates[round], ratios[round]);
            TempDirs.deleteQuietly(o.dir());
        }
        System.out.printf(Locale.ROOT, "  append medians: chain %,.0f/s, chain + Merkle %,.0f/s; per-round ratios %s%n",
                Stats.median(chainRates), Stats.median(merkleRates), Arrays.toString(Arrays.stream(ratios).map(r -> Math.round(r * 100) / 100.0).toArray()));
        return Stats.median(ratios);
    }

    private record Open(Path dir, ChainLog chain, TransparencyLog tree) {
    }

    /**
     * Seconds to append {@link #entries} through the sink's write path: chain append (fsync per batch)
     * and, with a key, the Merkle log (tiles, index, a checkpoint at most once a second, signed on its
     * own thread). With {@code keep}, the logs stay open there; else they are closed and deleted.
     */
    private double appendRound(Path dir, NoteKeys.Signer key, List<Open> keep) throws Exception {
        List<List<ChainLog.Entry>> batches = new ArrayList<>();
        for (long from = 0; from < entries; from += BATCH) {
            batches.add(batch(from, (int) Math.min(BATCH, entries - from)));
        }
        ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
        TransparencyLog tree = key == null ? null : TransparencyLog.open(dir, chain, key, note -> { }, Clock.systemUTC());
        long start = System.nanoTime();
        for (List<ChainLog.Entry> batch : batches) {
            List<ChainLog.Logged> logged = chain.append(batch);
            if (tree != null) {
                tree.append(logged);
                tree.maybeSign();
            }
        }
        if (tree != null) {
            tree.awaitSigned();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (keep != null) {
            keep.add(new Open(dir, chain, tree));
            return seconds;
        }
        if (tree != null) {
            tree.close();
        }
        chain.close();
        TempDirs.deleteQuietly(dir);
        return seconds;
    }

    private void proofTimes(Path dir, long size) throws Exception {
        long start = System.nanoTime();
        TileLog log = TileLog.create(dir);
        List<byte[]> chunk = new ArrayList<>(65_536);
        for (long i = 0; i < size; i++) {
            chunk.add(("{\"event_id\":\"s/0/" + i + "\",\"event_type\":\"RESULT_VERIFIED\",\"job_id\":\"job-" + i + "\"}").getBytes(StandardCharsets.UTF_8));
            if (chunk.size() == 65_536) {
                log.append(chunk);
                chunk.clear();
            }
            if (i > 0 && i % 2_000_000 == 0) {
                System.out.printf(Locale.ROOT, "    building a tree of %,d entries: %,d appended%n", size, i);
            }
        }
        log.append(chunk);
        log.sync();
        double build = (System.nanoTime() - start) / 1e9;
        // a fresh reader: every tile comes from disk (the page cache), none from the writer's memory
        TileLog reader = TileLog.open(dir, size);
        SplittableRandom random = new SplittableRandom(42);
        double[] inclusion = new double[proofs];
        double[] consistency = new double[proofs];
        int hashes = 0;
        for (int i = 0; i < proofs; i++) {
            long index = random.nextLong(size);
            long t0 = System.nanoTime();
            hashes += reader.inclusionProof(index, size).size();
            inclusion[i] = (System.nanoTime() - t0) / 1e3;
            long old = 1 + random.nextLong(size - 1);
            t0 = System.nanoTime();
            reader.consistencyProof(old, size);
            consistency[i] = (System.nanoTime() - t0) / 1e3;
        }
        Arrays.sort(inclusion);
        Arrays.sort(consistency);
        byte[] root = reader.root();
        long index = size / 3;
        boolean ok = Merkle.verifyInclusion(index, size, Merkle.leafHash(reader.entry(index)), reader.inclusionProof(index, size), root);
        System.out.printf(Locale.ROOT, "  proofs at %,d entries (tree built in %.0f s, %d hashes a proof): inclusion median %.0f µs, p99 %.0f µs;"
                        + " consistency median %.0f µs, p99 %.0f µs; a proof checks: %s%n",
                size, build, hashes / proofs, Stats.median(inclusion), inclusion[(int) (proofs * 0.99)],
                Stats.median(consistency), consistency[(int) (proofs * 0.99)], ok);
        TempDirs.deleteQuietly(dir);
        if (!ok) {
            throw new IllegalStateException("a generated proof did not verify");
        }
    }

    private double verifyLog(Path dir, NoteKeys.Signer key) throws Exception {
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
             TransparencyLog tree = TransparencyLog.open(dir, chain, key, note -> { }, Clock.systemUTC())) {
            for (long from = 0; from < verifyEntries; from += 10_000) {
                tree.append(chain.append(batch(from, (int) Math.min(10_000, verifyEntries - from))));
            }
            tree.maybeSign(); // the first checkpoint: nothing was signed before
        }
        long start = System.nanoTime();
        LogVerifier.Report report = LogVerifier.verify(dir, key.verifier(), List.of(), n -> { });
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "  verify-log of %,d entries (tree, JSONL entries, chain): %s in %.1f s%n",
                verifyEntries, report.holds() ? "holds" : "FAILS " + report.problems(), seconds);
        if (!report.holds()) {
            throw new IllegalStateException("verify-log failed on an untouched log: " + report.problems());
        }
        return seconds;
    }
}
