package io.sheratan.integrity;

import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.IntegrityMark;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each outcome of the integrity rule (DESIGN.md section 3.5 and the table of section 4). */
class IntegrityVerifierTest {

    private static final IntegrityPolicy SHA256 = IntegrityPolicy.defaults();
    private static final IntegrityPolicy HMAC = IntegrityPolicy.fromEnv(Map.of(
            "SHERATAN_RESULT_INTEGRITY_MODE", "hmac", "SHERATAN_RESULT_HMAC_KEY", "k1"));

    private final EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);

    private Submission read(String json) throws MalformedEnvelopeException {
        return reader.read(json.getBytes(StandardCharsets.UTF_8));
    }

    private Submission signed(String json, IntegrityPolicy policy) throws MalformedEnvelopeException {
        Submission s = read(json);
        return s.withMark(IntegrityVerifier.sign(s.core(), policy));
    }

    /** Writes the signed envelope, edits its text, and reads it back: what a tamperer on the wire does. */
    private Submission tampered(Submission signed, String from, String to) throws MalformedEnvelopeException {
        String json = new String(EnvelopeWriter.toJson(signed), StandardCharsets.UTF_8);
        assertThat(json).contains(from);
        return read(json.replace(from, to));
    }

    @Test
    void shouldVerifyAValidSha256Mark() throws Exception {
        Submission s = signed("{\"job_id\":\"j1\",\"ok\":true,\"result\":{\"value\":42}}", SHA256);
        assertThat(IntegrityVerifier.verify(s, SHA256)).isEqualTo(new Verdict(Verdict.Outcome.VERIFIED, null, "sha256", null));
    }

    @Test
    void shouldVerifyAValidHmacMark() throws Exception {
        Submission s = signed("{\"job_id\":\"j1\",\"ok\":true,\"result\":{\"value\":42}}", HMAC);
        assertThat(s.mark().sig()).hasSize(64);
        assertThat(IntegrityVerifier.verify(s, HMAC).outcome()).isEqualTo(Verdict.Outcome.VERIFIED);
    }

    @Test
    void shouldRejectATamperedValueWithTheOldMarkAsShaMismatch() throws Exception {
        Submission s = signed("{\"job_id\":\"j1\",\"ok\":true,\"result\":{\"value\":42}}", SHA256);
        Submission t = tampered(s, "42", "43");
        assertThat(IntegrityVerifier.verify(t, SHA256).reason()).isEqualTo(Reason.SHA_MISMATCH);
        assertThat(IntegrityVerifier.verify(tampered(s, "true", "false"), SHA256).reason()).isEqualTo(Reason.SHA_MISMATCH);
        assertThat(IntegrityVerifier.verify(tampered(s, "\"j1\"", "\"j2\""), SHA256).reason()).isEqualTo(Reason.SHA_MISMATCH);
    }

    @Test
    void shouldRejectAWrongSigUnderHmacPolicy() throws Exception {
        Submission s = signed("{\"job_id\":\"j1\",\"ok\":true,\"result\":1}", HMAC);
        IntegrityPolicy otherKey = IntegrityPolicy.fromEnv(Map.of(
                "SHERATAN_RESULT_INTEGRITY_MODE", "hmac", "SHERATAN_RESULT_HMAC_KEY", "k2"));
        assertThat(IntegrityVerifier.verify(s, otherKey).reason()).isEqualTo(Reason.SIG_MISMATCH);
    }

    @Test
    void shouldRejectAMissingSigUnderHmacPolicy() throws Exception {
        Submission s = signed("{\"job_id\":\"j1\",\"ok\":true,\"result\":1}", HMAC);
        Submission noSig = s.withMark(new IntegrityMark("hmac", s.mark().sha256(), null, null));
        assertThat(IntegrityVerifier.verify(noSig, HMAC).reason()).isEqualTo(Reason.SIG_MISMATCH);
        Submission noMode = s.withMark(new IntegrityMark(null, s.mark().sha256(), null, null));
        assertThat(IntegrityVerifier.verify(noMode, HMAC).reason()).isEqualTo(Reason.SIG_MISMATCH);
    }

    @Test
    void shouldNotLetASha256MarkDowngradeAnHmacPolicy() throws Exception {
        Submission s = signed("{\"job_id\":\"j1\",\"ok\":true,\"result\":1}", SHA256);
        Verdict verdict = IntegrityVerifier.verify(s, HMAC);
        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.REJECTED);
        assertThat(verdict.reason()).isEqualTo(Reason.UNSUPPORTED_MODE);
    }

    @Test
    void shouldRejectAnUnmarkedResultWhenRequired() throws Exception {
        Verdict verdict = IntegrityVerifier.verify(read("{\"job_id\":\"j1\",\"ok\":true}"), SHA256);
        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.REJECTED);
        assertThat(verdict.reason()).isEqualTo(Reason.MISSING_INTEGRITY);
    }

    @Test
    void shouldAcceptAnUnmarkedResultWithAWarningWhenNotRequired() throws Exception {
        Verdict verdict = IntegrityVerifier.verify(read("{\"job_id\":\"j1\",\"ok\":true,\"integrity\":null}"),
                SHA256.withRequired(false));
        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.ACCEPTED_UNMARKED);
        assertThat(verdict.reason()).isEqualTo(Reason.MISSING_INTEGRITY);
    }

    @Test
    void shouldRejectAnUnknownMode() throws Exception {
        Submission s = signed("{\"job_id\":\"j1\",\"ok\":true}", SHA256);
        Submission md5 = s.withMark(new IntegrityMark("md5", s.mark().sha256(), null, null));
        assertThat(IntegrityVerifier.verify(md5, SHA256).reason()).isEqualTo(Reason.UNSUPPORTED_MODE);
    }

    @Test
    void shouldRejectAKeyIdTheVerifierDoesNotKnow() throws Exception {
        IntegrityPolicy withKeyId = IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_INTEGRITY_MODE", "hmac",
                "SHERATAN_RESULT_HMAC_KEY", "k1", "SHERATAN_RESULT_HMAC_KEY_ID", "2026-11"));
        Submission s = signed("{\"job_id\":\"j1\",\"ok\":true}", withKeyId);
        assertThat(IntegrityVerifier.verify(s, withKeyId).outcome()).isEqualTo(Verdict.Outcome.VERIFIED);
        Submission other = s.withMark(new IntegrityMark("hmac", s.mark().sha256(), s.mark().sig(), "2025-01"));
        assertThat(IntegrityVerifier.verify(other, withKeyId).reason()).isEqualTo(Reason.UNKNOWN_KEY);
    }

    @Test
    void shouldVerifyHarmlessReEncodings() throws Exception {
        Submission original = signed("{\"job_id\":\"A1\",\"ok\":true,\"result\":{\"n\":1,\"s\":\"A\",\"list\":[1,2]}}", SHA256);
        IntegrityMark mark = original.mark();
        String markJson = ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + mark.sha256() + "\"}";
        String[] reEncodings = {
            "{ \"job_id\" : \"A1\" ,\n\t\"ok\" : true , \"result\" : { \"n\" : 1 , \"s\" : \"A\" , \"list\" : [ 1 , 2 ] } " + markJson + " }",
            "{\"result\":{\"list\":[1,2],\"s\":\"A\",\"n\":1},\"ok\":true,\"job_id\":\"A1\"" + markJson + "}",
            "{\"job_id\":\"A1\",\"ok\":true,\"result\":{\"n\":1.0,\"s\":\"A\",\"list\":[1e0,2.00]}" + markJson + "}",
            "{\"job_id\":\"\\u0041\\u0031\",\"ok\":true,\"result\":{\"n\":1,\"s\":\"\\u0041\",\"list\":[1,2]}" + markJson + "}",
            "{\"job_id\":\"A1\",\"ok\":true,\"error\":null,\"result\":{\"n\":1,\"s\":\"A\",\"list\":[1,2]}" + markJson
                    + ",\"sent_at\":\"2026-11-25T00:00:00Z\"}",
        };
        for (String json : reEncodings) {
            assertThat(IntegrityVerifier.verify(read(json), SHA256).outcome()).as(json).isEqualTo(Verdict.Outcome.VERIFIED);
        }
    }

    @Test
    void shouldBuildTheCoreWithoutNullsOrTransportFields() throws Exception {
        Submission s = read("{\"integrity\":null,\"result\":null,\"ok\":false,\"job_id\":\"j\",\"error\":\"boom\",\"node\":\"n1\"}");
        assertThat(new String(s.core(), StandardCharsets.UTF_8)).isEqualTo("{\"error\":\"boom\",\"job_id\":\"j\",\"ok\":false}");
    }

    /**
     * A {@code sig} that no HMAC can equal (missing, wrong length, not lowercase hex) is refused
     * before any key is used: a key that cannot compute an HMAC at all (an empty secret) proves that
     * none was computed. Same verdict as before the check, for the right-shaped sig too.
     */
    @Test
    void shouldRefuseAMisshapenSigBeforeComputingAnyHmac() throws Exception {
        Submission s = read("{\"job_id\":\"j1\",\"ok\":true,\"result\":{\"value\":42}}");
        Keyring noMac = Keyring.legacy(new byte[0], null, null);
        String good = "ab".repeat(32);
        for (String sig : new String[] {null, "", good.substring(1), good + "a", good.toUpperCase(), "g" + good.substring(1), " " + good.substring(1)}) {
            Submission marked = s.withMark(new IntegrityMark("hmac", s.coreSha256(), sig, null));
            assertThat(IntegrityVerifier.verify(marked, HMAC, noMac, 0).reason()).as(String.valueOf(sig)).isEqualTo(Reason.SIG_MISMATCH);
        }
        Submission wellShaped = s.withMark(new IntegrityMark("hmac", s.coreSha256(), good, null));
        assertThatThrownBy(() -> IntegrityVerifier.verify(wellShaped, HMAC, noMac, 0))
                .as("a well-shaped sig is checked with the key (which here cannot compute)").isInstanceOf(RuntimeException.class);
        assertThat(IntegrityVerifier.isHex(good.toUpperCase(), 64)).as("ed25519: either case, as always").isTrue();
        assertThat(IntegrityVerifier.isLowerHex(good.toUpperCase(), 64)).as("hmac: lower case, the only form that ever matched").isFalse();
        Submission forged = s.withMark(new IntegrityMark("hmac", s.coreSha256(), good, null));
        assertThat(IntegrityVerifier.verify(forged, HMAC).reason()).isEqualTo(Reason.SIG_MISMATCH);
    }
}
