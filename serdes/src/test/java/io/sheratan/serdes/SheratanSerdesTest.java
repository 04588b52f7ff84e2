package io.sheratan.serdes;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.OutputFormat;
import io.sheratan.envelope.Submission;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SheratanSerdesTest {

    static VerifiedResult verified() {
        return VerifiedResult.newBuilder().setJobId("job-1").setOk(true).setResult("{\"v\":1}").setError(null).setSha256("ab".repeat(32))
                .setMode("ed25519").setKeyId("worker-7/2026-11").setNodeId("worker-7").setVerifiedAt(Instant.ofEpochMilli(1_795_924_800_123L))
                .setSourcePartition(2).setSourceOffset(41L).setCanonicalVersion(2).setNodeAttested(true).build();
    }

    static AuditEvent audit() {
        return AuditEvent.newBuilder().setEventId("sheratan.results.submitted/1/7").setEventType("RESULT_INTEGRITY_FAIL").setReason("sha_mismatch")
                .setJobId("job-2").setMode("sha256").setTs(Instant.ofEpochMilli(1_795_924_800_000L)).setSourceTopic("sheratan.results.submitted")
                .setSourcePartition(1).setSourceOffset(7L).setReceivedSha256("cd".repeat(32)).build();
    }

    @Test
    void shouldReadBothWireFormsOfAVerifiedResult() {
        for (OutputFormat written : OutputFormat.values()) {
            Serde<VerifiedResult> serde = SheratanSerdes.verifiedResult(written);
            byte[] bytes = serde.serializer().serialize("t", verified());
            assertThat(bytes[0] == (byte) 0xC3).as(written.name()).isEqualTo(written == OutputFormat.AVRO);
            // any deserializer reads either form
            assertThat(SheratanSerdes.verifiedResult().deserializer().deserialize("t", bytes)).as(written.name()).isEqualTo(verified());
        }
    }

    /** Written before canonical_version and node_attested existed (DESIGN 4): read with the defaults, never as attested. */
    @Test
    void shouldReadAVerifiedResultWrittenBeforeTheAttestationFields() {
        byte[] json = ("{\"job_id\":\"job-1\",\"ok\":true,\"result\":\"1\",\"sha256\":\"" + "ab".repeat(32)
                + "\",\"node_id\":\"worker-7\",\"verified_at\":5,\"source_partition\":0,\"source_offset\":1}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        VerifiedResult read = SheratanSerdes.verifiedResult().deserializer().deserialize("t", json);
        assertThat(read.getNodeId()).isEqualTo("worker-7");
        assertThat(read.getCanonicalVersion()).isZero();
        assertThat(read.getNodeAttested()).isFalse();
    }

    @Test
    void shouldReadBothWireFormsOfAnAuditEvent() {
        for (OutputFormat written : OutputFormat.values()) {
            byte[] bytes = SheratanSerdes.auditEvent(written).serializer().serialize("t", audit());
            assertThat(SheratanSerdes.auditEvent().deserializer().deserialize("t", bytes)).as(written.name()).isEqualTo(audit());
        }
    }

    @Test
    void shouldRefuseBytesThatAreNeitherFormAndPassTombstones() {
        Serde<VerifiedResult> serde = SheratanSerdes.verifiedResult();
        assertThat(serde.deserializer().deserialize("t", null)).isNull();
        assertThat(serde.serializer().serialize("t", null)).isNull();
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", "not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("neither Avro");
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[]{(byte) 0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("does not decode");
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", "{\"job_id\":\"x\",\"ok\":\"yes\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("ok must be boolean");
        // an audit event is not a verified result
        byte[] event = SheratanSerdes.auditEvent().serializer().serialize("t", audit());
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", event)).isInstanceOf(SerializationException.class);
    }

    @Test
    void shouldReadSubmissionsStrictlyInBothForms() {
        Serde<Submission> serde = SheratanSerdes.submission();
        byte[] json = "{ \"ok\": true, \"job_id\": \"job-3\", \"result\": {\"b\": 1e2, \"a\": 1}}".getBytes(StandardCharsets.UTF_8);
        Submission read = serde.deserializer().deserialize("t", json);
        assertThat(read.jobId()).isEqualTo("job-3");
        assertThat(new String(read.core(), StandardCharsets.UTF_8)).isEqualTo("{\"job_id\":\"job-3\",\"ok\":true,\"result\":{\"a\":1,\"b\":100}}");
        byte[] avro = SheratanSerdes.submission(OutputFormat.AVRO).serializer().serialize("t", read);
        assertThat(serde.deserializer().deserialize("t", avro).coreSha256()).isEqualTo(read.coreSha256());
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", "{\"job_id\":\"a\",\"ok\":true,\"ok\":false}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("malformed");
    }
}
