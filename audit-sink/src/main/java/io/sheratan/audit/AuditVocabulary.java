package io.sheratan.audit;

import io.sheratan.avro.codec.AuditEventType;
import io.sheratan.integrity.Reason;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the sink accepts from the audit topic and which label values its metrics take (DESIGN
 * sections 4 and 9), from the one vocabulary {@link AuditEventType}: a record claiming a type only
 * the sink writes ({@code RESULT_VERIFIED}, {@code AUDIT_*}), or a type or reason outside the
 * pipeline's, is a foreign event. Labels come from these fixed sets, so no record can create a series.
 */
final class AuditVocabulary {

    static final String OTHER = "other";

    private static final Set<String> PIPELINE_TYPES = types(AuditEventType.Writer.PIPELINE);
    private static final Set<String> SINK_TYPES = types(AuditEventType.Writer.SINK);
    private static final Set<String> PIPELINE_REASONS = Stream.concat(Arrays.stream(Reason.values()).map(Reason::code),
            Stream.of(AuditEventType.KEYRING_APPLIED_REASON)).collect(Collectors.toUnmodifiableSet());

    private AuditVocabulary() {
    }

    private static Set<String> types(AuditEventType.Writer writer) {
        return Arrays.stream(AuditEventType.values()).filter(t -> t.writer() == writer).map(Enum::name)
                .collect(Collectors.toUnmodifiableSet());
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
