package io.sheratan.serdes;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.avro.codec.FlatJson;
import io.sheratan.avro.codec.OutputCodec;
import io.sheratan.avro.codec.OutputFormat;
import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * Kafka serdes for the pipeline's three record types (DESIGN.md sections 2 and 4):
 * <ul>
 *   <li>{@link #verifiedResult()} — {@code sheratan.results.verified}</li>
 *   <li>{@link #auditEvent()} — {@code sheratan.results.audit}</li>
 *   <li>{@link #submission()} — {@code sheratan.results.submitted}: the envelope, read strictly</li>
 * </ul>
 * Deserializers read both wire forms, whatever the services were configured to write: Avro single-object
 * encoding (told apart by its {@code C3 01} header, schema checked by fingerprint) and JSON (the flat JSON of
 * {@code SHERATAN_OUTPUT_FORMAT=json}; the envelope's JSON for submissions). Serializers write Avro unless
 * asked for {@link OutputFormat#JSON}. Bytes that are neither throw {@link SerializationException} naming
 * the problem; a null value (a tombstone) is null. Consume with {@code isolation.level=read_committed}: the
 * verifier writes under exactly-once, and only committed records are real.
 *
 * <pre>{@code
 * try (KafkaConsumer<String, VerifiedResult> consumer = new KafkaConsumer<>(config,
 *         Serdes.String().deserializer(), SheratanSerdes.verifiedResult().deserializer())) { ... }
 * }</pre>
 */
public final class SheratanSerdes {

    private SheratanSerdes() {
    }

    public static Serde<VerifiedResult> verifiedResult() {
        return verifiedResult(OutputFormat.AVRO);
    }

    public static Serde<VerifiedResult> verifiedResult(OutputFormat written) {
        return record(AvroCodec::verifiedResults, VerifiedResult::new, written);
    }

    public static Serde<AuditEvent> auditEvent() {
        return auditEvent(OutputFormat.AVRO);
    }

    public static Serde<AuditEvent> auditEvent(OutputFormat written) {
        return record(AvroCodec::auditEvents, AuditEvent::new, written);
    }

    /**
     * The submitted envelope: JSON or Avro in, a {@link Submission} out (its core, mark and claims), read under
     * the strict profile with the default limits, so a consumer sees exactly what the verifier judges; a
     * record the verifier would call {@code malformed} throws. Serialized as the canonical JSON envelope
     * ({@link OutputFormat#AVRO}: the Avro {@code ResultSubmission}).
     */
    public static Serde<Submission> submission() {
        return submission(OutputFormat.JSON);
    }

    public static Serde<Submission> submission(OutputFormat written) {
        AvroCodec<io.sheratan.avro.ResultSubmission> avro = AvroCodec.resultSubmissions();
        Serializer<Submission> serializer = (topic, s) -> s == null ? null
                : written == OutputFormat.AVRO ? avro.encode(EnvelopeWriter.toAvro(s)) : EnvelopeWriter.toJson(s);
        ThreadLocal<EnvelopeReader> readers = ThreadLocal.withInitial(() -> new EnvelopeReader(CanonicalLimits.DEFAULTS));
        Deserializer<Submission> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return readers.get().read(bytes);
            } catch (MalformedEnvelopeException e) {
                throw new SerializationException("not a well-formed result envelope (the verifier would call it malformed): " + e.getMessage());
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private static <T extends SpecificRecordBase> Serde<T> record(Supplier<AvroCodec<T>> codecs, Supplier<T> empty, OutputFormat written) {
        AvroCodec<T> codec = codecs.get();
        Serializer<T> serializer = (topic, record) -> record == null ? null
                : written == OutputFormat.AVRO ? codec.encode(record) : FlatJson.write(record);
        Deserializer<T> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return OutputCodec.read(bytes, codec, empty); // the one reader of both output forms
            } catch (IOException e) {
                throw new SerializationException("record on " + topic + ": " + e.getMessage());
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
