package io.sheratan.verifier.internals;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.verifier.VerifierConfig.OutputFormat;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes verified results and audit events in the configured form: Avro single-object encoding, or
 * flat JSON objects with the Avro field names (no union wrappers), so a consumer in any language can
 * read them without Avro. {@code result} and {@code error} stay JSON text in both forms, byte for
 * byte the canonical form that was hashed.
 */
public final class OutputCodec {

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final OutputFormat format;
    private final AvroCodec<VerifiedResult> verified = AvroCodec.verifiedResults();
    private final AvroCodec<AuditEvent> audit = AvroCodec.auditEvents();

    public OutputCodec(OutputFormat format) {
        this.format = format;
    }

    public byte[] verified(VerifiedResult result) {
        return format == OutputFormat.AVRO ? verified.encode(result) : json(result);
    }

    public byte[] audit(AuditEvent event) {
        return format == OutputFormat.AVRO ? audit.encode(event) : json(event);
    }

    /** A flat JSON object of a generated record's fields. */
    public static byte[] json(SpecificRecordBase record) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            g.writeStartObject();
            for (Schema.Field field : record.getSchema().getFields()) {
                Object value = record.get(field.pos());
                g.writeFieldName(field.name());
                if (value == null) {
                    g.writeNull();
                } else if (value instanceof Boolean b) {
                    g.writeBoolean(b);
                } else if (value instanceof Integer i) {
                    g.writeNumber(i);
                } else if (value instanceof Long l) {
                    g.writeNumber(l);
                } else if (value instanceof java.time.Instant instant) {
                    g.writeNumber(instant.toEpochMilli());
                } else {
                    g.writeString(value.toString());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
