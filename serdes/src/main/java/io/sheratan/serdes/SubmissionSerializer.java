package io.sheratan.serdes;

import io.sheratan.avro.codec.OutputFormat;
import io.sheratan.envelope.Submission;

/** {@code value.serializer=io.sheratan.serdes.SubmissionSerializer}: the canonical JSON envelope, or Avro with {@code sheratan.output.format=avro}. */
public final class SubmissionSerializer extends FormatSerializer<Submission> {
    public SubmissionSerializer() {
        super(format -> SheratanSerdes.submission(format).serializer(), OutputFormat.JSON);
    }
}
