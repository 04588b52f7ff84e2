package io.sheratan.avro.codec;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.ResultSubmission;
import io.sheratan.avro.VerifiedResult;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.avro.util.ClassSecurityValidator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Avro single-object encoding ({@code C3 01} + 8-byte fingerprint + body) for one generated record
 * type. There is no schema registry here: the writer's schema is found by fingerprint in a
 * {@link SchemaStore} that holds the current schema and every older version listed under
 * {@code avro-history/} on the classpath, so records written by an older worker still decode
 * (Avro schema resolution fills new fields from their defaults).
 *
 * <p>Encoders and decoders are thread-safe, so one codec per type can be shared.
 */
public final class AvroCodec<T extends SpecificRecordBase> {

    static {
        trustGeneratedClasses();
    }

    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    public AvroCodec(Schema current, Collection<Schema> olderVersions) {
        SpecificData model = SpecificData.get();
        SchemaStore.Cache store = new SchemaStore.Cache();
        store.addSchema(current);
        olderVersions.forEach(store::addSchema);
        this.encoder = new BinaryMessageEncoder<>(model, current);
        this.decoder = new BinaryMessageDecoder<>(model, current, store);
    }

    public static AvroCodec<ResultSubmission> resultSubmissions() {
        return new AvroCodec<>(ResultSubmission.getClassSchema(), history("ResultSubmission"));
    }

    public static AvroCodec<VerifiedResult> verifiedResults() {
        return new AvroCodec<>(VerifiedResult.getClassSchema(), history("VerifiedResult"));
    }

    public static AvroCodec<AuditEvent> auditEvents() {
        return new AvroCodec<>(AuditEvent.getClassSchema(), history("AuditEvent"));
    }

    public byte[] encode(T record) {
        try {
            return encoder.encode(record).array();
        } catch (IOException e) {
            throw new UncheckedIOException("Avro encoding failed", e);
        }
    }

    /**
     * Decodes one single-object-encoded record; throws {@link AvroDecodeException} with a payload-free
     * reason for an unknown fingerprint, a bad header or a truncated body.
     */
    public T decode(byte[] bytes) throws AvroDecodeException {
        try {
            return decoder.decode(bytes);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new AvroDecodeException(describe(e), e);
        }
    }

    private static String describe(Exception e) {
        String type = e.getClass().getSimpleName();
        if (type.contains("MissingSchema")) {
            return "unknown Avro schema fingerprint";
        }
        if (type.contains("BadHeader")) {
            return "not Avro single-object encoding";
        }
        if (e instanceof java.io.EOFException) {
            return "truncated Avro record";
        }
        return "unreadable Avro record (" + type + ")";
    }

    /**
     * Avro 1.12 refuses to instantiate generated classes it was not told to trust. Trust exactly our
     * three records (and their nested mark), keeping whatever else the process already trusts.
     */
    private static synchronized void trustGeneratedClasses() {
        ClassSecurityValidator.ClassSecurityPredicate ours = ClassSecurityValidator.builder()
                .add(ResultSubmission.class)
                .add(io.sheratan.avro.IntegrityMark.class)
                .add(VerifiedResult.class)
                .add(AuditEvent.class)
                .build();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), ours));
    }

    /** Older schema versions of {@code name}, listed one file per line in {@code avro-history/<name>.list}. */
    static List<Schema> history(String name) {
        List<Schema> schemas = new ArrayList<>();
        try (InputStream list = AvroCodec.class.getResourceAsStream("/avro-history/" + name + ".list")) {
            if (list == null) {
                return schemas;
            }
            for (String file : new String(list.readAllBytes(), StandardCharsets.UTF_8).split("\\R")) {
                if (file.isBlank() || file.startsWith("#")) {
                    continue;
                }
                try (InputStream schema = AvroCodec.class.getResourceAsStream("/avro-history/" + file.trim())) {
                    if (schema == null) {
                        throw new IllegalStateException("avro-history/" + name + ".list names a missing file: " + file);
                    }
                    schemas.add(new Schema.Parser().parse(schema));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return schemas;
    }

    /** An Avro record that could not be decoded; the message never contains record bytes. */
    public static final class AvroDecodeException extends Exception {
        public AvroDecodeException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
