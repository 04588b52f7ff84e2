package io.sheratan.verifier.internals;

import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.verifier.VerifierConfig;
import io.sheratan.verifier.internals.VerifiedTable.Answer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code GET /results/{job_id}} answers for a value in the table (DESIGN 7): only the verifier's dedup entry
 * decides what is served and until when; a value's own {@code verified_at} never keeps a foreign value at 503.
 */
class VerifiedTableAnswerTest {

    private static final long NOW = Instant.parse("2026-12-04T12:00:00Z").toEpochMilli();
    private static final long RETENTION = Duration.ofHours(2).toMillis();
    private static final String SHA = "ab".repeat(32);

    private final AvroCodec<VerifiedResult> codec = AvroCodec.verifiedResults();
    private final VerifierConfig config = VerifierConfig.fromEnv(Map.of("SHERATAN_VERIFIER_RETENTION", "PT2H"));

    private byte[] record(String result, long verifiedAtMs) {
        return codec.encode(VerifiedResult.newBuilder().setJobId("job-1").setOk(true).setResult(result).setSha256(SHA)
                .setMode("sha256").setVerifiedAt(Instant.ofEpochMilli(verifiedAtMs)).setSourcePartition(0).setSourceOffset(7).build());
    }

    private Answer answer(byte[] value, long valueTime, byte[] entry) {
        return VerifiedTable.answer("job-1", value, valueTime, entry, codec, config, NOW);
    }

    @Test
    void servesTheRecordItsEntryVouchesForUntilTheEntryExpires() {
        long written = NOW - RETENTION / 2;
        byte[] ours = record("{\"v\":1}", written);
        assertThat(answer(ours, written, VerifyProcessor.entry(SHA, written, ours))).isEqualTo(Answer.SERVE);
        long old = NOW - 2 * RETENTION;
        assertThat(answer(record("{\"v\":1}", old), old, VerifyProcessor.entry(SHA, old, record("{\"v\":1}", old))))
                .isEqualTo(Answer.EXPIRED);
    }

    @Test
    void takesTheTimeFromTheEntryNotFromTheValue() {
        // the value says it was verified long ago (or just now); the entry, the verifier's own, decides
        long entryTime = NOW - RETENTION / 2;
        byte[] datedOld = record("{\"v\":1}", NOW - 5 * RETENTION);
        assertThat(answer(datedOld, NOW - 5 * RETENTION, VerifyProcessor.entry(SHA, entryTime, datedOld))).isEqualTo(Answer.SERVE);
        byte[] datedNow = record("{\"v\":1}", NOW);
        assertThat(answer(datedNow, NOW, VerifyProcessor.entry(SHA, NOW - 3 * RETENTION, datedNow))).isEqualTo(Answer.EXPIRED);
    }

    @Test
    void neverServesAValueItsEntryDoesNotVouchFor() {
        long written = NOW - RETENTION / 2;
        byte[] ours = record("{\"v\":1}", written);
        byte[] foreign = record("{\"v\":666}", written); // the same job id and core hash, another result
        assertThat(answer(foreign, written, VerifyProcessor.entry(SHA, written, ours))).isEqualTo(Answer.NOT_RECORDED);
        // an expired entry is expired first: the job may be verified again, which replaces the value
        long old = NOW - 2 * RETENTION;
        assertThat(answer(foreign, written, VerifyProcessor.entry(SHA, old, ours))).isEqualTo(Answer.EXPIRED);
    }

    @Test
    void withoutAnEntryNothingIsServedAndAFutureDateHoldsNothingAt503() {
        byte[] future = record("{\"v\":666}", NOW + 1000 * RETENTION);
        assertThat(answer(future, NOW + 1000 * RETENTION, null)).isEqualTo(Answer.NOT_FOUND);
        byte[] recent = record("{\"v\":1}", NOW - RETENTION / 2);
        assertThat(answer(recent, NOW - RETENTION / 2, null)).isEqualTo(Answer.NOT_FOUND);
        byte[] old = record("{\"v\":1}", NOW - 2 * RETENTION);
        assertThat(answer(old, NOW - 2 * RETENTION, null)).as("purged with its entry").isEqualTo(Answer.EXPIRED);
        assertThat(answer(recent, NOW - RETENTION / 2, new byte[] {2})).as("an unreadable entry (the marker's form)").isEqualTo(Answer.NOT_FOUND);
    }
}
