package io.sheratan.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AuditEventType;
import io.sheratan.avro.codec.FlatJson;
import io.sheratan.canonical.CanonicalWriter;
import io.sheratan.canonical.JsonCanonicalizer;
import io.sheratan.canonical.StrictJsonException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * One event as the audit log holds it: its canonical JSON, which is the Merkle log entry (DESIGN
 * section 9), and the few members the sink counts and indexes it by. Every kind of entry the sink
 * writes is made here, by name: a pipeline event as the schema defines it, the {@code RESULT_VERIFIED}
 * entry of a verified result, the sink's own events about a record ({@code AUDIT_*}). The canonical
 * bytes are written directly from the typed record ({@link FlatJson#canonical}, {@link CanonicalWriter}),
 * never through a JSON tree.
 */
public final class LogEvent {

    private final byte[] canonical;
    private final String type;
    private final String reason;
    private final String eventId;
    private final String jobId;
    private final String sha256;

    private final EntryIndex.Key exactResult;

    private LogEvent(byte[] canonical, String type, String reason, String eventId, String jobId, String sha256, EntryIndex.Key exactResult) {
        this.canonical = canonical;
        this.type = type;
        this.reason = reason;
        this.eventId = eventId;
        this.jobId = jobId;
        this.sha256 = sha256;
        this.exactResult = exactResult;
    }

    /**
     * A pipeline event read from the audit topic, as its schema defines it: the members a foreign
     * writer added to a JSON form are not logged (an event never carries a payload, DESIGN 4).
     *
     * @throws StrictJsonException when a member has no canonical form (a lone surrogate, an inexact long)
     */
    static LogEvent of(AuditEvent event) {
        return new LogEvent(FlatJson.canonical(event), event.getEventType(), event.getReason(), event.getEventId(), null, null, null);
    }

    /**
     * The {@code RESULT_VERIFIED} entry of a verified result: what identifies it and its mark, never the
     * result. Its event id is the submitted record's ({@code submittedTopic/partition/offset}), as the
     * audit events' are, and {@code loggedFrom} names the verified record it was made from.
     */
    static LogEvent resultVerified(VerifiedResult result, String submittedTopic, String loggedFrom) {
        String eventId = submittedTopic + "/" + result.getSourcePartition() + "/" + result.getSourceOffset();
        long verifiedAt = result.getVerifiedAt().toEpochMilli();
        byte[] canonical = new CanonicalWriter()
                .string("event_type", AuditEventType.RESULT_VERIFIED.name())
                .string("event_id", eventId)
                .string("job_id", result.getJobId())
                .string("sha256", result.getSha256())
                .string("mode", result.getMode())
                .string("key_id", result.getKeyId())
                .string("node_id", result.getNodeId())
                // DESIGN 4: a signed node identity and a claimed one look different in the log too
                .integer("canonical_version", result.getCanonicalVersion())
                .bool("node_attested", result.getNodeAttested())
                .string("source_topic", submittedTopic)
                .integer("source_partition", result.getSourcePartition())
                .integer("source_offset", result.getSourceOffset())
                .integer("verified_at", verifiedAt)
                .integer("ts", verifiedAt)
                .string("logged_from", loggedFrom)
                .toBytes();
        EntryIndex.Key exact = EntryIndex.Key.exactResult(member -> switch (member) { // as the tree of these bytes reads (fromTree)
            case "job_id" -> result.getJobId();
            case "sha256" -> result.getSha256();
            case "mode" -> result.getMode();
            case "key_id" -> result.getKeyId();
            case "node_id" -> result.getNodeId();
            case "canonical_version" -> Integer.toString(result.getCanonicalVersion());
            case "node_attested" -> Boolean.toString(result.getNodeAttested());
            case "source_partition" -> Integer.toString(result.getSourcePartition());
            case "source_offset" -> Long.toString(result.getSourceOffset());
            case "verified_at" -> Long.toString(verifiedAt);
            default -> throw new IllegalArgumentException(member);
        });
        return new LogEvent(canonical, AuditEventType.RESULT_VERIFIED.name(), null, eventId, result.getJobId(), result.getSha256(), exact);
    }

    /**
     * An event of the sink's own about a record ({@code AUDIT_RECORD_UNREADABLE}, {@code AUDIT_FOREIGN_EVENT}):
     * the record's coordinates as its event id and the SHA-256 of its bytes, never its content.
     */
    static LogEvent about(AuditEventType type, String reason, String coordinates, String receivedSha256) {
        return sinkEvent(type, reason, coordinates, null, receivedSha256);
    }

    /**
     * The placeholder for an event that cannot be logged as it is (no canonical form, or larger than
     * an entry may be): its coordinates, why, and the SHA-256 of the raw record when known.
     */
    static LogEvent notLoggable(String coordinates, String why, String receivedSha256) {
        return sinkEvent(AuditEventType.AUDIT_EVENT_NOT_LOGGABLE, "malformed", coordinates, why, receivedSha256);
    }

    private static LogEvent sinkEvent(AuditEventType type, String reason, String coordinates, String detail, String receivedSha256) {
        CanonicalWriter out = new CanonicalWriter()
                .string("event_type", type.name())
                .string("reason", reason)
                .string("event_id", coordinates)
                .integer("ts", Instant.now().toEpochMilli());
        if (detail != null) {
            out.string("detail", detail);
        }
        if (receivedSha256 != null || type != AuditEventType.AUDIT_EVENT_NOT_LOGGABLE) {
            out.string("received_sha256", receivedSha256);
        }
        return new LogEvent(out.toBytes(), type.name(), reason, coordinates, null, null, null);
    }

    /**
     * An event given as a JSON tree (tests, benchmarks): canonicalized once; a tree with no canonical
     * form becomes the placeholder for {@code coordinates}.
     */
    static LogEvent ofJson(JsonNode event, String coordinates, String receivedSha256) {
        byte[] canonical;
        try {
            canonical = JsonCanonicalizer.canonicalize(ChainLog.JSON.writeValueAsBytes(event));
        } catch (StrictJsonException e) {
            return notLoggable(coordinates, "event not canonicalizable: " + e.detail(), receivedSha256);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fromTree(canonical, event);
    }

    /**
     * An entry read back as stored (catching the tree up after a crash): the bytes as they are, its
     * members read leniently, so no content can keep the log from opening.
     */
    static LogEvent stored(byte[] entry) {
        return fromTree(entry, StoredLine.parseLeniently(entry));
    }

    private static LogEvent fromTree(byte[] canonical, JsonNode event) {
        String type = text(event, "event_type");
        EntryIndex.Key exact = AuditEventType.RESULT_VERIFIED.name().equals(type) ? EntryIndex.Key.exactResult(member -> scalar(event, member)) : null;
        return new LogEvent(canonical, type, text(event, "reason"), text(event, "event_id"), text(event, "job_id"),
                text(event, "sha256"), exact);
    }

    /** A member's JSON scalar as text (a string's value, a number's digits, true/false), or null. */
    static String scalar(JsonNode event, String member) {
        JsonNode value = event.get(member);
        return value == null || value.isNull() || !value.isValueNode() ? null : value.asText();
    }

    private static String text(JsonNode event, String member) {
        JsonNode value = event.path(member);
        return value.isTextual() ? value.asText() : null;
    }

    /** The Merkle log entry: the event's canonical JSON; do not modify. */
    public byte[] canonical() {
        return canonical;
    }

    /** {@code event_type}, or null when an entry read back has none. */
    public String type() {
        return type;
    }

    /** {@code reason}, or null ({@code RESULT_VERIFIED} entries have none). */
    public String reason() {
        return reason;
    }

    public String eventId() {
        return eventId;
    }

    /** For a {@code RESULT_VERIFIED} entry: the job id and the core sha256 it is the proof of. */
    public String jobId() {
        return jobId;
    }

    public String sha256() {
        return sha256;
    }

    /** For a {@code RESULT_VERIFIED} entry: its key by everything it vouches for ({@link EntryIndex#VOUCHED}); else null. */
    EntryIndex.Key exactResult() {
        return exactResult;
    }

    @Override
    public String toString() {
        return new String(canonical, java.nio.charset.StandardCharsets.UTF_8);
    }
}
