package io.sheratan.avro.codec;

import java.util.Optional;

/**
 * Every event type the system writes, the one vocabulary of the audit topic and the audit log
 * (DESIGN.md sections 4 and 9). {@link Writer#PIPELINE} types are written on the audit topic by the
 * verifier, the gateway and the services; {@link Writer#SINK} types only by the audit sink into its
 * own log, so a record on the audit topic that claims one is a foreign event (DESIGN 4).
 */
public enum AuditEventType {
    /** Other content for a job id already verified. */
    RESULT_CONFLICT(Writer.PIPELINE),
    /** The mark did not check out; the reason says how. */
    RESULT_INTEGRITY_FAIL(Writer.PIPELINE),
    /** No mark, accepted because {@code SHERATAN_RESULT_INTEGRITY_REQUIRED=0}. */
    RESULT_INTEGRITY_MISSING_ACCEPTED(Writer.PIPELINE),
    /** Bytes that are not an envelope, or whose outputs would exceed a limit. */
    RESULT_MALFORMED(Writer.PIPELINE),
    /** A service applied a keyring (DESIGN 3c); its reason is {@link #KEYRING_APPLIED_REASON}. */
    KEYRING_APPLIED(Writer.PIPELINE),
    /** The log entry of a verified result, made from the verified topic (DESIGN 9). */
    RESULT_VERIFIED(Writer.SINK),
    /** A record the sink could not read at all, with its coordinates and the SHA-256 of its bytes. */
    AUDIT_RECORD_UNREADABLE(Writer.SINK),
    /** A record on the audit topic of a type or reason the pipeline does not write there. */
    AUDIT_FOREIGN_EVENT(Writer.SINK),
    /** The placeholder of an event the strict canonicalizer refuses, or larger than an entry may be. */
    AUDIT_EVENT_NOT_LOGGABLE(Writer.SINK);

    /** Who writes a type: the pipeline on the audit topic, or the sink into its log only. */
    public enum Writer { PIPELINE, SINK }

    /** The reason of every {@link #KEYRING_APPLIED} event. */
    public static final String KEYRING_APPLIED_REASON = "keyring_applied";

    private final Writer writer;

    AuditEventType(Writer writer) {
        this.writer = writer;
    }

    public Writer writer() {
        return writer;
    }

    /** The type named {@code name} exactly, if the system writes one. */
    public static Optional<AuditEventType> parse(String name) {
        for (AuditEventType type : values()) {
            if (type.name().equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
