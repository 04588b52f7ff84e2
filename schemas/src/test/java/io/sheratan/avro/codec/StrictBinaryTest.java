package io.sheratan.avro.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.ResultSubmission;
import io.sheratan.avro.VerifiedResult;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Varints read one way in every implementation (DESIGN.md 4: bytes that are not an envelope are malformed). */
class StrictBinaryTest {

    private static final Schema LONG = Schema.create(Schema.Type.LONG);
    private static final Schema INT = Schema.create(Schema.Type.INT);
    private static final HexFormat HEX = HexFormat.of();

    private static void check(Schema schema, String hex) throws StrictBinary.RefusedException {
        byte[] bytes = HEX.parseHex(hex);
        StrictBinary.check(schema, bytes, 0, bytes.length);
    }

    private static String encodeLong(long value) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        encoder.writeLong(value);
        encoder.flush();
        return HEX.formatHex(out.toByteArray());
    }

    @Test
    void shouldAcceptEveryVarintAvroWritesAtTheLimits() throws Exception {
        for (long v : new long[] {0, 1, -1, 63, -64, 64, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE}) {
            String hex = encodeLong(v);
            assertThatCode(() -> check(LONG, hex)).as(v + " = " + hex).doesNotThrowAnyException();
        }
        assertThat(encodeLong(Long.MIN_VALUE)).isEqualTo("ffffffffffffffffff01");
        check(INT, "ffffffff0f"); // Integer.MIN_VALUE, 5 bytes, top bits 1111
        check(INT, "00");
    }

    @Test
    void shouldRefuseOverlongAndAmbiguousVarints() {
        String[][] refused = {
                {"80808080808080808002", "long", "more than 64 bits"}, // Java 0, Python 2^63, JavaScript NaN
                {"ffffffffffffffffff03", "long", "more than 64 bits"},
                {"8080808080808080808000", "long", "more than 64 bits"}, // 11 bytes
                {"8000", "long", "shortest form"},
                {"ff00", "long", "shortest form"},
                {"0180", "long", "trailing bytes"},
                {"80", "long", "runs past the data"},
                {"ffffffff1f", "int", "more than 32 bits"},
                {"808080808000", "int", "more than 32 bits"},
                {"8100", "int", "shortest form"},
        };
        for (String[] c : refused) {
            Schema schema = c[1].equals("int") ? INT : LONG;
            assertThatThrownBy(() -> check(schema, c[0])).as(c[0]).isInstanceOf(StrictBinary.RefusedException.class)
                    .hasMessageContaining(c[2]);
        }
    }

    @Test
    void shouldRefuseABooleanThatIsNeitherZeroNorOne() throws Exception {
        Schema bool = Schema.create(Schema.Type.BOOLEAN);
        check(bool, "00");
        check(bool, "01");
        assertThatThrownBy(() -> check(bool, "02")).isInstanceOf(StrictBinary.RefusedException.class).hasMessageContaining("boolean");
    }

    @Test
    void shouldRefuseTheConformanceVectorsThatAvroItselfReads() throws Exception {
        JsonNode root = new ObjectMapper().readTree(Files.readString(conformance()));
        AvroCodec<ResultSubmission> codec = AvroCodec.resultSubmissions();
        int seen = 0;
        for (JsonNode vector : root.get("vectors")) {
            if (!vector.get("name").asText().contains("overlong varint")) {
                continue;
            }
            seen++;
            byte[] bytes = HEX.parseHex(vector.get("envelope_hex").asText());
            assertThatThrownBy(() -> codec.decode(bytes)).as(vector.get("name").asText())
                    .isInstanceOf(AvroCodec.AvroDecodeException.class).hasMessageContaining("overlong varint");
            if (vector.get("name").asText().contains("65 bits")) {
                // what Avro's own decoder does with it: a silent 0 (why the check exists)
                var decoder = DecoderFactory.get().binaryDecoder(bytes, AvroCodec.HEADER_LENGTH, bytes.length - AvroCodec.HEADER_LENGTH, null);
                var record = new GenericDatumReader<org.apache.avro.generic.GenericRecord>(ResultSubmission.getClassSchema()).read(null, decoder);
                assertThat(record.get("issued_at")).isEqualTo(0L);
            }
        }
        assertThat(seen).isEqualTo(5);
    }

    @Test
    void shouldAcceptWhatOurEncodersWrite() throws Exception {
        Random random = new Random(7);
        AvroCodec<VerifiedResult> verified = AvroCodec.verifiedResults();
        AvroCodec<AuditEvent> audit = AvroCodec.auditEvents();
        for (int i = 0; i < 2_000; i++) {
            VerifiedResult result = VerifiedResult.newBuilder().setJobId("job-" + random.nextLong()).setOk(random.nextBoolean())
                    .setResult(random.nextBoolean() ? null : "{\"v\":" + random.nextInt() + "}").setSha256("ab".repeat(32))
                    .setVerifiedAt(Instant.ofEpochMilli(random.nextLong() >>> random.nextInt(64)))
                    .setSourcePartition(random.nextInt()).setSourceOffset(random.nextLong() >> random.nextInt(64)).build();
            assertThat(verified.decode(verified.encode(result))).isEqualTo(result);
            AuditEvent event = AuditEvents.event(AuditEventType.RESULT_MALFORMED, "malformed", "e" + i,
                    Instant.ofEpochMilli(random.nextLong() >>> 1), new byte[] {(byte) i}).setSourceTopic("t").setSourcePartition(random.nextInt())
                    .setSourceOffset(random.nextLong() >>> 1).build();
            assertThat(audit.decode(audit.encode(event))).isEqualTo(event);
        }
    }

    private static Path conformance() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("conformance/v2/envelopes.json"))) {
            dir = dir.getParent();
        }
        return dir.resolve("conformance/v2/envelopes.json");
    }
}
