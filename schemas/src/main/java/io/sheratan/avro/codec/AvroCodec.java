package io.sheratan.avro.codec;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.ResultSubmission;
import io.sheratan.avro.VerifiedResult;
import org.apache.avro.Schema;
import org.apache.avro.SystemLimitException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecordBase;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import io.sheratan.avro.IntegrityMark;

/**
 * Avro single-object encoding ({@code C3 01} + 8-byte fingerprint + body) for one generated record
 * type. There is no schema registry here: the writer's schema is found by fingerprint in a
 * {@link SchemaStore} that holds the current schema and every older version listed under
 * {@code avro-history/} on the classpath, so records written by an older worker still decode
 * (Avro schema resolution fills new fields from their defaults).
 *
 * <p>Decoding never trusts a length in the bytes (see {@link #decode}) and reads every varint the one
 * way all implementations do ({@link StrictBinary}). Encoders and decoders are
 * thread-safe, so one codec per type can be shared.
 */
public final class AvroCodec<T extends SpecificRecordBase> {

    /** The single-object header: marker {@code C3 01} + 8-byte little-endian CRC-64-AVRO fingerprint. */
    public static final int HEADER_LENGTH = 10;
    /**
     * Avro's own ceilings on one string, one bytes value and one array or map, set unless the process
     * already sets them. Our records hold at most a few MB; the byte-array decoder below already refuses
     * a length beyond the data, these stop an honest-looking length from costing more than it should.
     */
    static final String MAX_STRING_BYTES = String.valueOf(8 * 1024 * 1024);
    private static final int STRING_LIMIT = Integer.parseInt(MAX_STRING_BYTES);
    static final String MAX_COLLECTION_ITEMS = String.valueOf(100_000);

    /**
     * Our generated records, resolved by name without Avro's class lookup: Avro 1.12 refuses to
     * instantiate classes a JVM-wide validator does not trust, and a library must not change that
     * validator (or any system property) in a consumer's process. Nothing else is instantiated.
     */
    private static final Map<String, Class<?>> OURS = Map.of(
            ResultSubmission.getClassSchema().getFullName(), ResultSubmission.class,
            IntegrityMark.getClassSchema().getFullName(), IntegrityMark.class,
            VerifiedResult.getClassSchema().getFullName(), VerifiedResult.class,
            AuditEvent.getClassSchema().getFullName(), AuditEvent.class);
    private static final SpecificData MODEL = new SpecificData(AvroCodec.class.getClassLoader()) {
        @Override
        @SuppressWarnings("rawtypes")
        public Class getClass(Schema schema) {
            Class<?> ours = schema.getType() == Schema.Type.RECORD ? OURS.get(schema.getFullName()) : null;
            return ours != null ? ours : super.getClass(schema);
        }
    };

    private final Schema current;
    /** The current schema's CRC-64-AVRO fingerprint, as single-object headers carry it. */
    private final long currentFingerprint;
    private final SpecificData model = MODEL;
    private final SchemaStore.Cache store = new SchemaStore.Cache();
    private final BinaryMessageEncoder<T> encoder;
    private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();

    public AvroCodec(Schema current, Collection<Schema> olderVersions) {
        this.current = current;
        store.addSchema(current);
        olderVersions.forEach(store::addSchema);
        this.encoder = new BinaryMessageEncoder<>(model, current);
        this.currentFingerprint = org.apache.avro.SchemaNormalization.parsingFingerprint64(current);
    }

    /**
     * Whether {@code bytes} is a well-formed single-object record written with the current schema:
     * the header, the current schema's fingerprint, and {@link StrictBinary}'s walk over the body
     * (every length within the data, every union index known, no trailing bytes). Nothing is decoded,
     * so a reader that needs one field can find it by position afterwards without a length lying.
     * False for records above Avro's string limit (8 MiB), which only {@link #decode} may judge.
     */
    public boolean isWellFormedCurrent(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER_LENGTH || bytes.length > HEADER_LENGTH + STRING_LIMIT || !isSingleObject(bytes)
                || ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() != currentFingerprint) {
            return false;
        }
        try {
            StrictBinary.check(current, bytes, HEADER_LENGTH, bytes.length);
            return true;
        } catch (StrictBinary.RefusedException e) {
            return false;
        }
    }

    /** True when the bytes start with the single-object marker {@code C3 01} (the fingerprint may still be unknown). */
    public static boolean isSingleObject(byte[] bytes) {
        return bytes != null && bytes.length >= 2 && bytes[0] == (byte) 0xC3 && bytes[1] == 0x01;
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
    /*
     * Not Avro's BinaryMessageDecoder: it reads the body through a stream decoder, which allocates
     * whatever length a string claims before finding out that the bytes are not there (15 bytes could
     * ask for 2 GB). A decoder over the array itself checks every length against what is left.
     */
    public T decode(byte[] bytes) throws AvroDecodeException {
        if (bytes == null || bytes.length < HEADER_LENGTH || !isSingleObject(bytes)) {
            throw new AvroDecodeException("not Avro single-object encoding", null);
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Schema writer = store.findByFingerprint(fingerprint);
        if (writer == null) {
            throw new AvroDecodeException("unknown Avro schema fingerprint", null);
        }
        try {
            StrictBinary.check(writer, bytes, HEADER_LENGTH, bytes.length);
        } catch (StrictBinary.RefusedException e) {
            throw new AvroDecodeException(e.getMessage(), null);
        }
        DatumReader<T> reader = reader(fingerprint, writer);
        try {
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, null);
            T record = reader.read(null, in);
            if (!in.isEnd()) {
                throw new AvroDecodeException("trailing bytes after the Avro record", null);
            }
            return record;
        } catch (EOFException e) {
            throw new AvroDecodeException("truncated Avro record (a length or the body runs past the data)", e);
        } catch (SystemLimitException e) {
            throw new AvroDecodeException("Avro record over a size limit (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new AvroDecodeException("unreadable Avro record (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private DatumReader<T> reader(long fingerprint, Schema writer) {
        DatumReader<T> known = readers.get(fingerprint);
        if (known != null) {
            return known;
        }
        return readers.computeIfAbsent(fingerprint, f -> new SpecificDatumReader<>(writer, current, model));
    }

    /**
     * Avro's JVM-wide limits on a string's, a byte array's and a collection's length, for the services'
     * own processes (their mains call it first): defence in depth, since {@link #decode} already bounds
     * every length by the record's bytes. A library does not set them in a consumer's JVM; a value the
     * process set already is kept.
     */
    public static void installServiceLimits() {
        setLimitIfAbsent("org.apache.avro.limits.string.maxLength", MAX_STRING_BYTES);
        setLimitIfAbsent("org.apache.avro.limits.bytes.maxLength", MAX_STRING_BYTES);
        setLimitIfAbsent("org.apache.avro.limits.collectionItems.maxLength", MAX_COLLECTION_ITEMS);
    }

    private static void setLimitIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
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
