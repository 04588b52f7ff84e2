package io.sheratan.verifier.internals;

import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.avro.codec.OutputCodec;
import io.sheratan.verifier.VerifierTopology;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Keeps the queryable store {@link VerifierTopology#STORE} as a table over the verified topic: the
 * topic is the store's changelog (a read-only store), so each verified result is written to Kafka
 * once, and a lost state directory is restored from the topic itself. What is put here has been
 * committed (the verifier reads its own output {@code read_committed}).
 *
 * <p>The verified topic is the trust boundary, as it is for every consumer: only the verifier may
 * write to it (ACLs). A record here that is not a readable verified result for its key (a foreign
 * producer, a bug) is skipped with a warning, never stored; so is a tombstone, and a second value
 * for a job already stored (DESIGN 4: a foreign record deletes or replaces no verified result). A
 * restore copies the topic's records into the store as they are, without these checks (Kafka Streams
 * restores a read-only store from its topic directly): see RELIABILITY.md.
 */
public final class VerifiedTable implements Processor<String, byte[], Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(VerifiedTable.class);
    private final AvroCodec<VerifiedResult> codec = AvroCodec.verifiedResults();
    private KeyValueStore<String, byte[]> store;
    private ProcessorContext<Void, Void> context;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(VerifierTopology.STORE);
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
        byte[] stored = store.get(record.key());
        if (stored != null && !java.util.Arrays.equals(stored, record.value())) {
            skip("another value for a job already stored"); // the verifier writes each job once
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
    boolean isResultFor(String key, byte[] value) {
        if (!AvroCodec.isSingleObject(value)) {
            Stored stored = read(value, codec);
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

    /** The job id, core hash and time of a verified record (Avro single-object or flat JSON), or null if unreadable. */
    public static Stored read(byte[] value, AvroCodec<VerifiedResult> codec) {
        try {
            if (AvroCodec.isSingleObject(value)) {
                VerifiedResult r = codec.decode(value);
                return new Stored(r.getJobId(), r.getSha256(), r.getVerifiedAt().toEpochMilli());
            }
            JsonNode r = OutputCodec.readFlat(value, codec);
            if (!r.path("job_id").isTextual() || !r.path("sha256").isTextual() || !r.path("verified_at").canConvertToLong()) {
                return null;
            }
            return new Stored(r.get("job_id").asText(), r.get("sha256").asText(), r.get("verified_at").asLong());
        } catch (AvroCodec.AvroDecodeException | IOException | RuntimeException e) {
            return null;
        }
    }
}
