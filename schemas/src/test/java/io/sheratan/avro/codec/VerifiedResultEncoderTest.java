package io.sheratan.avro.codec;

import io.sheratan.avro.VerifiedResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-ordered encoder writes exactly what the generated class and Avro's own encoder write. */
class VerifiedResultEncoderTest {

    private final AvroCodec<VerifiedResult> codec = AvroCodec.verifiedResults();

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
        "job-1, true, '{\"a\":1}', NULL, sha256, NULL, NULL, 0, 0",
        "jöb-é日本, false, NULL, '\"boom\"', hmac, key-1, node-7, 2, 9223372036854775807",
        "j, true, '[\"€\",-1.5,{\"b\":null}]', '{\"code\":3}', NULL, NULL, n, 1, 42",
        "j2, false, NULL, NULL, sha256, k, NULL, 2147483647, 1"
    })
    void shouldWriteTheSameBytesAsTheGeneratedCodec(String jobId, boolean ok, String result, String error, String mode,
                                                    String keyId, String nodeId, int partition, long offset) throws Exception {
        long at = 1_764_072_000_123L;
        String sha = "ab".repeat(32);
        int version = partition % 2 + 1;
        VerifiedResult expected = VerifiedResult.newBuilder().setJobId(jobId).setOk(ok).setResult(result).setError(error)
                .setSha256(sha).setMode(mode).setKeyId(keyId).setNodeId(nodeId).setVerifiedAt(Instant.ofEpochMilli(at))
                .setSourcePartition(partition).setSourceOffset(offset).setCanonicalVersion(version).setNodeAttested(version == 2).build();

        VerifiedResultEncoder encoder = new VerifiedResultEncoder();
        byte[] ours = encoder.jobId(jobId).ok(ok).result(utf8(result)).error(utf8(error)).sha256(sha).mark(mode, keyId, nodeId)
                .verifiedAt(at).source(partition, offset).attestation(version, version == 2).encode();

        assertThat(ours).isEqualTo(codec.encode(expected));
        assertThat(codec.decode(ours)).isEqualTo(expected);

        // the same with result as a slice inside a larger array, as the verifier passes it (from the core)
        byte[] framed = result == null ? new byte[] {'x'} : ("{\"x\":" + result + "}").getBytes(StandardCharsets.UTF_8);
        int from = result == null ? 0 : 5;
        byte[] fromSlice = encoder.jobId(jobId).ok(ok).result(framed, from, result == null ? -1 : utf8(result).length).error(utf8(error))
                .sha256(sha).mark(mode, keyId, nodeId).verifiedAt(at).source(partition, offset).attestation(version, version == 2).encode();
        assertThat(fromSlice).as("the same encoder, reused: nothing of the last record stays").isEqualTo(ours);
        org.assertj.core.api.Assertions.assertThatThrownBy(encoder::encode).as("every field is unset after encode")
                .isInstanceOf(IllegalStateException.class);
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Sized then written: random records across every varint width (lengths and numbers), byte for byte as Avro writes them. */
    @org.junit.jupiter.api.Test
    void shouldSizeEveryRecordExactly() throws Exception {
        java.util.Random random = new java.util.Random(26);
        VerifiedResultEncoder encoder = new VerifiedResultEncoder();
        long[] numbers = {0, 1, -1, 63, 64, -64, -65, 8191, 8192, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE};
        for (int i = 0; i < 2_000; i++) {
            String jobId = "j".repeat(random.nextInt(3) == 0 ? random.nextInt(300) + 1 : random.nextInt(20) + 1) + (random.nextBoolean() ? "é日" : "");
            String result = random.nextInt(4) == 0 ? null : "\"" + "r".repeat(random.nextInt(random.nextBoolean() ? 100 : 20_000)) + "\"";
            String error = random.nextInt(3) == 0 ? "\"e\"" : null;
            String mode = random.nextBoolean() ? "ed25519" : null;
            String keyId = random.nextBoolean() ? "k".repeat(random.nextInt(257)) : null;
            String nodeId = random.nextBoolean() ? "n" + random.nextInt(1000) : null;
            long at = numbers[random.nextInt(numbers.length - 1)] + (random.nextBoolean() ? random.nextInt(1000) : 0); // Long.MIN_VALUE means unset
            int partition = (int) Math.abs(numbers[random.nextInt(9)]);
            long offset = Math.abs(numbers[random.nextInt(numbers.length - 1)]);
            int version = random.nextInt(3);
            boolean ok = random.nextBoolean();
            boolean attested = random.nextBoolean();
            VerifiedResult expected = VerifiedResult.newBuilder().setJobId(jobId).setOk(ok).setResult(result).setError(error)
                    .setSha256("cd".repeat(32)).setMode(mode).setKeyId(keyId).setNodeId(nodeId).setVerifiedAt(Instant.ofEpochMilli(at))
                    .setSourcePartition(partition).setSourceOffset(offset).setCanonicalVersion(version).setNodeAttested(attested).build();
            byte[] ours = encoder.jobId(jobId).ok(ok).result(utf8(result)).error(utf8(error)).sha256("cd".repeat(32)).mark(mode, keyId, nodeId)
                    .verifiedAt(at).source(partition, offset).attestation(version, attested).encode();
            assertThat(ours).as("record " + i).isEqualTo(codec.encode(expected));
        }
    }
}
