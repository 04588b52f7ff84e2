package io.sheratan.integrity;

/**
 * What the integrity check decided for one submission. Duplicates and conflicts are not decided
 * here: they need the verifier's memory of earlier results.
 *
 * @param reason null when verified; {@link Reason#MISSING_INTEGRITY} when accepted unmarked
 * @param mode   the mode that was checked, or null when there was no mark
 */
public record Verdict(Outcome outcome, Reason reason, String mode, String keyId) {

    public enum Outcome {
        /** The mark recomputes under the policy. */
        VERIFIED,
        /** No mark, and the policy does not require one: passes with a warning event. */
        ACCEPTED_UNMARKED,
        /** Rejected with {@link #reason()}. */
        REJECTED
    }

    public boolean accepted() {
        return outcome != Outcome.REJECTED;
    }

    static Verdict verified(String mode, String keyId) {
        return new Verdict(Outcome.VERIFIED, null, mode, keyId);
    }

    static Verdict rejected(Reason reason, String mode, String keyId) {
        return new Verdict(Outcome.REJECTED, reason, mode, keyId);
    }
}
