package io.sheratan.serdes;

import io.sheratan.avro.VerifiedResult;

/**
 * {@code value.deserializer=io.sheratan.serdes.VerifiedResultDeserializer} for {@code sheratan.results.verified}: reads both forms
 * (Avro single-object encoding and flat JSON); see {@link SheratanSerdes#verifiedResult()}.
 */
public final class VerifiedResultDeserializer extends BothFormsDeserializer<VerifiedResult> {
    public VerifiedResultDeserializer() {
        super(SheratanSerdes.verifiedResult().deserializer());
    }
}
