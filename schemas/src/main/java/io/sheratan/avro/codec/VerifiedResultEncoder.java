package io.sheratan.avro.codec;

import io.sheratan.avro.VerifiedResult;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

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
                         String keyId, String nodeId, long verifiedAtMs, int sourcePartition, long sourceOffset,
                         int canonicalVersion, boolean nodeAttested) {
        return encode(jobId, ok, result, 0, result == null ? -1 : result.length, error, sha256, mode, keyId, nodeId,
                verifiedAtMs, sourcePartition, sourceOffset, canonicalVersion, nodeAttested);
    }

    /** As above, with {@code result} as a slice of {@code src} ({@code resultLength} -1: no result). */
    public byte[] encode(String jobId, boolean ok, byte[] src, int resultOffset, int resultLength, byte[] error,
                         String sha256, String mode, String keyId, String nodeId, long verifiedAtMs,
                         int sourcePartition, long sourceOffset, int canonicalVersion, boolean nodeAttested) {
        bytes.reset();
        bytes.writeBytes(HEADER);
        try {
            encoder.writeString(jobId);
            encoder.writeBoolean(ok);
            optionalUtf8(src, resultOffset, resultLength);
            optionalUtf8(error, 0, error == null ? -1 : error.length);
            encoder.writeString(sha256);
            optionalString(mode);
            optionalString(keyId);
            optionalString(nodeId);
            encoder.writeLong(verifiedAtMs);
            encoder.writeInt(sourcePartition);
            encoder.writeLong(sourceOffset);
            encoder.writeInt(canonicalVersion);
            encoder.writeBoolean(nodeAttested);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("Avro encoding failed", e);
        }
        return bytes.toByteArray();
    }

    /** A {@code ["null", "string"]} union from a slice of UTF-8 bytes (length -1: null), without a Java string in between. */
    private void optionalUtf8(byte[] src, int offset, int length) throws IOException {
        if (length < 0) {
            encoder.writeIndex(0);
        } else {
            encoder.writeIndex(1);
            encoder.writeBytes(src, offset, length); // an Avro string is written as its UTF-8 bytes
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
