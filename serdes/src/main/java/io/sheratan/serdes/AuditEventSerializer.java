package io.sheratan.serdes;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.codec.OutputFormat;

/** {@code value.serializer=io.sheratan.serdes.AuditEventSerializer}: Avro single-object encoding, or flat JSON with {@code sheratan.output.format=json}. */
public final class AuditEventSerializer extends FormatSerializer<AuditEvent> {
    public AuditEventSerializer() {
        super(format -> SheratanSerdes.auditEvent(format).serializer(), OutputFormat.AVRO);
    }
}
