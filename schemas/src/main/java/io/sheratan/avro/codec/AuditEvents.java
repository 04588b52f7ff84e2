package io.sheratan.avro.codec;

import io.sheratan.avro.AuditEvent;

import java.time.Instant;

/**
 * The one place an audit event's common fields are filled (DESIGN.md section 4): the verifier, the
 * gateway and the services' own events start here and add what only they know (source coordinates,
 * remote address, conflict hashes). The raw bytes are only ever hashed: no event carries a payload.
 */
public final class AuditEvents {

    /**
     * What a {@code RESULT_VERIFIED} entry of the audit log vouches for (DESIGN section 9), in this order,
     * each the verified result's member of the same name: the audit sink indexes the entry by all of them,
     * and the verifier asks for a result's proof by all of them and compares each.
     */
    public static final java.util.List<String> RESULT_VOUCHED = java.util.List.of("job_id", "sha256", "mode", "key_id", "node_id",
            "canonical_version", "node_attested", "source_partition", "source_offset", "verified_at");

    private AuditEvents() {
    }

    /**
     * An event of {@code type}: the fields every event has, and the SHA-256 of the bytes it is about
     * ({@code received_sha256}, null when there are none). Everything else is set by name on the builder
     * ({@code setJobId}, {@code setMode}, {@code setKeyId}, {@code setNodeId}, {@code setDetail}, ...):
     * never the payload, a key or a token (DESIGN 4).
     */
    public static AuditEvent.Builder event(AuditEventType type, String reason, String eventId, Instant ts, byte[] evidence) {
        return AuditEvent.newBuilder()
                .setEventId(eventId)
                .setEventType(type.name())
                .setReason(reason)
                .setTs(ts)
                .setReceivedSha256(evidence == null ? null : Digests.sha256Hex(evidence));
    }
}
