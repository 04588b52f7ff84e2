package io.sheratan.avro.codec;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * A generated record as a flat JSON object with the Avro field names and no union wrappers, the
 * JSON option of the verified and audit topics and the form of events in the audit log. Timestamps
 * are epoch milliseconds; {@code result} and {@code error} stay JSON text.
 */
public final class FlatJson {

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private FlatJson() {
    }

    public static byte[] write(SpecificRecordBase record) {
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
                } else if (value instanceof Instant instant) {
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
