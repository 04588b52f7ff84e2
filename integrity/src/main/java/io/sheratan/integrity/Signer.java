package io.sheratan.integrity;

import io.sheratan.ed25519.Ed25519;

import io.sheratan.config.Setting;
import io.sheratan.envelope.IntegrityMark;
import io.sheratan.envelope.MarkMaker;
import io.sheratan.envelope.Submission;

import io.sheratan.config.ConfigException;
import io.sheratan.config.EnvParsers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Makes marks (the worker's side of DESIGN.md sections 3 and 3b): {@code sha256} over the
 * canonical core; {@code hmac} over the core (version 1) or over its DSSE encoding (version 2);
 * {@code ed25519} over the DSSE encoding (version 2 only). The submission's core must already be of
 * the signer's version (a version 2 core carries the claims: {@link Submission#withClaims}).
 */
public final class Signer implements MarkMaker {

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

    /**
     * The version 1 signer of a policy's single-key settings ({@link IntegrityVerifier#sign}): sha256,
     * or hmac with {@code SHERATAN_RESULT_HMAC_KEY} (and its key id, when set).
     */
    public static Signer v1(IntegrityPolicy policy) {
        if (policy.mode() == Mode.SHA256) {
            return sha256(1);
        }
        if (policy.mode() != Mode.HMAC || !policy.hasKey()) {
            throw new IllegalStateException("the policy's single key can sign sha256 and hmac version 1 marks; "
                    + policy.mode().code() + " needs a Signer");
        }
        return hmac(policy.keyId(), policy.hmacKey(), 1);
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

    public static final Setting SIGNING_KEY_FILE_SETTING = Setting.optional("SHERATAN_SIGNING_KEY_FILE", null,
            "a worker's Ed25519 private key (PKCS#8 PEM): submit and ResultPublisher then sign version 2");
    public static final Setting SIGNING_KEY_ID_SETTING = Setting.optional("SHERATAN_SIGNING_KEY_ID", null,
            "that key's id in the keyring");
    public static final Setting NODE_ID_SETTING = Setting.optional("SHERATAN_NODE_ID", null,
            "the worker's node id, signed into version 2 results");
    public static final String SIGNING_KEY_FILE = SIGNING_KEY_FILE_SETTING.name();
    public static final String SIGNING_KEY_ID = SIGNING_KEY_ID_SETTING.name();
    public static final String NODE_ID = NODE_ID_SETTING.name();

    /**
     * A worker's signer from the environment (DESIGN.md section 5): with {@value #SIGNING_KEY_FILE} (a
     * PKCS#8 PEM Ed25519 key) and {@value #SIGNING_KEY_ID}, an ed25519 version 2 signer; with an hmac
     * policy whose minimum version is 2, an hmac version 2 signer under the policy's key id; otherwise
     * none (the policy signs version 1 marks). Problems fail naming the variable.
     */
    public static Optional<Signer> fromEnv(Map<String, String> env, IntegrityPolicy policy) {
        String file = EnvParsers.get(env, SIGNING_KEY_FILE);
        if (file != null) {
            String keyId = EnvParsers.get(env, SIGNING_KEY_ID);
            if (keyId == null) {
                throw new ConfigException(SIGNING_KEY_ID, "required with " + SIGNING_KEY_FILE + ": the key_id of the keyring entry");
            }
            try {
                return Optional.of(ed25519(keyId, Ed25519.privateKeyFromPem(Files.readString(Path.of(file), StandardCharsets.US_ASCII))));
            } catch (IOException | GeneralSecurityException e) {
                throw new ConfigException(SIGNING_KEY_FILE, "cannot read an Ed25519 PKCS#8 PEM private key from " + file + ": " + e.getMessage());
            }
        }
        if (policy.mode() == Mode.HMAC && policy.minVersion() == 2 && policy.hasKey()) {
            if (policy.keyId() == null) {
                throw new ConfigException(IntegrityPolicy.HMAC_KEY_ID, "required to sign version 2 hmac marks");
            }
            return Optional.of(hmac(policy.keyId(), policy.hmacKey(), 2));
        }
        return Optional.empty();
    }

    public Mode mode() {
        return mode;
    }

    public int version() {
        return version;
    }

    @Override
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
