package io.sheratan.verifier.internals;

import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table finds a verified record's core hash by position instead of decoding the record: on the
 * verifier's own records and on thousands of truncated and bit-flipped ones, whenever the structural
 * walk accepts the bytes, the hash found by position is the one a full decode reads, and the dedup
 * entry comparison agrees with comparing the decoded strings.
 */
class VerifiedTableFastPathTest {

    private final AvroCodec<VerifiedResult> codec = AvroCodec.verifiedResults();

    @Test
    void findsTheCoreHashWhereAFullDecodeReadsIt() {
        Random random = new Random(26);
        int wellFormed = 0;
        int mutated = 0;
        for (int i = 0; i < 2_000; i++) {
            VerifiedResult record = random(random);
            byte[] value = codec.encode(record);
            assertThat(codec.isWellFormedCurrent(value)).isTrue();
            int at = VerifiedTable.sha256Offset(value);
            assertThat(new String(value, at, 64, StandardCharsets.US_ASCII)).isEqualTo(record.getSha256());
            byte[] entry = entry(record.getSha256());
            assertThat(VerifyProcessor.sameCoreHash(entry, value, at)).isTrue();
            byte[] other = entry(HexFormat.of().formatHex(new byte[32]));
            assertThat(VerifyProcessor.sameCoreHash(other, value, at)).isFalse();

            byte[] bad = value.clone();
            if (random.nextBoolean()) {
                bad = java.util.Arrays.copyOf(bad, random.nextInt(value.length));
            } else {
                int bit = random.nextInt(bad.length * 8);
                bad[bit / 8] ^= (byte) (1 << (bit % 8));
            }
            if (!codec.isWellFormedCurrent(bad)) {
                continue;
            }
            mutated++;
            VerifiedResult decoded;
            try {
                decoded = codec.decode(bad);
            } catch (AvroCodec.AvroDecodeException e) {
                throw new AssertionError("the walk accepted bytes the decoder refuses", e);
            }
            int found = VerifiedTable.sha256Offset(bad);
            String sha = decoded.getSha256();
            if (sha.length() == 64 && sha.chars().allMatch(c -> c < 0x80)) {
                assertThat(found).isGreaterThanOrEqualTo(0);
                assertThat(new String(bad, found, 64, StandardCharsets.US_ASCII)).isEqualTo(sha);
                assertThat(VerifyProcessor.sameCoreHash(entry, bad, found)).isEqualTo(sha.equals(record.getSha256()));
                wellFormed++;
            } else {
                assertThat(found >= 0 && VerifyProcessor.sameCoreHash(entry, bad, found)).isFalse();
            }
        }
        assertThat(mutated).as("some mutations stay well-formed (flips inside strings)").isGreaterThan(100);
        assertThat(wellFormed).isGreaterThan(100);
    }

    private static byte[] entry(String sha256Hex) {
        return ByteBuffer.allocate(VerifyProcessor.ID_BYTES).put(VerifyProcessor.ID_FORMAT)
                .put(HexFormat.of().parseHex(sha256Hex)).putLong(1L).array();
    }

    private static VerifiedResult random(Random random) {
        byte[] sha = new byte[32];
        random.nextBytes(sha);
        return VerifiedResult.newBuilder()
                .setJobId("job-" + random.nextInt(1_000_000) + "é".repeat(random.nextInt(3)))
                .setOk(random.nextBoolean())
                .setResult(random.nextBoolean() ? null : "{\"n\":" + random.nextInt() + ",\"s\":\"" + "x".repeat(random.nextInt(300)) + "\"}")
                .setError(random.nextInt(4) == 0 ? "\"failed\"" : null)
                .setSha256(HexFormat.of().formatHex(sha))
                .setMode(random.nextBoolean() ? "sha256" : null)
                .setKeyId(random.nextBoolean() ? "worker-7/2026-11" : null)
                .setNodeId(random.nextBoolean() ? "worker-7" : null)
                .setVerifiedAt(Instant.ofEpochMilli(1_700_000_000_000L + random.nextInt(1_000_000)))
                .setSourcePartition(random.nextInt(12))
                .setSourceOffset(random.nextInt(1_000_000))
                .setCanonicalVersion(random.nextInt(3))
                .setNodeAttested(random.nextBoolean())
                .build();
    }
}
