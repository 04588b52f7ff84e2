package io.sheratan.serdes;

import io.sheratan.envelope.Submission;

/**
 * {@code value.deserializer=io.sheratan.serdes.SubmissionDeserializer} for {@code sheratan.results.submitted}:
 * JSON or Avro envelopes, read strictly; see {@link SheratanSerdes#submission()}.
 */
public final class SubmissionDeserializer extends BothFormsDeserializer<Submission> {
    public SubmissionDeserializer() {
        super(SheratanSerdes.submission().deserializer());
    }
}
