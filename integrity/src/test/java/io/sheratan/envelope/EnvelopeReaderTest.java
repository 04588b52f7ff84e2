package io.sheratan.envelope;

import io.sheratan.integrity.Signer;

import io.sheratan.avro.ResultSubmission;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Verdict;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.sheratan.canonical.JsonCanonicalizer;
import java.util.Map;

class EnvelopeReaderTest {

    private final EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);
    private final AvroCodec<ResultSubmission> codec = AvroCodec.resultSubmissions();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldGiveTheSameCoreForJsonAndAvro() throws Exception {
        Submission json = reader.read(utf8("{\"job_id\":\"j\",\"ok\":true,\"result\":{\"b\":2,\"a\":1}}"));
        byte[] avroBytes = codec.encode(EnvelopeWriter.toAvro(json));
        assertThat(WireFormat.detect(avroBytes)).isEqualTo(WireFormat.AVRO);

        Submission avro = reader.read(avroBytes);

        assertThat(avro.format()).isEqualTo(WireFormat.AVRO);
        assertThat(avro.core()).isEqualTo(json.core());
        assertThat(avro.coreSha256()).isEqualTo(json.coreSha256());
    }

    @Test
    void shouldVerifyAnAvroEnvelopeSignedAsJson() throws Exception {
        IntegrityPolicy policy = IntegrityPolicy.defaults();
        Submission json = reader.read(utf8("{\"job_id\":\"j\",\"ok\":false,\"error\":{\"code\":7}}"));
        Submission signed = json.withMark(IntegrityVerifier.sign(json.core(), policy));
        Submission avro = reader.read(codec.encode(EnvelopeWriter.toAvro(signed)));
        assertThat(IntegrityVerifier.verify(avro, policy).outcome()).isEqualTo(Verdict.Outcome.VERIFIED);
    }

    @Test
    void shouldDecodeAnOlderSchemaVersionThroughTheSchemaStore() throws Exception {
        Schema v0;
        try (InputStream in = getClass().getResourceAsStream("/avro-old/ResultSubmission-v0.avsc")) {
            v0 = new Schema.Parser().parse(in);
        }
        GenericRecord mark = new GenericData.Record(v0.getField("integrity").schema().getTypes().get(1));
        mark.put("mode", "sha256");
        mark.put("sha256", "ab".repeat(32));
        GenericRecord old = new GenericData.Record(v0);
        old.put("job_id", "old-1");
        old.put("ok", true);
        old.put("result", "[1,2]");
        old.put("integrity", mark);
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v0).encode(old).array();

        EnvelopeReader knowsV0 = new EnvelopeReader(CanonicalLimits.DEFAULTS,
                new AvroCodec<>(ResultSubmission.getClassSchema(), List.of(v0)));
        Submission s = knowsV0.read(bytes);

        assertThat(s.jobId()).isEqualTo("old-1");
        assertThat(s.resultJson()).isEqualTo("[1,2]");
        assertThat(s.mark()).isEqualTo(new IntegrityMark("sha256", "ab".repeat(32), null, null));
        assertThatThrownBy(() -> reader.read(bytes))
                .isInstanceOf(MalformedEnvelopeException.class)
                .hasMessageContaining("unknown Avro schema fingerprint");
    }

    @Test
    void shouldWriteSignedEnvelopesThatAreThemselvesCanonical() throws Exception {
        IntegrityPolicy hmac = IntegrityPolicy.fromEnv(Map.of(
                "SHERATAN_RESULT_INTEGRITY_MODE", "hmac", "SHERATAN_RESULT_HMAC_KEY", "k", "SHERATAN_RESULT_HMAC_KEY_ID", "k1"));
        for (String json : new String[] {
                "{\"job_id\":\"j\",\"ok\":true,\"result\":{\"b\":1,\"a\":[2]}}",
                "{\"job_id\":\"j\",\"ok\":false,\"error\":{\"code\":\"E1\"}}"}) {
            byte[] envelope = EnvelopeWriter.toJson(reader.read(utf8(json)).signedBy(Signer.v1(hmac)));
            assertThat(JsonCanonicalizer.canonicalize(envelope)).isEqualTo(envelope);
            assertThat(reader.read(envelope).mark().keyId()).isEqualTo("k1");
        }
    }

    @Test
    void shouldCallTruncatedAvroMalformed() throws Exception {
        Submission json = reader.read(utf8("{\"job_id\":\"j\",\"ok\":true,\"result\":\"a long enough result text\"}"));
        byte[] avro = codec.encode(EnvelopeWriter.toAvro(json));
        byte[] truncated = Arrays.copyOf(avro, avro.length - 5);
        assertThatThrownBy(() -> reader.read(truncated)).isInstanceOf(MalformedEnvelopeException.class);
    }

    @Test
    void shouldRejectWhatIsNotAnEnvelopeWithAPayloadFreeDetail() {
        assertMalformed("not json at all", "neither a JSON object");
        assertMalformed("[1,2]", "neither a JSON object");
        assertMalformed("{\"ok\":true}", "job_id is missing");
        assertMalformed("{\"job_id\":7,\"ok\":true}", "job_id must be a string");
        assertMalformed("{\"job_id\":\"\",\"ok\":true}", "job_id must not be empty");
        assertMalformed("{\"job_id\":\"" + "x".repeat(257) + "\",\"ok\":true}", "longer than 256");
        assertMalformed("{\"job_id\":\"j\"}", "ok is missing");
        assertMalformed("{\"job_id\":\"j\",\"ok\":\"yes\"}", "ok must be a boolean");
        assertMalformed("{\"job_id\":\"j\",\"ok\":false,\"error\":42}", "error must be a string or an object");
        assertMalformed("{\"job_id\":\"j\",\"ok\":true,\"integrity\":\"abc\"}", "integrity must be an object");
        assertMalformed("{\"job_id\":\"j\",\"ok\":true,\"integrity\":{\"sha256\":1}}", "integrity.sha256 must be a string");
        assertMalformed("{\"job_id\":\"j\",\"ok\":true,\"result\":{\"secret\":1,\"secret\":2}}", "duplicate_name");
    }

    private void assertMalformed(String json, String detail) {
        assertThatThrownBy(() -> reader.read(utf8(json)))
                .isInstanceOf(MalformedEnvelopeException.class)
                .satisfies(e -> assertThat(((MalformedEnvelopeException) e).detail())
                        .contains(detail)
                        .doesNotContain("secret"));
    }
}
