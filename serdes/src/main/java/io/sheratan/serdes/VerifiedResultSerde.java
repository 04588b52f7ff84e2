package io.sheratan.serdes;

import io.sheratan.avro.VerifiedResult;
import org.apache.kafka.common.serialization.Serdes;

/** {@code default.value.serde=io.sheratan.serdes.VerifiedResultSerde} (Kafka Streams, Spring): {@link VerifiedResultSerializer} and {@link VerifiedResultDeserializer}. */
public final class VerifiedResultSerde extends Serdes.WrapperSerde<VerifiedResult> {
    public VerifiedResultSerde() {
        super(new VerifiedResultSerializer(), new VerifiedResultDeserializer());
    }
}
