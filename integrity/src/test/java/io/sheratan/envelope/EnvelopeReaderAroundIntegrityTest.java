package io.sheratan.envelope;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.canonical.JsonCanonicalizer;
import io.sheratan.testing.Conformance;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The core hashed in place (the envelope without {@code "integrity":{...},}) against the core built
 * from its parts, on the conformance envelopes, the JSON test suite's documents (hostile input for a
 * reader) with and without an envelope around them, and 20,000 random envelopes, canonical and not:
 * the same verdict, byte for byte the same core, hash, result and mark, or the same refusal.
 */
class EnvelopeReaderAroundIntegrityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final EnvelopeReader inPlace = new EnvelopeReader(CanonicalLimits.DEFAULTS, AvroCodec.resultSubmissions(), true);
    private final EnvelopeReader built = new EnvelopeReader(CanonicalLimits.DEFAULTS, AvroCodec.resultSubmissions(), false);
    private int hashedInPlace;
    private int compared;

    @Test
    void theConformanceEnvelopesReadTheSame() throws Exception {
        JsonNode suite = JSON.readTree(Conformance.dir().resolve("..").resolve("v2").resolve("envelopes.json").toFile());
        for (JsonNode vector : suite.get("vectors")) {
            JsonNode envelope = vector.get("envelope");
            compare(JSON.writeValueAsBytes(envelope), vector.get("name").asText());
            compare(canonical(envelope), vector.get("name").asText() + " (canonical)");
        }
        assertThat(hashedInPlace).as("the in-place path is taken for many conformance envelopes").isGreaterThan(30); // 48 of the 200 reads (many vectors are refusals)
    }

    @Test
    void theJsonTestSuiteReadsTheSame() throws Exception {
        List<Path> files;
        try (Stream<Path> listed = Files.list(Conformance.dir().resolve("jsontestsuite").resolve("test_parsing"))) {
            files = listed.sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(300);
        for (Path file : files) {
            byte[] document = Files.readAllBytes(file);
            compare(document, file.getFileName().toString());
            // the document as a result, an error and a mark field inside an otherwise valid envelope
            String text = new String(document, StandardCharsets.ISO_8859_1);
            for (String around : List.of(
                    "{\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"%s\"},\"job_id\":\"j\",\"ok\":true,\"result\":%s}",
                    "{\"error\":%2$s,\"integrity\":{\"sha256\":\"%1$s\"},\"job_id\":\"j\",\"ok\":false}",
                    "{\"integrity\":{\"sha256\":\"%1$s\",\"v\":%2$s},\"job_id\":\"j\",\"ok\":true}")) {
                compare(String.format(around, "ab".repeat(32), text).getBytes(StandardCharsets.ISO_8859_1), file + " in " + around);
            }
        }
    }

    @Test
    void randomEnvelopesReadTheSame() throws Exception {
        Random random = new Random(26);
        for (int i = 0; i < 20_000; i++) {
            ObjectNode envelope = randomEnvelope(random);
            byte[] bytes = random.nextInt(4) == 0 ? JSON.writeValueAsBytes(envelope) : canonical(envelope);
            if (random.nextInt(20) == 0 && bytes.length > 2) { // a byte changed: mostly refusals, compared too
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            compare(bytes, "random envelope " + i + ": " + new String(bytes, StandardCharsets.UTF_8));
        }
        assertThat(hashedInPlace).as("the in-place path is taken for many random envelopes").isGreaterThan(2_000); // 2,597 with this seed
    }

    private void compare(byte[] bytes, String what) {
        Submission a;
        Submission b;
        MalformedEnvelopeException refusedA = null;
        MalformedEnvelopeException refusedB = null;
        try {
            a = inPlace.read(bytes.clone());
        } catch (MalformedEnvelopeException e) {
            a = null;
            refusedA = e;
        }
        try {
            b = built.read(bytes.clone());
        } catch (MalformedEnvelopeException e) {
            b = null;
            refusedB = e;
        }
        compared++;
        if (refusedA != null || refusedB != null) {
            assertThat(refusedA).as(what + ": refused by one reader only").isNotNull();
            assertThat(refusedB).as(what + ": refused by one reader only").isNotNull();
            assertThat(refusedA.getMessage()).as(what).isEqualTo(refusedB.getMessage());
            assertThat(refusedA.jobId()).as(what).isEqualTo(refusedB.jobId());
            return;
        }
        assertThat(b.hashedInPlace()).isFalse();
        if (a.hashedInPlace()) {
            hashedInPlace++;
        }
        // the hash, the DSSE encoding and an HMAC first: in place they come from the slices, before any core is copied out
        assertThat(a.coreSha256()).as(what).isEqualTo(b.coreSha256());
        assertThat(a.coreLength()).as(what).isEqualTo(b.core().length);
        assertThat(io.sheratan.integrity.Pae.encode(a)).as(what).isEqualTo(io.sheratan.integrity.Pae.encode(b.core()));
        byte[] key = "a key of thirty-two bytes or more".getBytes(StandardCharsets.US_ASCII);
        String v1 = io.sheratan.integrity.Marks.hmacHex(key, b.core());
        String v2 = io.sheratan.integrity.Marks.hmacHex(key, io.sheratan.integrity.Pae.encode(b.core()));
        assertThat(io.sheratan.integrity.Marks.hmacMatches(key, null, a, v1)).as(what).isTrue();
        assertThat(io.sheratan.integrity.Marks.hmacMatches(key, io.sheratan.integrity.Pae.header(a.coreLength()), a, v2)).as(what).isTrue();
        assertThat(io.sheratan.integrity.Marks.hmacMatches(key, null, a, v2)).as(what).isFalse();
        assertThat(a.resultLength()).as(what).isEqualTo(b.resultLength());
        if (a.resultLength() >= 0) {
            assertThat(Arrays.copyOfRange(a.resultSource(), a.resultSourceOffset(), a.resultSourceOffset() + a.resultLength()))
                    .as(what).isEqualTo(b.result());
        }
        assertThat(a.result()).as(what).isEqualTo(b.result());
        assertThat(a.resultJson()).as(what).isEqualTo(b.resultJson());
        assertThat(a.core()).as(what).isEqualTo(b.core());
        assertThat(a.resultOffset()).as(what).isEqualTo(b.resultOffset());
        assertThat(a.jobId()).as(what).isEqualTo(b.jobId());
        assertThat(a.ok()).as(what).isEqualTo(b.ok());
        assertThat(a.error()).as(what).isEqualTo(b.error());
        assertThat(a.mark()).as(what).isEqualTo(b.mark());
        assertThat(a.claims()).as(what).isEqualTo(b.claims());
        assertThat(a.coreVersion()).as(what).isEqualTo(b.coreVersion());
        assertThat(a.format()).as(what).isEqualTo(b.format());
        assertThat(io.sheratan.avro.codec.Digests.sha256Hex(a.core())).as(what + ": the hash is the core's").isEqualTo(a.coreSha256());
    }

    private static byte[] canonical(JsonNode node) throws Exception {
        return new JsonCanonicalizer(CanonicalLimits.DEFAULTS).apply(JSON.writeValueAsBytes(node));
    }

    private static ObjectNode randomEnvelope(Random random) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode envelope = f.objectNode();
        boolean v2 = random.nextInt(3) == 0;
        List<Runnable> members = new ArrayList<>();
        members.add(() -> envelope.put("job_id", randomString(random)));
        members.add(() -> {
            switch (random.nextInt(10)) {
                case 0 -> envelope.put("ok", "yes");
                case 1 -> { }
                default -> envelope.put("ok", random.nextBoolean());
            }
        });
        members.add(() -> {
            switch (random.nextInt(5)) {
                case 0 -> { }
                case 1 -> envelope.putNull("result");
                default -> envelope.set("result", randomValue(random, 3));
            }
        });
        members.add(() -> {
            switch (random.nextInt(6)) {
                case 0 -> envelope.putNull("error");
                case 1 -> envelope.put("error", randomString(random));
                case 2 -> envelope.set("error", randomValue(random, 2));
                default -> { }
            }
        });
        members.add(() -> {
            switch (random.nextInt(12)) {
                case 0 -> { }
                case 1 -> envelope.putNull("integrity");
                case 2 -> envelope.put("integrity", "sha256");
                default -> {
                    ObjectNode mark = envelope.putObject("integrity");
                    if (random.nextInt(4) != 0) {
                        mark.put("mode", List.of("sha256", "hmac", "ed25519").get(random.nextInt(3)));
                    }
                    mark.put("sha256", random.nextInt(8) == 0 ? "short" : "cd".repeat(32));
                    if (random.nextBoolean()) {
                        mark.put("sig", "ef".repeat(32));
                        mark.put("key_id", "k-" + random.nextInt(9));
                    }
                    if (v2) {
                        mark.put("v", random.nextInt(10) == 0 ? 3 : 2);
                    } else if (random.nextInt(6) == 0) {
                        mark.put("v", 1);
                    }
                }
            }
        });
        if (v2) {
            members.add(() -> { if (random.nextInt(12) != 0) envelope.put("aud", randomString(random)); });
            members.add(() -> {
                if (random.nextInt(12) != 0) {
                    if (random.nextInt(15) == 0) {
                        envelope.put("issued_at", 1.5);
                    } else {
                        envelope.put("issued_at", 1_764_000_000_000L + random.nextInt(1_000_000));
                    }
                }
            });
            members.add(() -> { if (random.nextInt(12) != 0) envelope.put("node_id", randomString(random)); });
        } else if (random.nextInt(8) == 0) {
            members.add(() -> envelope.put("node_id", "worker-1")); // a v1 envelope with a member the core lacks
        }
        if (random.nextInt(10) == 0) {
            members.add(() -> envelope.put("zz_extra", random.nextInt(100)));
        }
        java.util.Collections.shuffle(members, random);
        members.forEach(Runnable::run);
        return envelope;
    }

    private static String randomString(Random random) {
        String[] parts = {"job", "é", "日本", "\u2028", "\"", "\\", "a/b", "\uD83D\uDE00", " ", "x"};
        StringBuilder out = new StringBuilder();
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            out.append(parts[random.nextInt(parts.length)]);
        }
        return out.toString();
    }

    private static JsonNode randomValue(Random random, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        switch (depth <= 0 ? random.nextInt(5) : random.nextInt(7)) {
            case 0:
                return f.numberNode(random.nextInt(2_000_000) - 1_000_000);
            case 1:
                return f.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20));
            case 2:
                return f.textNode(randomString(random));
            case 3:
                return f.booleanNode(random.nextBoolean());
            case 4:
                return f.nullNode();
            case 5: {
                ArrayNode array = f.arrayNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    array.add(randomValue(random, depth - 1));
                }
                return array;
            }
            default: {
                ObjectNode object = f.objectNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    object.set(randomString(random), randomValue(random, depth - 1));
                }
                return object;
            }
        }
    }
}
