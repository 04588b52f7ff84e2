package io.sheratan.verifier.internals;

import io.sheratan.avro.codec.AuditEvents;
import io.sheratan.avro.codec.Digests;
import io.sheratan.avro.codec.OutputCodec;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.avro.codec.VerifiedResultEncoder;
import io.sheratan.envelope.Claims;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import io.sheratan.avro.codec.AuditEventType;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Keyring;
import io.sheratan.integrity.Marks;
import io.sheratan.integrity.Reason;
import io.sheratan.integrity.Verdict;
import io.sheratan.verifier.VerifierConfig;
import io.sheratan.metrics.ResultMetrics;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The verifier's one stateful step: read, verify, dedup, route. Every input record leaves here as
 * exactly one of: a verified result (forwarded to {@link #VERIFIED}; its job id, core hash and time
 * remembered in {@link StoreNames#DEDUP}), a
 * dropped duplicate (counted), or an audit event (forwarded to {@link #AUDIT}); an unmarked result
 * accepted under {@code required=0} is verified and also announced by a warning event.
 *
 * <p>The mark is checked before the store is consulted, so a tampered record can never take a job
 * id's slot. Dedup compares the core's SHA-256: the same core again is a duplicate, another core
 * is a conflict carrying both hashes; the first is looked up in the small dedup store (which, when
 * empty at start, adopts the job ids of the table over the verified topic, {@link VerifiedTable}). Entries older than the retention are
 * treated as absent at once and purged from the dedup store by a wall-clock punctuator, which bounds it.
 *
 * <p>Bytes that cannot be read become {@code RESULT_MALFORMED} events here, as data: the payload is
 * never copied (only its SHA-256), and no input can kill the stream thread. Every output is bounded
 * (mark fields by the reader, the verified record by {@code maxOutputBytes}) and checked before it
 * is stored or sent. Should a record still kill the thread (an {@link Error}), the {@link PoisonGuard}
 * quarantines it after a few attempts. Failures of Kafka or the store are rethrown, never turned
 * into a verdict: a valid result is not lost to an infrastructure hiccup.
 */
public final class VerifyProcessor implements Processor<byte[], byte[], String, byte[]> {

    public static final String VERIFIED = "verified-sink";
    public static final String AUDIT = "audit-sink";
    public static final String NODE_ID_HEADER = "sheratan.node_id";

    private static final int PURGE_CHUNK = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(VerifyProcessor.class);

    private final VerifierConfig config;
    private final ResultMetrics metrics;
    private final PoisonGuard guard;
    private final Supplier<Keyring> keyrings;
    private final IntSupplier outputLimit;
    private final OutputCodec output;
    private final AvroCodec<VerifiedResult> tableCodec = AvroCodec.verifiedResults();
    private final VerifiedResultEncoder encoder = new VerifiedResultEncoder();
    private EnvelopeReader reader;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> ids;
    private KeyValueStore<String, byte[]> table;
    private final IntPredicate adoptionAllowed;

    /** @param adoptionAllowed whether the task of a partition may adopt the table's job ids (see {@link #adoptTable()}) */
    public VerifyProcessor(VerifierConfig config, ResultMetrics metrics, PoisonGuard guard, Supplier<Keyring> keyrings,
                           IntSupplier outputLimit, IntPredicate adoptionAllowed) {
        this.adoptionAllowed = adoptionAllowed;
        this.config = config;
        this.outputLimit = outputLimit;
        this.metrics = metrics;
        this.guard = guard;
        this.keyrings = keyrings;
        this.output = new OutputCodec(config.outputFormat());
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.ids = context.getStateStore(StoreNames.DEDUP);
        this.table = context.getStateStore(StoreNames.TABLE);
        adoptTable();
        this.reader = new EnvelopeReader(config.policy().limits());
        Duration every = config.retention().dividedBy(10);
        if (every.compareTo(Duration.ofMinutes(10)) > 0) {
            every = Duration.ofMinutes(10);
        }
        if (every.compareTo(Duration.ofSeconds(1)) < 0) {
            every = Duration.ofSeconds(1);
        }
        context.schedule(every, PunctuationType.WALL_CLOCK_TIME, this::purgeExpired);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Coordinates from = coordinates();
        int attempt = guard.begin(from.topic, from.partition, from.offset);
        if (attempt > PoisonGuard.MAX_ATTEMPTS) {
            // it killed the stream thread every time it was processed: give it its one outcome without reading it
            LOG.error("quarantining {}/{}@{}: processing it stopped the stream thread {} times",
                    from.topic, from.partition, from.offset, attempt - 1);
            metrics.quarantined();
            rejectMalformed(record, from, null, "quarantined: processing this record stopped the verifier "
                    + (attempt - 1) + " times");
            guard.done(from.topic, from.partition, from.offset);
            return;
        }
        if (guard.unsendable(from.topic, from.partition, from.offset)) {
            // the broker refused its output as too large (OutputRefusedHandler): one outcome, never a send retried for ever
            rejectMalformed(record, from, null, "its output was refused by the broker as too large for the verified or audit topic");
            guard.done(from.topic, from.partition, from.offset);
            return;
        }
        try {
            route(record, from);
        } catch (KafkaException e) {
            // the store, the producer or the broker failed, not the record: retried (the task fails
            // and restarts from its last commit), never recorded as a verdict on the record
            guard.forgive(from.topic, from.partition, from.offset);
            throw e;
        } catch (RuntimeException e) {
            // A bug, not bad input (bad input is handled as data above). Still never kill the thread
            // and never lose the record: it becomes an audit event that names the failure.
            LOG.error("unexpected failure verifying {}/{}@{}: {}", from.topic, from.partition, from.offset, e.toString());
            rejectMalformed(record, from, null, "internal error: " + e.getClass().getSimpleName());
        }
        guard.done(from.topic, from.partition, from.offset);
    }

    private void rejectMalformed(Record<byte[], byte[]> record, Coordinates from, String jobId, String detail) {
        metrics.rejected(Reason.MALFORMED);
        audit(record, from, event(record, from, AuditEventType.RESULT_MALFORMED, Reason.MALFORMED)
                .setJobId(jobId).setNodeId(header(record.headers(), NODE_ID_HEADER)).setDetail(detail));
    }

    private void route(Record<byte[], byte[]> record, Coordinates from) {
        Submission submission;
        try {
            submission = reader.read(record.value());
            String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
            if (!submission.jobId().equals(key)) {
                // dedup is per partition: a record keyed otherwise could be verified twice elsewhere
                throw new MalformedEnvelopeException("record key is not the envelope's job_id", submission.jobId());
            }
        } catch (MalformedEnvelopeException e) {
            rejectMalformed(record, from, e.jobId(), e.detail());
            return;
        }
        // the record's time (the broker's append time), never the wall clock: reprocessing gives the same verdict
        Verdict verdict = IntegrityVerifier.verify(submission, config.policy(), keyrings.get(), record.timestamp());
        String nodeId = submission.claims() != null ? submission.claims().nodeId() : header(record.headers(), NODE_ID_HEADER);
        if (!verdict.accepted()) {
            metrics.rejected(verdict.reason());
            audit(record, from, event(record, from, AuditEventType.RESULT_INTEGRITY_FAIL, verdict.reason())
                    .setJobId(submission.jobId()).setMode(verdict.mode()).setKeyId(verdict.keyId()).setNodeId(nodeId));
            return;
        }
        VerifiedTable.Stored first = remembered(submission.jobId());
        if (first != null) {
            if (isDuplicate(first, submission)) {
                metrics.duplicate();
            } else {
                metrics.rejected(Reason.CONFLICT);
                audit(record, from, event(record, from, AuditEventType.RESULT_CONFLICT, Reason.CONFLICT)
                        .setJobId(submission.jobId()).setMode(verdict.mode()).setKeyId(verdict.keyId()).setNodeId(nodeId)
                        .setFirstSha256(first.sha256()).setNewSha256(submission.coreSha256()));
            }
            return;
        }
        long now = context.currentSystemTimeMs();
        byte[] avro = encode(submission, verdict, nodeId, from, now);
        byte[] out = output.verifiedFromAvro(avro);
        int keyBytes = submission.jobId().getBytes(StandardCharsets.UTF_8).length;
        int largest = keyBytes + Math.max(avro.length, out.length);
        int limit = outputLimit.getAsInt();
        if (largest > limit) {
            // checked before anything is stored or sent: a send that can never succeed would fail the task forever
            rejectMalformed(record, from, submission.jobId(), "verified record would be " + largest + " bytes, above the limit of "
                    + limit + (limit == config.maxOutputBytes() ? " (" + VerifierConfig.MAX_OUTPUT_BYTES + ")" : " (the topics' max.message.bytes)"));
            return;
        }
        remember(submission.jobId(), submission.coreSha256(), now, out);
        context.forward(new Record<>(submission.jobId(), out, record.timestamp()), VERIFIED);
        boolean unmarked = verdict.outcome() == Verdict.Outcome.ACCEPTED_UNMARKED;
        metrics.verified(unmarked);
        if (unmarked) {
            audit(record, from, event(record, from, AuditEventType.RESULT_INTEGRITY_MISSING_ACCEPTED, Reason.MISSING_INTEGRITY)
                    .setJobId(submission.jobId()).setNodeId(nodeId).setDetail("accepted because SHERATAN_RESULT_INTEGRITY_REQUIRED=0"));
        }
    }

    private static boolean isDuplicate(VerifiedTable.Stored first, Submission again) {
        return first.sha256().equals(again.coreSha256());
    }

    /**
     * The first verified result of this job id (its hash and time), from the dedup store; null when
     * none or when it has expired.
     */
    private VerifiedTable.Stored remembered(String jobId) {
        byte[] small = ids.get(jobId);
        VerifiedTable.Stored first = small != null ? decodeId(jobId, small) : null;
        if (first == null || config.isExpired(first.verifiedAtMs(), context.currentSystemTimeMs())) {
            return null;
        }
        return first;
    }

    /**
     * A key no job id can be (a job id has at most {@value EnvelopeReader#MAX_JOB_ID_LENGTH} characters): its
     * presence in the dedup store says that the task's one adoption of the table (below) has happened.
     */
    public static final String ADOPTION_DONE = "sheratan:adoption-done:" + ".".repeat(EnvelopeReader.MAX_JOB_ID_LENGTH);

    /**
     * A task whose dedup store is empty while its table is not (a release before the dedup store
     * kept whole results, which are now read back as the table) adopts the table's unexpired job ids
     * once, at its first start on a release with the dedup store, so that nothing verified before is
     * verified again. Runs after the stores are restored; a fresh deployment has both empty and does
     * nothing. What a table holds after a restore is whatever the verified topic holds (a foreign writer's
     * records too), and adopting it whenever the dedup store happens to be empty (all its entries purged,
     * then a restore) would vouch for such a record; so it happens only where the application allows it
     * ({@code adoptionAllowed}: its first start on the verified topic, see {@code VerifierApp}) and once per
     * task, marked by {@link #ADOPTION_DONE}.
     */
    private void adoptTable() {
        if (ids.get(ADOPTION_DONE) != null) {
            return;
        }
        boolean empty;
        try (KeyValueIterator<String, byte[]> any = ids.all()) {
            empty = !any.hasNext();
        }
        ids.put(ADOPTION_DONE, new byte[] {ID_FORMAT_2});
        if (!empty || !adoptionAllowed.test(context.taskId().partition())) {
            return;
        }
        long now = context.currentSystemTimeMs();
        int adopted = 0;
        try (KeyValueIterator<String, byte[]> entries = table.all()) {
            while (entries.hasNext()) {
                var entry = entries.next();
                if (entry.key.codePointCount(0, entry.key.length()) > EnvelopeReader.MAX_JOB_ID_LENGTH) {
                    continue; // no job id (the marker's key among them): a foreign record restored into the table
                }
                VerifiedTable.Stored stored = VerifiedTable.read(entry.value, tableCodec);
                // a verification time in the future was never written by a verifier (a foreign record restored into the table)
                if (stored != null && entry.key.equals(stored.jobId()) && !config.isExpired(stored.verifiedAtMs(), now)
                        && stored.verifiedAtMs() <= now + java.time.Duration.ofMinutes(5).toMillis()) {
                    remember(entry.key, stored.sha256(), stored.verifiedAtMs(), entry.value);
                    adopted++;
                }
            }
        }
        if (adopted > 0) {
            LOG.info("adopted {} job ids from the table over the verified topic into {}", adopted, StoreNames.DEDUP);
        }
    }

    /** The verified result as the verified topic gets it (Avro {@link VerifiedResult}, before the output format). */
    private byte[] encode(Submission s, Verdict verdict, String nodeId, Coordinates from, long now) {
        // DESIGN 4: node_id is attested only when a version 2 core was signed (hmac or ed25519) by a key that the
        // keyring binds to that node (its "nodes" list names it). A v1 node_id (the header) is a claim; so is a v2
        // core under a bare sha256 mark (anyone can hash it) or signed by a key any node may hold.
        boolean attested = s.claims() != null && verdict.outcome() == Verdict.Outcome.VERIFIED
                && ("hmac".equals(verdict.mode()) || "ed25519".equals(verdict.mode()))
                && keyrings.get().key(verdict.keyId()).map(k -> k.nodes() != null && k.nodes().contains(s.claims().nodeId())).orElse(false);
        return encoder.jobId(s.jobId()).ok(s.ok()).result(s.resultSource(), s.resultSourceOffset(), s.resultLength()).error(s.error())
                .sha256(s.coreSha256()).mark(verdict.mode(), verdict.keyId(), nodeId).verifiedAt(now)
                .source(from.partition, from.offset).attestation(s.coreVersion(), attested).encode();
    }

    /** A dedup entry of earlier releases: version 1, the core's SHA-256 (32 bytes), the verification time (ms, 8 bytes). */
    static final byte ID_FORMAT = 1;
    static final int ID_BYTES = 1 + 32 + 8;
    /**
     * A dedup entry as written now: version 2, the core's SHA-256, the verification time, then the SHA-256 of the
     * verified record exactly as it was sent to the verified topic (32 bytes), so that a record read back from
     * that topic is the verifier's only when it is the same bytes: a copy with the core hash kept and the result,
     * mode or key id changed is not (DESIGN 4, foreign records).
     */
    static final byte ID_FORMAT_2 = 2;
    static final int ID_BYTES_2 = ID_BYTES + 32;

    private void remember(String jobId, String sha256Hex, long verifiedAtMs, byte[] written) {
        ids.put(jobId, entry(sha256Hex, verifiedAtMs, written));
    }

    /** A dedup entry as written now (format 2): the core hash, the verification time and the hash of the record written. */
    static byte[] entry(String sha256Hex, long verifiedAtMs, byte[] written) {
        return ByteBuffer.allocate(ID_BYTES_2).put(ID_FORMAT_2).put(HexFormat.of().parseHex(sha256Hex)).putLong(verifiedAtMs)
                .put(Digests.sha256(written)).array();
    }

    /** Whether a dedup entry keeps the hash of the record the verifier wrote (format 2). */
    static boolean keepsTheRecordHash(byte[] entry) {
        return entry.length == ID_BYTES_2 && entry[0] == ID_FORMAT_2;
    }

    /** Whether {@code value} is, byte for byte, the record whose hash a format-2 entry keeps (compared in constant time). */
    static boolean sameRecordHash(byte[] entry, byte[] value) {
        if (!keepsTheRecordHash(entry) || value == null) {
            return false;
        }
        byte[] digest = Digests.sha256(value);
        int diff = 0;
        for (int i = 0; i < 32; i++) {
            diff |= digest[i] ^ entry[ID_BYTES + i];
        }
        return diff == 0;
    }

    /** An entry of either format: version 1 (41 bytes) or 2 (73 bytes). */
    private static boolean isEntry(byte[] entry) {
        return entry.length == ID_BYTES && entry[0] == ID_FORMAT || keepsTheRecordHash(entry);
    }

    /**
     * Whether a dedup entry names the core hash written as 64 lowercase hex characters at {@code at}
     * of {@code value}: compared without making a String of either.
     */
    static boolean sameCoreHash(byte[] entry, byte[] value, int at) {
        if (!isEntry(entry) || at < 0 || at + 64 > value.length) {
            return false;
        }
        int diff = 0;
        for (int i = 0; i < 32; i++) {
            int b = entry[1 + i] & 0xff;
            diff |= value[at + 2 * i] ^ LOWER_HEX[b >>> 4];
            diff |= value[at + 2 * i + 1] ^ LOWER_HEX[b & 0xf];
        }
        return diff == 0;
    }

    private static final byte[] LOWER_HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** A dedup entry as job id, core hash and time; null (logged) when it is not one. */
    public static VerifiedTable.Stored decodeId(String jobId, byte[] value) {
        if (!isEntry(value)) {
            LOG.error("unreadable entry in {} ({} bytes)", StoreNames.DEDUP, value.length);
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(value, 1, ID_BYTES - 1);
        byte[] sha = new byte[32];
        b.get(sha);
        return new VerifiedTable.Stored(jobId, HexFormat.of().formatHex(sha), b.getLong());
    }

    /** Deletes expired entries in chunks, so that the heap stays bounded however many expire at once. */
    private void purgeExpired(long nowMs) {
        int purged = 0;
        String from = null;
        boolean more = true;
        while (more) {
            List<String> expired = new ArrayList<>();
            String last = null;
            try (KeyValueIterator<String, byte[]> entries = from == null ? ids.all() : ids.range(from, null)) {
                while (entries.hasNext() && expired.size() < PURGE_CHUNK) {
                    var entry = entries.next();
                    last = entry.key;
                    if (ADOPTION_DONE.equals(entry.key)) {
                        continue; // kept for good
                    }
                    VerifiedTable.Stored remembered = decodeId(entry.key, entry.value);
                    if (remembered == null || config.isExpired(remembered.verifiedAtMs(), nowMs)) {
                        expired.add(entry.key);
                    }
                }
                more = entries.hasNext();
            }
            expired.forEach(ids::delete);
            purged += expired.size();
            from = last; // range() is inclusive: the last key is read again, and kept or already deleted
        }
        if (purged > 0) {
            LOG.info("purged {} job ids older than {} from {}", purged, config.retention(), StoreNames.DEDUP);
        }
    }

    /** The audit event of this input record: its coordinates and the SHA-256 of its bytes; the rest is set by name. */
    private AuditEvent.Builder event(Record<byte[], byte[]> record, Coordinates from, AuditEventType type, Reason reason) {
        return AuditEvents.event(type, reason.code(), from.eventId(), Instant.ofEpochMilli(context.currentSystemTimeMs()), record.value())
                .setSourceTopic(from.topic)
                .setSourcePartition(from.partition)
                .setSourceOffset(from.offset);
    }

    private void audit(Record<byte[], byte[]> record, Coordinates from, AuditEvent.Builder builder) {
        AuditEvent event = builder.build();
        String key = event.getJobId() != null ? event.getJobId() : from.eventId();
        context.forward(new Record<>(key, output.audit(event), record.timestamp()), AUDIT);
    }

    /**
     * A node id header, when it is one: 1..128 characters of {@code [A-Za-z0-9._:@/-]} (DESIGN section 2).
     * Headers are unsigned and attacker-controlled; anything else is ignored rather than copied into
     * the verified record and the audit trail.
     */
    static String header(Headers headers, String name) {
        Header header = headers == null ? null : headers.lastHeader(name);
        byte[] value = header == null ? null : header.value();
        if (value == null || value.length == 0 || value.length > 128) {
            return null; // checked before decoding: a megabyte header is never turned into a string
        }
        String nodeId = new String(value, StandardCharsets.US_ASCII);
        return Claims.isNodeId(nodeId) ? nodeId : null;
    }

    private Coordinates coordinates() {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        if (meta == null) {
            return new Coordinates(null, -1, -1);
        }
        return new Coordinates(meta.topic(), meta.partition(), meta.offset());
    }

    /** Where the input record came from; its event id is stable across reprocessing after a crash. */
    private record Coordinates(String topic, int partition, long offset) {
        String eventId() {
            return topic + "/" + partition + "/" + offset;
        }
    }
}
