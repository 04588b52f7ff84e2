package io.sheratan.envelope;

/**
 * Makes the integrity mark of a submission. The contract only names the seam; the integrity rule
 * ({@code io.sheratan.integrity.Signer}, module {@code integrity}) implements it, so that the envelope
 * does not depend on the rule that judges it.
 */
@FunctionalInterface
public interface MarkMaker {
    IntegrityMark sign(Submission submission);
}
