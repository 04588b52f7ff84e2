package io.sheratan.avro.codec;

import io.sheratan.avro.AuditEvent;

import java.time.Instant;

/**
 * The one place an audit event's common fields are filled (DESIGN.md section 4): the verifier, the
 * gateway and the services' own events start here and add what only they know (source coordinates,
 * remote address, conflict hashes). The raw bytes are only ever hashed: no event carries a payload.
 */
public final class AuditEvents {

    private AuditEvents() {
    }

    /**
     * @param raw the bytes the event is about, hashed into {@code received_sha256}; null when there are none
     */
    public static AuditEvent.Builder event(String eventId, String eventType, String reason, Instant ts, String jobId,
                                           String mode, String keyId, String nodeId, String detail, byte[] raw) {
        return AuditEvent.newBuilder()
                .setEventId(eventId)
                .setEventType(eventType)
                .setReason(reason)
                .setTs(ts)
                .setJobId(jobId)
                .setMode(mode)
                .setKeyId(keyId)
                .setNodeId(nodeId)
                .setDetail(detail)
                .setReceivedSha256(raw == null ? null : Digests.sha256Hex(raw));
    }
}
