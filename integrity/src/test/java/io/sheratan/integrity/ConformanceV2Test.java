package io.sheratan.integrity;

import io.sheratan.ed25519.Ed25519;

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
import java.util.Map;

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
        PrivateKey key = privateKey();
        int valid = 0;
        int invalid = 0;
        java.util.Set<String> reasons = new java.util.TreeSet<>();
        for (JsonNode vector : root.get("vectors")) {
            String name = vector.get("name").asText();
            byte[] envelope = envelopeBytes(vector);
            long t = vector.get("t").asLong();
            String expected = vector.get("expected").asText();
            java.util.Map<String, String> env = new java.util.HashMap<>();
            env.put(IntegrityPolicy.KEYRING_FILE, "(the file's keyring)");
            vector.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            IntegrityPolicy policy = IntegrityPolicy.fromEnv(env);
            EnvelopeReader reader = new EnvelopeReader(policy.limits());
            reasons.add(expected);
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
                assertThat(verdict.outcome()).as(name).isEqualTo(s.mark() == null || s.mark().isEmpty()
                        ? Verdict.Outcome.ACCEPTED_UNMARKED : Verdict.Outcome.VERIFIED);
                if (vector.has("core")) {
                    assertThat(new String(s.core(), StandardCharsets.UTF_8)).as(name + " core").isEqualTo(vector.get("core").asText());
                    assertThat(s.coreSha256()).as(name + " sha256").isEqualTo(vector.get("sha256").asText());
                }
                if (vector.has("pae")) {
                    assertThat(new String(Pae.encode(s.core()), StandardCharsets.UTF_8)).as(name + " pae").isEqualTo(vector.get("pae").asText());
                }
                if (s.mark() != null && "ed25519".equals(s.mark().mode())) {
                    assertThat(HexFormat.of().formatHex(Ed25519.sign(key, Pae.encode(s.core())))).as(name + " deterministic sig")
                            .isEqualTo(s.mark().sig());
                }
            } else {
                invalid++;
                assertThat(verdict.reason()).as(name).isNotNull();
                assertThat(verdict.reason().code()).as(name).isEqualTo(expected);
            }
        }
        assertThat(valid).isGreaterThanOrEqualTo(12);
        assertThat(invalid).isGreaterThanOrEqualTo(40);
        // every reason of DESIGN section 4 that an offline check of one envelope can give
        assertThat(reasons).containsAll(java.util.List.of("verified", "missing_integrity", "sha_mismatch", "sig_mismatch",
                "unsupported_mode", "unknown_key", "key_not_valid", "node_mismatch", "stale", "future_dated", "wrong_audience",
                "unsupported_version", "malformed"));
    }

    /** The vector's exact bytes: {@code envelope_hex}, else {@code envelope_text}, else the {@code envelope} object. */
    static byte[] envelopeBytes(JsonNode vector) {
        if (vector.has("envelope_hex")) {
            return HexFormat.of().parseHex(vector.get("envelope_hex").asText());
        }
        if (vector.has("envelope_text")) {
            return vector.get("envelope_text").asText().getBytes(StandardCharsets.UTF_8);
        }
        return vector.get("envelope").toString().getBytes(StandardCharsets.UTF_8);
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
                + " minimum version 1, minimum mode sha256, unless the vector's 'env' sets policy variables (DESIGN section 5) for it. The envelope is"
                + " 'envelope' (a JSON object; any serialization of it will do), 'envelope_text' (exact text, not canonical on purpose) or"
                + " 'envelope_hex' (exact bytes). 'expected' is 'verified' or the reason; valid vectors also give the canonical core, its sha256"
                + " and for version 2 the DSSE pre-authentication encoding. The Ed25519 key is RFC 8032 TEST 1 and the HMAC secret is"
                + " published: test use only.");
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
        more(vectors, reader, ed, hmac, key, base, claims);
        Files.writeString(file(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
        System.out.println("wrote " + file());
    }

    /** The vectors added for issue 17: v1 core rules, policies, every strict-profile rule, boundaries. */
    private static void more(ArrayNode vectors, EnvelopeReader reader, Signer ed, Signer hmac, PrivateKey key, Submission base, Claims claims)
            throws Exception {
        Signer sha1 = Signer.sha256(1);
        Signer hmac1 = Signer.hmac(null, HMAC_SECRET, 1);
        // valid: the core rules a worker must get right
        String nulls = "{\"job_id\":\"job_200\",\"ok\":true,\"result\":null,\"error\":null,\"node_id\":\"not-in-a-v1-core\",\"extra\":[1,2]}";
        validText(vectors, reader, "v1: null result and error and unknown members are left out of the core", nulls, sha1, Map.of());
        validText(vectors, reader, "v1: error as a string, ok false, no result",
                "{\"job_id\":\"job_201\",\"ok\":false,\"error\":\"timeout after 30 s\"}", sha1, Map.of());
        validText(vectors, reader, "v1: input not canonical (whitespace, order, escapes, number forms); the core is canonical",
                "{ \"ok\" : true,\n \"result\" : {\"z\": 1E2, \"a\": [0.50, -0, 1e-7], \"\\u00e9\": \"\\u00e9\\/\"},\n \"job_id\" : \"job\\u005f202\" }",
                sha1, Map.of());
        validText(vectors, reader, "v1: job_id of 256 characters (code points, astral ones count once)",
                "{\"job_id\":\"" + "\uD83D\uDE00".repeat(128) + "x".repeat(128) + "\",\"ok\":true}", sha1, Map.of());
        validText(vectors, reader, "v1 hmac under an hmac policy", "{\"job_id\":\"job_203\",\"ok\":true,\"result\":[1,\"two\",{\"three\":3.0}]}",
                hmac1, Map.of(IntegrityPolicy.MODE, "hmac"));
        validText(vectors, reader, "v2 ed25519 under a minimum version 2 and an ed25519 policy",
                withClaimsText("{\"job_id\":\"job_204\",\"ok\":true,\"result\":\"done\"}", claims), ed,
                Map.of(IntegrityPolicy.MODE, "ed25519", IntegrityPolicy.CANONICAL_VERSION, "2"));
        validText(vectors, reader, "v2: issued_at exactly SHERATAN_RESULT_MAX_AGE before t",
                withClaimsText("{\"job_id\":\"job_205\",\"ok\":true}", new Claims("worker-7", T - 3_600_000, "sheratan")), ed, Map.of());
        validText(vectors, reader, "v2: issued_at exactly SHERATAN_RESULT_MAX_SKEW after t",
                withClaimsText("{\"job_id\":\"job_206\",\"ok\":true}", new Claims("worker-7", T + 300_000, "sheratan")), ed, Map.of());
        ObjectNode unmarked = vectors.addObject();
        unmarked.put("name", "no mark, SHERATAN_RESULT_INTEGRITY_REQUIRED=0: accepted with a warning");
        unmarked.put("envelope_text", "{\"job_id\":\"job_207\",\"ok\":true}");
        unmarked.putObject("env").put(IntegrityPolicy.REQUIRED, "0");
        unmarked.put("t", T);
        unmarked.put("expected", "verified");
        unmarked.put("core", "{\"job_id\":\"job_207\",\"ok\":true}");
        unmarked.put("sha256", Marks.sha256Hex("{\"job_id\":\"job_207\",\"ok\":true}".getBytes(StandardCharsets.UTF_8)));

        // missing_integrity
        String plain = "{\"job_id\":\"job_210\",\"ok\":true,\"result\":42";
        invalidText(vectors, "missing_integrity: no integrity member", plain + "}", "missing_integrity", Map.of());
        invalidText(vectors, "missing_integrity: integrity null", plain + ",\"integrity\":null}", "missing_integrity", Map.of());
        invalidText(vectors, "missing_integrity: integrity {}", plain + ",\"integrity\":{}}", "missing_integrity", Map.of());
        invalidText(vectors, "missing_integrity: a mode but neither sha256 nor sig", plain + ",\"integrity\":{\"mode\":\"sha256\"}}",
                "missing_integrity", Map.of());
        // policy and marks
        Submission v1 = reader.read((plain + "}").getBytes(StandardCharsets.UTF_8));
        String sha = v1.coreSha256();
        String sig = Marks.hmacHex(HMAC_SECRET, v1.core());
        invalidText(vectors, "unsupported_mode: a sha256 mark under an hmac policy (no downgrade)",
                plain + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\"}}", "unsupported_mode", Map.of(IntegrityPolicy.MODE, "hmac"));
        invalidText(vectors, "sig_mismatch: no mode and no sig under an hmac policy",
                plain + ",\"integrity\":{\"sha256\":\"" + sha + "\"}}", "sig_mismatch", Map.of(IntegrityPolicy.MODE, "hmac"));
        invalidText(vectors, "sig_mismatch: mode hmac without sig",
                plain + ",\"integrity\":{\"mode\":\"hmac\",\"sha256\":\"" + sha + "\"}}", "sig_mismatch", Map.of());
        invalidText(vectors, "verified: no mode, the policy's hmac applies",
                plain + ",\"integrity\":{\"sha256\":\"" + sha + "\",\"sig\":\"" + sig + "\"}}", "verified", Map.of(IntegrityPolicy.MODE, "hmac"));
        invalidText(vectors, "sig_mismatch: v1 hmac under another secret",
                plain + ",\"integrity\":{\"mode\":\"hmac\",\"sha256\":\"" + sha + "\",\"sig\":\""
                        + Marks.hmacHex("another-secret-of-thirty-two-byt".getBytes(StandardCharsets.US_ASCII), v1.core()) + "\"}}", "sig_mismatch", Map.of());
        invalidText(vectors, "sig_mismatch: v1 hmac sig in upper-case hex",
                plain + ",\"integrity\":{\"mode\":\"hmac\",\"sha256\":\"" + sha + "\",\"sig\":\"" + sig.toUpperCase(java.util.Locale.ROOT) + "\"}}",
                "sig_mismatch", Map.of());
        invalidText(vectors, "sha_mismatch: sha256 in upper-case hex",
                plain + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha.toUpperCase(java.util.Locale.ROOT) + "\"}}", "sha_mismatch", Map.of());
        invalidText(vectors, "sha_mismatch: mode sha256 with a sig but no sha256",
                plain + ",\"integrity\":{\"mode\":\"sha256\",\"sig\":\"" + sig + "\"}}", "sha_mismatch", Map.of());
        invalidText(vectors, "sha_mismatch: the result changed after signing",
                "{\"job_id\":\"job_210\",\"ok\":true,\"result\":43,\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\"}}", "sha_mismatch", Map.of());
        invalidText(vectors, "unsupported_mode: mode md5",
                plain + ",\"integrity\":{\"mode\":\"md5\",\"sha256\":\"" + sha + "\"}}", "unsupported_mode", Map.of());
        invalidText(vectors, "unsupported_mode: mode SHA256 (modes are lower case)",
                plain + ",\"integrity\":{\"mode\":\"SHA256\",\"sha256\":\"" + sha + "\"}}", "unsupported_mode", Map.of());
        invalidText(vectors, "unsupported_version: a v1 mark under minimum version 2",
                plain + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\"}}", "unsupported_version",
                Map.of(IntegrityPolicy.CANONICAL_VERSION, "2"));
        invalidText(vectors, "unknown_key: a v1 hmac mark naming a key_id the keyring lacks",
                plain + ",\"integrity\":{\"mode\":\"hmac\",\"key_id\":\"hmac/1999\",\"sha256\":\"" + sha + "\",\"sig\":\"" + sig + "\"}}",
                "unknown_key", Map.of());
        Submission v2 = base.withClaims(claims).signedBy(ed);
        ObjectNode v2Json = (ObjectNode) JSON.readTree(EnvelopeWriter.toJson(v2));
        ObjectNode hmacNamed = v2Json.deepCopy();
        ((ObjectNode) hmacNamed.get("integrity")).put("mode", "hmac");
        invalidObject(vectors, "unknown_key: an ed25519 key named by an hmac mark", hmacNamed, "unknown_key", Map.of());
        ObjectNode shortSig = v2Json.deepCopy();
        ((ObjectNode) shortSig.get("integrity")).put("sig", v2.mark().sig().substring(0, 126));
        invalidObject(vectors, "sig_mismatch: an Ed25519 signature one byte short", shortSig, "sig_mismatch", Map.of());
        ObjectNode badHex = v2Json.deepCopy();
        ((ObjectNode) badHex.get("integrity")).put("sig", "zz" + v2.mark().sig().substring(2));
        invalidObject(vectors, "sig_mismatch: an Ed25519 signature that is not hex", badHex, "sig_mismatch", Map.of());
        ObjectNode noKeyId = v2Json.deepCopy();
        ((ObjectNode) noKeyId.get("integrity")).remove("key_id");
        invalidObject(vectors, "unknown_key: a v2 ed25519 mark without key_id", noKeyId, "unknown_key", Map.of());
        invalidObject(vectors, "unsupported_mode: an hmac policy accepts ed25519 (stronger), an ed25519 policy refuses hmac",
                (ObjectNode) JSON.readTree(EnvelopeWriter.toJson(base.withClaims(claims).signedBy(hmac))), "unsupported_mode",
                Map.of(IntegrityPolicy.MODE, "ed25519"));
        invalidObject(vectors, "verified: an ed25519 mark under an hmac policy", v2Json, "verified", Map.of(IntegrityPolicy.MODE, "hmac"));
        invalidObject(vectors, "wrong_audience: SHERATAN_PIPELINE_ID is another pipeline", v2Json, "wrong_audience",
                Map.of(IntegrityPolicy.PIPELINE_ID, "staging"));
        invalidObject(vectors, "stale: a shorter SHERATAN_RESULT_MAX_AGE", (ObjectNode) JSON.readTree(EnvelopeWriter.toJson(
                base.withClaims(new Claims("worker-7", T - 60_001, "sheratan")).signedBy(ed))), "stale", Map.of(IntegrityPolicy.MAX_AGE, "PT1M"));
        ObjectNode v1Core = v2Json.deepCopy();
        ((ObjectNode) v1Core.get("integrity")).remove("v");
        invalidObject(vectors, "unsupported_mode: a v2 signature with v removed (ed25519 needs version 2)", v1Core, "unsupported_mode", Map.of());
        ObjectNode nodeChanged = v2Json.deepCopy();
        nodeChanged.put("node_id", "worker-7 ");
        invalidObject(vectors, "malformed: node_id with a space", nodeChanged, "malformed", Map.of());

        // malformed: the envelope's own rules
        String mark = ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\"}}";
        invalidText(vectors, "malformed: job_id of 257 characters", "{\"job_id\":\"" + "x".repeat(257) + "\",\"ok\":true" + mark, "malformed", Map.of());
        invalidText(vectors, "malformed: empty job_id", "{\"job_id\":\"\",\"ok\":true" + mark, "malformed", Map.of());
        invalidText(vectors, "malformed: job_id a number", "{\"job_id\":210,\"ok\":true" + mark, "malformed", Map.of());
        invalidText(vectors, "malformed: job_id null", "{\"job_id\":null,\"ok\":true" + mark, "malformed", Map.of());
        invalidText(vectors, "malformed: no job_id", "{\"ok\":true" + mark, "malformed", Map.of());
        invalidText(vectors, "malformed: ok a string", "{\"job_id\":\"job_210\",\"ok\":\"true\"" + mark, "malformed", Map.of());
        invalidText(vectors, "malformed: ok missing", "{\"job_id\":\"job_210\"" + mark, "malformed", Map.of());
        invalidText(vectors, "malformed: error a number", "{\"job_id\":\"job_210\",\"ok\":false,\"error\":7" + mark, "malformed", Map.of());
        invalidText(vectors, "malformed: error an array", "{\"job_id\":\"job_210\",\"ok\":false,\"error\":[\"x\"]" + mark, "malformed", Map.of());
        invalidText(vectors, "malformed: error a boolean", "{\"job_id\":\"job_210\",\"ok\":false,\"error\":true" + mark, "malformed", Map.of());
        invalidText(vectors, "malformed: the envelope is an array", "[" + plain + mark + "]", "malformed", Map.of());
        invalidText(vectors, "malformed: integrity a string", plain + ",\"integrity\":\"sha256\"}", "malformed", Map.of());
        invalidText(vectors, "malformed: integrity.sha256 a number", plain + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":1}}", "malformed", Map.of());
        invalidText(vectors, "malformed: integrity.v a string", plain + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\",\"v\":\"2\"}}",
                "malformed", Map.of());
        invalidText(vectors, "malformed: integrity.v negative", plain + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\",\"v\":-1}}",
                "malformed", Map.of());
        invalidText(vectors, "malformed: integrity.sig longer than 256 characters",
                plain + ",\"integrity\":{\"mode\":\"hmac\",\"sha256\":\"" + sha + "\",\"sig\":\"" + "a".repeat(257) + "\"}}", "malformed", Map.of());
        invalidText(vectors, "malformed: integrity.key_id not printable ASCII",
                plain + ",\"integrity\":{\"mode\":\"hmac\",\"key_id\":\"h\u00e9\",\"sha256\":\"" + sha + "\",\"sig\":\"" + sig + "\"}}", "malformed", Map.of());
        String v2Text = new String(EnvelopeWriter.toJson(v2), StandardCharsets.UTF_8);
        invalidText(vectors, "malformed: v2 issued_at negative", v2Text.replace("\"issued_at\":" + T, "\"issued_at\":-1"), "malformed", Map.of());
        invalidText(vectors, "malformed: v2 issued_at with a fraction", v2Text.replace("\"issued_at\":" + T, "\"issued_at\":" + T + ".5"), "malformed", Map.of());
        invalidText(vectors, "malformed: v2 issued_at a string", v2Text.replace("\"issued_at\":" + T, "\"issued_at\":\"" + T + "\""), "malformed", Map.of());
        invalidText(vectors, "malformed: v2 issued_at above 2^53", v2Text.replace("\"issued_at\":" + T, "\"issued_at\":9007199254740994"), "malformed", Map.of());
        invalidText(vectors, "malformed: v2 aud empty", v2Text.replace("\"aud\":\"sheratan\"", "\"aud\":\"\""), "malformed", Map.of());
        invalidText(vectors, "malformed: v2 node_id missing", v2Text.replace("\"node_id\":\"worker-7\",", ""), "malformed", Map.of());
        // malformed: every strict-profile rule, inside an otherwise good envelope
        invalidText(vectors, "malformed (duplicate_name): two job_id members", "{\"job_id\":\"job_210\",\"job_id\":\"job_211\",\"ok\":true" + mark,
                "malformed", Map.of());
        invalidText(vectors, "malformed (duplicate_name): inside result", "{\"job_id\":\"job_210\",\"ok\":true,\"result\":{\"v\":1,\"v\":2}" + mark,
                "malformed", Map.of());
        invalidText(vectors, "malformed (lone_surrogate): in result", "{\"job_id\":\"job_210\",\"ok\":true,\"result\":\"\\ud800\"" + mark,
                "malformed", Map.of());
        invalidText(vectors, "malformed (inexact_integer): 2^53 + 1 in result", "{\"job_id\":\"job_210\",\"ok\":true,\"result\":9007199254740993" + mark,
                "malformed", Map.of());
        invalidText(vectors, "malformed (number_overflow): 1e400 in result", "{\"job_id\":\"job_210\",\"ok\":true,\"result\":1e400" + mark,
                "malformed", Map.of());
        invalidText(vectors, "malformed (too_deep): result nested 64 deep (the envelope adds one level)",
                "{\"job_id\":\"job_210\",\"ok\":true,\"result\":" + "[".repeat(64) + "]".repeat(64) + mark, "malformed", Map.of());
        invalidText(vectors, "malformed (trailing_bytes): a second object", plain + mark + "{}", "malformed", Map.of());
        invalidText(vectors, "malformed (too_large): above SHERATAN_RESULT_MAX_BYTES", plain + mark, "malformed",
                Map.of(IntegrityPolicy.MAX_BYTES, "64"));
        invalidText(vectors, "malformed (syntax): a trailing comma", plain + ",}", "malformed", Map.of());
        ObjectNode utf8 = vectors.addObject();
        utf8.put("name", "malformed (invalid_utf8): an overlong encoding in result");
        utf8.put("envelope_hex", HexFormat.of().formatHex("{\"job_id\":\"job_210\",\"ok\":true,\"result\":\"".getBytes(StandardCharsets.UTF_8))
                + "c0af" + HexFormat.of().formatHex(("\"" + mark).getBytes(StandardCharsets.UTF_8)));
        utf8.put("t", T);
        utf8.put("expected", "malformed");
        avro(vectors, reader, ed, base, claims);
    }

    /** The Avro single-object form (DESIGN 2): the verifier reads it beside JSON, so workers' verifiers must too. */
    private static void avro(ArrayNode vectors, EnvelopeReader reader, Signer ed, Submission base, Claims claims) throws Exception {
        io.sheratan.avro.codec.AvroCodec<io.sheratan.avro.ResultSubmission> codec = io.sheratan.avro.codec.AvroCodec.resultSubmissions();
        HexFormat hex = HexFormat.of();
        Submission v1 = base.signedBy(Signer.sha256(1));
        Submission v2 = base.withClaims(claims).signedBy(ed);
        for (Submission s : new Submission[]{v1, v2}) {
            ObjectNode v = vector(vectors, "avro: " + (s == v1 ? "v1 sha256" : "v2 ed25519"), "envelope_hex",
                    JSON.getNodeFactory().textNode(hex.formatHex(codec.encode(EnvelopeWriter.toAvro(s)))), Map.of(), "verified");
            v.put("core", new String(s.core(), StandardCharsets.UTF_8));
            v.put("sha256", s.coreSha256());
            if (s.coreVersion() == 2) {
                v.put("pae", new String(Pae.encode(s.core()), StandardCharsets.UTF_8));
            }
        }
        byte[] good = codec.encode(EnvelopeWriter.toAvro(v1));
        byte[] fingerprint = good.clone();
        fingerprint[5] ^= 1;
        vector(vectors, "avro malformed: an unknown schema fingerprint", "envelope_hex", JSON.getNodeFactory().textNode(hex.formatHex(fingerprint)),
                Map.of(), "malformed");
        vector(vectors, "avro malformed: truncated", "envelope_hex",
                JSON.getNodeFactory().textNode(hex.formatHex(java.util.Arrays.copyOf(good, good.length - 3))), Map.of(), "malformed");
        vector(vectors, "avro malformed: a byte after the record", "envelope_hex",
                JSON.getNodeFactory().textNode(hex.formatHex(java.util.Arrays.copyOf(good, good.length + 1))), Map.of(), "malformed");
        io.sheratan.avro.ResultSubmission duplicate = EnvelopeWriter.toAvro(v1);
        duplicate.setResult("{\"value\":42,\"value\":43}");
        vector(vectors, "avro malformed (duplicate_name): in the result's JSON text", "envelope_hex",
                JSON.getNodeFactory().textNode(hex.formatHex(codec.encode(duplicate))), Map.of(), "malformed");
        io.sheratan.avro.ResultSubmission noClaims = EnvelopeWriter.toAvro(v2);
        noClaims.setAud(null);
        vector(vectors, "avro malformed: a version 2 mark without aud", "envelope_hex",
                JSON.getNodeFactory().textNode(hex.formatHex(codec.encode(noClaims))), Map.of(), "malformed");
        // varints in other than their one shortest form (StrictBinary): Java's Avro reads the first as 0,
        // Python's as 2^63, JavaScript's as NaN; every implementation must refuse them alike
        io.sheratan.avro.ResultSubmission zeroTime = EnvelopeWriter.toAvro(v2);
        zeroTime.setIssuedAt(0L);
        byte[] zero = codec.encode(zeroTime);
        int at = zero.length - 11; // ... 02 <issued_at 00> 02 10 "sheratan"
        vector(vectors, "avro malformed (overlong varint): issued_at as 80 80 80 80 80 80 80 80 80 02 (65 bits)", "envelope_hex",
                JSON.getNodeFactory().textNode(hex.formatHex(splice(zero, at, 1, "80808080808080808002"))), Map.of(), "malformed");
        vector(vectors, "avro malformed (overlong varint): issued_at in 11 bytes", "envelope_hex",
                JSON.getNodeFactory().textNode(hex.formatHex(splice(zero, at, 1, "8080808080808080808000"))), Map.of(), "malformed");
        vector(vectors, "avro malformed (overlong varint): job_id's length as 8e 00 (14, not in its shortest form)", "envelope_hex",
                JSON.getNodeFactory().textNode(hex.formatHex(splice(good, HEADER, 1, "8e00"))), Map.of(), "malformed");
        vector(vectors, "avro malformed (overlong varint): the result's union branch as 82 80 00", "envelope_hex",
                JSON.getNodeFactory().textNode(hex.formatHex(splice(good, HEADER + 1 + 7 + 1, 1, "828000"))), Map.of(), "malformed");
        vector(vectors, "avro malformed (overlong varint): a union branch in 6 bytes (an int has at most 5)", "envelope_hex",
                JSON.getNodeFactory().textNode(hex.formatHex(splice(good, HEADER + 1 + 7 + 1, 1, "828080808000"))), Map.of(), "malformed");
        io.sheratan.avro.ResultSubmission tampered = EnvelopeWriter.toAvro(v1);
        tampered.setResult("{\"value\":43}");
        vector(vectors, "avro sha_mismatch: the result changed after signing", "envelope_hex",
                JSON.getNodeFactory().textNode(hex.formatHex(codec.encode(tampered))), Map.of(), "sha_mismatch");
    }

    private static final int HEADER = io.sheratan.avro.codec.AvroCodec.HEADER_LENGTH;

    /** {@code bytes} with {@code length} bytes at {@code at} replaced by {@code hex}. */
    private static byte[] splice(byte[] bytes, int at, int length, String hex) {
        byte[] insert = HexFormat.of().parseHex(hex);
        byte[] out = new byte[bytes.length - length + insert.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(bytes, at + length, out, at + insert.length, bytes.length - at - length);
        return out;
    }

    private static String withClaimsText(String core, Claims c) {
        return core.substring(0, core.length() - 1) + ",\"node_id\":\"" + c.nodeId() + "\",\"issued_at\":" + c.issuedAt() + ",\"aud\":\"" + c.aud() + "\"}";
    }

    /** A valid vector whose envelope text is {@code text} as written (not canonical) with a mark by {@code signer} appended. */
    private static void validText(ArrayNode vectors, EnvelopeReader reader, String name, String text, Signer signer, Map<String, String> env)
            throws Exception {
        Submission s = reader.read(text.getBytes(StandardCharsets.UTF_8));
        if (signer.version() == 2) {
            s = s.withClaims(new Claims(((ObjectNode) JSON.readTree(text)).get("node_id").asText(),
                    JSON.readTree(text).get("issued_at").asLong(), JSON.readTree(text).get("aud").asText()));
        }
        Submission signed = s.signedBy(signer);
        ObjectNode markJson = (ObjectNode) JSON.readTree(EnvelopeWriter.toJson(signed)).get("integrity");
        ObjectNode v = vector(vectors, name, "envelope_text", JSON.getNodeFactory().textNode(
                text.substring(0, text.lastIndexOf('}')) + ",\"integrity\":" + markJson + "}"), env, "verified");
        v.put("core", new String(signed.core(), StandardCharsets.UTF_8));
        v.put("sha256", signed.coreSha256());
        if (signed.coreVersion() == 2) {
            v.put("pae", new String(Pae.encode(signed.core()), StandardCharsets.UTF_8));
        }
    }

    private static void invalidText(ArrayNode vectors, String name, String text, String reason, Map<String, String> env) {
        vector(vectors, name, "envelope_text", JSON.getNodeFactory().textNode(text), env, reason);
    }

    private static void invalidObject(ArrayNode vectors, String name, ObjectNode envelope, String reason, Map<String, String> env) {
        vector(vectors, name, "envelope", envelope, env, reason);
    }

    /** One vector's common members, in the file's order: name, the envelope, its policy variables, t, the expected outcome. */
    private static ObjectNode vector(ArrayNode vectors, String name, String envelopeField, JsonNode envelope, Map<String, String> env,
                                     String expected) {
        ObjectNode v = vectors.addObject();
        v.put("name", name);
        v.set(envelopeField, envelope);
        if (!env.isEmpty()) {
            ObjectNode e = v.putObject("env");
            new java.util.TreeMap<>(env).forEach(e::put);
        }
        v.put("t", T);
        v.put("expected", expected);
        return v;
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
