package io.sheratan.envelope;

/**
 * The {@code integrity} member of an envelope, exactly as submitted. Any field may be null; the
 * verifier decides what a missing field means under its policy. {@code version} is the mark's
 * {@code v} (DESIGN.md section 3b): null for a version 1 mark.
 */
public record IntegrityMark(String mode, String sha256, String sig, String keyId, Integer version) {

    /** A mark without {@code v}: canonical version 1. */
    public IntegrityMark(String mode, String sha256, String sig, String keyId) {
        this(mode, sha256, sig, keyId, null);
    }

    /** The canonical version the mark declares: {@code v}, or 1 when absent. */
    public int canonicalVersion() {
        return version == null ? 1 : version;
    }

    /** True when the envelope carries neither a hash nor a signature: that is "no mark". */
    public boolean isEmpty() {
        return sha256 == null && sig == null;
    }
}
