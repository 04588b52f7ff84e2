package io.sheratan.avro.codec;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.ResultSubmission;
import io.sheratan.avro.VerifiedResult;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build's schema evolution check (DESIGN.md 4: new fields come with defaults; consumers upgrade
 * before producers). {@code avro-history/<Name>.list} lists every version ever written, oldest first;
 * the last must be the current {@code .avsc} (so a change to a schema fails the build until its new
 * version is added to the history), and every pair must be compatible both ways: a new reader reads
 * what an old writer wrote, and an old reader what a new writer writes (Avro's SchemaCompatibility).
 */
class SchemaHistoryTest {

    private static Schema current(String name) {
        return switch (name) {
            case "ResultSubmission" -> ResultSubmission.getClassSchema();
            case "VerifiedResult" -> VerifiedResult.getClassSchema();
            case "AuditEvent" -> AuditEvent.getClassSchema();
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"ResultSubmission", "VerifiedResult", "AuditEvent"})
    void shouldKeepEveryVersionAndStayCompatibleBothWays(String name) {
        List<Schema> history = AvroCodec.history(name);
        assertThat(history).as("avro-history/" + name + ".list").isNotEmpty();
        Schema current = current(name);
        assertThat(SchemaNormalization.toParsingForm(history.get(history.size() - 1)))
                .as("the current " + name + ".avsc changed: add it to avro-history as a new version (after checking compatibility)")
                .isEqualTo(SchemaNormalization.toParsingForm(current));
        for (Schema old : history) {
            for (Schema[] pair : new Schema[][] {{current, old}, {old, current}}) {
                SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(pair[0], pair[1]);
                assertThat(result.getType()).as(name + ": " + (pair[0] == current ? "the current schema reading an older version's records"
                        : "an older version reading the current schema's records") + ": " + result.getResult().getIncompatibilities())
                        .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
            }
        }
    }

    /** The check can fail: a field without a default, added to VerifiedResult, is incompatible with the history. */
    @org.junit.jupiter.api.Test
    void shouldFindAnIncompatibleChange() {
        Schema old = AvroCodec.history("VerifiedResult").get(0);
        String json = VerifiedResult.getClassSchema().toString().replace("{\"name\":\"node_attested\",\"type\":\"boolean\"",
                "{\"name\":\"required_new\",\"type\":\"string\"},{\"name\":\"node_attested\",\"type\":\"boolean\"");
        Schema changed = new Schema.Parser().parse(json);
        assertThat(changed.getField("required_new")).isNotNull();
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(changed, old).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.INCOMPATIBLE);
    }

    /** A record written before canonical_version and node_attested reads as 0 (unknown) and false: never an attestation. */
    @org.junit.jupiter.api.Test
    void shouldReadAnOlderVerifiedResultWithTheDefaults() throws Exception {
        Schema v1 = AvroCodec.history("VerifiedResult").get(0);
        GenericRecord old = new GenericData.Record(v1);
        old.put("job_id", "j");
        old.put("ok", true);
        old.put("sha256", "ab".repeat(32));
        old.put("node_id", "worker-7");
        old.put("verified_at", 1L);
        old.put("source_partition", 0);
        old.put("source_offset", 5L);
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array();
        VerifiedResult read = AvroCodec.verifiedResults().decode(bytes);
        assertThat(read.getNodeId()).isEqualTo("worker-7");
        assertThat(read.getCanonicalVersion()).isZero();
        assertThat(read.getNodeAttested()).isFalse();
        assertThat(read.getVerifiedAt()).isEqualTo(Instant.ofEpochMilli(1));
    }
}
