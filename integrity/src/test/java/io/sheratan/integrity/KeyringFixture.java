package io.sheratan.integrity;

import io.sheratan.ed25519.Ed25519;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** A keyring for tests: worker-7's Ed25519 key (bound to worker-7), an open Ed25519 key, an HMAC key, a token. */
public final class KeyringFixture {

    public static final long NOT_BEFORE = 1_795_900_000_000L;
    public static final long NOT_AFTER = 1_798_500_000_000L;
    public static final long T = 1_795_924_800_000L; // inside every window
    public static final byte[] HMAC_SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    public static final String TOKEN = "ops-token-1";

    public final KeyPair worker7;
    public final KeyPair open;

    public KeyringFixture() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            worker7 = generator.generateKeyPair();
            open = generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String json() {
        Base64.Encoder b64 = Base64.getEncoder();
        return "{\"keys\":["
                + "{\"key_id\":\"worker-7/2026-11\",\"alg\":\"ed25519\",\"public_key\":\"" + b64.encodeToString(Ed25519.raw(worker7.getPublic()))
                + "\",\"nodes\":[\"worker-7\"],\"not_before\":" + NOT_BEFORE + ",\"not_after\":" + NOT_AFTER + "},"
                + "{\"key_id\":\"open/2026-11\",\"alg\":\"ed25519\",\"public_key\":\"" + b64.encodeToString(Ed25519.raw(open.getPublic())) + "\"},"
                + "{\"key_id\":\"hmac/2026-11\",\"alg\":\"hmac-sha256\",\"secret\":\"" + b64.encodeToString(HMAC_SECRET)
                + "\",\"not_before\":" + NOT_BEFORE + "}],"
                + "\"tokens\":[{\"token_id\":\"ops/2026-11\",\"sha256\":\"" + Marks.sha256Hex(TOKEN.getBytes(StandardCharsets.UTF_8))
                + "\",\"not_after\":" + NOT_AFTER + "}]}";
    }

    public Keyring keyring() {
        try {
            return Keyring.parse(json().getBytes(StandardCharsets.UTF_8));
        } catch (Keyring.KeyringException e) {
            throw new IllegalStateException(e);
        }
    }
}
