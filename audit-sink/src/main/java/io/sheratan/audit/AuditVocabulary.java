package io.sheratan.audit;

import io.sheratan.integrity.EventType;
import io.sheratan.integrity.Reason;
import io.sheratan.keys.ServiceEvents;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The event types and reasons of the audit log (DESIGN sections 4 and 9): those the pipeline writes
 * on the audit topic (the verifier's and gateway's outcomes, {@code KEYRING_APPLIED}) and those only
 * the sink itself writes ({@code RESULT_VERIFIED}, {@code AUDIT_*}). A record on the audit topic
 * claiming one of the sink's own types, or a type or reason outside these sets, is a foreign event.
 * Metric labels are taken from these sets, so no record can create a new series.
 */
final class AuditVocabulary {

    static final String RESULT_VERIFIED = "RESULT_VERIFIED";
    static final String UNREADABLE = "AUDIT_RECORD_UNREADABLE";
    static final String FOREIGN_EVENT = "AUDIT_FOREIGN_EVENT";
    static final String NOT_LOGGABLE = ChainLog.PLACEHOLDER;
    static final String OTHER = "other";

    private static final Set<String> PIPELINE_TYPES = Stream.concat(Arrays.stream(EventType.values()).map(Enum::name),
            Stream.of(ServiceEvents.KEYRING_APPLIED)).collect(Collectors.toUnmodifiableSet());
    private static final Set<String> PIPELINE_REASONS = Stream.concat(Arrays.stream(Reason.values()).map(Reason::code),
            Stream.of("keyring_applied")).collect(Collectors.toUnmodifiableSet());
    private static final Set<String> SINK_TYPES = Set.of(RESULT_VERIFIED, UNREADABLE, FOREIGN_EVENT, NOT_LOGGABLE);

    private AuditVocabulary() {
    }

    /** Whether an event read from the audit topic is of a type and reason the pipeline writes there. */
    static boolean isPipelineEvent(String type, String reason) {
        return PIPELINE_TYPES.contains(type) && PIPELINE_REASONS.contains(reason);
    }

    static String typeLabel(String type) {
        return PIPELINE_TYPES.contains(type) || SINK_TYPES.contains(type) ? type : OTHER;
    }

    static String reasonLabel(String reason) {
        return PIPELINE_REASONS.contains(reason) || reason.equals("none") ? reason : OTHER;
    }
}
