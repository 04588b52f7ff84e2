package io.sheratan.serdes;

import io.sheratan.envelope.Submission;
import org.apache.kafka.common.serialization.Serdes;

/** {@code default.value.serde=io.sheratan.serdes.SubmissionSerde}: {@link SubmissionSerializer} and {@link SubmissionDeserializer}. */
public final class SubmissionSerde extends Serdes.WrapperSerde<Submission> {
    public SubmissionSerde() {
        super(new SubmissionSerializer(), new SubmissionDeserializer());
    }
}
