package io.sheratan.envelope;

/**
 * The {@code integrity} member of an envelope, exactly as submitted. Any field may be null; the
 * verifier decides what a missing field means under its policy.
 */
public record IntegrityMark(String mode, String sha256, String sig, String keyId) {

    /** True when the envelope carries neither a hash nor a signature: that is "no mark". */
    public boolean isEmpty() {
        return sha256 == null && sig == null;
    }
}
