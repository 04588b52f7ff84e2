package io.sheratan.avro.codec;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.specific.SpecificRecordBase;

import java.io.IOException;


/**
 * Writes verified results and audit events in the configured form: Avro single-object encoding, or
 * flat JSON objects with the Avro field names (no union wrappers), so a consumer in any language can
 * read them without Avro. {@code result} and {@code error} stay JSON text in both forms, byte for
 * byte the canonical form that was hashed.
 */
public final class OutputCodec {

    private final OutputFormat format;
    private final AvroCodec<VerifiedResult> verified = AvroCodec.verifiedResults();
    private final AvroCodec<AuditEvent> audit = AvroCodec.auditEvents();

    public OutputCodec(OutputFormat format) {
        this.format = format;
    }

    /** A verified result from its Avro encoding (as stored): Avro output reuses the bytes as they are. */
    public byte[] verifiedFromAvro(byte[] avroBytes) {
        if (format == OutputFormat.AVRO) {
            return avroBytes;
        }
        try {
            return json(verified.decode(avroBytes));
        } catch (AvroCodec.AvroDecodeException e) {
            throw new IllegalStateException("a verified result this process just encoded does not decode", e);
        }
    }

    public byte[] audit(AuditEvent event) {
        return format == OutputFormat.AVRO ? audit.encode(event) : json(event);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * An output record as its generated type, whichever form it was written in: Avro single-object
     * encoding (decoded with {@code codec}, schema by fingerprint) or the flat JSON form (into {@code empty}).
     * The one reader of both forms: the serdes, the verifier's table, the audit sink, the demo and the
     * invariant checker all read output records through it.
     *
     * @throws IOException naming why the bytes are neither
     */
    public static <T extends SpecificRecordBase> T read(byte[] value, AvroCodec<T> codec, java.util.function.Supplier<T> empty)
            throws IOException {
        if (value == null) {
            throw new IOException("null value");
        }
        if (AvroCodec.isSingleObject(value)) {
            try {
                return codec.decode(value);
            } catch (AvroCodec.AvroDecodeException e) {
                throw new IOException("Avro record does not decode: " + e.getMessage(), e);
            }
        }
        try {
            return FlatJson.read(JSON.readTree(value), empty.get());
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("neither Avro single-object encoding nor the flat JSON form: " + e.getMessage(), e);
        }
    }

    /** A flat JSON object of a generated record's fields (see {@link FlatJson}). */
    public static byte[] json(SpecificRecordBase record) {
        return FlatJson.write(record);
    }
}
