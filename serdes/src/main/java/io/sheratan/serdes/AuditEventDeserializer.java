package io.sheratan.serdes;

import io.sheratan.avro.AuditEvent;

/**
 * {@code value.deserializer=io.sheratan.serdes.AuditEventDeserializer} for {@code sheratan.results.audit}: reads both forms
 * (Avro single-object encoding and flat JSON); see {@link SheratanSerdes#auditEvent()}.
 */
public final class AuditEventDeserializer extends BothFormsDeserializer<AuditEvent> {
    public AuditEventDeserializer() {
        super(SheratanSerdes.auditEvent().deserializer());
    }
}
