package io.sheratan.tools.bench;

import io.sheratan.integrity.Signer;

import io.sheratan.avro.ResultSubmission;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.integrity.IntegrityPolicy;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The hostile record classes of RELIABILITY.md, in one place for the hostile-input suite
 * ({@code HostileInputIT}, against a real broker) and {@code sheratan bench hostile} (CPU per record):
 * Avro length fields that lie, sizes around every limit, nulls and odd keys, header abuse, expansion
 * and CPU-expensive spellings, deep nesting. Each says which outcome the verifier must give it.
 */
public final class HostileCorpus {

    /** One class: a name, what an attacker sends, and the outcome it must get (a prefix of "audit reason" or "verified"). */
    public record Hostile(String name, byte[] key, byte[] value, RecordHeaders headers, String expected) {
        Hostile(String name, String key, byte[] value) {
            this(name, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, new RecordHeaders(), "audit malformed");
        }

        Hostile expecting(String outcome) {
            return new Hostile(name, key, value, headers, outcome);
        }
    }

    private static final EnvelopeReader READER = new EnvelopeReader(CanonicalLimits.DEFAULTS);

    private HostileCorpus() {
    }

    /** A valid envelope under the default (sha256) policy. */
    public static byte[] signed(String jobId, String result) {
        try {
            byte[] unsigned = ("{\"job_id\":\"" + jobId + "\",\"ok\":true,\"result\":" + result + "}").getBytes(StandardCharsets.UTF_8);
            return EnvelopeWriter.toJson(READER.read(unsigned).signedBy(Signer.v1(IntegrityPolicy.defaults())));
        } catch (MalformedEnvelopeException e) {
            throw new IllegalArgumentException("not a valid result: " + e.detail(), e);
        }
    }

    /** {@code bytes} with the one byte at {@code at} replaced by {@code with}. */
    private static byte[] splice(byte[] bytes, int at, byte[] with) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, at);
        out.writeBytes(with);
        out.write(bytes, at + 1, bytes.length - at - 1);
        return out.toByteArray();
    }

    /** Every class; {@code lieStep} spaces the positions at which an Avro length lie is inserted (1 = every byte). */
    public static List<Hostile> all(int lieStep) {
        List<Hostile> corpus = new ArrayList<>();
        AvroCodec<ResultSubmission> avro = AvroCodec.resultSubmissions();
        byte[] goodAvro = avro.encode(ResultSubmission.newBuilder().setJobId("h-avro").setOk(true)
                .setResult("{\"v\":1}").setError(null).setIntegrity(null).build());
        // Avro: 15 bytes whose first string claims ~2 GB, then length lies at many positions
        ByteArrayOutputStream lie = new ByteArrayOutputStream();
        lie.write(goodAvro, 0, AvroCodec.HEADER_LENGTH);
        lie.writeBytes(new byte[] {(byte) 0xF0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F});
        corpus.add(new Hostile("avro: 15 bytes claiming a 2 GB string", "h-avro", lie.toByteArray()));
        for (int at = AvroCodec.HEADER_LENGTH; at < goodAvro.length; at += lieStep) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(goodAvro, 0, at);
            out.writeBytes(new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07});
            out.write(goodAvro, at, goodAvro.length - at);
            // a lie that happens to decode is still one outcome: whatever the reader made of it, audited
            corpus.add(new Hostile("avro: length lie at byte " + at, "h-avro", out.toByteArray()).expecting("audit "));
        }
        // varints in other than their shortest form (read differently by Java, Python and JavaScript Avro): refused alike
        int lengthAt = AvroCodec.HEADER_LENGTH; // job_id's length: 0c ("h-avro")
        corpus.add(new Hostile("avro: overlong varint (job_id length 8c 00)", "h-avro", splice(goodAvro, lengthAt, new byte[] {(byte) 0x8C, 0x00})));
        int branchAt = lengthAt + 1 + 6 + 1; // the result's union branch: 02
        corpus.add(new Hostile("avro: overlong varint (a union branch in 6 bytes)", "h-avro",
                splice(goodAvro, branchAt, new byte[] {(byte) 0x82, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00})));
        corpus.add(new Hostile("avro: truncated", "h-avro", Arrays.copyOf(goodAvro, goodAvro.length - 2)));
        corpus.add(new Hostile("avro: trailing bytes", "h-avro", Arrays.copyOf(goodAvro, goodAvro.length + 4)));
        // nulls and keys
        corpus.add(new Hostile("tombstone (null value)", "h-null", null));
        corpus.add(new Hostile("null key", null, signed("h-nokey", "1")));
        corpus.add(new Hostile("non-UTF-8 key", new byte[] {(byte) 0xFF, (byte) 0xFE}, signed("h-key", "1"), new RecordHeaders(),
                "audit malformed"));
        corpus.add(new Hostile("empty value", "h-empty", new byte[0]));
        // headers: unsigned and ignored unless they are a node id
        RecordHeaders many = new RecordHeaders();
        for (int i = 0; i < 2_000; i++) {
            many.add("sheratan.node_id", ("x".repeat(200) + i).getBytes(StandardCharsets.UTF_8));
        }
        corpus.add(new Hostile("2,000 oversized node_id headers on a valid result", "h-headers".getBytes(StandardCharsets.UTF_8),
                signed("h-headers", "1"), many, "verified"));
        // sizes around the limits: the input limit (1 MiB) and the output limit (1,000,000 bytes)
        int limit = CanonicalLimits.DEFAULTS.maxBytes();
        corpus.add(new Hostile("document one byte over the input limit", "h-big",
                ("{\"job_id\":\"h-big\",\"ok\":true,\"result\":\"" + "x".repeat(limit - 39) + "\"}").getBytes(StandardCharsets.UTF_8)));
        // 46,500 x 1e20: 233 KB in, a canonical core of ~1.02 MB (under the canonicalizer's 1 MiB, which
        // holds for its output too), so a signed record whose verified output is over 1,000,000 bytes
        String expanding = "[" + String.join(",", Collections.nCopies(46_500, "1e20")) + "]";
        String sha;
        try {
            sha = READER.read(("{\"job_id\":\"h-expand\",\"ok\":true,\"result\":" + expanding + "}").getBytes(StandardCharsets.UTF_8))
                    .coreSha256();
        } catch (MalformedEnvelopeException e) {
            throw new IllegalStateException(e);
        }
        corpus.add(new Hostile("signed 1e20 x 46,500: canonical form 4x the input, over the output limit", "h-expand",
                ("{\"job_id\":\"h-expand\",\"ok\":true,\"result\":" + expanding + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\""
                        + sha + "\"}}").getBytes(StandardCharsets.UTF_8)));
        String exploding = "[" + String.join(",", Collections.nCopies(180_000, "1e20")) + "]";
        corpus.add(new Hostile("1e20 x 180,000: 900 KB in, a canonical form of 3.9 MB, over the canonicalizer's limit", "h-explode",
                ("{\"job_id\":\"h-explode\",\"ok\":true,\"result\":" + exploding + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\""
                        + "00".repeat(32) + "\"}}").getBytes(StandardCharsets.UTF_8)));
        corpus.add(new Hostile("a 500 KB sig", "h-sig", ("{\"job_id\":\"h-sig\",\"ok\":true,\"integrity\":{\"mode\":\"hmac\",\"sig\":\""
                + "ab".repeat(250_000) + "\"}}").getBytes(StandardCharsets.UTF_8)));
        // CPU and nesting
        corpus.add(new Hostile("nesting 200,000 deep", "h-deep", ("{\"job_id\":\"h-deep\",\"ok\":true,\"result\":"
                + "[".repeat(200_000) + "]".repeat(200_000) + "}").getBytes(StandardCharsets.UTF_8)));
        corpus.add(new Hostile("a 500,000-digit number", "h-digits", ("{\"job_id\":\"h-digits\",\"ok\":true,\"result\":0."
                + "1".repeat(500_000) + "e-300}").getBytes(StandardCharsets.UTF_8)).expecting("audit missing_integrity"));
        StringBuilder members = new StringBuilder("{\"job_id\":\"h-members\",\"ok\":true,\"result\":{");
        for (int i = 0; i < 60_000; i++) {
            members.append(i == 0 ? "" : ",").append("\"m").append(i).append("\":").append(i);
        }
        corpus.add(new Hostile("60,000 members, one name twice", "h-members",
                members.append(",\"m7\":7}}").toString().getBytes(StandardCharsets.UTF_8)));
        corpus.add(new Hostile("150,000 escaped NULs", "h-escapes", ("{\"job_id\":\"h-escapes\",\"ok\":true,\"result\":\""
                + "\\u0000".repeat(150_000) + "\"}").getBytes(StandardCharsets.UTF_8)).expecting("audit missing_integrity"));
        corpus.add(new Hostile("lone surrogate", "h-surrogate",
                "{\"job_id\":\"h-surrogate\",\"ok\":true,\"result\":\"\\ud800\"}".getBytes(StandardCharsets.UTF_8)));
        return corpus;
    }
}
