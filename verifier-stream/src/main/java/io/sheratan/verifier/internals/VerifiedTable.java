package io.sheratan.verifier.internals;

import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.avro.codec.OutputCodec;
import io.sheratan.verifier.VerifierConfig;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Keeps the queryable store {@link StoreNames#TABLE} as a table over the verified topic: the
 * topic is the store's changelog (a read-only store), so each verified result is written to Kafka
 * once, and a lost state directory is restored from the topic itself. What is put here has been
 * committed (the verifier reads its own output {@code read_committed}).
 *
 * <p>The verified topic is the trust boundary, as it is for every consumer: only the verifier may
 * write to it (ACLs). A record here that is not a readable verified result for its key (a foreign
 * producer, a bug) is skipped with a warning, never stored; so is a tombstone, and a value whose core
 * hash is not the one the verifier recorded for the job in its dedup store (DESIGN 4: a foreign record
 * deletes or replaces no verified result). A restore goes past this processor (Kafka Streams copies
 * the topic into a read-only store directly); {@link RestoreFilteringStore} drops tombstones and
 * values that are not a result for their key there.
 */
public final class VerifiedTable implements Processor<String, byte[], Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(VerifiedTable.class);
    private final AvroCodec<VerifiedResult> codec = AvroCodec.verifiedResults();
    /** For the static check, which the restore of the store calls too (one codec a stream thread). */
    private static final ThreadLocal<AvroCodec<VerifiedResult>> CODECS = ThreadLocal.withInitial(AvroCodec::verifiedResults);
    private KeyValueStore<String, byte[]> store;
    private KeyValueStore<String, byte[]> ids;
    private ProcessorContext<Void, Void> context;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(StoreNames.TABLE);
        this.ids = context.getStateStore(StoreNames.DEDUP);
    }

    /**
     * Whether the verifier recorded this result: its dedup entry for the job keeps the hash of exactly
     * these bytes. The verifier writes the entry before (or, under exactly-once, in the same transaction
     * as) the result, so every result it wrote passes; a foreign value for the job does not, also a copy
     * of the verifier's record with its core hash kept and the result, mode or key id changed, nor does
     * a value for a job whose entry has expired (until the job is verified again, which replaces it).
     */
    private boolean recordedByTheVerifier(String jobId, byte[] value) {
        byte[] entry = ids.get(jobId);
        return entry != null && recorded(jobId, entry, value, codec);
    }

    /**
     * Whether {@code value}, a record of the verified topic, is the one the verifier recorded in the dedup
     * {@code entry}: byte for byte for an entry that keeps the record's hash; an entry of an earlier release
     * names only the core hash, which is compared then (a weaker check, gone once the job's entry is renewed).
     */
    public static boolean recorded(String jobId, byte[] entry, byte[] value, AvroCodec<VerifiedResult> codec) {
        if (VerifyProcessor.keepsTheRecordHash(entry)) {
            return VerifyProcessor.sameRecordHash(entry, value);
        }
        if (codec.isWellFormedCurrent(value)) {
            int sha = sha256Offset(value);
            return sha >= 0 && VerifyProcessor.sameCoreHash(entry, value, sha);
        }
        Stored recorded = VerifyProcessor.decodeId(jobId, entry);
        Stored result = read(value, codec);
        return recorded != null && result != null && recorded.sha256().equals(result.sha256());
    }

    /** What {@code GET /results/{job_id}} answers for a value the table holds (DESIGN 7). */
    public enum Answer {
        /** the record the verifier wrote, its dedup entry unexpired: served */
        SERVE,
        /** no dedup entry: the verifier vouches for nothing under this id (never verified here, or purged) */
        NOT_FOUND,
        /** the dedup entry has expired (or, with none left, the value's own time has) */
        EXPIRED,
        /** an unexpired entry that does not vouch for this value: a restore copied a foreign record */
        NOT_RECORDED
    }

    /**
     * The answer for {@code value}, the table's value for the job (its own {@code verified_at} is
     * {@code valueVerifiedAtMs}), given the verifier's dedup {@code entry} for it or null. Only the entry
     * decides what is served and until when: a foreign value's time decides nothing but which 404 is
     * given, so a value dated far ahead cannot hold a job at 503 for ever.
     */
    public static Answer answer(String jobId, byte[] value, long valueVerifiedAtMs, byte[] entry, AvroCodec<VerifiedResult> codec,
                                VerifierConfig config, long nowMs) {
        if (entry == null) {
            return config.isExpired(valueVerifiedAtMs, nowMs) ? Answer.EXPIRED : Answer.NOT_FOUND;
        }
        Stored vouched = VerifyProcessor.decodeId(jobId, entry);
        if (vouched == null) {
            return Answer.NOT_FOUND;
        }
        if (config.isExpired(vouched.verifiedAtMs(), nowMs)) {
            return Answer.EXPIRED;
        }
        return recorded(jobId, entry, value, codec) ? Answer.SERVE : Answer.NOT_RECORDED;
    }

    /**
     * Where the 64 characters of {@code sha256} start in a well-formed record of the current schema
     * (job_id, ok, result, error, then sha256: DESIGN 6), or -1 when its length is not 64. Read by
     * position instead of decoding the whole record, the result's text included, once per result.
     */
    static int sha256Offset(byte[] value) {
        int[] at = {HEADER};
        skip(value, at, varLong(value, at));            // job_id
        at[0]++;                                        // ok
        for (int union = 0; union < 2; union++) {       // result, error: ["null", "string"]
            if (varLong(value, at) == 1) {
                skip(value, at, varLong(value, at));
            }
        }
        long length = varLong(value, at);
        return length == 64 && at[0] + 64 <= value.length ? at[0] : -1;
    }

    /** One zig-zag varint of Avro's at {@code at[0]}, which moves past it (bounds were checked by the structural walk). */
    private static long varLong(byte[] value, int[] at) {
        long zigzag = 0;
        int shift = 0;
        int b;
        do {
            b = value[at[0]++] & 0xff;
            zigzag |= (long) (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0 && shift < 70);
        return (zigzag >>> 1) ^ -(zigzag & 1);
    }

    private static void skip(byte[] value, int[] at, long length) {
        at[0] = (int) Math.min(value.length, at[0] + Math.max(0, length));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null || !isResultFor(record.key(), record.value())) {
            skip(record.value() == null ? "a tombstone" : "not a verified result for its key");
            return;
        }
        if (!recordedByTheVerifier(record.key(), record.value())) {
            skip("a result the verifier did not record for this job");
            return;
        }
        store.put(record.key(), record.value());
    }

    /** DESIGN 4, foreign records: nothing on the verified topic the verifier would not have written deletes or replaces a result. */
    private void skip(String what) {
        var meta = context.recordMetadata().orElse(null);
        LOG.warn("skipping a record of the verified topic: {} ({}/{}@{})", what,
                meta == null ? "?" : meta.topic(), meta == null ? -1 : meta.partition(), meta == null ? -1 : meta.offset());
    }

    /**
     * Whether a value is a verified result for this key. For the Avro form only the header and the
     * first field, the job id, are read (the verifier wrote the record; the table must not pay a
     * full decode per result); the rest is read when a query or dedup needs it.
     */
    static boolean isResultFor(String key, byte[] value) {
        if (!AvroCodec.isSingleObject(value)) {
            Stored stored = read(value, CODECS.get());
            return stored != null && key.equals(stored.jobId());
        }
        byte[] expected = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int at = HEADER;
        long zigzag = 0;
        int shift = 0;
        while (at < value.length && shift < 35) {
            int b = value[at++] & 0xff;
            zigzag |= (long) (b & 0x7f) << shift;
            shift += 7;
            if ((b & 0x80) == 0) {
                long length = (zigzag >>> 1) ^ -(zigzag & 1);
                return length == expected.length && at + length <= value.length
                        && java.util.Arrays.equals(value, at, at + expected.length, expected, 0, expected.length);
            }
        }
        return false;
    }

    /** Avro single-object encoding: C3 01 and the schema's 8-byte fingerprint. */
    private static final int HEADER = 10;

    /** What dedup and expiry need from a verified record, Avro or JSON. */
    public record Stored(String jobId, String sha256, long verifiedAtMs) {
    }

    /** A core hash as the verifier writes it (64 lowercase hex): anything else was not written by it. */
    private static Stored valid(Stored stored) {
        String sha = stored.sha256();
        if (sha == null || sha.length() != 64) {
            return null;
        }
        for (int i = 0; i < 64; i++) {
            char c = sha.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
        }
        return stored;
    }

    /** The job id, core hash and time of a verified record (Avro single-object or flat JSON), or null if unreadable. */
    public static Stored read(byte[] value, AvroCodec<VerifiedResult> codec) {
        try {
            VerifiedResult r = OutputCodec.read(value, codec, VerifiedResult::new);
            return valid(new Stored(r.getJobId(), r.getSha256(), r.getVerifiedAt().toEpochMilli()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
