package io.sheratan.avro.codec;

import io.sheratan.avro.VerifiedResult;

import java.time.Instant;
import java.util.Arrays;

/**
 * Writes a {@link VerifiedResult} in Avro single-object encoding straight from the canonical UTF-8
 * bytes of {@code result} and {@code error}: the generated class holds them as Java strings, and
 * going bytes → String → bytes for every verified record was a tenth of the verifier's time. The
 * output is byte-identical to {@link AvroCodec#verifiedResults()} ({@code VerifiedResultEncoderTest}
 * pins it field by field), which also decodes it. Fields are set by name, then {@link #encode()}: no
 * argument list to get out of order, and nothing allocated but the output (sized first, one exact array). Not thread-safe: one per stream task.
 */
public final class VerifiedResultEncoder {

    /** {@code C3 01} and the schema's fingerprint, taken from the codec itself so that they cannot drift. */
    private static final byte[] HEADER = Arrays.copyOf(AvroCodec.verifiedResults().encode(VerifiedResult.newBuilder()
            .setJobId("").setOk(true).setSha256("").setVerifiedAt(Instant.EPOCH).setSourcePartition(0).setSourceOffset(0)
            .build()), 10);

    // the fields of the next record, set by name; reset by encode()
    private String jobId;
    private Boolean ok;
    private byte[] resultSrc;
    private int resultOffset;
    private int resultLength = -1;
    private byte[] error;
    private String sha256;
    private String mode;
    private String keyId;
    private String nodeId;
    private long verifiedAtMs = Long.MIN_VALUE;
    private int sourcePartition = -1;
    private long sourceOffset = -1;
    private int canonicalVersion;
    private boolean nodeAttested;

    public VerifiedResultEncoder jobId(String value) {
        this.jobId = value;
        return this;
    }

    public VerifiedResultEncoder ok(boolean value) {
        this.ok = value;
        return this;
    }

    /** {@code result} as a slice of canonical UTF-8 bytes ({@code length} -1: no result); no copy, no Java string. */
    public VerifiedResultEncoder result(byte[] src, int offset, int length) {
        this.resultSrc = src;
        this.resultOffset = offset;
        this.resultLength = length;
        return this;
    }

    /** {@code result} as canonical UTF-8 bytes, or null. */
    public VerifiedResultEncoder result(byte[] value) {
        return result(value, 0, value == null ? -1 : value.length);
    }

    /** {@code error} as canonical UTF-8 bytes, or null. */
    public VerifiedResultEncoder error(byte[] value) {
        this.error = value;
        return this;
    }

    public VerifiedResultEncoder sha256(String value) {
        this.sha256 = value;
        return this;
    }

    /** The mark's mode, key id and node id (each may be null). */
    public VerifiedResultEncoder mark(String modeValue, String keyIdValue, String nodeIdValue) {
        this.mode = modeValue;
        this.keyId = keyIdValue;
        this.nodeId = nodeIdValue;
        return this;
    }

    public VerifiedResultEncoder verifiedAt(long epochMillis) {
        this.verifiedAtMs = epochMillis;
        return this;
    }

    public VerifiedResultEncoder source(int partition, long offset) {
        this.sourcePartition = partition;
        this.sourceOffset = offset;
        return this;
    }

    /** The mark's canonical version, and whether its node id is attested (DESIGN 4). */
    public VerifiedResultEncoder attestation(int version, boolean attested) {
        this.canonicalVersion = version;
        this.nodeAttested = attested;
        return this;
    }

    /**
     * The record of the fields set since the last call, in schema order; then every field is unset
     * again. Sized first, then written into one array of exactly that size: no buffer to grow, no copy.
     */
    public byte[] encode() {
        if (jobId == null || ok == null || sha256 == null || verifiedAtMs == Long.MIN_VALUE || sourcePartition < 0) {
            throw new IllegalStateException("job id, ok, sha256, verified_at and source are required");
        }
        try {
            byte[] job = utf8(jobId);
            byte[] sha = utf8(sha256);
            byte[] modeBytes = utf8(mode);
            byte[] keyIdBytes = utf8(keyId);
            byte[] nodeIdBytes = utf8(nodeId);
            int errorLength = error == null ? -1 : error.length;
            int size = HEADER.length
                    + stringSize(job.length)
                    + 1
                    + optionalSize(resultLength)
                    + optionalSize(errorLength)
                    + stringSize(sha.length)
                    + optionalSize(modeBytes == null ? -1 : modeBytes.length)
                    + optionalSize(keyIdBytes == null ? -1 : keyIdBytes.length)
                    + optionalSize(nodeIdBytes == null ? -1 : nodeIdBytes.length)
                    + varLongSize(verifiedAtMs)
                    + varLongSize(sourcePartition)
                    + varLongSize(sourceOffset)
                    + varLongSize(canonicalVersion)
                    + 1;
            byte[] out = new byte[size];
            System.arraycopy(HEADER, 0, out, 0, HEADER.length);
            int at = HEADER.length;
            at = string(out, at, job, 0, job.length);
            out[at++] = (byte) (ok ? 1 : 0);
            at = optional(out, at, resultSrc, resultOffset, resultLength);
            at = optional(out, at, error, 0, errorLength);
            at = string(out, at, sha, 0, sha.length);
            at = optional(out, at, modeBytes, 0, modeBytes == null ? -1 : modeBytes.length);
            at = optional(out, at, keyIdBytes, 0, keyIdBytes == null ? -1 : keyIdBytes.length);
            at = optional(out, at, nodeIdBytes, 0, nodeIdBytes == null ? -1 : nodeIdBytes.length);
            at = varLong(out, at, verifiedAtMs);
            at = varLong(out, at, sourcePartition);
            at = varLong(out, at, sourceOffset);
            at = varLong(out, at, canonicalVersion);
            out[at++] = (byte) (nodeAttested ? 1 : 0);
            if (at != size) {
                throw new IllegalStateException("sized " + size + " bytes, wrote " + at);
            }
            return out;
        } finally {
            reset();
        }
    }

    private static byte[] utf8(String value) {
        return value == null ? null : value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Avro's zig-zag varint of a long (ints are written the same way). */
    private static int varLong(byte[] out, int at, long value) {
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            out[at++] = (byte) ((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        out[at++] = (byte) n;
        return at;
    }

    private static int varLongSize(long value) {
        long n = (value << 1) ^ (value >> 63);
        int size = 1;
        while ((n & ~0x7FL) != 0) {
            size++;
            n >>>= 7;
        }
        return size;
    }

    private static int stringSize(int length) {
        return varLongSize(length) + length;
    }

    /** A {@code ["null", "string"]} union: its index (one byte), then the string unless null (length -1). */
    private static int optionalSize(int length) {
        return length < 0 ? 1 : 1 + stringSize(length);
    }

    private static int string(byte[] out, int at, byte[] src, int offset, int length) {
        at = varLong(out, at, length);
        System.arraycopy(src, offset, out, at, length);
        return at + length;
    }

    private static int optional(byte[] out, int at, byte[] src, int offset, int length) {
        if (length < 0) {
            out[at] = 0; // index 0: null
            return at + 1;
        }
        out[at] = 2; // index 1, zig-zag encoded
        return string(out, at + 1, src, offset, length);
    }

    private void reset() {
        jobId = null;
        ok = null;
        resultSrc = null;
        resultOffset = 0;
        resultLength = -1;
        error = null;
        sha256 = null;
        mode = null;
        keyId = null;
        nodeId = null;
        verifiedAtMs = Long.MIN_VALUE;
        sourcePartition = -1;
        sourceOffset = -1;
        canonicalVersion = 0;
        nodeAttested = false;
    }
}
