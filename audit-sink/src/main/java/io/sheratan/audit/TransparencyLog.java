package io.sheratan.audit;

import io.sheratan.avro.codec.AuditEventType;

import io.sheratan.tlog.Checkpoint;
import io.sheratan.tlog.InclusionProof;
import io.sheratan.tlog.Merkle;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteException;
import io.sheratan.tlog.NoteKeys;
import io.sheratan.tlog.TileLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The audit log as a transparency log (DESIGN section 9): every line of the {@link ChainLog} is also
 * an entry of an RFC 6962 tree stored as tlog-tiles under {@code audit/tlog/}, and the tree is signed
 * as a checkpoint at most once a second, after the batch it covers is durable.
 *
 * <p>The JSONL chain is written and fsynced first, so it is never behind the tree; the tiles are
 * fsynced before each signature. Signing runs on a thread of its own ({@code audit-checkpoint}): the
 * fsyncs of a second's worth of tiles would otherwise stall the appends, and a failure there is
 * raised to the sink thread on its next {@link #maybeSign}. On start the stored checkpoint is checked against the log key and
 * the tiles of its size; the tree resumes there and the chain's later lines are appended again. If
 * the tiles are gone or do not match, the tree is rebuilt from the chain, and the rebuilt tree must
 * still have the signed root at the signed size: a log that does not extend the last checkpoint
 * (lines removed or edited) stops the sink with a message, and nothing is signed.
 */
public final class TransparencyLog implements AutoCloseable {

    /** At most one checkpoint a second (DESIGN section 9). */
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    /** How old a checkpoint's tiles are before they are fsynced in bulk and recorded in {@code tlog/durable}. */
    public static final Duration DURABLE_LAG = Duration.ofSeconds(40);
    static final String INDEX_DIR = "tlog-index";
    /** A core hash as the verifier writes it: fixed length, so a result key (hash, then job id) is unambiguous. */
    private static final java.util.regex.Pattern SHA256_HEX = java.util.regex.Pattern.compile("[0-9a-f]{64}");
    private static final Logger LOG = LoggerFactory.getLogger(TransparencyLog.class);

    private final Path tlogDir;
    private final TileLog tiles;
    private final NoteKeys.Signer key;
    private final EntryIndex index;
    private final String verifiedTopic;
    private final Consumer<String> publisher;
    /** Who cosigns each checkpoint before it is written and published; null for nobody. */
    private final Witnesses witnesses;
    private final Clock clock;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "audit-tree");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private volatile Throwable failure;
    private volatile Signed latest;
    /** The sink thread's view: entries handed to the tree, and what the last signing request covered. */
    private long submitted;
    private long requestedSize;
    private Instant requestedAt;

    /** A checkpoint this log signed: its note text, what it says, and when. */
    public record Signed(String note, Checkpoint checkpoint, Instant at) {
    }

    /** The log cannot go on without signing a tree that does not extend the last one; the message says why. */
    public static final class HistoryException extends IllegalStateException {
        HistoryException(String message) {
            super(message);
        }
    }

    private TransparencyLog(Path tlogDir, TileLog tiles, NoteKeys.Signer signer, EntryIndex index, String verifiedTopic,
                            Consumer<String> publisher, Clock clock, Signed latest, Witnesses witnesses) {
        this.witnesses = witnesses;
        this.tlogDir = tlogDir;
        this.tiles = tiles;
        this.key = signer;
        this.index = index;
        this.verifiedTopic = verifiedTopic;
        this.publisher = publisher;
        this.clock = clock;
        this.latest = latest;
        this.requestedAt = latest == null ? null : latest.at();
        this.submitted = tiles.size();
        this.requestedSize = latest == null ? 0 : latest.checkpoint().size();
    }

    /** As {@link #open(Path, ChainLog, NoteKeys.Signer, String, Consumer, Clock)} for the default verified topic. */
    public static TransparencyLog open(Path auditDir, ChainLog chain, NoteKeys.Signer signer, Consumer<String> publisher, Clock clock)
            throws IOException {
        return open(auditDir, chain, signer, io.sheratan.kafka.Topics.defaults().verified(), publisher, clock);
    }

    /**
     * Opens the tree beside {@code chain} (in {@code auditDir}), catches it up with the chain and signs
     * a checkpoint if it grew. {@code publisher} receives every new checkpoint note. Only entries the
     * sink made from {@code verifiedTopic} are indexed as a job's proof (DESIGN section 9).
     */
    public static TransparencyLog open(Path auditDir, ChainLog chain, NoteKeys.Signer signer, String verifiedTopic,
                                       Consumer<String> publisher, Clock clock) throws IOException {
        return open(auditDir, chain, signer, verifiedTopic, publisher, clock, null);
    }

    /**
     * As {@link #open(Path, ChainLog, NoteKeys.Signer, String, Consumer, Clock)}, with each checkpoint
     * sent to {@code witnesses} (null: none) and published with their cosignatures.
     */
    public static TransparencyLog open(Path auditDir, ChainLog chain, NoteKeys.Signer signer, String verifiedTopic,
                                       Consumer<String> publisher, Clock clock, Witnesses witnesses) throws IOException {
        Path tlogDir = auditDir.resolve("tlog");
        Files.createDirectories(tlogDir);
        Signed last = readCheckpoint(tlogDir, signer);
        long signed = last == null ? 0 : last.checkpoint().size();
        if (chain.lines() < signed) {
            throw new HistoryException("the audit log in " + auditDir + " has " + chain.lines() + " lines but its last signed checkpoint covers "
                    + signed + " entries: lines were removed. Refusing to sign a tree that does not extend it "
                    + "(sheratan audit verify-log " + auditDir + " --log-key ... names the first bad index)");
        }
        long durable = Math.min(readDurable(tlogDir), signed);
        TileLog tiles;
        try {
            tiles = durable == 0 ? TileLog.create(tlogDir) : TileLog.open(tlogDir, durable);
        } catch (IOException | RuntimeException e) {
            LOG.warn("the Merkle tiles cannot resume at the durable size {} ({}); rebuilding them from the JSONL log", durable, e.getMessage());
            tiles = TileLog.create(tlogDir);
        }
        EntryIndex index;
        try {
            index = tiles.size() == 0 ? EntryIndex.recreate(auditDir.resolve(INDEX_DIR))
                    : EntryIndex.open(auditDir.resolve(INDEX_DIR), auditDir.resolve("tlog-index.bin"));
        } catch (IOException e) {
            // derived data: an index that cannot be opened is rebuilt from the chain
            LOG.warn("the audit log's index cannot be opened ({}); rebuilding it from the JSONL log", e.getMessage());
            index = EntryIndex.recreate(auditDir.resolve(INDEX_DIR));
        }
        Files.deleteIfExists(auditDir.resolve("tlog-index.bin")); // an older release's index: rebuilt from the chain
        TransparencyLog log = new TransparencyLog(tlogDir, tiles, signer, index, verifiedTopic, publisher, clock, last, witnesses);
        log.catchUp(auditDir, chain.lines());
        if (signed > 0 && !Arrays.equals(log.tiles.root(signed), last.checkpoint().root()) && durable > 0) {
            log.worker.shutdown();
            LOG.warn("the Merkle tiles below the durable size {} do not give the signed root; rebuilding them from the JSONL log", durable);
            index.close();
            tiles = TileLog.create(tlogDir);
            index = EntryIndex.recreate(auditDir.resolve(INDEX_DIR));
            log = new TransparencyLog(tlogDir, tiles, signer, index, verifiedTopic, publisher, clock, last, witnesses);
            log.catchUp(auditDir, chain.lines());
        }
        if (signed > 0 && !Arrays.equals(log.tiles.root(signed), last.checkpoint().root())) {
            log.worker.shutdown();
            index.close();
            throw new HistoryException("the first " + signed + " lines of the audit log in " + auditDir + " no longer hash to the root of "
                    + "its last signed checkpoint: the log was edited. Refusing to sign a tree that does not extend it "
                    + "(sheratan audit verify-log names the first bad index)");
        }
        log.submitted = log.tiles.size();
        if (log.tiles.size() > signed) {
            log.sign(log.tiles.prepareSync());
            log.requestedAt = clock.instant();
            log.requestedSize = log.tiles.size();
        } else if (signed > 0) {
            // the tiles were rewritten from the chain after a crash: the stored checkpoint's partial
            // tiles, which tlog-tiles readers and verify-log fetch for its size, are written again
            TileLog.SyncPoint point = log.tiles.prepareSync();
            log.tiles.writePartials(point);
            log.undurable.add(new Pending(point, clock.instant()));
        }
        return log;
    }

    /**
     * Appends the chain's lines the tiles do not have yet and indexes those the index does not: both
     * from the entries' stored bytes ({@link ChainLog#entries}), never re-derived.
     */
    private void catchUp(Path auditDir, long lines) throws IOException {
        long tileSize = tiles.size();
        long from = Math.min(index.size(), tileSize);
        if (from >= lines) {
            return;
        }
        LOG.info("appending lines {}..{} of the audit log to the Merkle tree (indexing from line {})", tileSize + 1, lines, from + 1);
        List<ChainLog.Logged> batch = new ArrayList<>();
        List<EntryIndex.KeyAt> keys = new ArrayList<>();
        long[] at = {from};
        try {
            ChainLog.entries(auditDir, from, entry -> {
                if (at[0] < tileSize) {
                    keys(entry, at[0]++, keys); // in the tiles already: its keys only
                    if (keys.size() >= 8192 || at[0] == tileSize) {
                        addKeys(keys, at[0]);
                    }
                } else {
                    batch.add(entry);
                    at[0]++;
                    if (batch.size() == 4096) {
                        flush(batch);
                    }
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        flush(batch);
    }

    private void addKeys(List<EntryIndex.KeyAt> keys, long newSize) {
        try {
            index.add(keys, Math.max(newSize, index.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keys.clear();
    }

    private void flush(List<ChainLog.Logged> batch) {
        try {
            appendNow(batch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        batch.clear();
    }

    /** The size up to which every tile is known to be on disk ({@code tlog/durable}), or 0. */
    private static long readDurable(Path tlogDir) {
        try {
            return Long.parseLong(Files.readString(tlogDir.resolve("durable"), StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static Signed readCheckpoint(Path tlogDir, NoteKeys.Signer signer) throws IOException {
        Path file = tlogDir.resolve("checkpoint");
        if (!Files.exists(file)) {
            return null;
        }
        String note = Files.readString(file, StandardCharsets.UTF_8);
        try {
            Checkpoint checkpoint = Note.openCheckpoint(note, signer.verifier());
            return new Signed(note, checkpoint, Files.getLastModifiedTime(file).toInstant());
        } catch (NoteException e) {
            throw new HistoryException("the stored checkpoint " + file + " does not verify under the log key in use ("
                    + signer.verifier().encoded() + "): " + e.getMessage() + ". A log keeps its key: restore SHERATAN_AUDIT_LOG_KEY_FILE "
                    + "and SHERATAN_AUDIT_ORIGIN, or start a new log directory");
        }
    }

    /**
     * Queues what the chain just logged for the tree, in the same order, and returns: the tree is
     * appended on its own thread ({@code audit-tree}) while the sink goes on polling, so on the sink's
     * path the Merkle log costs a hand-over (the chain's fsync leaves the CPU idle meanwhile). At most
     * {@link #MAX_IN_FLIGHT} batches wait; then this blocks. The tree is data derived from the fsynced
     * chain, so a batch queued and lost in a crash is appended again from the chain at the next start.
     * Throws what an earlier append or signing failed with.
     */
    public void append(List<ChainLog.Logged> logged) throws IOException {
        raiseFailure();
        if (logged.isEmpty()) {
            return;
        }
        submitted += logged.size();
        enqueue(() -> appendNow(logged));
    }

    /** At most this many batches (and signings) wait for the tree thread. */
    static final int MAX_IN_FLIGHT = 16;

    private void appendNow(List<ChainLog.Logged> logged) throws IOException {
        if (logged.isEmpty()) {
            return;
        }
        long first = tiles.size();
        List<byte[]> entries = new ArrayList<>(logged.size());
        List<EntryIndex.KeyAt> keys = new ArrayList<>(logged.size() * 2);
        for (int i = 0; i < logged.size(); i++) {
            entries.add(logged.get(i).entry());
            keys(logged.get(i), first + i, keys);
        }
        tiles.append(entries);
        index.add(keys, Math.max(index.size(), first + logged.size()));
    }

    /**
     * The index keys of an entry: its event id; and, only for a {@code RESULT_VERIFIED} entry the sink
     * made from the verified topic (DESIGN section 9: entries say where they come from), its job id, its
     * job id with the core sha256, and everything it vouches for ({@link EntryIndex.Key#exactResult}).
     * An entry from the audit topic is never a job's proof.
     */
    private void keys(ChainLog.Logged logged, long at, List<EntryIndex.KeyAt> into) {
        LogEvent event = logged.event();
        if (event.eventId() != null) {
            into.add(new EntryIndex.KeyAt(new EntryIndex.Key(EntryIndex.EVENT, event.eventId()), at));
        }
        if (verifiedTopic.equals(logged.topic()) && AuditEventType.RESULT_VERIFIED.name().equals(event.type())
                && event.jobId() != null && event.sha256() != null && SHA256_HEX.matcher(event.sha256()).matches()) {
            into.add(new EntryIndex.KeyAt(new EntryIndex.Key(EntryIndex.JOB, event.jobId()), at));
            into.add(new EntryIndex.KeyAt(EntryIndex.Key.result(event.jobId(), event.sha256()), at));
            if (event.exactResult() != null) {
                into.add(new EntryIndex.KeyAt(event.exactResult(), at));
            }
        }
    }

    /**
     * Queues the signing of a checkpoint of everything appended so far if that is more than the last
     * request covered and the last request is at least {@link #MIN_INTERVAL} old; returns whether it
     * did. Called by the sink after each batch and when idle. Throws what an earlier task failed with.
     */
    public boolean maybeSign() throws IOException {
        raiseFailure();
        if (submitted == requestedSize) {
            return false;
        }
        Instant now = clock.instant();
        // a last request dated ahead of now (the clock stepped back, or a checkpoint file's time) counts as long ago
        if (requestedAt != null && now.isBefore(requestedAt.plus(MIN_INTERVAL)) && !now.isBefore(requestedAt)) {
            return false;
        }
        requestedAt = now;
        requestedSize = submitted;
        enqueue(() -> sign(tiles.prepareSync()));
        return true;
    }

    /** Waits until the tree thread has done everything queued (tests, shutdown); throws what it failed with. */
    public void awaitSigned() throws IOException {
        try {
            worker.submit(() -> { }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the audit log's tree");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        raiseFailure();
    }

    @FunctionalInterface
    private interface Task {
        void run() throws IOException;
    }

    private void enqueue(Task task) throws IOException {
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while handing a batch to the audit log's tree");
        }
        worker.execute(() -> {
            try {
                if (failure == null) {
                    task.run();
                }
            } catch (IOException | RuntimeException | Error e) {
                failure = e;
                LOG.error("the audit log's Merkle tree stopped: {}", e.toString());
            } finally {
                inFlight.release();
            }
        });
    }

    private void raiseFailure() throws IOException {
        Throwable failed = failure;
        if (failed instanceof IOException io) {
            throw io;
        }
        if (failed instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failed instanceof Error error) {
            throw error;
        }
    }

    /**
     * Writes the sync point's partial tiles, checks that its tree extends the last signed one, signs,
     * writes and publishes; then makes durable the sync points that are old enough.
     */
    private void sign(TileLog.SyncPoint point) throws IOException {
        tiles.writePartials(point);
        long size = point.size();
        byte[] root = tiles.root(size);
        Signed last = latest;
        if (last != null) {
            Checkpoint old = last.checkpoint();
            if (size < old.size() || !Merkle.verifyConsistency(old.size(), size, old.root(), root, tiles.consistencyProof(old.size(), size))) {
                throw new HistoryException("refusing to sign size " + size + ": it does not extend the checkpoint of size " + old.size());
            }
        }
        Checkpoint checkpoint = new Checkpoint(key.name(), size, root);
        String note = Note.sign(checkpoint.text(), key);
        if (witnesses != null && !witnesses.isEmpty()) {
            note = witnesses.cosign(note, checkpoint, old -> tiles.consistencyProof(old, size));
        }
        writeAtomically(tlogDir.resolve("checkpoint"), note);
        latest = new Signed(note, checkpoint, clock.instant());
        publisher.accept(note);
        undurable.add(new Pending(point, clock.instant()));
        makeDurable(clock.instant().minus(DURABLE_LAG));
    }

    private record Pending(TileLog.SyncPoint point, Instant at) {
    }

    /** Sync points not yet fsynced, oldest first; touched by the tree thread only (and by close, after it). */
    private final java.util.ArrayDeque<Pending> undurable = new java.util.ArrayDeque<>();

    /** Fsyncs the sync points taken before {@code olderThan} and records the newest of them in {@code tlog/durable}. */
    private void makeDurable(Instant olderThan) throws IOException {
        long durable = -1;
        Instant now = clock.instant();
        // a sync point dated ahead of now (the clock stepped back) counts as old: fsync it rather than wait for the clock
        while (!undurable.isEmpty() && (!undurable.peekFirst().at().isAfter(olderThan) || undurable.peekFirst().at().isAfter(now))) {
            durable = tiles.completeSync(undurable.pollFirst().point());
        }
        if (durable >= 0) {
            writeAtomically(tlogDir.resolve("durable"), durable + "\n");
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ignored) {
            // some file systems cannot open directories
        }
    }

    // ------------------------------------------------------------------ what HTTP serves

    public Signed latest() {
        return latest;
    }

    public long size() {
        return tiles.size();
    }

    public NoteKeys.Verifier verifier() {
        return key.verifier();
    }

    /** The index of the entry with this event id, or -1. One index probe, no lock shared with appends. */
    public long indexOfEvent(String eventId) {
        return index.get(new EntryIndex.Key(EntryIndex.EVENT, eventId));
    }

    /** The index of the newest {@code RESULT_VERIFIED} entry of this job, or -1. */
    public long indexOfJob(String jobId) {
        return index.get(new EntryIndex.Key(EntryIndex.JOB, jobId));
    }

    /** The index of the {@code RESULT_VERIFIED} entry of this job and core sha256 (the stored result's), or -1. */
    public long indexOfResult(String jobId, String sha256) {
        return index.get(EntryIndex.Key.result(jobId, sha256));
    }

    /**
     * The index of the {@code RESULT_VERIFIED} entry that vouches for exactly these members
     * ({@link EntryIndex#VOUCHED}, e.g. a stored result's), or -1. When there is none, an entry of the
     * job and core sha256 that an earlier release wrote without some of those members is returned: the
     * caller compares the members it has.
     */
    public long indexOfExactResult(java.util.function.Function<String, String> member) {
        long exact = index.get(EntryIndex.Key.exactResult(member));
        if (exact >= 0 || member.apply("job_id") == null || member.apply("sha256") == null) {
            return exact;
        }
        long any = index.get(EntryIndex.Key.result(member.apply("job_id"), member.apply("sha256")));
        if (any < 0 || any >= tiles.size()) {
            return -1;
        }
        com.fasterxml.jackson.databind.JsonNode entry = StoredLine.parseLeniently(tiles.entry(any));
        for (String name : EntryIndex.VOUCHED) {
            if (!entry.has(name)) {
                return any; // an earlier release's entry
            }
        }
        return -1; // a current entry that vouches for something else: not this result's
    }

    /** The tlog-proof of entry {@code at} in the latest checkpoint, with the entry as its extra data; null if not signed yet. */
    public String inclusionProof(long at) {
        Signed signed = latest;
        if (signed == null || at < 0 || at >= signed.checkpoint().size()) {
            return null;
        }
        long size = signed.checkpoint().size();
        return new InclusionProof(tiles.entry(at), at, tiles.inclusionProof(at, size), signed.note()).text();
    }

    public byte[] entry(long at) {
        return tiles.entry(at);
    }

    /** The root of the tiles' tree at {@code size} (at most {@link #size()}). */
    byte[] tilesRoot(long size) {
        return tiles.root(size);
    }

    /** The RFC 9162 consistency proof between two signed-or-smaller sizes, as text; sizes beyond the latest checkpoint are refused. */
    public String consistencyProof(long oldSize, long newSize) {
        Signed signed = latest;
        long max = signed == null ? 0 : signed.checkpoint().size();
        if (oldSize < 0 || oldSize > newSize || newSize > max) {
            throw new IllegalArgumentException("sizes must satisfy 0 <= old <= new <= " + max + " (the latest checkpoint)");
        }
        return InclusionProof.consistencyText(tiles.consistencyProof(oldSize, newSize));
    }

    /**
     * What a process that dies leaves behind, for tests that reopen in the same JVM: the tree thread
     * stops and the index's file lock is released, and nothing is made durable.
     */
    void abandonAsIfCrashed() {
        worker.shutdownNow();
        index.close();
    }

    /** Finishes a signing under way, makes every signed size durable (a clean stop restarts fast), then closes the index. */
    @Override
    public void close() throws IOException {
        try {
            awaitSigned();
            undurable.add(new Pending(tiles.prepareSync(), clock.instant()));
            makeDurable(Instant.MAX);
        } finally {
            worker.shutdown();
            try {
                if (!worker.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    LOG.warn("the audit log's tree thread did not finish within 30 s; closing its index anyway");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            index.close();
        }
    }
}
