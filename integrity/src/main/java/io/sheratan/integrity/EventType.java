package io.sheratan.integrity;

/** The audit event types of DESIGN.md section 4. */
public enum EventType {
    RESULT_CONFLICT,
    RESULT_INTEGRITY_FAIL,
    RESULT_INTEGRITY_MISSING_ACCEPTED,
    RESULT_MALFORMED
}
