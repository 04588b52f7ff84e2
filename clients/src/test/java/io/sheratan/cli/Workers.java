package io.sheratan.cli;

import io.sheratan.integrity.Marks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/** The keys a test's workers sign with, and the keyring file that names them (DESIGN 3c). */
record Workers(Path keyring, Path ed25519Pem, String hmacSecret, String token) {

    static final String NODE = "worker-other";
    static final String ED25519_KEY_ID = "worker-other/2026-11";
    static final String HMAC_KEY_ID = "hmac/other-languages";

    /** The four marks each client must produce: mode, version, the flags that select them. */
    enum Mark {
        V1_SHA256("sha256", 1, List.of("--mode", "sha256")),
        V1_HMAC("hmac", 1, List.of("--mode", "hmac")),
        V2_HMAC("hmac", 2, List.of("--mode", "hmac", "--v2", "--key-id", HMAC_KEY_ID, "--node", NODE)),
        V2_ED25519("ed25519", 2, List.of("--mode", "ed25519", "--node", NODE));

        final String mode;
        final int version;
        final List<String> flags;

        Mark(String mode, int version, List<String> flags) {
            this.mode = mode;
            this.version = version;
            this.flags = flags;
        }
    }

    static Workers create(Path dir) throws IOException, NoSuchAlgorithmException {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = pair.getPublic().getEncoded();
        byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        Path pem = dir.resolve("worker.pem");
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
        String secret = "other-languages-hmac-secret-0123456789";
        String token = "other-languages-token";
        Path keyring = dir.resolve("keyring.json");
        Files.writeString(keyring, "{\"keys\":["
                + "{\"key_id\":\"" + ED25519_KEY_ID + "\",\"alg\":\"ed25519\",\"public_key\":\"" + Base64.getEncoder().encodeToString(raw)
                + "\",\"nodes\":[\"" + NODE + "\"]},"
                + "{\"key_id\":\"" + HMAC_KEY_ID + "\",\"alg\":\"hmac-sha256\",\"secret\":\""
                + Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)) + "\"}],"
                + "\"tokens\":[{\"token_id\":\"ci\",\"sha256\":\"" + Marks.sha256Hex(token.getBytes(StandardCharsets.UTF_8)) + "\"}]}");
        return new Workers(keyring, pem, secret, token);
    }
}
