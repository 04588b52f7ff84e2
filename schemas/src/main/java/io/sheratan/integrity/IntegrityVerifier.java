package io.sheratan.integrity;

import io.sheratan.envelope.IntegrityMark;
import io.sheratan.envelope.Submission;

import java.util.Optional;

/**
 * The integrity rule of DESIGN.md section 3.5 as one pure function: a submission and a policy in,
 * a {@link Verdict} out. The verifier stream, the gateway and {@code sheratan verify} all call this,
 * so there is exactly one place where "does this mark check out" is decided.
 *
 * <p>The order of checks matters: the mode is settled first (no downgrade: under an hmac policy a
 * mark that declares itself sha256 is {@code unsupported_mode}), then a present sha256 is checked
 * (a stale hash means the content changed: {@code sha_mismatch}), then the signature.
 */
public final class IntegrityVerifier {

    private IntegrityVerifier() {
    }

    public static Verdict verify(Submission submission, IntegrityPolicy policy) {
        IntegrityMark mark = submission.mark();
        if (mark == null || mark.isEmpty()) {
            if (policy.required()) {
                return Verdict.rejected(Reason.MISSING_INTEGRITY, null, null);
            }
            return new Verdict(Verdict.Outcome.ACCEPTED_UNMARKED, Reason.MISSING_INTEGRITY, null, null);
        }
        String declared = mark.mode() != null ? mark.mode() : policy.mode().code();
        Optional<Mode> parsed = Mode.parse(declared);
        if (parsed.isEmpty()) {
            return Verdict.rejected(Reason.UNSUPPORTED_MODE, null, mark.keyId());
        }
        Mode mode = parsed.get();
        if (mode.compareTo(policy.mode()) < 0) {
            return Verdict.rejected(Reason.UNSUPPORTED_MODE, mode.code(), mark.keyId());
        }
        if (mark.sha256() != null && !Marks.constantTimeEquals(submission.coreSha256(), mark.sha256())) {
            return Verdict.rejected(Reason.SHA_MISMATCH, mode.code(), mark.keyId());
        }
        if (mode == Mode.SHA256) {
            return mark.sha256() == null
                    ? Verdict.rejected(Reason.SHA_MISMATCH, mode.code(), mark.keyId())
                    : Verdict.verified(mode.code(), mark.keyId());
        }
        if (!policy.hasKey() || (policy.keyId() != null && mark.keyId() != null && !policy.keyId().equals(mark.keyId()))) {
            return Verdict.rejected(Reason.UNKNOWN_KEY, mode.code(), mark.keyId());
        }
        String expected = Marks.hmacHex(policy.hmacKey(), submission.core());
        if (!Marks.constantTimeEquals(expected, mark.sig())) {
            return Verdict.rejected(Reason.SIG_MISMATCH, mode.code(), mark.keyId());
        }
        return Verdict.verified(mode.code(), mark.keyId());
    }

    /** A fresh mark for {@code core} under the policy's mode: sha256 always, sig and key_id for hmac. */
    public static IntegrityMark sign(byte[] core, IntegrityPolicy policy) {
        return sign(core, Marks.sha256Hex(core), policy);
    }

    /** As {@link #sign(byte[], IntegrityPolicy)} when the core's SHA-256 is already known (a {@code Submission} has it). */
    public static IntegrityMark sign(byte[] core, String sha256, IntegrityPolicy policy) {
        if (policy.mode() == Mode.SHA256) {
            return new IntegrityMark(Mode.SHA256.code(), sha256, null, null);
        }
        return new IntegrityMark(Mode.HMAC.code(), sha256, Marks.hmacHex(policy.hmacKey(), core), policy.keyId());
    }
}
