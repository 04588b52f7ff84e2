package io.sheratan.avro.codec;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.sheratan.canonical.CanonicalWriter;
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

    /**
     * The flat JSON of {@link #write} in RFC 8785 canonical form, written directly rather than
     * serialized and canonicalized again: the same bytes as {@code JsonCanonicalizer.canonicalize(write(record))},
     * and the same refusals ({@link io.sheratan.canonical.StrictJsonException} for a lone surrogate in a
     * string or a long that is not exactly a double). How the audit sink logs an event.
     */
    public static byte[] canonical(SpecificRecordBase record) {
        CanonicalWriter out = new CanonicalWriter();
        for (Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            String name = field.name();
            if (value == null) {
                out.nul(name);
            } else if (value instanceof Boolean b) {
                out.bool(name, b);
            } else if (value instanceof Integer i) {
                out.integer(name, i.longValue());
            } else if (value instanceof Long l) {
                out.integer(name, l.longValue());
            } else if (value instanceof Instant instant) {
                out.integer(name, instant.toEpochMilli());
            } else {
                out.string(name, value.toString());
            }
        }
        return out.toBytes();
    }

    /**
     * Reads the flat JSON of {@link #write} back into a generated record: each field by its Avro name,
     * null or absent for a nullable field, absent for a field with a default (its default), epoch
     * milliseconds for a timestamp. The inverse of {@link #write},
     * for the JSON option of the verified and audit topics.
     *
     * @throws IllegalArgumentException naming the field that is missing or of the wrong type
     */
    public static <T extends SpecificRecordBase> T read(com.fasterxml.jackson.databind.JsonNode node, T record) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        for (Schema.Field field : record.getSchema().getFields()) {
            com.fasterxml.jackson.databind.JsonNode value = node.get(field.name());
            Schema schema = field.schema();
            boolean nullable = schema.getType() == Schema.Type.UNION && schema.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL);
            if (value == null && !nullable && field.hasDefaultValue()) {
                // a field added later, with its default (DESIGN 4): JSON written before it still reads
                record.put(field.pos(), org.apache.avro.specific.SpecificData.get().getDefaultValue(field));
                continue;
            }
            if (value == null || value.isNull()) {
                if (!nullable) {
                    throw new IllegalArgumentException(field.name() + " is missing");
                }
                record.put(field.pos(), null);
                continue;
            }
            Schema type = nullable ? schema.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().orElseThrow() : schema;
            Object converted = switch (type.getType()) {
                case STRING -> value.isTextual() ? value.asText() : null;
                case BOOLEAN -> value.isBoolean() ? value.asBoolean() : null;
                case INT -> value.canConvertToInt() && value.isIntegralNumber() ? value.asInt() : null;
                case LONG -> value.canConvertToLong() && value.isIntegralNumber()
                        ? (type.getLogicalType() != null && "timestamp-millis".equals(type.getLogicalType().getName()) ? (Object) Instant.ofEpochMilli(value.asLong()) : value.asLong())
                        : null;
                default -> throw new IllegalArgumentException(field.name() + ": type " + type.getType() + " has no flat JSON form");
            };
            if (converted == null) {
                throw new IllegalArgumentException(field.name() + " must be " + type.getType().getName());
            }
            record.put(field.pos(), converted);
        }
        return record;
    }
}
