package io.sheratan.serdes;

import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.OutputFormat;

/** {@code value.serializer=io.sheratan.serdes.VerifiedResultSerializer}: Avro single-object encoding, or flat JSON with {@code sheratan.output.format=json}. */
public final class VerifiedResultSerializer extends FormatSerializer<VerifiedResult> {
    public VerifiedResultSerializer() {
        super(format -> SheratanSerdes.verifiedResult(format).serializer(), OutputFormat.AVRO);
    }
}
