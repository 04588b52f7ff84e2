package io.sheratan.integrity;

import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.Claims;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.sheratan.avro.ResultSubmission;
import io.sheratan.envelope.IntegrityMark;

/** Canonical version 2 (DESIGN.md section 3b): the core, the DSSE encoding, and every verdict it adds. */
class CanonicalV2Test {

    private static final long T = KeyringFixture.T;
    private final KeyringFixture fixture = new KeyringFixture();
    private final Keyring keyring = fixture.keyring();
    private final EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);
    private final IntegrityPolicy policy = IntegrityPolicy.defaults();

    private Submission unsigned(String node, long issuedAt, String aud) throws MalformedEnvelopeException {
        return reader.read("{\"job_id\":\"job_123\",\"ok\":true,\"result\":{\"value\":42}}".getBytes(StandardCharsets.UTF_8))
                .withClaims(new Claims(node, issuedAt, aud));
    }

    private Signer worker7() {
        return Signer.ed25519("worker-7/2026-11", fixture.worker7.getPrivate());
    }

    /** Signed, written as JSON and read back: what the verifier sees. */
    private Submission roundTrip(Submission signed) throws MalformedEnvelopeException {
        return reader.read(EnvelopeWriter.toJson(signed));
    }

    private Verdict verify(Submission s) {
        return IntegrityVerifier.verify(s, policy, keyring, T);
    }

    @Test
    void shouldBuildTheVersion2CoreInCanonicalOrderWithTheResultLast() throws Exception {
        Submission s = unsigned("worker-7", 1_795_924_800_000L, "sheratan");
        assertThat(new String(s.core(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"aud\":\"sheratan\",\"issued_at\":1795924800000,\"job_id\":\"job_123\",\"node_id\":\"worker-7\",\"ok\":true,\"result\":{\"value\":42}}");
        assertThat(s.resultJson()).isEqualTo("{\"value\":42}");
        assertThat(s.coreVersion()).isEqualTo(2);
    }

    @Test
    void shouldEncodeThePaeAsDesignSaysByteForByte() {
        byte[] core = "{\"a\":1}".getBytes(StandardCharsets.US_ASCII);
        assertThat(new String(Pae.encode(core), StandardCharsets.US_ASCII))
                .isEqualTo("DSSEv1 39 application/vnd.sheratan.result.v2+json 7 {\"a\":1}");
    }

    @Test
    void shouldVerifyAnEd25519Version2MarkAfterAJsonAndAnAvroRoundTrip() throws Exception {
        Submission signed = unsigned("worker-7", T, "sheratan").signedBy(worker7());
        Verdict json = verify(roundTrip(signed));
        assertThat(json.outcome()).isEqualTo(Verdict.Outcome.VERIFIED);
        assertThat(json.mode()).isEqualTo("ed25519");
        assertThat(json.keyId()).isEqualTo("worker-7/2026-11");
        AvroCodec<ResultSubmission> avro = AvroCodec.resultSubmissions();
        Submission fromAvro = reader.read(avro.encode(EnvelopeWriter.toAvro(signed)));
        assertThat(fromAvro.core()).isEqualTo(signed.core());
        assertThat(verify(fromAvro).outcome()).isEqualTo(Verdict.Outcome.VERIFIED);
    }

    @Test
    void shouldVerifyAnHmacVersion2MarkOverThePaeNotTheBareCore() throws Exception {
        Submission s = unsigned("worker-9", T, "sheratan");
        Submission signed = s.signedBy(Signer.hmac("hmac/2026-11", KeyringFixture.HMAC_SECRET, 2));
        assertThat(signed.mark().sig()).isEqualTo(Marks.hmacHex(KeyringFixture.HMAC_SECRET, Pae.encode(s.core())));
        assertThat(verify(roundTrip(signed)).outcome()).isEqualTo(Verdict.Outcome.VERIFIED);
        Submission bare = s.withMark(new IntegrityMark("hmac", s.coreSha256(),
                Marks.hmacHex(KeyringFixture.HMAC_SECRET, s.core()), "hmac/2026-11", 2));
        assertThat(verify(roundTrip(bare)).reason()).isEqualTo(Reason.SIG_MISMATCH);
    }

    @Test
    void shouldRejectWorker7sKeyClaimingAnotherNodeAsNodeMismatch() throws Exception {
        Submission forged = unsigned("worker-8", T, "sheratan").signedBy(worker7());
        assertThat(verify(roundTrip(forged)).reason()).isEqualTo(Reason.NODE_MISMATCH);
    }

    @Test
    void shouldJudgeFreshnessAgainstTheRecordTimeAtBothEdges() throws Exception {
        long maxAge = policy.maxAge().toMillis();
        long maxSkew = policy.maxSkew().toMillis();
        assertThat(verify(roundTrip(unsigned("worker-7", T - maxAge, "sheratan").signedBy(worker7()))).accepted()).isTrue();
        assertThat(verify(roundTrip(unsigned("worker-7", T - maxAge - 1, "sheratan").signedBy(worker7()))).reason()).isEqualTo(Reason.STALE);
        assertThat(verify(roundTrip(unsigned("worker-7", T + maxSkew, "sheratan").signedBy(worker7()))).accepted()).isTrue();
        assertThat(verify(roundTrip(unsigned("worker-7", T + maxSkew + 1, "sheratan").signedBy(worker7()))).reason())
                .isEqualTo(Reason.FUTURE_DATED);
    }

    @Test
    void shouldRejectAResultMeantForAnotherPipeline() throws Exception {
        assertThat(verify(roundTrip(unsigned("worker-7", T, "staging").signedBy(worker7()))).reason()).isEqualTo(Reason.WRONG_AUDIENCE);
    }

    @Test
    void shouldRejectUnknownKeysAndKeysOutsideTheirWindow() throws Exception {
        Submission signed = unsigned("worker-7", T, "sheratan").signedBy(worker7());
        Submission renamed = signed.withMark(new IntegrityMark("ed25519", signed.coreSha256(),
                signed.mark().sig(), "worker-7/2025-01", 2));
        assertThat(verify(roundTrip(renamed)).reason()).isEqualTo(Reason.UNKNOWN_KEY);
        long after = KeyringFixture.NOT_AFTER;
        Submission late = unsigned("worker-7", after, "sheratan").signedBy(worker7());
        assertThat(IntegrityVerifier.verify(roundTrip(late), policy, keyring, after).reason()).isEqualTo(Reason.KEY_NOT_VALID);
        assertThat(IntegrityVerifier.verify(roundTrip(late), policy, keyring, after - 1).accepted()).isTrue();
    }

    @Test
    void shouldRejectAVersion1MarkWhenTheMinimumIs2AndAcceptItOtherwise() throws Exception {
        Submission v1 = reader.read("{\"job_id\":\"j\",\"ok\":true}".getBytes(StandardCharsets.UTF_8)).signedBy(Signer.v1(policy));
        assertThat(IntegrityVerifier.verify(roundTrip(v1), policy, keyring, T).accepted()).isTrue();
        assertThat(IntegrityVerifier.verify(roundTrip(v1), policy.withMinVersion(2), keyring, T).reason())
                .isEqualTo(Reason.UNSUPPORTED_VERSION);
    }

    @Test
    void shouldRefuseADowngradeAndAcceptAStrongerMark() throws Exception {
        Submission ed = roundTrip(unsigned("worker-7", T, "sheratan").signedBy(worker7()));
        assertThat(IntegrityVerifier.verify(ed, policy.withMode(Mode.HMAC), keyring, T).accepted()).as("stronger than hmac").isTrue();
        Submission sha = roundTrip(unsigned("worker-7", T, "sheratan").signedBy(Signer.sha256(2)));
        assertThat(IntegrityVerifier.verify(sha, policy.withMode(Mode.ED25519), keyring, T).reason()).isEqualTo(Reason.UNSUPPORTED_MODE);
    }

    @Test
    void shouldTreatTamperedClaimsAsASignatureMismatch() throws Exception {
        Submission signed = unsigned("worker-7", T, "sheratan").signedBy(worker7());
        String json = new String(EnvelopeWriter.toJson(signed), StandardCharsets.UTF_8);
        String later = json.replace("\"issued_at\":" + T, "\"issued_at\":" + (T + 1));
        Submission tampered = reader.read(later.getBytes(StandardCharsets.UTF_8));
        assertThat(verify(tampered).reason()).isEqualTo(Reason.SHA_MISMATCH);
        Submission noSha = tampered.withMark(new IntegrityMark("ed25519", null, signed.mark().sig(),
                "worker-7/2026-11", 2));
        assertThat(verify(noSha).reason()).isEqualTo(Reason.SIG_MISMATCH);
    }

    @Test
    void shouldRequireTheClaimsOfAVersion2MarkAsMalformedOtherwise() {
        String mark = ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + "a".repeat(64) + "\",\"v\":2}";
        for (String envelope : new String[] {
                "{\"job_id\":\"j\",\"ok\":true" + mark + ",\"issued_at\":1,\"aud\":\"sheratan\"}",
                "{\"job_id\":\"j\",\"ok\":true" + mark + ",\"node_id\":\"w\",\"aud\":\"sheratan\"}",
                "{\"job_id\":\"j\",\"ok\":true" + mark + ",\"node_id\":\"w\",\"issued_at\":1}",
                "{\"job_id\":\"j\",\"ok\":true" + mark + ",\"node_id\":\"w w\",\"issued_at\":1,\"aud\":\"sheratan\"}",
                "{\"job_id\":\"j\",\"ok\":true" + mark + ",\"node_id\":\"w\",\"issued_at\":1.5,\"aud\":\"sheratan\"}",
                "{\"job_id\":\"j\",\"ok\":true" + mark + ",\"node_id\":\"w\",\"issued_at\":\"1\",\"aud\":\"sheratan\"}",
                "{\"job_id\":\"j\",\"ok\":true" + mark + ",\"node_id\":\"w\",\"issued_at\":-1,\"aud\":\"sheratan\"}",
                "{\"job_id\":\"j\",\"ok\":true" + mark + ",\"node_id\":7,\"issued_at\":1,\"aud\":\"sheratan\"}"}) {
            assertThatThrownBy(() -> reader.read(envelope.getBytes(StandardCharsets.UTF_8))).as(envelope)
                    .isInstanceOf(MalformedEnvelopeException.class);
        }
    }

    @Test
    void shouldRefuseAVerifierRetentionThatAReplayCouldOutlive() {
        IntegrityPolicy p = policy.withFreshness(Duration.ofDays(6), Duration.ofDays(1));
        assertThat(p.maxAge().plus(p.maxSkew())).isEqualTo(Duration.ofDays(7)); // equal is refused by VerifierConfig
    }
}
