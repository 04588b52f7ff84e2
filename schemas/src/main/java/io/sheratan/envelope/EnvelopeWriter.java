package io.sheratan.envelope;

import io.sheratan.canonical.JsonCanonicalizer;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.sheratan.avro.ResultSubmission;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes a submission back out as a JSON envelope (DESIGN.md section 2) or an Avro
 * {@link ResultSubmission}. {@code result} and {@code error} are written as their canonical bytes,
 * so what a signer sends is byte for byte what the verifier will hash.
 */
public final class EnvelopeWriter {

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private EnvelopeWriter() {
    }

    /**
     * The JSON envelope, itself in RFC 8785 canonical form: the core's members with the integrity
     * member spliced in at its sorted place (after {@code error}, before {@code job_id}), and the
     * mark's members in sorted order too. The core is canonical already, so this is byte splicing;
     * and a verifier reading it finds every object sorted, which is its fast path.
     */
    public static byte[] toJson(Submission s) {
        byte[] core = s.core();
        IntegrityMark mark = s.mark();
        if (mark == null) {
            return core.clone();
        }
        // "integrity" sorts after "aud" and "error", before "issued_at" and "job_id"
        int insertAt = 1;
        if (s.claims() != null) {
            insertAt += AUD_MEMBER.length + JsonCanonicalizer.canonicalString(s.claims().aud()).length + 1;
        }
        if (s.error() != null) {
            insertAt += ERROR_MEMBER.length + s.error().length + 1;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(core.length + 220);
        bytes.write(core, 0, insertAt);
        bytes.writeBytes(INTEGRITY);
        try (JsonGenerator g = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            g.writeStartObject();
            writeIfSet(g, "key_id", mark.keyId());
            writeIfSet(g, "mode", mark.mode());
            writeIfSet(g, "sha256", mark.sha256());
            writeIfSet(g, "sig", mark.sig());
            if (mark.version() != null) {
                g.writeNumberField("v", mark.version());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytes.write(',');
        bytes.write(core, insertAt, core.length - insertAt);
        return bytes.toByteArray();
    }

    private static final byte[] INTEGRITY = "\"integrity\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR_MEMBER = "\"error\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUD_MEMBER = "\"aud\":".getBytes(StandardCharsets.US_ASCII);

    public static ResultSubmission toAvro(Submission s) {
        ResultSubmission.Builder builder = ResultSubmission.newBuilder()
                .setJobId(s.jobId())
                .setOk(s.ok())
                .setResult(s.resultJson())
                .setError(s.errorJson());
        IntegrityMark mark = s.mark();
        if (mark != null) {
            builder.setIntegrity(io.sheratan.avro.IntegrityMark.newBuilder()
                    .setMode(mark.mode())
                    .setSha256(mark.sha256())
                    .setSig(mark.sig())
                    .setKeyId(mark.keyId())
                    .setV(mark.version())
                    .build());
        }
        if (s.claims() != null) {
            builder.setNodeId(s.claims().nodeId()).setIssuedAt(s.claims().issuedAt()).setAud(s.claims().aud());
        }
        return builder.build();
    }

    private static void writeIfSet(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }
}
