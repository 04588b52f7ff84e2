package io.sheratan.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.Claims;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.IntegrityMark;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The repository's own envelope vectors for workers in other languages ({@code conformance/v2/envelopes.json}):
 * valid envelopes with their core bytes, DSSE encoding, sha256 and signature under published test keys,
 * and invalid ones with the reason the verifier gives. This test recomputes every field and every
 * verdict, so the file and the implementation can never drift apart. {@link #main} wrote the file.
 */
class ConformanceV2Test {

    /** RFC 8032 section 7.1, TEST 1: a published Ed25519 secret key (never use it for anything real). */
    static final String ED25519_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    static final String ED25519_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    /** A published HMAC test secret (32 bytes of ASCII). */
    static final byte[] HMAC_SECRET = "sheratan-conformance-hmac-secret".getBytes(StandardCharsets.US_ASCII);
    static final long T = 1_795_924_800_000L;
    static final ObjectMapper JSON = new ObjectMapper();

    static Path file() {
        Path here = Path.of(System.getProperty("user.dir"));
        Path root = Files.isDirectory(here.resolve("conformance")) ? here : here.getParent();
        return root.resolve("conformance/v2/envelopes.json");
    }

    static String keyring() {
        Base64.Encoder b64 = Base64.getEncoder();
        return "{\"keys\":[{\"key_id\":\"worker-7/2026-11\",\"alg\":\"ed25519\",\"public_key\":\""
                + b64.encodeToString(HexFormat.of().parseHex(ED25519_PUBLIC)) + "\",\"nodes\":[\"worker-7\"]},"
                + "{\"key_id\":\"retired/2025\",\"alg\":\"ed25519\",\"public_key\":\"" + b64.encodeToString(HexFormat.of().parseHex(ED25519_PUBLIC))
                + "\",\"not_after\":1700000000000},"
                + "{\"key_id\":\"hmac/2026-11\",\"alg\":\"hmac-sha256\",\"secret\":\"" + b64.encodeToString(HMAC_SECRET) + "\"}]}";
    }

    static PrivateKey privateKey() throws Exception {
        byte[] der = HexFormat.of().parseHex("302e020100300506032b657004220420" + ED25519_SEED);
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    @Test
    void shouldReproduceEveryVectorAndVerdict() throws Exception {
        JsonNode root = JSON.readTree(file().toFile());
        Keyring keyring = Keyring.parse(root.get("keyring").toString().getBytes(StandardCharsets.UTF_8));
        IntegrityPolicy policy = IntegrityPolicy.defaults();
        EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);
        PrivateKey key = privateKey();
        int valid = 0;
        int invalid = 0;
        for (JsonNode vector : root.get("vectors")) {
            String name = vector.get("name").asText();
            byte[] envelope = vector.get("envelope").toString().getBytes(StandardCharsets.UTF_8);
            long t = vector.get("t").asLong();
            String expected = vector.get("expected").asText();
            if (expected.equals("malformed")) {
                try {
                    reader.read(envelope);
                    throw new AssertionError(name + ": expected malformed");
                } catch (MalformedEnvelopeException e) {
                    invalid++;
                    continue;
                }
            }
            Submission s = reader.read(envelope);
            Verdict verdict = IntegrityVerifier.verify(s, policy, keyring, t);
            if (expected.equals("verified")) {
                valid++;
                assertThat(verdict.outcome()).as(name).isEqualTo(Verdict.Outcome.VERIFIED);
                assertThat(new String(s.core(), StandardCharsets.UTF_8)).as(name + " core").isEqualTo(vector.get("core").asText());
                assertThat(s.coreSha256()).as(name + " sha256").isEqualTo(vector.get("sha256").asText());
                if (vector.has("pae")) {
                    assertThat(new String(Pae.encode(s.core()), StandardCharsets.UTF_8)).as(name + " pae").isEqualTo(vector.get("pae").asText());
                }
                if (s.mark().mode().equals("ed25519")) {
                    assertThat(HexFormat.of().formatHex(Ed25519.sign(key, Pae.encode(s.core())))).as(name + " deterministic sig")
                            .isEqualTo(s.mark().sig());
                }
            } else {
                invalid++;
                assertThat(verdict.reason()).as(name).isNotNull();
                assertThat(verdict.reason().code()).as(name).isEqualTo(expected);
            }
        }
        assertThat(valid).isGreaterThanOrEqualTo(5);
        assertThat(invalid).isGreaterThanOrEqualTo(10);
    }

    /** Writes {@code conformance/v2/envelopes.json} (run once by hand; the test above checks what it wrote). */
    public static void main(String[] args) throws Exception {
        EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);
        PrivateKey key = privateKey();
        Signer ed = Signer.ed25519("worker-7/2026-11", key);
        Signer hmac = Signer.hmac("hmac/2026-11", HMAC_SECRET, 2);
        ObjectNode root = JSON.createObjectNode();
        root.put("description", "Sheratan canonical version 1 and 2 envelope vectors (DESIGN.md sections 3, 3b, 3c). Verify each envelope"
                + " at record time t with the keyring below, pipeline id 'sheratan', SHERATAN_RESULT_MAX_AGE PT1H, SHERATAN_RESULT_MAX_SKEW PT5M,"
                + " minimum version 1, minimum mode sha256. The Ed25519 key is RFC 8032 TEST 1 and the HMAC secret is published: test use only.");
        root.put("ed25519_seed_hex", ED25519_SEED);
        root.put("ed25519_public_hex", ED25519_PUBLIC);
        root.put("hmac_secret_ascii", new String(HMAC_SECRET, StandardCharsets.US_ASCII));
        root.set("keyring", JSON.readTree(keyring()));
        ArrayNode vectors = root.putArray("vectors");
        Submission base = reader.read("{\"job_id\":\"job_123\",\"ok\":true,\"result\":{\"value\":42,\"note\":\"héllo ☃\"}}".getBytes(StandardCharsets.UTF_8));
        Submission failed = reader.read("{\"job_id\":\"job_124\",\"ok\":false,\"error\":{\"code\":7,\"message\":\"out of memory\"},\"result\":null}"
                .getBytes(StandardCharsets.UTF_8));
        Claims claims = new Claims("worker-7", T, "sheratan");
        valid(vectors, "v2 ed25519", base.withClaims(claims).signedBy(ed));
        valid(vectors, "v2 ed25519, ok false with an error", failed.withClaims(claims).signedBy(ed));
        valid(vectors, "v2 hmac over the PAE", base.withClaims(new Claims("worker-9", T, "sheratan")).signedBy(hmac));
        valid(vectors, "v2 sha256", base.withClaims(claims).signedBy(Signer.sha256(2)));
        valid(vectors, "v1 sha256", base.signedBy(Signer.sha256(1)));
        valid(vectors, "v1 hmac without key_id", base.signedBy(Signer.hmac(null, HMAC_SECRET, 1)));
        invalid(vectors, "node_mismatch: worker-7's key, node_id worker-8", base.withClaims(new Claims("worker-8", T, "sheratan")).signedBy(ed), "node_mismatch");
        invalid(vectors, "stale: issued an hour and a millisecond before t", base.withClaims(new Claims("worker-7", T - 3_600_001, "sheratan")).signedBy(ed), "stale");
        invalid(vectors, "future_dated: issued five minutes and a millisecond after t", base.withClaims(new Claims("worker-7", T + 300_001, "sheratan")).signedBy(ed), "future_dated");
        invalid(vectors, "wrong_audience: meant for staging", base.withClaims(new Claims("worker-7", T, "staging")).signedBy(ed), "wrong_audience");
        invalid(vectors, "unknown_key", base.withClaims(claims).signedBy(Signer.ed25519("worker-7/1999", key)), "unknown_key");
        invalid(vectors, "key_not_valid: a key whose not_after is before t", base.withClaims(claims).signedBy(Signer.ed25519("retired/2025", key)), "key_not_valid");
        Submission signed = base.withClaims(claims).signedBy(ed);
        Submission laterClaim = base.withClaims(new Claims("worker-7", T + 1, "sheratan"));
        invalid(vectors, "sig_mismatch: issued_at changed after signing, no sha256", laterClaim.withMark(
                new IntegrityMark("ed25519", null, signed.mark().sig(), "worker-7/2026-11", 2)), "sig_mismatch");
        invalid(vectors, "sha_mismatch: issued_at changed after signing", laterClaim.withMark(signed.mark()), "sha_mismatch");
        invalid(vectors, "sig_mismatch: hmac over the bare core instead of the PAE", base.withClaims(claims).withMark(new IntegrityMark("hmac",
                base.withClaims(claims).coreSha256(), Marks.hmacHex(HMAC_SECRET, base.withClaims(claims).core()), "hmac/2026-11", 2)), "sig_mismatch");
        invalid(vectors, "unsupported_version: v 3", base.withClaims(claims).withMark(new IntegrityMark("sha256",
                base.withClaims(claims).coreSha256(), null, null, 3)), "unsupported_version");
        invalid(vectors, "unsupported_mode: ed25519 with a version 1 core", base.withMark(new IntegrityMark("ed25519", base.coreSha256(),
                signed.mark().sig(), "worker-7/2026-11", null)), "unsupported_mode");
        ObjectNode noAud = (ObjectNode) JSON.readTree(EnvelopeWriter.toJson(signed));
        noAud.remove("aud");
        ObjectNode v = vectors.addObject();
        v.put("name", "malformed: a version 2 mark without aud");
        v.set("envelope", noAud);
        v.put("t", T);
        v.put("expected", "malformed");
        Files.writeString(file(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
        System.out.println("wrote " + file());
    }

    private static void valid(ArrayNode vectors, String name, Submission s) throws Exception {
        ObjectNode v = vectors.addObject();
        v.put("name", name);
        v.set("envelope", JSON.readTree(EnvelopeWriter.toJson(s)));
        v.put("t", T);
        v.put("expected", "verified");
        v.put("core", new String(s.core(), StandardCharsets.UTF_8));
        v.put("sha256", s.coreSha256());
        if (s.coreVersion() == 2) {
            v.put("pae", new String(Pae.encode(s.core()), StandardCharsets.UTF_8));
        }
    }

    private static void invalid(ArrayNode vectors, String name, Submission s, String reason) throws Exception {
        ObjectNode v = vectors.addObject();
        v.put("name", name);
        v.set("envelope", JSON.readTree(EnvelopeWriter.toJson(s)));
        v.put("t", T);
        v.put("expected", reason);
    }
}
