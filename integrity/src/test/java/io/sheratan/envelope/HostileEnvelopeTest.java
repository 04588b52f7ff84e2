package io.sheratan.envelope;

import io.sheratan.avro.ResultSubmission;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.canonical.CanonicalLimits;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.sheratan.avro.IntegrityMark;

/**
 * Envelopes built by an attacker rather than a worker: Avro length fields that lie, truncations at
 * every byte, trailing garbage, and mark fields sized to bloat the audit trail. Each must end as a
 * {@link MalformedEnvelopeException} with a payload-free detail, never another exception and never
 * an allocation of the size the bytes claim.
 */
class HostileEnvelopeTest {

    private final EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);
    private final AvroCodec<ResultSubmission> codec = AvroCodec.resultSubmissions();

    @Test
    void shouldRejectAFifteenByteRecordThatClaimsATwoGigabyteString() {
        byte[] header = Arrays.copyOf(codec.encode(valid()), AvroCodec.HEADER_LENGTH); // real fingerprint
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header);
        out.writeBytes(zigzagVarint(Integer.MAX_VALUE - 8));
        byte[] bytes = out.toByteArray();
        assertThat(bytes).hasSize(15);

        assertThatThrownBy(() -> reader.read(bytes))
                .isInstanceOf(MalformedEnvelopeException.class)
                .hasMessageContaining("Avro");
    }

    @Test
    void shouldRejectALengthLieInsertedAtEveryPositionOfTheBody() {
        byte[] good = codec.encode(valid());
        for (long claimed : new long[] {Integer.MAX_VALUE, 1L << 40, -1, 5_000_000}) {
            for (int at = AvroCodec.HEADER_LENGTH; at <= good.length; at++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(good, 0, at);
                out.writeBytes(zigzagVarint(claimed));
                out.write(good, at, good.length - at);
                byte[] bytes = out.toByteArray();
                int position = at;
                try {
                    reader.read(bytes);
                } catch (MalformedEnvelopeException e) {
                    assertThat(e.detail()).as("detail at %d", position).isNotBlank();
                }
            }
        }
    }

    @Test
    void shouldRejectEveryTruncationAndTrailingBytes() {
        byte[] good = codec.encode(valid());
        for (int length = 0; length < good.length; length++) {
            byte[] cut = Arrays.copyOf(good, length);
            assertThatThrownBy(() -> reader.read(cut)).as("cut at %d", length).isInstanceOf(MalformedEnvelopeException.class);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 3);
        assertThatThrownBy(() -> reader.read(longer))
                .isInstanceOf(MalformedEnvelopeException.class)
                .hasMessageContaining("trailing bytes");
    }

    @Test
    void shouldRejectAnUnknownFingerprintWithoutReadingTheBody() {
        byte[] bytes = codec.encode(valid());
        ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(2, 0x1234_5678L);
        assertThatThrownBy(() -> reader.read(bytes))
                .isInstanceOf(MalformedEnvelopeException.class)
                .hasMessageContaining("unknown Avro schema fingerprint");
    }

    @Test
    void shouldRejectMarkFieldsBeyondTheirCeilingInJsonAndAvro() {
        String[][] cases = {
                {"sig", "a".repeat(EnvelopeReader.MAX_SIG_LENGTH + 1)},
                {"sha256", "b".repeat(EnvelopeReader.MAX_DIGEST_LENGTH + 1)},
                {"mode", "m".repeat(EnvelopeReader.MAX_MODE_LENGTH + 1)},
                {"key_id", "k".repeat(EnvelopeReader.MAX_KEY_ID_LENGTH + 1)},
                {"key_id", "tab\\there"},
        };
        for (String[] c : cases) {
            byte[] json = ("{\"job_id\":\"j\",\"ok\":true,\"integrity\":{\"" + c[0] + "\":\"" + c[1] + "\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> reader.read(json)).as(c[0])
                    .isInstanceOf(MalformedEnvelopeException.class)
                    .hasMessageContaining("integrity." + c[0]);
        }
        ResultSubmission avro = valid();
        avro.getIntegrity().setSig("f".repeat(100_000));
        byte[] bytes = codec.encode(avro);
        assertThatThrownBy(() -> reader.read(bytes))
                .isInstanceOf(MalformedEnvelopeException.class)
                .hasMessageContaining("integrity.sig longer than");
    }

    @Test
    void shouldAcceptMarkFieldsAtTheirCeiling() throws Exception {
        byte[] json = ("{\"job_id\":\"j\",\"ok\":true,\"integrity\":{\"sig\":\"" + "a".repeat(EnvelopeReader.MAX_SIG_LENGTH)
                + "\",\"sha256\":\"" + "b".repeat(EnvelopeReader.MAX_DIGEST_LENGTH) + "\"}}").getBytes(StandardCharsets.UTF_8);
        assertThat(reader.read(json).mark().sig()).hasSize(EnvelopeReader.MAX_SIG_LENGTH);
    }

    private static ResultSubmission valid() {
        return ResultSubmission.newBuilder()
                .setJobId("job-hostile")
                .setOk(true)
                .setResult("{\"value\":42}")
                .setError(null)
                .setIntegrity(IntegrityMark.newBuilder().setMode("sha256").setSha256("ab".repeat(32))
                        .setSig(null).setKeyId(null).build())
                .build();
    }

    private static byte[] zigzagVarint(long n) {
        long z = (n << 1) ^ (n >> 63);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        return out.toByteArray();
    }
}
