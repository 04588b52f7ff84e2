package io.sheratan.integrity;

import io.sheratan.envelope.IntegrityMark;
import io.sheratan.envelope.Submission;

import java.security.PrivateKey;
import java.util.HexFormat;

/**
 * Makes marks (the worker's side of DESIGN.md sections 3 and 3b): {@code sha256} over the
 * canonical core; {@code hmac} over the core (version 1) or over its DSSE encoding (version 2);
 * {@code ed25519} over the DSSE encoding (version 2 only). The submission's core must already be of
 * the signer's version (a version 2 core carries the claims: {@link Submission#withClaims}).
 */
public final class Signer {

    private final Mode mode;
    private final String keyId;
    private final byte[] secret;
    private final PrivateKey privateKey;
    private final int version;

    private Signer(Mode mode, String keyId, byte[] secret, PrivateKey privateKey, int version) {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("canonical version 1 or 2, not " + version);
        }
        this.mode = mode;
        this.keyId = keyId;
        this.secret = secret == null ? null : secret.clone();
        this.privateKey = privateKey;
        this.version = version;
    }

    public static Signer sha256(int version) {
        return new Signer(Mode.SHA256, null, null, null, version);
    }

    /** @param keyId may be null for version 1 (the verifier then tries every hmac key); required for version 2 */
    public static Signer hmac(String keyId, byte[] secret, int version) {
        if (version == 2 && keyId == null) {
            throw new IllegalArgumentException("a version 2 hmac mark names its key: key_id is required");
        }
        return new Signer(Mode.HMAC, keyId, secret, null, version);
    }

    public static Signer ed25519(String keyId, PrivateKey key) {
        if (keyId == null) {
            throw new IllegalArgumentException("an ed25519 mark names its key: key_id is required");
        }
        return new Signer(Mode.ED25519, keyId, null, key, 2);
    }

    public Mode mode() {
        return mode;
    }

    public int version() {
        return version;
    }

    public IntegrityMark sign(Submission s) {
        if (s.coreVersion() != version) {
            throw new IllegalArgumentException("a version " + version + " signer needs a version " + version
                    + " core; this one is version " + s.coreVersion() + (version == 2 ? " (add the claims first)" : ""));
        }
        byte[] signed = version == 2 ? Pae.encode(s.core()) : s.core();
        Integer v = version == 2 ? 2 : null;
        return switch (mode) {
            case SHA256 -> new IntegrityMark(Mode.SHA256.code(), s.coreSha256(), null, null, v);
            case HMAC -> new IntegrityMark(Mode.HMAC.code(), s.coreSha256(), Marks.hmacHex(secret, signed), keyId, v);
            case ED25519 -> new IntegrityMark(Mode.ED25519.code(), s.coreSha256(),
                    HexFormat.of().formatHex(Ed25519.sign(privateKey, signed)), keyId, v);
        };
    }

    @Override
    public String toString() {
        return "Signer[" + mode.code() + ", v" + version + (keyId == null ? "" : ", key " + keyId) + "]";
    }
}
