package io.sheratan.avro.codec;

import io.sheratan.avro.VerifiedResult;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;

/**
 * Writes a {@link VerifiedResult} in Avro single-object encoding straight from the canonical UTF-8
 * bytes of {@code result} and {@code error}: the generated class holds them as Java strings, and
 * going bytes → String → bytes for every verified record was a tenth of the verifier's time. The
 * output is byte-identical to {@link AvroCodec#verifiedResults()} ({@code VerifiedResultEncoderTest}
 * pins it field by field), which also decodes it. Not thread-safe: one per stream task.
 */
public final class VerifiedResultEncoder {

    /** {@code C3 01} and the schema's fingerprint, taken from the codec itself so that they cannot drift. */
    private static final byte[] HEADER = Arrays.copyOf(AvroCodec.verifiedResults().encode(VerifiedResult.newBuilder()
            .setJobId("").setOk(true).setSha256("").setVerifiedAt(Instant.EPOCH).setSourcePartition(0).setSourceOffset(0)
            .build()), 10);

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(2048);
    private final BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);

    /** Fields in schema order; {@code result} and {@code error} are canonical JSON bytes or null. */
    public byte[] encode(String jobId, boolean ok, byte[] result, byte[] error, String sha256, String mode,
                         String keyId, String nodeId, long verifiedAtMs, int sourcePartition, long sourceOffset) {
        bytes.reset();
        bytes.writeBytes(HEADER);
        try {
            encoder.writeString(jobId);
            encoder.writeBoolean(ok);
            optionalUtf8(result);
            optionalUtf8(error);
            encoder.writeString(sha256);
            optionalString(mode);
            optionalString(keyId);
            optionalString(nodeId);
            encoder.writeLong(verifiedAtMs);
            encoder.writeInt(sourcePartition);
            encoder.writeLong(sourceOffset);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("Avro encoding failed", e);
        }
        return bytes.toByteArray();
    }

    /** A {@code ["null", "string"]} union from UTF-8 bytes, without a Java string in between. */
    private void optionalUtf8(byte[] utf8) throws IOException {
        if (utf8 == null) {
            encoder.writeIndex(0);
        } else {
            encoder.writeIndex(1);
            encoder.writeString(new Utf8(utf8));
        }
    }

    private void optionalString(String value) throws IOException {
        if (value == null) {
            encoder.writeIndex(0);
        } else {
            encoder.writeIndex(1);
            encoder.writeString(value);
        }
    }
}
