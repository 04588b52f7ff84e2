package io.sheratan.serdes;

import io.sheratan.avro.AuditEvent;
import org.apache.kafka.common.serialization.Serdes;

/** {@code default.value.serde=io.sheratan.serdes.AuditEventSerde} (Kafka Streams, Spring): {@link AuditEventSerializer} and {@link AuditEventDeserializer}. */
public final class AuditEventSerde extends Serdes.WrapperSerde<AuditEvent> {
    public AuditEventSerde() {
        super(new AuditEventSerializer(), new AuditEventDeserializer());
    }
}
